package registry

import (
	"encoding/json"
	"sync"
)

// RelationDecoder decodes relation index entries (a Relation as JSON)
// through a cache keyed by the entry's bytes. An impact reads every
// relation to its subject (hundreds, each with its contract text), and
// decoding that JSON cost more than checking the pairs; the entries rarely
// change, and the bytes determine the Relation, so a hit is always right.
// The cache holds at most maxBytes of entries; when full it starts over.
// Safe for concurrent use; returned values share only immutable strings.
type RelationDecoder struct {
	mu       sync.RWMutex
	m        map[string]Relation
	size     int
	maxBytes int
}

// NewRelationDecoder returns a decoder caching up to maxBytes of entries.
func NewRelationDecoder(maxBytes int) *RelationDecoder {
	return &RelationDecoder{m: map[string]Relation{}, maxBytes: maxBytes}
}

// Decode returns the relation encoded in raw.
func (d *RelationDecoder) Decode(raw []byte) (Relation, error) {
	d.mu.RLock()
	r, ok := d.m[string(raw)] // no copy: the conversion is only for the lookup
	d.mu.RUnlock()
	if ok {
		return r, nil
	}
	return d.miss(string(raw), raw)
}

// DecodeString is Decode for an entry held as a string.
func (d *RelationDecoder) DecodeString(raw string) (Relation, error) {
	d.mu.RLock()
	r, ok := d.m[raw]
	d.mu.RUnlock()
	if ok {
		return r, nil
	}
	return d.miss(raw, []byte(raw))
}

func (d *RelationDecoder) miss(key string, raw []byte) (Relation, error) {
	var r Relation
	if err := json.Unmarshal(raw, &r); err != nil {
		return Relation{}, err
	}
	if len(key) > d.maxBytes {
		return r, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.size+len(key) > d.maxBytes {
		d.m, d.size = map[string]Relation{}, 0
	}
	if _, dup := d.m[key]; !dup {
		d.m[key] = r
		d.size += len(key)
	}
	return r, nil
}

// Len returns how many entries the cache holds.
func (d *RelationDecoder) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

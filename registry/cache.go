package registry

import (
	"container/list"
	"sync"

	"github.com/batonhq/baton/compat"
)

// DefaultCacheSize is the number of entries kept per cache when
// Options.CacheSize is zero.
const DefaultCacheSize = 4096

// DefaultCacheBytes bounds each cache of compiled schemas when
// Options.CacheBytes is zero. A count alone is no bound on memory: a
// compiled 50-property event holds about 70 KB, a 2,000-property one a few
// MB, so 4,096 ever-new proposals filled 300 MB and the heap (GOGC 400)
// grew past 1.5 GB, and growing it cost more than the checks. 64 MiB holds
// about 900 compiled 50-property events.
const DefaultCacheBytes = 64 << 20

// lru is a small concurrency-safe least-recently-used map. It is written
// here rather than imported because it is ~60 lines and the registry needs
// nothing more than Get/Add with a fixed bound: a number of entries and,
// when size is set, a total size (the newest entry is always kept).
type lru[K comparable, V any] struct {
	mu      sync.Mutex
	max     int
	maxSize int64
	size    func(V) int64 // nil: entries are only counted
	total   int64
	ll      *list.List // front = most recently used; elements hold *entry
	items   map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int64
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &lru[K, V]{max: max, ll: list.New(), items: make(map[K]*list.Element)}
}

// newSizedLRU is newLRU that also keeps the sum of size(v) within maxSize.
func newSizedLRU[K comparable, V any](max int, maxSize int64, size func(V) int64) *lru[K, V] {
	c := newLRU[K, V](max)
	if maxSize <= 0 {
		maxSize = DefaultCacheBytes
	}
	c.maxSize, c.size = maxSize, size
	return c
}

func (c *lru[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Add inserts or refreshes k, evicting least recently used entries while
// the cache is over its bounds.
func (c *lru[K, V]) Add(k K, v V) {
	var n int64
	if c.size != nil {
		n = c.size(v)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*entry[K, V])
		c.total += n - e.size
		e.val, e.size = v, n
		c.ll.MoveToFront(el)
	} else {
		c.items[k] = c.ll.PushFront(&entry[K, V]{key: k, val: v, size: n})
		c.total += n
	}
	for c.ll.Len() > 1 && (c.ll.Len() > c.max || (c.size != nil && c.total > c.maxSize)) {
		old := c.ll.Back()
		e := old.Value.(*entry[K, V])
		c.ll.Remove(old)
		delete(c.items, e.key)
		c.total -= e.size
	}
}

func (c *lru[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// schemaCache holds compiled schemas: stored versions by schema ID (a check
// against history never recompiles them) and proposals by fingerprint (CI
// re-checks the same schema on every build, and the second check compiles
// nothing). Compiled schemas are immutable, so sharing them is safe.
//
// Two cheaper caches sit in front: rawFP maps a digest of the text exactly as
// submitted to its canonical fingerprint (canonicalizing re-parses the JSON,
// which costs more than the check on a cache hit), and schemas holds stored
// schema records by ID (immutable: an ID is bound to one schema forever).
//
// A text's rawFP entry is validated once that exact text has compiled: two
// texts with one canonical form can differ in validity (a repeated key, a
// number literal over the digit limit), so a compiled schema cached by
// fingerprint is reused only for texts that passed validation themselves.
type schemaCache struct {
	byID    *lru[int64, *compat.Schema]
	byFP    *lru[string, *compat.Schema]
	rawFP   *lru[[32]byte, rawEntry]
	schemas *lru[int64, Schema]
	// reports memoizes verdicts: the engine is deterministic, so the same
	// proposal against the same stored versions under the same mode and
	// policy always yields the same report (see reportKey).
	reports *lru[string, compat.Report]
	// impacted holds fingerprints of proposals an impact has already been
	// computed for: only a proposal seen again (CI re-checking a change, a
	// publish after its check) has its hundreds of pair verdicts kept in
	// reports; a one-off would only push useful verdicts out.
	impacted *lru[string, struct{}]
}

// rawEntry is what rawFP holds for a submitted text.
type rawEntry struct {
	fp        string
	validated bool // the text itself compiled without error
}

func newSchemaCache(size int, bytes int64) *schemaCache {
	return &schemaCache{
		byID:    newSizedLRU[int64](size, bytes, (*compat.Schema).MemSize),
		byFP:    newSizedLRU[string](size, bytes, (*compat.Schema).MemSize),
		rawFP:   newLRU[[32]byte, rawEntry](size),
		schemas: newLRU[int64, Schema](size),
		reports: newLRU[string, compat.Report](size),

		impacted: newLRU[string, struct{}](size),
	}
}

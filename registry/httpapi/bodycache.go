package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/batonhq/baton/compat"
)

// pureCache maps keys to values that are a pure function of the key, so an
// entry never goes stale and is never invalidated. A hit costs a read lock
// and a map lookup; nothing is recorded on hits (an LRU would take an
// exclusive lock on every one, the contention this exists to avoid at
// c=32), and a full cache drops arbitrary entries (Go's map order), which
// keeps the bound without bookkeeping.
type pureCache[K comparable, V any] struct {
	mu    sync.RWMutex
	m     map[K]V
	cost  func(K, V) int // bytes an entry holds
	size  int
	limit int
}

func newPureCache[K comparable, V any](limit int, cost func(K, V) int) *pureCache[K, V] {
	return &pureCache[K, V]{m: make(map[K]V), cost: cost, limit: limit}
}

func (c *pureCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

// lookupBytes is get for a cache keyed by strings, with the key as bytes:
// indexing with string(b) does not copy b.
func lookupBytes[V any](c *pureCache[string, V], b []byte) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[string(b)]
	c.mu.RUnlock()
	return v, ok
}

// add keeps k unless it alone is over the bound.
func (c *pureCache[K, V]) add(k K, v V) {
	n := c.cost(k, v)
	if n > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	for ok, ov := range c.m {
		if c.size+n <= c.limit {
			break
		}
		delete(c.m, ok)
		c.size -= c.cost(ok, ov)
	}
	c.m[k] = v
	c.size += n
}

// bodyCache holds the encoded answers of reads whose answer never changes:
// a schema ID is bound to one schema forever (both stores keep the record
// through hard deletes, see boltstore.hardDelete and redisstore.allocate),
// so GET /schemas/ids/{id} can be served from bytes prepared once, with no
// store read and no encoding. This is the read path clients hit hardest
// (serializers resolve every message's schema ID), and on it the store
// read and the JSON encoding were more than half of the server's own cost.
// A cached ID is answered while the store is unreachable, as the Redis
// store's own record cache already does.
type bodyCache = pureCache[int64, cachedBody]

// cachedBody is an answer with its Content-Length value, prepared once.
type cachedBody struct {
	body   []byte
	length []string
}

// bodyCacheBytes bounds each answer cache: ~8,000 answers of a 2 KB schema.
const bodyCacheBytes = 16 << 20

func newBodyCache(limit int) *bodyCache {
	return newPureCache(limit, func(_ int64, cb cachedBody) int { return len(cb.body) })
}

// serveCached answers id from c, or builds the answer with load, sends it,
// and keeps it when it is a success. load's error goes to onErr.
func serveCached(c *bodyCache, w http.ResponseWriter, r *http.Request, id int64, load func(context.Context) ([]byte, error), onErr func(error)) {
	cb, ok := c.get(id)
	if !ok {
		body, err := load(r.Context())
		if err != nil {
			onErr(err)
			return
		}
		cb = cachedBody{body, []string{strconv.Itoa(len(body))}}
		c.add(id, cb)
	}
	writeBodyLength(w, http.StatusOK, cb.body, cb.length)
}

// schemaRequests holds decoded schema request bodies by their bytes. CI
// re-checks (and re-publishes) the same schema on every build, and on the
// cached-verdict path decoding the JSON body (a schema of a few KB
// escaped in a string, scanned twice by encoding/json) was half of the
// server's own cost. Decoding is a pure function of the bytes, so the
// cache is shared by every server in the process.
var schemaRequests = newPureCache(8<<20, func(k string, v schemaRequest) int { return 2 * len(k) })

// decodeSchemaRequest reads a publish, lookup or check body.
func decodeSchemaRequest(r *http.Request) (schemaRequest, error) {
	data, err := readBody(r)
	if err != nil {
		return schemaRequest{}, err
	}
	if req, ok := lookupBytes(schemaRequests, data); ok {
		req.References = slices.Clone(req.References) // callers must not alias the cache
		return req, nil
	}
	req, ok := plainSchemaRequest(data)
	if !ok {
		req, err = decodeBytes[schemaRequest](data)
	}
	if err == nil {
		err = req.valid()
	}
	if err != nil {
		return req, err
	}
	schemaRequests.add(string(data), req)
	req.References = slices.Clone(req.References)
	return req, nil
}

// plainSchemaRequest decodes the body serializers and CI send, an object
// whose only members named like a field of schemaRequest are "schema" and
// "schemaType", spelled exactly, with string values, in one pass
// (compat.DecodeJSON) instead of encoding/json's reflection over two
// scans; its answer is json.Unmarshal's. Any other body (references, an
// import's id, a field name in other case, a value of another type,
// invalid JSON or UTF-8) is left to decodeBytes, ok = false.
func plainSchemaRequest(data []byte) (req schemaRequest, ok bool) {
	if !utf8.Valid(data) {
		return req, false
	}
	v, err := compat.DecodeJSON(data)
	m, isObject := v.(map[string]any)
	if err != nil || !isObject {
		return req, false
	}
	for k, v := range m {
		switch {
		case k == "schema" || k == "schemaType":
			s, isString := v.(string)
			if !isString {
				return req, false
			}
			if k == "schema" {
				req.Schema = &s
			} else {
				req.SchemaType = s
			}
		case schemaRequestField(k):
			return req, false
		}
	}
	return req, true
}

// schemaRequestField reports whether json.Unmarshal would decode member
// k into a field of schemaRequest: it matches names case-insensitively.
func schemaRequestField(k string) bool {
	for _, f := range []string{"schema", "schemaType", "references", "id", "version"} {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

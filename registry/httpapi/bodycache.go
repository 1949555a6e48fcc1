package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"
)

// bodyCache holds the encoded answers of reads whose answer never changes:
// a schema ID is bound to one schema forever (both stores keep the record
// through hard deletes, see boltstore.hardDelete and redisstore.allocate),
// so GET /schemas/ids/{id} can be served from bytes prepared once, with no
// store read and no encoding. This is the read path clients hit hardest
// (serializers resolve every message's schema ID), and on it the store
// read and the JSON encoding were more than half of the server's own cost.
//
// A hit costs a read lock and a map lookup; nothing is recorded on hits
// (an LRU would take an exclusive lock on every one), and a full cache
// drops arbitrary entries (Go's map order), which keeps the bound without
// bookkeeping. A cached ID is answered while the store is unreachable,
// as the Redis store's own record cache already does.
type bodyCache struct {
	mu    sync.RWMutex
	m     map[int64]cachedBody
	size  int // bytes held
	limit int
}

// cachedBody is an answer with its Content-Length value, prepared once.
type cachedBody struct {
	body   []byte
	length []string
}

// bodyCacheBytes bounds each cache: ~8,000 answers of a 2 KB schema.
const bodyCacheBytes = 16 << 20

func newBodyCache(limit int) *bodyCache {
	return &bodyCache{m: make(map[int64]cachedBody), limit: limit}
}

// serve answers id from the cache, or builds the answer with load, sends
// it, and keeps it when it is a success. load's error goes to writeError.
func (c *bodyCache) serve(w http.ResponseWriter, r *http.Request, id int64, load func(context.Context) ([]byte, error), onErr func(error)) {
	c.mu.RLock()
	cb, ok := c.m[id]
	c.mu.RUnlock()
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

func (c *bodyCache) add(id int64, cb cachedBody) {
	if len(cb.body) > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok {
		return
	}
	for k, v := range c.m {
		if c.size+len(cb.body) <= c.limit {
			break
		}
		delete(c.m, k)
		c.size -= len(v.body)
	}
	c.m[id] = cb
	c.size += len(cb.body)
}

package registry

import (
	"container/list"
	"sync"

	"github.com/batonhq/baton/compat"
)

// DefaultCacheSize is the number of compiled schemas kept per cache when
// ServiceOptions.CacheSize is zero. A compiled 50-property event is tens of
// KB, so 4,096 entries stay well under a few hundred MB even for big schemas.
const DefaultCacheSize = 4096

// lru is a small concurrency-safe least-recently-used map. It is written
// here rather than imported because it is ~50 lines and the registry needs
// nothing more than Get/Add with a fixed bound.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // front = most recently used; elements hold *entry
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &lru[K, V]{max: max, ll: list.New(), items: make(map[K]*list.Element, max)}
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

// Add inserts or refreshes k, evicting the least recently used entry when
// the cache is full.
func (c *lru[K, V]) Add(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		el.Value.(*entry[K, V]).val = v
		c.ll.MoveToFront(el)
		return
	}
	c.items[k] = c.ll.PushFront(&entry[K, V]{key: k, val: v})
	if c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*entry[K, V]).key)
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
type schemaCache struct {
	byID    *lru[int64, *compat.Schema]
	byFP    *lru[string, *compat.Schema]
	rawFP   *lru[[32]byte, string]
	schemas *lru[int64, Schema]
	// reports memoizes verdicts: the engine is deterministic, so the same
	// proposal against the same stored versions under the same mode and
	// policy always yields the same report (see reportKey).
	reports *lru[string, compat.Report]
	// props holds top-level property names by fingerprint (impact reasons).
	props *lru[string, []string]
}

func newSchemaCache(size int) *schemaCache {
	return &schemaCache{
		byID:    newLRU[int64, *compat.Schema](size),
		byFP:    newLRU[string, *compat.Schema](size),
		rawFP:   newLRU[[32]byte, string](size),
		schemas: newLRU[int64, Schema](size),
		reports: newLRU[string, compat.Report](size),
		props:   newLRU[string, []string](size),
	}
}

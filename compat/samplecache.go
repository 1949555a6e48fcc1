package compat

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"weak"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Samples of the writer depend on the writer alone, and an impact checks
// one proposal (the writer) against hundreds of contracts: the base
// object every object witness is built on, and the samples of writer
// properties, would be rebuilt and revalidated for each of them. So
// samples of sets made only of writer nodes, asked for outside any other
// sample's construction, are kept with the writer schema and shared by
// every check that has it as writer.
//
// A shared sample is always computed by a fresh sampler (its own memo,
// budget and recursion guard), so it is a function of the node set alone:
// a check gets the same witness whether the cache was warm or not, and
// whichever check ran first. Its budget cost is charged to each check that
// uses it, as if the check had built it. Every witness is still validated
// against the whole writer and reader by Check before it is reported.

// maxSharedSamples bounds the samples kept per writer schema.
const maxSharedSamples = 1024

type sharedSamples struct {
	mu  sync.Mutex
	ids map[*js.Schema]int
	m   map[string]sharedSample
	// views holds the writerView of single writer nodes (*js.Schema ->
	// *writerView); a view is never changed once built.
	views sync.Map
	// accepted holds witness documents the writer accepts (string -> struct{}),
	// at most maxSharedSamples of them (nAccepted counts the stores).
	accepted  sync.Map
	nAccepted atomic.Int64
}

type sharedSample struct {
	v    any
	ok   bool
	cost int // sample nodes built, charged to each user
}

// samplesBySchema maps a writer schema (weakly: it does not keep it alive)
// to its shared samples; an entry is removed when its schema is collected.
var samplesBySchema sync.Map // weak.Pointer[Schema] -> *sharedSamples

func (s *Schema) sharedSamples() *sharedSamples {
	wp := weak.Make(s)
	if v, ok := samplesBySchema.Load(wp); ok {
		return v.(*sharedSamples)
	}
	v, loaded := samplesBySchema.LoadOrStore(wp, &sharedSamples{ids: map[*js.Schema]int{}, m: map[string]sharedSample{}})
	if !loaded {
		runtime.AddCleanup(s, func(wp weak.Pointer[Schema]) { samplesBySchema.Delete(wp) }, wp)
	}
	return v.(*sharedSamples)
}

// sharedKey names a node set (in order) with a kind of sample and depth.
func (ss *sharedSamples) key(kind byte, ws wset, depth int) string {
	b := make([]byte, 0, 8+8*len(ws))
	b = append(b, kind)
	b = strconv.AppendInt(b, int64(depth), 36)
	for _, n := range ws {
		id, ok := ss.ids[n.s]
		if !ok {
			id = len(ss.ids) + 1
			ss.ids[n.s] = id
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(id), 36)
		if n.neg {
			b = append(b, '!')
		}
		if n.done != 0 {
			b = append(b, '~', '0'+n.done)
		}
	}
	return string(b)
}

// shareable reports whether a sample of ws may come from the writer's
// shared samples: a writer is known, no sample is being built (no
// recursion guard is active) and every node is the writer's.
func (c *checker) shareable(ws wset) bool {
	if c.writer == nil || c.fresh || len(c.sampling) > 0 {
		return false
	}
	for _, n := range ws {
		if _, ok := c.hashes[0][n.s]; !ok {
			return false
		}
	}
	return true
}

// view returns the writer view of ws, shared between checks when ws is a
// single positive writer node (the common case: the view of a node with
// many required properties is a map worth keeping).
func (c *checker) view(ws wset) *writerView {
	if len(ws) != 1 || ws[0].neg || c.writer == nil {
		return newWriterView(ws)
	}
	if _, ok := c.hashes[0][ws[0].s]; !ok {
		return newWriterView(ws)
	}
	if c.shared == nil {
		c.shared = c.writer.sharedSamples()
	}
	if v, ok := c.shared.views.Load(ws[0].s); ok {
		return v.(*writerView)
	}
	v, _ := c.shared.views.LoadOrStore(ws[0].s, newWriterView(ws))
	return v.(*writerView)
}

// writerAcceptsDoc validates witness v (encoded as doc) against the whole
// writer. Checks that share a writer often report the same witness (the
// writer's base object with one property changed or missing), so the
// documents the writer accepted are remembered with it, by their encoding:
// validation is a function of the schema and the document.
func (c *checker) writerAcceptsDoc(writer *Schema, doc []byte, v any) bool {
	ss := writer.sharedSamples()
	if _, ok := ss.accepted.Load(string(doc)); ok {
		return true
	}
	if writer.root.Validate(v) != nil {
		return false
	}
	if ss.nAccepted.Add(1) <= maxSharedSamples {
		ss.accepted.Store(string(doc), struct{}{})
	}
	return true
}

// sharedSample returns the shared sample of (kind, ws, depth), computing it with
// a fresh sampler on a miss, and charges its cost to c's budget.
func (c *checker) sharedSample(kind byte, ws wset, depth int, build func(sc *checker) (any, bool)) (any, bool) {
	if c.shared == nil {
		c.shared = c.writer.sharedSamples()
	}
	ss := c.shared
	ss.mu.Lock()
	k := ss.key(kind, ws, depth)
	e, hit := ss.m[k]
	ss.mu.Unlock()
	if !hit {
		sc := &checker{opts: c.opts, bud: c.bud, hashes: c.hashes, dyn: c.dyn, ids: map[*js.Schema]int{}, memo: newCoMemo[string, []finding](), fresh: true}
		e.v, e.ok = build(sc)
		e.cost = sc.sampleNodes
		ss.mu.Lock()
		// A sample cut short by this check's budget is not the sample.
		if len(ss.m) < maxSharedSamples && !c.bud.stopped() {
			ss.m[k] = e
		}
		ss.mu.Unlock()
	}
	c.sampleNodes += e.cost
	return e.v, e.ok
}

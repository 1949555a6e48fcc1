package compat

import "math"

// coMemo memoizes a recursive, coinductive computation: a key met again
// while it is being computed is assumed to hold (that is what makes
// recursive $refs terminate). A result that leaned on such an assumption is
// provisional until the assumed key finishes: if that key fails, every
// result cached while it was being computed is discarded, because it may
// rest on the wrong assumption. Failures never rest on an assumption of
// success, so they are final at once. In the common, compatible case
// nothing is discarded and each key is computed once.
type coMemo[K comparable, V any] struct {
	cache map[K]memoEntry[V]
	busy  map[K]int // keys being computed -> their depth
	depth int
	low   int // shallowest in-progress key the current computation assumed
	log   []provisional[K]
}

type memoEntry[V any] struct {
	v   V
	dep int // shallowest depth this result assumed; math.MaxInt when final
}

type provisional[K comparable] struct {
	k   K
	dep int
}

func newCoMemo[K comparable, V any]() *coMemo[K, V] {
	return &coMemo[K, V]{cache: map[K]memoEntry[V]{}, busy: map[K]int{}, low: math.MaxInt}
}

// reset empties the memo, keeping its maps for reuse.
func (m *coMemo[K, V]) reset() {
	clear(m.cache)
	clear(m.busy)
	m.depth, m.low, m.log = 0, math.MaxInt, m.log[:0]
}

// do returns the memoized value of k, computing it if needed. assume is
// returned for a key already in progress; failed tells failures apart.
func (m *coMemo[K, V]) do(k K, assume V, failed func(V) bool, compute func() V) V {
	if e, ok := m.cache[k]; ok {
		m.low = min(m.low, e.dep)
		return e.v
	}
	if d, ok := m.busy[k]; ok {
		m.low = min(m.low, d)
		return assume
	}
	m.depth++
	my, saved, start := m.depth, m.low, len(m.log)
	m.busy[k], m.low = my, math.MaxInt
	v := compute()
	dep := m.low
	delete(m.busy, k)
	m.depth--
	if failed(v) {
		for _, e := range m.log[start:] {
			delete(m.cache, e.k)
		}
		m.log = m.log[:start]
		m.cache[k] = memoEntry[V]{v: v, dep: math.MaxInt}
		m.low = saved
		return v
	}
	// Entries that assumed this key (or deeper ones) now depend on what this
	// key itself assumed: nothing (they are final) or a shallower key that
	// is still in progress (they stay provisional, on that key).
	kept := m.log[:start]
	for _, e := range m.log[start:] {
		if e.dep < my {
			kept = append(kept, e)
			continue
		}
		ce := m.cache[e.k]
		if dep >= my {
			ce.dep = math.MaxInt
			m.cache[e.k] = ce
			continue
		}
		e.dep, ce.dep = dep, dep
		m.cache[e.k] = ce
		kept = append(kept, e)
	}
	m.log = kept
	if dep < my {
		m.cache[k] = memoEntry[V]{v: v, dep: dep}
		m.log = append(m.log, provisional[K]{k, dep})
		m.low = min(saved, dep)
	} else {
		m.cache[k] = memoEntry[V]{v: v, dep: math.MaxInt}
		m.low = saved
	}
	return v
}

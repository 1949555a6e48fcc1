package compat

// coMemo memoizes a recursive, coinductive computation: a key met again
// while it is being computed is assumed to hold (that is what makes
// recursive $refs terminate). A result that leaned on such assumptions is
// provisional, and records exactly which in-progress keys it assumed (by
// their depth on the stack of keys being computed). When an assumed key
// finishes:
//   - holding, the results that assumed it now assume what it assumed
//     itself (nothing: they become final);
//   - failing, only the results that assumed it are discarded; the others,
//     resting on other keys, stay cached.
//
// Discarding everything computed under a failing key (the earlier design)
// made recursion through a breaking change exponential: N properties that
// each $ref back to the root recomputed the same pairs under every order of
// the properties. Failures never rest on an assumption of success (an
// assumption only hides findings), so they are final at once.
type coMemo[K comparable, V any] struct {
	cache map[K]memoEntry[V]
	busy  map[K]int // keys being computed -> their depth
	depth int
	cur   depSet // in-progress keys the current computation assumed
	log   []provisional[K]
}

type memoEntry[V any] struct {
	v    V
	deps depSet // nil when final
}

type provisional[K comparable] struct {
	k    K
	deps depSet
}

// depSet is a sorted set of stack depths.
type depSet []int

func (d depSet) has(x int) bool {
	for _, v := range d {
		if v == x {
			return true
		}
	}
	return false
}

// union returns a ∪ b; it may return a or b themselves, which are never
// mutated afterwards.
func union(a, b depSet) depSet {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make(depSet, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// without returns d \ {x} (a copy when x is present).
func (d depSet) without(x int) depSet {
	if !d.has(x) {
		return d
	}
	out := make(depSet, 0, len(d)-1)
	for _, v := range d {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func newCoMemo[K comparable, V any]() *coMemo[K, V] {
	return &coMemo[K, V]{cache: map[K]memoEntry[V]{}, busy: map[K]int{}}
}

// reset empties the memo, keeping its maps for reuse.
func (m *coMemo[K, V]) reset() {
	clear(m.cache)
	clear(m.busy)
	m.depth, m.cur, m.log = 0, nil, m.log[:0]
}

// do returns the memoized value of k, computing it if needed. assume is
// returned for a key already in progress; failed tells failures apart.
func (m *coMemo[K, V]) do(k K, assume V, failed func(V) bool, compute func() V) V {
	if e, ok := m.cache[k]; ok {
		m.cur = union(m.cur, e.deps)
		return e.v
	}
	if d, ok := m.busy[k]; ok {
		m.cur = union(m.cur, depSet{d})
		return assume
	}
	m.depth++
	my, saved, start := m.depth, m.cur, len(m.log)
	m.busy[k], m.cur = my, nil
	v := compute()
	// Keys deeper than k have finished and replaced themselves in cur.
	deps := m.cur.without(my)
	delete(m.busy, k)
	m.depth--
	fail := failed(v)
	kept := m.log[:start]
	for _, e := range m.log[start:] {
		if !e.deps.has(my) {
			kept = append(kept, e) // rests on shallower keys only
			continue
		}
		if fail {
			delete(m.cache, e.k) // assumed k, which does not hold
			continue
		}
		ce := m.cache[e.k]
		ce.deps = union(e.deps.without(my), deps)
		if len(ce.deps) == 0 {
			ce.deps = nil
			m.cache[e.k] = ce // final: k held and assumed nothing
			continue
		}
		m.cache[e.k] = ce
		kept = append(kept, provisional[K]{e.k, ce.deps})
	}
	m.log = kept
	if fail || len(deps) == 0 {
		m.cache[k] = memoEntry[V]{v: v}
		m.cur = saved
		return v
	}
	m.cache[k] = memoEntry[V]{v: v, deps: deps}
	m.log = append(m.log, provisional[K]{k, deps})
	m.cur = union(saved, deps)
	return v
}

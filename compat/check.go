package compat

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// maxExclusiveOneOf bounds the writer oneOfs whose cases exclude the
// other branches; each case of a larger one is its branch alone.
const maxExclusiveOneOf = 8

// maxBranchedNodes bounds how many writer anyOf/oneOf/if nodes are split
// into cases along one path. Past it, further writer alternatives are
// dropped, which only enlarges the writer's set: still sound.
const maxBranchedNodes = 6

// Check reports whether every document the writer accepts is accepted by
// the reader (L(writer) ⊆ L(reader)). It never answers compatible when such
// a document exists; when it cannot decide it answers incompatible with an
// undecidable-* rule. Every finding's Example has been validated: the writer
// accepts it and the reader rejects it.
func Check(writer, reader *Schema, opts Options) Report {
	rep, _ := CheckContext(context.Background(), writer, reader, opts)
	return rep
}

// CheckContext is Check under ctx: the check looks at ctx every few
// hundred steps and, once it is done, stops and returns ctx's error (the
// report is then meaningless). Out of its step or memory budget (opts) it
// answers with an undecidable-complexity finding instead.
func CheckContext(ctx context.Context, writer, reader *Schema, opts Options) (Report, error) {
	return checkSpent(ctx, writer, reader, opts, new(int))
}

// checkSpent is CheckContext for one pair of a mode check: *spent steps
// of the budget are gone already (earlier pairs), and the steps this pair
// takes are added to it.
func checkSpent(ctx context.Context, writer, reader *Schema, opts Options, spent *int) (Report, error) {
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	bud := newBudget(ctx, opts)
	bud.steps = *spent
	defer func() { *spent = bud.steps }()
	c := checkers.Get().(*checker)
	c.opts, c.writer, c.bud = opts, writer, bud
	c.hashes = [2]map[*js.Schema]nodeHash{writer.hashes(), reader.hashes()}
	c.dyn = [2]*dynInfo{writer.dyn, reader.dyn}
	fs := c.incl(wset{{s: writer.root}}, reader.root)
	if c.bud.stop == cancelled {
		c.release()
		return Report{}, ctx.Err()
	}
	rep := c.report(fs, writer, reader)
	c.release()
	return rep, nil
}

// checkers keeps the maps of finished checks for the next ones: an impact
// runs hundreds of small checks, and their maps were most of what they
// allocated. Nothing of a check outlives it (reports hold copies), so a
// cleared checker is as good as a new one.
var checkers = sync.Pool{New: func() any {
	return &checker{ids: map[*js.Schema]int{}, memo: newCoMemo[string, []finding]()}
}}

// maxPooledNodes: checkers of larger checks are left to the collector
// rather than kept with large maps.
const maxPooledNodes = 1024

func (c *checker) release() {
	if len(c.ids) > maxPooledNodes || len(c.memo.cache) > maxPooledNodes {
		return
	}
	ids, memo := c.ids, c.memo
	clear(ids)
	memo.reset()
	*c = checker{ids: ids, memo: memo}
	checkers.Put(c)
}

// wnode is one conjunct of the writer: the writer's values are valid under
// s (or, when neg, invalid under s).
type wnode struct {
	s    *js.Schema
	neg  bool
	done uint8 // applicators of s already split into cases: doneAnyOf|doneOneOf|doneIf
}

const (
	doneAnyOf uint8 = 1 << iota
	doneOneOf
	doneIf
)

// wset is a conjunction of writer nodes. An empty wset accepts everything.
type wset []wnode

func (ws wset) with(n ...wnode) wset {
	out := make(wset, 0, len(ws)+len(n))
	out = append(out, ws...)
	return append(out, n...)
}

// positives returns the schemas the writer's values are valid under.
func (ws wset) positives() []*js.Schema {
	out := make([]*js.Schema, 0, len(ws))
	for _, n := range ws {
		if !n.neg {
			out = append(out, n.s)
		}
	}
	return out
}

// finding is a Finding under construction: its witness is local to the
// instance position of the pair that produced it and is wrapped into the
// parent's document on the way up.
type finding struct {
	rule    *Rule
	path    string // JSON Pointer into the reader schema
	wpath   string // JSON Pointer into the writer schema
	msg     string
	lenient bool // not breaking under the Lenient policy
	wit     any
	hasWit  bool
}

type checker struct {
	opts  Options
	ids   map[*js.Schema]int
	memo  *coMemo[string, []finding]   // pair -> findings
	eq    *coMemo[[2]*js.Schema, bool] // pair -> structurally equal; made on first use
	bud   *budget                      // steps, memory and context (budget.go)
	depth int                          // of the pair being compared, in the recursion of incl
	// hashes of the writer's and the reader's nodes (see hash.go)
	hashes      [2]map[*js.Schema]nodeHash
	dyn         [2]*dynInfo                 // how their dynamic references resolve (dynamic.go)
	evals       map[*js.Schema]*evaluation  // what nodes may evaluate (evaluated.go)
	reqNodes    map[string]*js.Schema       // synthetic {required: [name]} nodes (implied.go)
	enums       map[*js.Schema]*indexedEnum // large enums indexed (enum.go)
	weights     map[*js.Schema]int          // validation cost of nodes (budget.go)
	searched    int                         // witness candidates validated (search.go)
	samples     map[string]sample
	sampling    map[string]bool // sample keys being built (recursion guard)
	sampleNodes int
	regexStates int // automaton states built for patterns (regex.go)
	// writer owns the shared samples (samplecache.go); fresh marks a
	// sampler building one, which must not consult them.
	writer *Schema
	fresh  bool
	shared *sharedSamples // the writer's, once looked up
}

type sample struct {
	v  any
	ok bool
}

// identical reports whether two nodes accept the same documents because
// they are structurally identical: equal hashes of ref-free subtrees
// suffice; otherwise equal follows the $ref targets. Nodes without a hash
// (synthetic ones) never match.
func (c *checker) identical(a, b *js.Schema) bool {
	ha, ok1 := c.hashOf(a)
	hb, ok2 := c.hashOf(b)
	if !ok1 || !ok2 || ha.sum != hb.sum {
		return false
	}
	return (ha.refFree && hb.refFree) || c.equal(a, b)
}

// writerPtr is the location of the first conjunct that belongs to the
// writer schema (proofs also put reader nodes into writer sets).
func (c *checker) writerPtr(ws wset) (string, bool) {
	for _, n := range ws {
		if _, ok := c.hashes[0][n.s]; ok && !n.neg {
			return ptrOf(n.s), true
		}
	}
	return "", false
}

func (c *checker) hashOf(s *js.Schema) (nodeHash, bool) {
	if h, ok := c.hashes[1][s]; ok {
		return h, true
	}
	h, ok := c.hashes[0][s]
	return h, ok
}

func (c *checker) id(s *js.Schema) int {
	if i, ok := c.ids[s]; ok {
		return i
	}
	i := len(c.ids) + 1
	c.ids[s] = i
	return i
}

func (c *checker) key(ws wset, r *js.Schema) string {
	var buf [64]byte
	b := buf[:0]
	for _, n := range ws {
		b = strconv.AppendInt(b, int64(c.id(n.s)), 36)
		if n.neg {
			b = append(b, '!')
		}
		if n.done != 0 {
			b = append(b, '~', '0'+n.done)
		}
		b = append(b, ',')
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(c.id(r)), 36)
	return string(b)
}

// incl returns the findings for L(ws) ⊄ L(r); none means inclusion holds.
// Pairs are memoized; a pair met again while it is being checked is assumed
// to hold (coinduction), which is sound because every document is finite.
func (c *checker) incl(ws wset, r *js.Schema) []finding {
	for i := 0; i < maxRefChain; i++ {
		t := c.refOnly(r)
		if t == nil {
			break
		}
		r = t
	}
	if r == nil || isTrueSchema(r) {
		return nil
	}
	ws, empty := c.flatten(ws)
	if empty {
		return nil
	}
	for _, n := range ws {
		if !n.neg && c.identical(n.s, r) {
			return nil // the writer is inside a conjunct identical to the reader
		}
	}
	if c.bud.stopped() {
		return []finding{c.tooComplex(r)}
	}
	key := c.key(ws, r)
	return c.memo.do(key, nil, func(f []finding) bool { return len(f) > 0 }, func() []finding {
		if !c.bud.tick() || !c.bud.alloc(memoEntryBytes+len(key)) {
			return []finding{c.tooComplex(r)}
		}
		c.depth++
		f := c.inclFlat(ws, r)
		c.depth--
		if c.depth >= maxWitnessDepth {
			// Each level up may wrap the witness in one more object or
			// array: past this depth it would be a document no one
			// reads, built at a cost that grows with the recursion.
			for i := range f {
				f[i].wit, f[i].hasWit = nil, false
			}
		}
		c.bud.alloc(findingBytes * len(f))
		// Findings made at this pair (not inherited from a nested pair,
		// which set their own) point at the writer node compared here.
		if wp, ok := c.writerPtr(ws); ok {
			for i := range f {
				if f[i].wpath == "" {
					f[i].wpath = wp
				}
			}
		}
		return dedupFindings(f)
	})
}

// dedupFindings keeps one finding per rule and place in both schemas
// (preferring one with a witness). A recursive schema reaches the same
// breaking change through every path of its recursion; without this the
// findings of a pair would multiply with each level that wraps them.
func dedupFindings(f []finding) []finding {
	if len(f) < 2 {
		return f
	}
	type place struct{ rule, path, wpath string }
	seen := make(map[place]int, len(f))
	out := f[:0:0]
	for _, x := range f {
		k := place{x.rule.ID, x.path, x.wpath}
		if i, dup := seen[k]; dup {
			if !out[i].hasWit && x.hasWit {
				out[i] = x
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, x)
	}
	return out
}

// maxRefChain bounds how many nodes that are only a $ref are followed in
// a row (a cycle of them, `{"$ref": "#"}`, would never end).
const maxRefChain = 32

// refOnly returns the target of a node that asserts nothing but a static
// $ref, or nil. Such a node accepts exactly what its target accepts, so
// both sides meet the target in its place: recursion through properties
// that are just references then reaches the same pairs again instead of
// one pair per referring property on each side (N² pairs for N
// properties that refer back to the root).
//
// A $ref may enter another schema resource and with it the dynamic scope
// that $dynamicRef/$recursiveRef resolve in (dynamic.go): where either
// side has dynamic references, nodes are kept as they are.
func (c *checker) refOnly(s *js.Schema) *js.Schema {
	if s == nil || s.Ref == nil || s.Always != nil || c.dyn[0] != nil || c.dyn[1] != nil {
		return nil
	}
	cp := *s
	cp.Ref = nil
	if !isTrueSchema(&cp) {
		return nil
	}
	return s.Ref
}

// flatten expands $ref and allOf of positive writer nodes and moves `not`
// into negative nodes, so the rest of the checker sees plain conjuncts.
// empty reports that the conjunction provably accepts nothing.
func (c *checker) flatten(ws wset) (wset, bool) {
	if len(ws) == 1 && plainNode(ws[0]) {
		return ws, false // the common case: one node with nothing to expand
	}
	out := make(wset, 0, len(ws)+2)
	seen := map[wkey]int{} // index in out, or -1 while its children are added
	pending := map[wkey]uint8{}
	var add func(n wnode) bool
	add = func(n wnode) bool {
		k := wkey{n.s, n.neg}
		if i, ok := seen[k]; ok {
			// The same node reached twice (given, and through an allOf):
			// keep the record of which applicators were already split,
			// or splitting would start over and never end.
			if i >= 0 {
				out[i].done |= n.done
			} else {
				pending[k] |= n.done
			}
			return true
		}
		seen[k] = -1
		s := n.s
		if n.neg {
			if isTrueSchema(s) {
				return false // not true: nothing
			}
			if isFalse(s) {
				return true // not false: everything
			}
			seen[k] = len(out)
			out = append(out, n)
			return true
		}
		if s.Always != nil {
			return *s.Always
		}
		if t := c.refOnly(s); t != nil {
			// Only its target constrains: keep the target, not the node,
			// so sets differing only in the way they reached it are one.
			// (seen[k] stays -1: a cycle of such nodes ends here.)
			return add(wnode{s: t})
		}
		for _, t := range []*js.Schema{s.Ref, c.dynNode(s, true), c.dynNode(s, false)} {
			if t != nil && !add(wnode{s: t}) {
				return false
			}
		}
		for _, a := range s.AllOf {
			if !add(wnode{s: a}) {
				return false
			}
		}
		if s.Not != nil && !add(wnode{s: s.Not, neg: true}) {
			return false
		}
		n.done |= pending[k]
		seen[k] = len(out)
		out = append(out, n)
		return true
	}
	for _, n := range ws {
		if !add(n) {
			return nil, true
		}
	}
	// The dependent schemas of required properties apply (implied.go).
	// Each round adds a node, and a schema has finitely many; the bound
	// is a safeguard.
	for round := 0; round < 64; round++ {
		deps := impliedDependents(out)
		if len(deps) == 0 {
			break
		}
		for _, d := range deps {
			if !add(wnode{s: d}) {
				return nil, true
			}
		}
	}
	if c.contradictory(out) {
		return nil, true
	}
	// Keep a stable order so equal sets share a memo entry.
	sort.SliceStable(out, func(i, j int) bool { return c.id(out[i].s) < c.id(out[j].s) })
	return out, false
}

// plainNode reports whether flatten leaves n as it is: a positive node
// without $ref, allOf, not or a boolean value.
func plainNode(n wnode) bool {
	s := n.s
	return !n.neg && s.Always == nil && s.Ref == nil && s.RecursiveRef == nil && s.DynamicRef == nil &&
		len(s.AllOf) == 0 && s.Not == nil && len(s.DependentSchemas) == 0 && len(s.Dependencies) == 0
}

type wkey struct {
	s   *js.Schema
	neg bool
}

// inclFlat checks a flattened writer against one reader node.
func (c *checker) inclFlat(ws wset, r *js.Schema) []finding {
	if cases, ok := c.splitWriter(ws); ok {
		var out []finding
		for _, cs := range cases {
			out = append(out, c.incl(cs, r)...)
		}
		return out
	}
	wv := c.view(ws)
	if wv.types&tObject != 0 && (&objectCheck{c: c, ws: ws, wv: wv}).impossible() {
		cp := *wv // views may be shared
		cp.types &^= tObject
		wv = &cp
	}
	if wv.types == 0 {
		return nil // the writer's types contradict each other: it accepts nothing
	}
	if vals, src, ok := c.finiteSource(ws); ok {
		return c.enumerate(ws, vals, src, r)
	}
	if r.Always != nil {
		if *r.Always {
			return nil
		}
		return []finding{c.rejectAll(ws, r)}
	}
	var out []finding
	// A reader reference that may resolve to several schemas requires
	// what each of them requires.
	refs := append(append([]*js.Schema{r.Ref}, c.dynTargets(r, true)...), c.dynTargets(r, false)...)
	for _, t := range refs {
		if t != nil {
			out = append(out, c.incl(ws, t)...)
		}
	}
	for _, a := range r.AllOf {
		out = append(out, c.incl(ws, a)...)
	}
	if len(r.AnyOf) > 0 {
		out = append(out, c.anyOf(ws, r)...)
	}
	if len(r.OneOf) > 0 {
		out = append(out, c.oneOf(ws, r)...)
	}
	if r.Not != nil {
		out = append(out, c.not(ws, r)...)
	}
	if r.If != nil {
		out = append(out, c.ifThenElse(ws, r)...)
	}
	out = append(out, c.atom(ws, wv, r)...)
	return out
}

// splitWriter distributes the first unsplit writer anyOf, oneOf or if into
// cases: the writer is the union of the cases, so inclusion holds iff it
// holds for each. oneOf is over-approximated by anyOf and the else-case of
// an if keeps `not if`, both of which only enlarge the writer (sound).
func (c *checker) splitWriter(ws wset) ([]wset, bool) {
	split := 0
	for _, n := range ws {
		if n.done != 0 {
			split++
		}
	}
	for i, n := range ws {
		if n.neg {
			continue
		}
		s := n.s
		var bit uint8
		var branches [][]wnode
		switch {
		case len(s.AnyOf) > 0 && n.done&doneAnyOf == 0:
			bit = doneAnyOf
			for _, b := range s.AnyOf {
				branches = append(branches, []wnode{{s: b}})
			}
		case len(s.OneOf) > 0 && n.done&doneOneOf == 0:
			// Branch i without the others: a value matching two branches
			// fails oneOf. Large oneOfs keep only branch i (an anyOf,
			// which only enlarges the writer).
			bit = doneOneOf
			for i, b := range s.OneOf {
				branch := []wnode{{s: b}}
				for j, o := range s.OneOf {
					if j != i && len(s.OneOf) <= maxExclusiveOneOf {
						branch = append(branch, wnode{s: o, neg: true})
					}
				}
				branches = append(branches, branch)
			}
		case s.If != nil && n.done&doneIf == 0:
			bit = doneIf
			yes := []wnode{{s: s.If}}
			if s.Then != nil {
				yes = append(yes, wnode{s: s.Then})
			}
			no := []wnode{{s: s.If, neg: true}}
			if s.Else != nil {
				no = append(no, wnode{s: s.Else})
			}
			branches = [][]wnode{yes, no}
		default:
			continue
		}
		marked := make(wset, len(ws))
		copy(marked, ws)
		marked[i].done |= bit
		if split >= maxBranchedNodes {
			// Too many cases: drop this alternative (enlarges the writer).
			return []wset{marked}, true
		}
		cases := make([]wset, 0, len(branches))
		for _, b := range branches {
			cases = append(cases, marked.with(b...))
		}
		return cases, true
	}
	return nil, false
}

// anyOf: the writer must fit one branch. (Writer alternatives were already
// split, so a writer anyOf meets the reader's branch by branch.)
func (c *checker) anyOf(ws wset, r *js.Schema) []finding {
	best := -1
	var bestF []finding
	for i, b := range r.AnyOf {
		f := c.incl(ws, b)
		if len(f) == 0 {
			return nil
		}
		if best < 0 || len(f) < len(bestF) {
			best, bestF = i, f
		}
	}
	return []finding{c.summarize(ws, r, &RuleAnyOfNarrowed, ptrOf(r)+"/anyOf",
		"no branch of anyOf accepts every value the writer produces", bestF)}
}

// oneOf: the writer must fit exactly one branch and be disjoint from the
// others; when disjointness cannot be proven it is reported as undecidable.
func (c *checker) oneOf(ws wset, r *js.Schema) []finding {
	var bestF []finding
	best := -1
	for i, b := range r.OneOf {
		f := c.incl(ws, b)
		if len(f) > 0 {
			if best < 0 || len(f) < len(bestF) {
				best, bestF = i, f
			}
			continue
		}
		for j, o := range r.OneOf {
			if j == i || c.disjoint(ws, o) {
				continue
			}
			fs := []finding{{rule: &RuleUndecidableOneOf, path: ptrOf(r) + "/oneOf/" + strconv.Itoa(j),
				msg: "writer values fit oneOf branch " + strconv.Itoa(i) + " but may also match branch " + strconv.Itoa(j) + ", which would make them fail oneOf"}}
			if w, ok := c.sampleIn(ws.with(wnode{s: o})); ok {
				fs[0].wit, fs[0].hasWit = w, true
			}
			return fs
		}
		return nil
	}
	return []finding{c.summarize(ws, r, &RuleOneOfNarrowed, ptrOf(r)+"/oneOf",
		"no branch of oneOf accepts every value the writer produces", bestF)}
}

// not: the writer must be disjoint from the excluded schema.
func (c *checker) not(ws wset, r *js.Schema) []finding {
	if c.disjoint(ws, r.Not) {
		return nil
	}
	f := finding{rule: &RuleUndecidableNot, path: ptrOf(r) + "/not",
		msg: "the reader's `not` may exclude values the writer produces; disjointness could not be proven"}
	if w, ok := c.sampleIn(ws.with(wnode{s: r.Not})); ok {
		f.rule, f.wit, f.hasWit = &RuleNotAdded, w, true
		f.msg = "the reader's `not` excludes values the writer produces"
	}
	return []finding{f}
}

// ifThenElse: if the writer is inside `if`, then must hold; if it is
// disjoint from `if`, else must hold; otherwise both must hold.
func (c *checker) ifThenElse(ws wset, r *js.Schema) []finding {
	inIf := len(c.incl(ws, r.If)) == 0
	if inIf {
		return c.incl(ws, r.Then)
	}
	if c.disjoint(ws, r.If) {
		return c.incl(ws, r.Else)
	}
	// Split the writer on the reader's condition: values matching `if` must
	// satisfy `then`, the others `else`.
	out := c.incl(ws.with(wnode{s: r.If}), r.Then)
	out = append(out, c.incl(ws.with(wnode{s: r.If, neg: true}), r.Else)...)
	return out
}

// summarize turns the findings of the closest branch into one finding for
// the combinator, keeping a witness that the whole reader node rejects.
func (c *checker) summarize(ws wset, r *js.Schema, rule *Rule, path, msg string, nested []finding) finding {
	f := finding{rule: rule, path: path, msg: msg}
	for _, n := range nested {
		if n.hasWit && c.writerAccepts(ws, n.wit) && r.Validate(n.wit) != nil {
			f.wit, f.hasWit = n.wit, true
			break
		}
	}
	if !f.hasWit {
		if w, ok := c.sampleIn(ws); ok && r.Validate(w) != nil {
			f.wit, f.hasWit = w, true
		}
	}
	if len(nested) > 0 {
		f.msg += " (closest branch: " + nested[0].msg + ")"
	}
	return f
}

func (c *checker) rejectAll(ws wset, r *js.Schema) finding {
	f := finding{rule: &RuleRejectsAll, path: ptrOf(r), msg: "the reader schema is false and rejects every value the writer produces"}
	if w, ok := c.sampleIn(ws); ok {
		f.wit, f.hasWit = w, true
	}
	return f
}

// finiteWriter returns the writer's values when an enum or const bounds
// them: the pair is then decided exactly by validating each value.
func (c *checker) finiteWriter(ws wset) ([]any, bool) {
	vals, _, ok := c.finiteSource(ws)
	return vals, ok
}

// finiteSource is finiteWriter that also names the node the values come
// from (their membership in its enum needs no check).
func (c *checker) finiteSource(ws wset) ([]any, *js.Schema, bool) {
	for _, s := range ws.positives() {
		if len(s.Constant) > 0 {
			return s.Constant[:1], s, true
		}
		if s.Enum != nil {
			return s.Enum, s, true
		}
	}
	return nil, nil, false
}

func (c *checker) enumerate(ws wset, vals []any, src, r *js.Schema) []finding {
	var out []finding
	for _, v := range vals {
		if !c.bud.tick() {
			return append(out, c.tooComplex(r))
		}
		if !c.writerAcceptsFrom(ws, v, src) {
			continue
		}
		err := c.validate(r, v)
		if err == nil {
			continue
		}
		rule, at := ruleFromError(err)
		out = append(out, finding{rule: rule, path: ptrOf(r) + at,
			msg: "value " + compactValue(v) + " allowed by the writer is rejected by the reader", wit: v, hasWit: true})
	}
	return out
}

// writerAccepts validates a candidate against every writer conjunct.
// A conjunct whose validity depends on the dynamic scope (dynamic.go) is
// skipped: validated alone it would resolve its dynamic references
// wrongly, and flatten has added what they resolve to as conjuncts.
// Check validates every witness against the whole writer in the end.
func (c *checker) writerAccepts(ws wset, v any) bool {
	return c.writerAcceptsFrom(ws, v, nil)
}

// writerAcceptsFrom is writerAccepts for a value of src's enum (or
// const): src's large enum is not searched for it again.
func (c *checker) writerAcceptsFrom(ws wset, v any, src *js.Schema) bool {
	for _, n := range ws {
		if c.scopeSensitive(n.s) {
			continue
		}
		var ok bool
		if ix := c.enumIndex(n.s); ix != nil && n.s == src && !n.neg {
			ok = ix.rest == nil || ix.rest.Validate(v) == nil
		} else {
			ok = c.validate(n.s, v) == nil
		}
		if ok == n.neg {
			return false
		}
	}
	return true
}

// report turns internal findings into the public Report: findings are
// deduplicated and sorted, then each gets the first of its witnesses that
// the whole writer accepts and the whole reader rejects, within the
// report's example budget (see exampleBudget).
func (c *checker) report(fs []finding, writer, reader *Schema) Report {
	rep := Report{Compatible: true, Findings: []Finding{}}
	if len(fs) == 0 {
		return rep
	}
	seen := map[string]int{}
	var wits [][]any // wits[i]: the witnesses found for rep.Findings[i], in order
	tooComplex := false
	for _, f := range fs {
		if f.rule == &RuleTooComplex {
			// Out of budget, every pair still open reports it: the first
			// says all there is to say.
			if tooComplex {
				continue
			}
			tooComplex = true
		}
		out := Finding{Rule: f.rule.ID, Path: inDocument(f.path, reader), WriterPath: inDocument(f.wpath, writer), Message: f.msg,
			Breaking: !(f.lenient && c.opts.Policy == Lenient)}
		k := out.Rule + "\x00" + out.Path
		i, dup := seen[k]
		if !dup {
			i = len(rep.Findings)
			seen[k] = i
			rep.Findings = append(rep.Findings, out)
			wits = append(wits, nil)
			if out.Breaking {
				rep.Compatible = false
			}
		}
		if f.hasWit {
			wits[i] = append(wits[i], f.wit)
		}
	}
	order := make([]int, len(rep.Findings))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return findingLess(rep.Findings[order[a]], rep.Findings[order[b]]) })
	sorted := make([]Finding, len(order))
	left := exampleBudget
	for n, i := range order {
		sorted[n] = rep.Findings[i]
		for _, wit := range wits[i] {
			if b, ok := c.confirm(wit, writer, reader, &left); ok {
				sorted[n].Example = b
				break
			}
		}
	}
	rep.Findings = sorted
	return rep
}

// exampleBudget bounds, in bytes, the example documents of one report
// together; past it findings are reported without one. Confirming a
// witness validates it against both whole schemas, so the budget bounds
// that work too: a 100 KB pair whose 3,000 properties are all required
// and all changed otherwise costs seconds of validation and answers with
// megabytes of examples.
const exampleBudget = 1 << 20

// confirm returns wit's encoding when it fits what is left of the
// example budget and the whole writer accepts and the whole reader
// rejects it. Every witness encoded is charged to left, shown or not, so
// what a report encodes and validates stays within the budget.
func (c *checker) confirm(wit any, writer, reader *Schema, left *int) ([]byte, bool) {
	// A value encodes in at least a byte: a witness of more nodes than
	// bytes left cannot fit, and is refused before it is encoded.
	if n := witnessNodes(wit, maxWitnessNodes); n > maxWitnessNodes || n > *left {
		return nil, false
	}
	b, err := json.Marshal(wit)
	if err != nil {
		return nil, false
	}
	*left -= len(b)
	if len(b) > maxWitnessBytes || *left < 0 {
		return nil, false
	}
	if !c.writerAcceptsDoc(writer, b, wit) || reader.root.Validate(wit) == nil {
		return nil, false
	}
	return b, true
}

// ptrOf is the JSON Pointer of a compiled node within its document; nodes
// of referenced documents keep their document name in front.
func ptrOf(s *js.Schema) string { return ptrOfLocation(s.Location) }

// ptrOfLocation is ptrOf for a location string (a schema's, or a
// validation error's absolute keyword location).
func ptrOfLocation(loc string) string {
	if strings.HasPrefix(loc, rootURL) {
		loc = loc[len(rootURL):]
		return strings.TrimPrefix(loc, "#")
	}
	if i := strings.Index(loc, "#"); i >= 0 {
		base := loc[:i]
		if j := strings.LastIndex(base, "/"); j >= 0 && strings.HasPrefix(base, "https://baton.invalid/") {
			base = base[j+1:]
		}
		return base + "#" + loc[i+1:]
	}
	return loc
}

// inDocument turns a location in s's root document into a JSON Pointer:
// nodes of a document with a root $id are located under that URL.
func inDocument(loc string, s *Schema) string {
	if base := s.root.Location; strings.HasSuffix(base, "#") && strings.HasPrefix(loc, base) {
		return loc[len(base):]
	}
	return loc
}

func isTrueSchema(s *js.Schema) bool {
	if s.Always != nil {
		return *s.Always
	}
	return s.Ref == nil && s.RecursiveRef == nil && s.DynamicRef == nil && len(s.Types) == 0 &&
		s.Constant == nil && s.Enum == nil && s.Not == nil && s.AllOf == nil && s.AnyOf == nil &&
		s.OneOf == nil && s.If == nil && s.MinProperties < 0 && s.MaxProperties < 0 && len(s.Required) == 0 &&
		len(s.Properties) == 0 && s.PropertyNames == nil && len(s.PatternProperties) == 0 &&
		isTrueAP(s.AdditionalProperties) && len(s.Dependencies) == 0 && len(s.DependentRequired) == 0 &&
		len(s.DependentSchemas) == 0 && s.UnevaluatedProperties == nil && s.MinItems < 0 && s.MaxItems < 0 &&
		!s.UniqueItems && s.Items == nil && isTrueAP(s.AdditionalItems) && len(s.PrefixItems) == 0 &&
		s.Items2020 == nil && s.Contains == nil && s.UnevaluatedItems == nil && s.MinLength < 0 &&
		s.MaxLength < 0 && s.Pattern == nil && !assertsFormat(s) && contentKey(s) == "" && s.Minimum == nil &&
		s.ExclusiveMinimum == nil && s.Maximum == nil && s.ExclusiveMaximum == nil && s.MultipleOf == nil &&
		len(s.Extensions) == 0
}

func isTrueAP(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return v
	case *js.Schema:
		return isTrueSchema(v)
	}
	return false
}

// assertsFormat reports whether s has a format the validator checks
// (unknown format names are annotations only).
func assertsFormat(s *js.Schema) bool {
	if s.Format == "" {
		return false
	}
	_, ok := js.Formats[s.Format]
	return ok
}

// contentKey names the content assertion s makes on strings, or "" for
// none. jsonschema/v5 checks contentEncoding and contentMediaType in
// draft-07 only (later drafts make them annotations): a known encoding is
// decoded, and a known media type parsed (after decoding, or directly when
// no encoding is given; an unknown encoding skips both).
func contentKey(s *js.Schema) string {
	if s.Draft != js.Draft7 {
		return ""
	}
	enc := js.Decoders[s.ContentEncoding] != nil
	media := js.MediaTypes[s.ContentMediaType] != nil && (enc || s.ContentEncoding == "")
	switch {
	case enc && media:
		return s.ContentEncoding + "+" + s.ContentMediaType
	case enc:
		return s.ContentEncoding + "+"
	case media:
		return "+" + s.ContentMediaType
	}
	return ""
}

// ruleFromError names the rule for the innermost reader keyword that
// rejected a value, and its pointer relative to the reader node.
func ruleFromError(err error) (*Rule, string) {
	ve, ok := err.(*js.ValidationError)
	if !ok {
		return &RuleEnumValueRemoved, ""
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	loc := ve.KeywordLocation
	kw := loc
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		kw = loc[i+1:]
	}
	if r, ok := ruleForKeyword[kw]; ok {
		return r, loc
	}
	// A numeric last segment is an index inside an applicator, e.g. /allOf/0.
	parts := strings.Split(loc, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if r, ok := ruleForKeyword[parts[i]]; ok {
			return r, loc
		}
	}
	return &RuleEnumValueRemoved, loc
}

func compactValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

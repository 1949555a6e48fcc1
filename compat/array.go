package compat

import (
	"strconv"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// itemAt returns the schema a node applies to array position i, whatever
// the draft spelled it as (items array + additionalItems, prefixItems +
// items); nil means unconstrained.
func itemAt(s *js.Schema, i int) (*js.Schema, string) {
	prefix, rest, restKw := itemsOf(s)
	if i < len(prefix) {
		kw := "/prefixItems/"
		if s.PrefixItems == nil {
			kw = "/items/"
		}
		return prefix[i], kw + strconv.Itoa(i)
	}
	return rest, restKw
}

func itemsOf(s *js.Schema) (prefix []*js.Schema, rest *js.Schema, restKw string) {
	switch it := s.Items.(type) {
	case *js.Schema:
		return nil, it, "/items"
	case []*js.Schema:
		prefix = it
		switch ai := s.AdditionalItems.(type) {
		case bool:
			if !ai {
				return prefix, falseSchema, "/additionalItems"
			}
		case *js.Schema:
			return prefix, ai, "/additionalItems"
		}
		return prefix, nil, "/additionalItems"
	}
	if s.PrefixItems != nil || s.Items2020 != nil {
		return s.PrefixItems, s.Items2020, "/items"
	}
	return nil, nil, ""
}

var falseSchema = func() *js.Schema {
	f := false
	return &js.Schema{Location: "false", Always: &f, MinProperties: -1, MaxProperties: -1, MinItems: -1, MaxItems: -1,
		MinContains: 1, MaxContains: -1, MinLength: -1, MaxLength: -1}
}()

func isFalse(s *js.Schema) bool { return s != nil && s.Always != nil && !*s.Always }

// writerItem is the conjunction of the writer's schemas for position i;
// absent means the writer cannot have an item there. A conjunct's
// unevaluatedItems counts at positions nothing it applies in place may
// evaluate (evaluated.go).
func (c *checker) writerItem(wv *writerView, i int) (wset, bool) {
	var out wset
	for _, s := range wv.pos {
		it, _ := itemAt(s, i)
		if it == nil {
			continue
		}
		if isFalse(it) {
			return nil, true
		}
		out = append(out, wnode{s: it})
	}
	for _, s := range wv.pos {
		if u := s.UnevaluatedItems; u != nil && !c.mayEvaluate(s).coversItem(i) {
			if isFalse(u) {
				return nil, true
			}
			out = append(out, wnode{s: u})
		}
	}
	return out, false
}

func (c *checker) checkArray(ws wset, wv *writerView, r *js.Schema) []finding {
	a := &arrayCheck{c: c, ws: ws, wv: wv, r: r}
	a.max = a.writerMaxItems()
	a.items()
	a.counts()
	a.contains()
	a.unevaluated()
	a.searchWitnesses()
	return a.out
}

// searchWitnesses gives findings of this node that have no witness (or
// one this node does not confirm) one found by search (search.go): short
// arrays of values the two schemas mention or accept.
func (a *arrayCheck) searchWitnesses() {
	need := a.c.needWitness(a.out, a.ws, a.r)
	if len(need) == 0 {
		return
	}
	var extra []any
	for i := 0; i < 3; i++ {
		if ws, absent := a.c.writerItem(a.wv, i); !absent {
			if v, ok := a.c.sampleIn(ws); ok {
				extra = append(extra, v)
			}
		}
	}
	for _, s := range a.wv.pos {
		if s.Contains != nil {
			if v, ok := a.c.sampleIn(wset{{s: s.Contains}}); ok {
				extra = append(extra, v)
			}
		}
	}
	pool := a.c.valuePool(a.ws, a.r, extra)
	a.c.searchWitnesses(a.out, need, a.ws, a.r, func(yield func(any) bool) {
		var build func(prefix []any, n int) bool
		build = func(prefix []any, n int) bool {
			if len(prefix) == n {
				return yield(append([]any(nil), prefix...))
			}
			for _, v := range pool {
				if !build(append(prefix, v), n) {
					return false
				}
			}
			return true
		}
		for n := 1; n <= 3 && (a.max < 0 || n <= a.max); n++ {
			if !build(nil, n) {
				return
			}
		}
	})
}

type arrayCheck struct {
	c   *checker
	ws  wset
	wv  *writerView
	r   *js.Schema
	max int // the writer's most items (-1: unbounded), see writerMaxItems
	out []finding
}

// writerMaxItems is the most items a writer array can have: its maxItems,
// or fewer where a position can hold no item (an item schema or an
// unevaluatedItems that is false).
func (a *arrayCheck) writerMaxItems() int {
	limit := a.positions()
	for _, s := range a.wv.pos {
		if s.UnevaluatedItems != nil {
			limit = max(limit, a.c.mayEvaluate(s).prefix+1)
		}
	}
	m := a.wv.maxItems
	for i := 0; i < limit && (m < 0 || i < m); i++ {
		if ws, absent := a.c.writerItem(a.wv, i); absent || a.c.provablyEmpty(ws) {
			return i
		}
	}
	return m
}

// withItem builds a writer array whose item i is v.
func (a *arrayCheck) withItem(i int, v any) (any, bool) {
	n := max(i+1, a.wv.minItems)
	if !a.c.bud.alloc(witnessNodeBytes * n) {
		return nil, false
	}
	arr := make([]any, n)
	for j := range arr {
		if j == i {
			arr[j] = v
			continue
		}
		ws, _ := a.c.writerItem(a.wv, j)
		x, ok := a.c.sampleIn(ws)
		if !ok {
			return nil, false
		}
		arr[j] = x
	}
	return arr, true
}

// positions lists the array positions whose schemas differ on either side:
// every prefix position, then the first position of the rest.
func (a *arrayCheck) positions() int {
	n := 0
	for _, s := range append([]*js.Schema{a.r}, a.wv.pos...) {
		p, _, _ := itemsOf(s)
		n = max(n, len(p))
	}
	return n + 1
}

func (a *arrayCheck) items() {
	n := a.positions()
	for i := 0; i < n; i++ {
		if a.max >= 0 && i >= a.max {
			return
		}
		rs, kw := itemAt(a.r, i)
		if rs == nil {
			continue
		}
		wsub, absent := a.c.writerItem(a.wv, i)
		if absent {
			return
		}
		if isFalse(rs) {
			f := finding{rule: &RuleItemsNarrowed, path: ptrOf(a.r) + kw,
				msg: "the reader allows at most " + strconv.Itoa(i) + " items; the writer allows more"}
			if v, ok := a.c.sampleIn(wsub); ok {
				f.wit, f.hasWit = a.withItem(i, v)
			}
			a.out = append(a.out, f)
			return
		}
		for _, f := range a.c.incl(wsub, rs) {
			if f.hasWit {
				f.wit, f.hasWit = a.withItem(i, f.wit)
			}
			a.out = append(a.out, f)
		}
	}
}

func (a *arrayCheck) counts() {
	if a.r.MinItems > a.wv.minItems {
		f := finding{rule: &RuleMinItemsIncreased, path: ptrOf(a.r) + "/minItems",
			msg: "minItems raised from " + strconv.Itoa(a.wv.minItems) + " to " + strconv.Itoa(a.r.MinItems)}
		if v, ok := a.arrayOfLength(a.r.MinItems - 1); ok {
			f.wit, f.hasWit = v, true
		}
		a.out = append(a.out, f)
	}
	if a.r.MaxItems >= 0 && (a.max < 0 || a.max > a.r.MaxItems) {
		f := finding{rule: &RuleMaxItemsDecreased, path: ptrOf(a.r) + "/maxItems",
			msg: "maxItems lowered to " + strconv.Itoa(a.r.MaxItems) + "; the writer allows " + countString(a.max)}
		if v, ok := a.arrayOfLength(a.r.MaxItems + 1); ok {
			f.wit, f.hasWit = v, true
		}
		a.out = append(a.out, f)
	}
	if a.r.UniqueItems && (a.max < 0 || a.max > 1) && !a.writerUnique() {
		f := finding{rule: &RuleUniqueItemsAdded, path: ptrOf(a.r) + "/uniqueItems",
			msg: "items must now be unique; the writer may repeat them"}
		if ws, absent := a.c.writerItem(a.wv, 0); !absent {
			if x, ok := a.c.sampleIn(ws); ok {
				if arr, ok := a.arrayOfLength(max(2, a.wv.minItems)); ok {
					s := arr.([]any)
					s[0], s[1] = x, x
					f.wit, f.hasWit = s, true
				}
			}
		}
		a.out = append(a.out, f)
	}
}

func (a *arrayCheck) writerUnique() bool {
	for _, s := range a.wv.pos {
		if s.UniqueItems {
			return true
		}
	}
	return false
}

// arrayOfLength builds a writer array of n items; where the writer has
// contains, its first items are made to match it (as many as minContains
// asks for).
func (a *arrayCheck) arrayOfLength(n int) (any, bool) {
	if n < 0 || n > 10_000 {
		return nil, false
	}
	var contains wset
	need := 0
	for _, s := range a.wv.pos {
		if s.Contains != nil && s.MinContains > 0 {
			contains = append(contains, wnode{s: s.Contains})
			need = max(need, s.MinContains)
		}
	}
	arr := make([]any, n)
	for j := range arr {
		ws, absent := a.c.writerItem(a.wv, j)
		if absent {
			return nil, false
		}
		if j < need {
			if x, ok := a.c.sampleIn(ws.with(contains...)); ok {
				arr[j] = x
				continue
			}
		}
		x, ok := a.c.sampleIn(ws)
		if !ok {
			return nil, false
		}
		arr[j] = x
	}
	return arr, true
}

// contains: the writer guarantees the reader's contains when it has a
// contains at least as strict, or when all its items match and it has
// enough of them.
func (a *arrayCheck) contains() {
	rc := a.r.Contains
	if rc == nil {
		return
	}
	if a.r.MinContains > 0 && !a.containsGuaranteed(rc) {
		f := finding{rule: &RuleContainsAdded, path: ptrOf(a.r) + "/contains",
			msg: "the reader requires at least " + strconv.Itoa(a.r.MinContains) + " item(s) matching contains; the writer does not guarantee them"}
		for _, n := range []int{a.wv.minItems, 0, 1} {
			if v, ok := a.arrayOfLength(n); ok && a.r.Validate(v) != nil {
				f.wit, f.hasWit = v, true
				break
			}
		}
		a.out = append(a.out, f)
	}
	if a.r.MaxContains >= 0 && !a.maxContainsGuaranteed(rc) {
		f := finding{rule: &RuleMaxContainsDecreased, path: ptrOf(a.r) + "/maxContains",
			msg: "the reader allows at most " + strconv.Itoa(a.r.MaxContains) + " item(s) matching contains; the writer allows more"}
		a.out = append(a.out, f)
	}
}

func (a *arrayCheck) containsGuaranteed(rc *js.Schema) bool {
	for _, s := range a.wv.pos {
		if s.Contains != nil && s.MinContains >= a.r.MinContains && len(a.c.incl(wset{{s: s.Contains}}, rc)) == 0 {
			return true
		}
	}
	if a.wv.minItems < a.r.MinContains {
		return false
	}
	for i := 0; i < a.positions(); i++ {
		ws, absent := a.c.writerItem(a.wv, i)
		if absent {
			break
		}
		if len(a.c.incl(ws, rc)) > 0 {
			return false
		}
	}
	return true
}

func (a *arrayCheck) maxContainsGuaranteed(rc *js.Schema) bool {
	if a.max >= 0 && a.max <= a.r.MaxContains {
		return true
	}
	// No writer item can match contains.
	none := true
	for i := 0; i < a.positions() && none; i++ {
		ws, absent := a.c.writerItem(a.wv, i)
		if absent {
			break
		}
		none = a.c.disjoint(ws, rc)
	}
	if none {
		return true
	}
	for _, s := range a.wv.pos {
		if s.Contains != nil && s.MaxContains >= 0 && s.MaxContains <= a.r.MaxContains &&
			len(a.c.incl(wset{{s: s.Contains}}, rc)) == 0 && len(a.c.incl(wset{{s: rc}}, s.Contains)) == 0 {
			return true
		}
	}
	return false
}

// unevaluated applies the reader's unevaluatedItems beyond the prefix its
// always-applied subschemas evaluate.
func (a *arrayCheck) unevaluated() {
	u := a.r.UnevaluatedItems
	if u == nil || isTrueSchema(u) {
		return
	}
	evaluated, all := 0, false
	var contains []*js.Schema // evaluate the items they match (2020-12)
	a.c.surelyApplied(a.r, a.ws, func(s *js.Schema) {
		p, rest, _ := itemsOf(s)
		evaluated = max(evaluated, len(p))
		if rest != nil || (s != a.r && s.UnevaluatedItems != nil) {
			all = true
		}
		if s.Contains != nil && s.ContainsEval {
			contains = append(contains, s.Contains)
		}
	})
	if all {
		return
	}
next:
	for i := evaluated; i < max(a.positions(), evaluated+1); i++ {
		if a.max >= 0 && i >= a.max {
			return
		}
		ws, absent := a.c.writerItem(a.wv, i)
		if absent {
			return
		}
		for _, cs := range contains {
			if len(a.c.incl(ws, cs)) == 0 {
				continue next // every writer item here matches contains
			}
		}
		fs := a.c.incl(ws, u)
		if isFalse(u) {
			fs = []finding{{}}
		}
		if len(fs) == 0 {
			continue
		}
		f := finding{rule: &RuleUnevaluatedItemsNarrowed, path: ptrOf(a.r) + "/unevaluatedItems",
			msg: "array items from position " + strconv.Itoa(i) + " are not evaluated by the reader and its unevaluatedItems rejects them"}
		for _, n := range fs {
			if n.hasWit {
				f.wit, f.hasWit = a.withItem(i, n.wit)
				break
			}
		}
		if !f.hasWit {
			if v, ok := a.c.sampleIn(ws); ok {
				f.wit, f.hasWit = a.withItem(i, v)
			}
		}
		// Other keywords of the reader may evaluate the item after all
		// (a branch the writer is not provably inside): keep the array only
		// if this node rejects it, else search (searchWitnesses).
		if f.hasWit && a.r.Validate(f.wit) == nil {
			f.wit, f.hasWit = nil, false
		}
		a.out = append(a.out, f)
		return
	}
}

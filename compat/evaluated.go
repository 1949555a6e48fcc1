package compat

import (
	"regexp"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// unevaluatedProperties and unevaluatedItems apply to what no other
// keyword of their schema evaluated, counting the subschemas it applies in
// place ($ref, $dynamicRef, allOf, anyOf, oneOf, if/then/else,
// dependentSchemas) that pass, and nested unevaluated* keywords (they
// evaluate everything). Which of those pass depends on the document, so the
// engine works with bounds that keep it sound:
//
//   - on the writer side (a constraint on what the writer produces), an
//     unevaluated* keyword is only used where nothing in place may evaluate
//     the property or item, whether it passes or not (mayEvaluate): using
//     it elsewhere would shrink the writer below what it produces;
//   - on the reader side (what the reader requires), only what surely
//     applies counts as evaluated: $ref, a dynamic reference with one
//     target, allOf (surelyEvaluates). Counting a conditional branch could
//     let the reader look more permissive than it is.

// evaluation over-approximates what a node evaluates.
type evaluation struct {
	allProps bool
	names    map[string]bool
	patterns []*regexp.Regexp
	allItems bool
	prefix   int // items below this position may be evaluated
}

// coversName reports whether the property may be evaluated.
func (e *evaluation) coversName(name string) bool {
	if e.allProps || e.names[name] {
		return true
	}
	for _, re := range e.patterns {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// coversItem reports whether the array item at position i may be evaluated.
func (e *evaluation) coversItem(i int) bool { return e.allItems || i < e.prefix }

// mayEvaluate returns what s and the subschemas it applies in place may
// evaluate, passing or not; s's own unevaluated* keywords are left out.
func (c *checker) mayEvaluate(s *js.Schema) *evaluation {
	if e, ok := c.evals[s]; ok {
		return e
	}
	e := &evaluation{names: map[string]bool{}}
	seen := map[*js.Schema]bool{}
	var walk func(n *js.Schema)
	walk = func(n *js.Schema) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if n.Always != nil {
			return
		}
		for name := range n.Properties {
			e.names[name] = true
		}
		for re := range n.PatternProperties {
			e.patterns = append(e.patterns, re)
		}
		if n.AdditionalProperties != nil || (n != s && n.UnevaluatedProperties != nil) {
			e.allProps = true
		}
		switch it := n.Items.(type) {
		case *js.Schema:
			e.allItems = true
		case []*js.Schema:
			e.prefix = max(e.prefix, len(it))
			if n.AdditionalItems != nil {
				e.allItems = true
			}
		}
		e.prefix = max(e.prefix, len(n.PrefixItems))
		if n.Items2020 != nil || (n.Contains != nil && n.ContainsEval) || (n != s && n.UnevaluatedItems != nil) {
			e.allItems = true
		}
		inPlace(n, c.dynTargets, walk)
	}
	walk(s)
	if c.evals == nil {
		c.evals = map[*js.Schema]*evaluation{}
	}
	c.evals[s] = e
	return e
}

// inPlace calls fn on every subschema n applies to the instance itself
// (not to its properties or items), every target of a dynamic reference
// included. `not` is left out: it evaluates nothing when n passes.
func inPlace(n *js.Schema, targets func(*js.Schema, bool) []*js.Schema, fn func(*js.Schema)) {
	fn(n.Ref)
	for _, rec := range []bool{true, false} {
		for _, t := range targets(n, rec) {
			fn(t)
		}
	}
	for _, list := range [][]*js.Schema{n.AllOf, n.AnyOf, n.OneOf} {
		for _, a := range list {
			fn(a)
		}
	}
	fn(n.If)
	fn(n.Then)
	fn(n.Else)
	for _, k := range sortedKeysOf(n.DependentSchemas) {
		fn(n.DependentSchemas[k])
	}
	for _, k := range sortedKeysOf(n.Dependencies) {
		if d, ok := n.Dependencies[k].(*js.Schema); ok {
			fn(d)
		}
	}
}

// surelyApplied calls fn on r and the subschemas that apply in place
// and pass whenever r passes on a writer value: $ref, a dynamic reference
// with one target, allOf, and, when inside (nil: never) proves the writer
// is inside a branch, that anyOf/oneOf branch, the if and then (or the
// else when the writer is disjoint from if), and dependentSchemas of
// properties the writer requires.
func (c *checker) surelyApplied(r *js.Schema, ws wset, fn func(*js.Schema)) {
	seen := map[*js.Schema]bool{}
	inside := func(b *js.Schema) bool { return ws != nil && len(c.incl(ws, b)) == 0 }
	var req map[string]bool
	if ws != nil {
		req = requiredClosure(ws.positives())
	}
	var walk func(*js.Schema)
	walk = func(s *js.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		fn(s)
		walk(s.Ref)
		for _, rec := range []bool{true, false} {
			if t, ok := c.soleTarget(s, rec); ok {
				walk(t)
			}
		}
		for _, a := range s.AllOf {
			walk(a)
		}
		if ws == nil {
			return
		}
		for _, list := range [][]*js.Schema{s.AnyOf, s.OneOf} {
			for _, b := range list {
				if inside(b) {
					walk(b)
				}
			}
		}
		if s.If != nil {
			if inside(s.If) {
				walk(s.If)
				walk(s.Then)
			} else if s.Else != nil && c.disjoint(ws, s.If) {
				walk(s.Else)
			}
		}
		for _, p := range sortedKeysOf(s.DependentSchemas) {
			if req[p] {
				walk(s.DependentSchemas[p])
			}
		}
	}
	walk(r)
}

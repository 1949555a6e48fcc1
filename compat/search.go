package compat

import (
	"encoding/json"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Witnesses are built from the schemas (samples, boundary values) where
// the engine knows how; for findings where that fails, such as values
// shaped by several in-place applicators at once, a small search over
// values the two schemas mention finds many more. Candidates are only
// validated, so a search can waste time but never produce a wrong
// witness; a per-check budget bounds the waste.

// maxSearch bounds the candidates one check validates in witness
// searches, and maxNodeSearch those of one search.
const (
	maxSearch     = 300
	maxNodeSearch = 150
)

// needWitness lists the findings made at reader node r (their path is
// inside r) that have no witness, or, where applicators of either side can
// defeat a witness built keyword by keyword, one this node does not
// confirm (it is dropped). Plain nodes, such as a large event's, are not
// revalidated: that would cost more than the check.
func (c *checker) needWitness(fs []finding, ws wset, r *js.Schema) []int {
	var need []int
	prefix := ptrOf(r) + "/"
	confirm := hasApplicators(r)
	for _, n := range ws {
		confirm = confirm || n.neg || hasApplicators(n.s)
	}
	for i := range fs {
		f := &fs[i]
		if f.rule == &RuleTooComplex || !strings.HasPrefix(f.path, prefix) {
			continue
		}
		if f.hasWit && confirm && (!c.writerAccepts(ws, f.wit) || r.Validate(f.wit) == nil) {
			f.wit, f.hasWit = nil, false
		}
		if !f.hasWit {
			need = append(need, i)
		}
	}
	return need
}

// hasApplicators reports whether s applies subschemas in place or has
// unevaluated* keywords, whose interplay witnesses built keyword by keyword
// can miss.
func hasApplicators(s *js.Schema) bool {
	return len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.If != nil || s.Not != nil ||
		s.Ref != nil || s.DynamicRef != nil || s.RecursiveRef != nil || s.UnevaluatedItems != nil ||
		s.UnevaluatedProperties != nil || len(s.DependentSchemas) > 0 || len(s.Dependencies) > 0
}

// searchWitnesses gives the findings fs[need] the first candidate gen
// yields that the writer accepts and reader node r rejects at the
// finding's own keyword (a rejection elsewhere proves another finding),
// within the check's budget.
func (c *checker) searchWitnesses(fs []finding, need []int, ws wset, r *js.Schema, gen func(yield func(any) bool)) {
	left, tried := len(need), 0
	gen(func(v any) bool {
		if c.searched >= maxSearch || tried >= maxNodeSearch {
			return false
		}
		c.searched++
		tried++
		// The reader first: where a finding is a false alarm it accepts
		// every candidate, and one validation settles each.
		err := r.Validate(v)
		if err == nil || !c.writerAccepts(ws, v) {
			return true
		}
		leaves := rejectedAt(err)
		for _, i := range need {
			if fs[i].hasWit {
				continue // found already
			}
			for _, at := range leaves {
				if at == fs[i].path || strings.HasPrefix(at, fs[i].path+"/") {
					fs[i].wit, fs[i].hasWit = v, true
					left--
					break
				}
			}
		}
		return left > 0
	})
}

// rejectedAt lists where the innermost errors of a validation failure are,
// as ptrOf locates schema nodes (plus the keyword).
func rejectedAt(err error) []string {
	ve, ok := err.(*js.ValidationError)
	if !ok {
		return nil
	}
	var out []string
	var walk func(e *js.ValidationError)
	walk = func(e *js.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, ptrOfLocation(e.AbsoluteKeywordLocation))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// valuePool collects up to eight distinct values for witness candidates:
// the constants and enum values of the schemas near the two nodes, the
// extra values given, and plain values of each kind.
func (c *checker) valuePool(ws wset, r *js.Schema, extra []any) []any {
	var pool []any
	add := func(v any) {
		if len(pool) >= 8 {
			return
		}
		for _, p := range pool {
			if jsonEqual(p, v) {
				return
			}
		}
		pool = append(pool, v)
	}
	seen := map[*js.Schema]bool{}
	var visit func(s *js.Schema, depth int)
	visit = func(s *js.Schema, depth int) {
		if s == nil || seen[s] || depth > 3 {
			return
		}
		seen[s] = true
		if len(s.Constant) > 0 {
			add(s.Constant[0])
		}
		for i, v := range s.Enum {
			if i < 2 {
				add(v)
			}
		}
		for _, t := range []*js.Schema{s.Contains, s.Items2020, s.Not, s.If, s.Then, s.Else} {
			visit(t, depth+1)
		}
		for _, list := range [][]*js.Schema{s.PrefixItems, s.AllOf, s.AnyOf, s.OneOf} {
			for _, t := range list {
				visit(t, depth+1)
			}
		}
		if list, ok := s.Items.([]*js.Schema); ok {
			for _, t := range list {
				visit(t, depth+1)
			}
		}
		for _, k := range sortedKeysOf(s.Properties) {
			visit(s.Properties[k], depth+1)
		}
		for _, k := range sortedKeysOf(s.DependentSchemas) {
			visit(s.DependentSchemas[k], depth+1)
		}
	}
	for _, n := range ws {
		if !n.neg {
			visit(n.s, 0)
		}
	}
	visit(r, 0)
	for _, v := range extra {
		add(v)
	}
	for _, v := range []any{"", json.Number("0"), true, nil} {
		add(v)
	}
	return pool
}

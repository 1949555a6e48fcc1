package compat

import (
	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Constraints a writer implies without spelling them out, so that the
// same meaning written another way is not reported as a change:
// `if {required: [a]} then {required: [b]}`, `dependentRequired {a: [b]}`
// and `dependentSchemas {a: {required: [b]}}` say the same; a closed model
// with minProperties equal to its number of properties requires them all;
// a finite propertyNames lists every name an object can have;
// minContains implies minItems; and a writer that contradicts itself
// (a schema and its negation, a oneOf branch inside another) accepts
// nothing, which every reader accepts.

// requiredClosure returns the names the positive nodes require, closed
// under their dependentRequired (and draft-4..7 array dependencies);
// nil when nothing is required.
func requiredClosure(pos []*js.Schema) map[string]bool {
	var req map[string]bool
	for _, s := range pos {
		for _, r := range s.Required {
			if req == nil {
				req = map[string]bool{}
			}
			req[r] = true
		}
	}
	if req == nil {
		return nil
	}
	for changed := true; changed; {
		changed = false
		for _, s := range pos {
			for p, qs := range s.DependentRequired {
				changed = requireAll(req, p, qs) || changed
			}
			for p, d := range s.Dependencies {
				if qs, ok := d.([]string); ok {
					changed = requireAll(req, p, qs) || changed
				}
			}
		}
	}
	return req
}

// requireAll adds qs to req when p is in it; it reports a change.
func requireAll(req map[string]bool, p string, qs []string) bool {
	if !req[p] {
		return false
	}
	changed := false
	for _, q := range qs {
		if !req[q] {
			req[q], changed = true, true
		}
	}
	return changed
}

// impliedDependents returns the dependent schemas (dependentSchemas,
// draft-4..7 schema dependencies) of properties the set requires that
// are not in it yet. (true is never returned: flatten does not keep it,
// so it would be returned again and again.)
func impliedDependents(ws wset) []*js.Schema {
	has := false
	for _, n := range ws {
		if !n.neg && (len(n.s.DependentSchemas) > 0 || len(n.s.Dependencies) > 0) {
			has = true
			break
		}
	}
	if !has {
		return nil
	}
	in := map[*js.Schema]bool{}
	for _, n := range ws {
		if !n.neg {
			in[n.s] = true
		}
	}
	req := requiredClosure(ws.positives())
	var out []*js.Schema
	for _, n := range ws {
		if n.neg {
			continue
		}
		for _, p := range sortedKeysOf(n.s.DependentSchemas) {
			if d := n.s.DependentSchemas[p]; req[p] && !in[d] && !isTrueSchema(d) {
				in[d] = true
				out = append(out, d)
			}
		}
		for _, p := range sortedKeysOf(n.s.Dependencies) {
			if d, ok := n.s.Dependencies[p].(*js.Schema); ok && req[p] && !in[d] && !isTrueSchema(d) {
				in[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// contradictory reports whether the set contains a node and (a node
// identical to) its negation.
func (c *checker) contradictory(ws wset) bool {
	for _, n := range ws {
		if !n.neg {
			continue
		}
		for _, p := range ws {
			if !p.neg && c.identical(p.s, n.s) {
				return true
			}
		}
	}
	return false
}

// requiredOnly returns the names s requires when requiring them (of an
// object) is all s asserts: not s then means one of them is missing.
func requiredOnly(s *js.Schema) []string {
	if len(s.Required) == 0 {
		return nil
	}
	t := *s
	t.Required = nil
	if len(t.Types) == 1 && t.Types[0] == "object" {
		t.Types = nil
	}
	if !isTrueSchema(&t) {
		return nil
	}
	return s.Required
}

// reqNode is a schema requiring one property, made once per name and check.
func (c *checker) reqNode(name string) *js.Schema {
	if s, ok := c.reqNodes[name]; ok {
		return s
	}
	s := newSynthetic("required:" + name)
	s.Required = []string{name}
	if c.reqNodes == nil {
		c.reqNodes = map[string]*js.Schema{}
	}
	c.reqNodes[name] = s
	return s
}

// provablyEmpty reports whether the conjunction accepts nothing by what
// flatten and the merged view see (contradicting types, bounds, a
// schema and its negation).
func (c *checker) provablyEmpty(ws wset) bool {
	flat, empty := c.flatten(ws)
	return empty || newWriterView(flat).types == 0
}

package compat

import (
	"math/big"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// typeSet is a set of JSON value kinds; numbers are split into integers
// and non-integers so that integer ⊂ number is plain set inclusion.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tObject
	tArray
	tString
	tInteger
	tFraction // numbers that are not integers
	tNumber   = tInteger | tFraction
	tAll      = tNull | tBoolean | tObject | tArray | tString | tNumber
)

func typesOf(s *js.Schema) typeSet {
	if len(s.Types) == 0 {
		return tAll
	}
	var t typeSet
	for _, name := range s.Types {
		t |= typeNamed(name)
	}
	return t
}

func typeNamed(name string) typeSet {
	switch name {
	case "null":
		return tNull
	case "boolean":
		return tBoolean
	case "object":
		return tObject
	case "array":
		return tArray
	case "string":
		return tString
	case "integer":
		return tInteger
	case "number":
		return tNumber
	}
	return 0
}

// names lists the JSON Schema type names covering t, for messages.
func (t typeSet) names() []string {
	var out []string
	for _, p := range []struct {
		t    typeSet
		name string
	}{{tNull, "null"}, {tBoolean, "boolean"}, {tObject, "object"}, {tArray, "array"}, {tString, "string"}} {
		if t&p.t != 0 {
			out = append(out, p.name)
		}
	}
	switch t & tNumber {
	case tNumber:
		out = append(out, "number")
	case tInteger:
		out = append(out, "integer")
	case tFraction:
		out = append(out, "non-integer number")
	}
	return out
}

// writerView merges the writer's conjuncts into the bounds each keyword
// family needs. Negative conjuncts are ignored here (dropping a constraint
// only enlarges the writer, which keeps the check sound).
type writerView struct {
	pos   []*js.Schema
	types typeSet

	lo, hi         *big.Rat // numeric bounds; nil = unbounded
	loExcl, hiExcl bool
	multipleOf     []*big.Rat

	minLen, maxLen int // -1 = unbounded
	minItems       int
	maxItems       int // -1 = unbounded
	minProps       int
	maxProps       int             // -1 = unbounded
	required       map[string]bool // nil when nothing is required
}

func newWriterView(ws wset) *writerView {
	v := &writerView{types: tAll, minLen: 0, maxLen: -1, minItems: 0, maxItems: -1, minProps: 0, maxProps: -1,
		pos: ws.positives()}
	for _, s := range v.pos {
		v.types &= typesOf(s)
		if s.Minimum != nil {
			v.raiseLo(s.Minimum, false)
		}
		if s.ExclusiveMinimum != nil {
			v.raiseLo(s.ExclusiveMinimum, true)
		}
		if s.Maximum != nil {
			v.lowerHi(s.Maximum, false)
		}
		if s.ExclusiveMaximum != nil {
			v.lowerHi(s.ExclusiveMaximum, true)
		}
		if s.MultipleOf != nil {
			v.multipleOf = append(v.multipleOf, s.MultipleOf)
		}
		v.minLen = max(v.minLen, s.MinLength)
		v.maxLen = minBound(v.maxLen, s.MaxLength)
		v.minItems = max(v.minItems, s.MinItems)
		v.maxItems = minBound(v.maxItems, s.MaxItems)
		v.minProps = max(v.minProps, s.MinProperties)
		v.maxProps = minBound(v.maxProps, s.MaxProperties)
		if s.Contains != nil {
			v.minItems = max(v.minItems, s.MinContains) // that many items match contains
		}
	}
	v.required = requiredClosure(v.pos)
	v.minProps = max(v.minProps, len(v.required))
	// A negated type excludes its types (other negations are ignored,
	// which only enlarges the writer).
	for _, n := range ws {
		if n.neg && len(n.s.Types) > 0 && isTypeOnly(n.s) {
			v.types &^= typesOf(n.s)
		}
	}
	// Numbers that must be multiples of an integer are integers.
	for _, m := range v.multipleOf {
		if m.IsInt() {
			v.types &^= tFraction
		}
	}
	if v.types&tNumber != 0 && v.lo != nil && v.hi != nil {
		if c := v.lo.Cmp(v.hi); c > 0 || (c == 0 && (v.loExcl || v.hiExcl)) {
			v.types &^= tNumber // empty numeric range
		} else if c == 0 && !v.lo.IsInt() {
			v.types &^= tInteger
		}
	}
	if v.types&tString != 0 && (v.maxLen >= 0 && v.minLen > v.maxLen || noStrings(v.pos, v.minLen, v.maxLen)) {
		v.types &^= tString
	}
	if v.types&tArray != 0 && v.maxItems >= 0 && v.minItems > v.maxItems {
		v.types &^= tArray
	}
	if v.types&tObject != 0 && v.maxProps >= 0 && v.minProps > v.maxProps {
		v.types &^= tObject
	}
	return v
}

// isTypeOnly reports whether type is all s asserts.
func isTypeOnly(s *js.Schema) bool {
	t := *s
	t.Types = nil
	return isTrueSchema(&t)
}

func minBound(a, b int) int {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

func (v *writerView) raiseLo(x *big.Rat, excl bool) {
	if v.lo == nil || x.Cmp(v.lo) > 0 || (x.Cmp(v.lo) == 0 && excl) {
		v.lo, v.loExcl = x, excl
	}
}

func (v *writerView) lowerHi(x *big.Rat, excl bool) {
	if v.hi == nil || x.Cmp(v.hi) < 0 || (x.Cmp(v.hi) == 0 && excl) {
		v.hi, v.hiExcl = x, excl
	}
}

// checkType reports JSON types the writer produces that the reader rejects.
func (c *checker) checkType(ws wset, wv *writerView, r *js.Schema) []finding {
	rt := typesOf(r)
	missing := wv.types &^ rt
	if missing == 0 {
		return nil
	}
	f := finding{rule: &RuleTypeNarrowed, path: ptrOf(r) + "/type",
		msg: "type narrowed: the writer produces " + joinNames(missing.names()) + ", which the reader (type " + joinNames(rt.names()) + ") rejects"}
	for _, t := range []typeSet{tNull, tBoolean, tString, tInteger, tFraction, tObject, tArray} {
		if missing&t == 0 {
			continue
		}
		if w, ok := c.sampleTyped(ws, wv, t); ok {
			f.wit, f.hasWit = w, true
			break
		}
	}
	return []finding{f}
}

func joinNames(n []string) string {
	switch len(n) {
	case 0:
		return "nothing"
	case 1:
		return n[0]
	}
	out := ""
	for i, s := range n {
		if i > 0 {
			if i == len(n)-1 {
				out += " and "
			} else {
				out += ", "
			}
		}
		out += s
	}
	return out
}

// atom compares the reader node's own assertion keywords with the writer.
// Each family only looks at the JSON types both sides can have.
func (c *checker) atom(ws wset, wv *writerView, r *js.Schema) []finding {
	out := c.checkType(ws, wv, r)
	shared := wv.types & typesOf(r)
	if shared&tNumber != 0 {
		out = append(out, c.checkNumeric(ws, wv, r, shared)...)
	}
	if shared&tString != 0 {
		out = append(out, c.checkString(ws, wv, r)...)
	}
	if shared&tObject != 0 {
		out = append(out, c.checkObject(ws, wv, r)...)
	}
	if shared&tArray != 0 {
		out = append(out, c.checkArray(ws, wv, r)...)
	}
	if (r.Constant != nil || r.Enum != nil) && shared != 0 {
		out = append(out, c.enumAdded(ws, wv, r)...)
	}
	return out
}

// enumAdded: the writer is not finite (finite writers are enumerated), so
// a reader enum or const rejects some writer value unless the writer's
// values of the shared types are all listed — which only finite writers
// guarantee, except for null and boolean whose domains are finite.
func (c *checker) enumAdded(ws wset, wv *writerView, r *js.Schema) []finding {
	vals := r.Enum
	if r.Constant != nil {
		vals = r.Constant[:1]
	}
	rt := typesOf(r)
	var cands []any
	if wv.types&rt&tNull != 0 {
		cands = append(cands, nil)
	}
	if wv.types&rt&tBoolean != 0 {
		cands = append(cands, false, true)
	}
	infinite := wv.types & rt &^ (tNull | tBoolean)
	if infinite&tString != 0 {
		switch all, w, ok := c.stringsListed(ws, wv, vals); {
		case all:
			infinite &^= tString // the writer's strings are all listed
		case ok && r.Validate(w) != nil:
			cands = append(cands, w)
		}
	}
	for _, v := range cands {
		if c.writerAccepts(ws, v) && r.Validate(v) != nil {
			return []finding{{rule: &RuleEnumAdded, path: ptrOf(r) + "/enum", msg: "the reader restricts values to " + compactValue(vals) + "; the writer may send " + compactValue(v), wit: v, hasWit: true}}
		}
	}
	if infinite == 0 {
		return nil
	}
	f := finding{rule: &RuleEnumAdded, path: ptrOf(r) + "/enum",
		msg: "the reader restricts values to " + compactValue(vals) + " while the writer allows any " + joinNames(infinite.names())}
	for _, t := range []typeSet{tString, tInteger, tFraction, tObject, tArray} {
		if infinite&t == 0 {
			continue
		}
		if w, ok := c.sampleTypedAvoiding(ws, wv, t, vals); ok && r.Validate(w) != nil {
			f.wit, f.hasWit = w, true
			break
		}
	}
	return []finding{f}
}

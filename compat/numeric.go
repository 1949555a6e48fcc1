package compat

import (
	"encoding/json"
	"math/big"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// checkNumeric compares bounds and multipleOf with exact rational
// arithmetic. When the writer only produces integers its bounds are first
// tightened to the integers they admit (exclusiveMaximum 6 is maximum 5).
func (c *checker) checkNumeric(ws wset, wv *writerView, r *js.Schema, shared typeSet) []finding {
	intOnly := shared&tFraction == 0
	lo, loExcl, hi, hiExcl := wv.lo, wv.loExcl, wv.hi, wv.hiExcl
	if intOnly {
		lo, loExcl = intLower(lo, loExcl)
		hi, hiExcl = intUpper(hi, hiExcl)
	}
	var out []finding
	check := func(bound *big.Rat, excl, isMin bool, kw string) {
		if bound == nil {
			return
		}
		w, wExcl := hi, hiExcl
		if isMin {
			w, wExcl = lo, loExcl
		}
		if w != nil {
			cmp := w.Cmp(bound)
			if !isMin {
				cmp = -cmp
			}
			// cmp > 0: the writer's bound is strictly inside the reader's.
			if cmp > 0 || (cmp == 0 && (!excl || wExcl)) {
				return
			}
		}
		f := finding{path: ptrOf(r) + "/" + kw}
		if isMin {
			f.rule = &RuleMinimumIncreased
			f.msg = kw + " raised to " + ratString(bound) + "; the writer allows values down to " + boundString(w, wExcl, "-infinity")
		} else {
			f.rule = &RuleMaximumDecreased
			f.msg = kw + " lowered to " + ratString(bound) + "; the writer allows values up to " + boundString(w, wExcl, "infinity")
		}
		if v, ok := c.numberOutside(ws, wv, bound, excl, isMin, intOnly); ok {
			f.wit, f.hasWit = v, true
		}
		out = append(out, f)
	}
	check(r.Minimum, false, true, "minimum")
	check(r.ExclusiveMinimum, true, true, "exclusiveMinimum")
	check(r.Maximum, false, false, "maximum")
	check(r.ExclusiveMaximum, true, false, "exclusiveMaximum")
	if r.MultipleOf != nil && !dividesWriter(r.MultipleOf, wv.multipleOf, intOnly) {
		f := finding{rule: &RuleMultipleOfNarrowed, path: ptrOf(r) + "/multipleOf",
			msg: "multipleOf " + ratString(r.MultipleOf) + " rejects numbers the writer allows" + writerMultiples(wv.multipleOf)}
		if v, ok := c.numberNotMultiple(ws, wv, r.MultipleOf, intOnly); ok {
			f.wit, f.hasWit = v, true
		}
		out = append(out, f)
	}
	return out
}

// dividesWriter reports whether every writer number is a multiple of m:
// some writer multipleOf k is itself a multiple of m, or the writer only
// produces integers and 1 is a multiple of m.
func dividesWriter(m *big.Rat, writer []*big.Rat, intOnly bool) bool {
	if intOnly && isMultiple(big.NewRat(1, 1), m) {
		return true
	}
	for _, k := range writer {
		if isMultiple(k, m) {
			return true
		}
	}
	return false
}

// isMultiple reports whether x is an integer multiple of m (m > 0).
func isMultiple(x, m *big.Rat) bool {
	q := new(big.Rat).Quo(x, m)
	return q.IsInt()
}

func writerMultiples(ms []*big.Rat) string {
	if len(ms) == 0 {
		return ""
	}
	return " (writer multipleOf " + ratString(ms[0]) + ")"
}

// intLower tightens a lower bound to the least integer it admits.
func intLower(b *big.Rat, excl bool) (*big.Rat, bool) {
	if b == nil {
		return nil, false
	}
	f := floorRat(b)
	if f.Cmp(b) == 0 { // integer bound
		if excl {
			f.Add(f, big.NewRat(1, 1))
		}
		return f, false
	}
	return f.Add(f, big.NewRat(1, 1)), false
}

// intUpper tightens an upper bound to the greatest integer it admits.
func intUpper(b *big.Rat, excl bool) (*big.Rat, bool) {
	if b == nil {
		return nil, false
	}
	f := floorRat(b)
	if f.Cmp(b) == 0 && excl {
		f.Sub(f, big.NewRat(1, 1))
	}
	return f, false
}

func floorRat(x *big.Rat) *big.Rat {
	q := new(big.Int)
	m := new(big.Int)
	q.DivMod(x.Num(), x.Denom(), m) // Euclidean: floor for positive denominators
	return new(big.Rat).SetInt(q)
}

// numberOutside builds a writer number beyond the reader's bound: the
// closest candidates first, since they are the likeliest to satisfy the
// writer's own bounds and multipleOf.
func (c *checker) numberOutside(ws wset, wv *writerView, bound *big.Rat, excl, isMin, intOnly bool) (any, bool) {
	one := big.NewRat(1, 1)
	var cands []*big.Rat
	step := func(k *big.Rat) {
		x := new(big.Rat)
		if isMin {
			x.Sub(bound, k)
		} else {
			x.Add(bound, k)
		}
		cands = append(cands, x)
	}
	if excl {
		cands = append(cands, new(big.Rat).Set(bound))
	}
	if intOnly {
		if isMin {
			f := floorRat(bound)
			if f.Cmp(bound) == 0 {
				f.Sub(f, one)
			}
			cands = append(cands, f)
		} else {
			f := floorRat(bound)
			cands = append(cands, f.Add(f, one))
		}
	}
	for _, m := range wv.multipleOf {
		// The nearest multiple of the writer's step beyond the bound.
		q := new(big.Rat).Quo(bound, m)
		f := floorRat(q)
		if !isMin {
			f.Add(f, one)
		} else if f.Cmp(q) == 0 && !excl {
			f.Sub(f, one)
		}
		cands = append(cands, f.Mul(f, m))
	}
	step(one)
	step(big.NewRat(1, 2))
	step(big.NewRat(1, 1000))
	if wv.lo != nil {
		cands = append(cands, wv.lo)
	}
	if wv.hi != nil {
		cands = append(cands, wv.hi)
	}
	step(big.NewRat(1000, 1))
	return c.firstNumber(ws, cands)
}

// numberNotMultiple finds a writer number that is not a multiple of m.
func (c *checker) numberNotMultiple(ws wset, wv *writerView, m *big.Rat, intOnly bool) (any, bool) {
	var cands []*big.Rat
	for _, k := range wv.multipleOf {
		cands = append(cands, k, new(big.Rat).Mul(k, big.NewRat(3, 1)))
	}
	base := big.NewRat(0, 1)
	if wv.lo != nil {
		base = floorRat(wv.lo)
	}
	for i := int64(1); i <= 7; i++ {
		cands = append(cands, new(big.Rat).Add(base, big.NewRat(i, 1)))
	}
	if !intOnly {
		cands = append(cands, new(big.Rat).Quo(m, big.NewRat(2, 1)), new(big.Rat).Add(base, big.NewRat(1, 2)), new(big.Rat).Add(base, big.NewRat(1, 1000)))
	}
	var keep []*big.Rat
	for _, x := range cands {
		if !isMultiple(x, m) {
			keep = append(keep, x)
		}
	}
	return c.firstNumber(ws, keep)
}

func (c *checker) firstNumber(ws wset, cands []*big.Rat) (any, bool) {
	for _, x := range cands {
		v := ratNumber(x)
		if c.writerAccepts(ws, v) {
			return v, true
		}
	}
	return nil, false
}

// ratNumber renders an exact rational as a JSON number: integers exactly,
// others as decimals when their expansion terminates.
func ratNumber(x *big.Rat) json.Number {
	if x.IsInt() {
		return json.Number(x.Num().String())
	}
	if prec, exact := x.FloatPrec(); exact {
		return json.Number(x.FloatString(prec))
	}
	return json.Number(x.FloatString(20))
}

func ratString(x *big.Rat) string { return string(ratNumber(x)) }

func boundString(x *big.Rat, excl bool, none string) string {
	if x == nil {
		return none
	}
	if excl {
		return ratString(x) + " (exclusive)"
	}
	return ratString(x)
}

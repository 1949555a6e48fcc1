package compat

import (
	"encoding/json"
	"math/big"
	"reflect"
	"strconv"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Witnesses are built from small, deterministic samples of the writer: a
// sample is only returned after the real validator accepted it under every
// writer conjunct, and Check validates every final witness again against
// the whole writer and reader before reporting it.

// maxSampleDepth bounds the nesting of generated samples (recursive
// schemas with required self-references have no finite sample anyway).
const maxSampleDepth = 16

// maxSampleNodes bounds how many sub-samples one check builds, and
// maxWitnessBytes how large a reported witness may be: a witness is meant
// to be read and pasted into a test.
const (
	maxSampleNodes  = 5_000
	maxWitnessBytes = 64 << 10
)

var sampleOrder = []typeSet{tObject, tString, tInteger, tBoolean, tNull, tFraction, tArray}

// sampleIn returns a value the writer accepts, if one is found.
func (c *checker) sampleIn(ws wset) (any, bool) {
	return c.sampleDepth(ws, 0)
}

func (c *checker) sampleDepth(ws wset, depth int) (any, bool) {
	if depth > maxSampleDepth || c.bud.stopped() {
		return nil, false
	}
	flat, empty := c.flatten(ws)
	if empty {
		return nil, false
	}
	k := c.key(flat, nil)
	if s, ok := c.samples[k]; ok {
		return s.v, s.ok
	}
	if c.sampling[k] || c.sampleNodes >= maxSampleNodes {
		// A sample that needs itself (a required property that recurses
		// through $ref) has no finite form along this path; the budget keeps
		// branching recursion from building huge documents.
		return nil, false
	}
	if c.samples == nil {
		c.samples, c.sampling = map[string]sample{}, map[string]bool{}
	}
	if c.shareable(flat) {
		v, ok := c.sharedSample('d', flat, depth, func(sc *checker) (any, bool) { return sc.sampleDepth(flat, depth) })
		c.samples[k] = sample{v, ok}
		return v, ok
	}
	if !c.bud.tick() || !c.bud.alloc(sampleBytes+len(k)) {
		return nil, false
	}
	c.sampling[k] = true
	c.sampleNodes++
	v, ok := c.sampleFlat(flat, depth)
	delete(c.sampling, k)
	c.samples[k] = sample{v, ok}
	return v, ok
}

// sampleFlat builds a sample of a flattened writer. Samples are shared
// between findings, so callers copy before changing them (withProp does).
func (c *checker) sampleFlat(flat wset, depth int) (any, bool) {
	wv := c.view(flat)
	for _, t := range sampleOrder {
		if wv.types&t == 0 {
			continue
		}
		if v, ok := c.sampleTypedDepth(flat, wv, t, nil, depth); ok {
			return v, true
		}
	}
	// The merged view ignores alternatives; try each writer case.
	if cases, ok := c.splitWriter(flat); ok {
		for _, cs := range cases {
			if v, ok := c.sampleDepth(cs, depth+1); ok && c.writerAccepts(flat, v) {
				return v, true
			}
		}
	}
	return nil, false
}

func (c *checker) sampleTyped(ws wset, wv *writerView, t typeSet) (any, bool) {
	return c.sampleTypedDepth(ws, wv, t, nil, 0)
}

// sampleTypedAvoiding is sampleTyped that skips the given values (used to
// find a writer value outside a reader enum).
func (c *checker) sampleTypedAvoiding(ws wset, wv *writerView, t typeSet, avoid []any) (any, bool) {
	return c.sampleTypedDepth(ws, wv, t, avoid, 0)
}

func (c *checker) sampleTypedDepth(ws wset, wv *writerView, t typeSet, avoid []any, depth int) (any, bool) {
	var avoidSet valueSet
	if len(avoid) >= minIndexedEnum {
		avoidSet = newValueSet(avoid) // a large reader enum: one lookup per candidate
	}
	ok := func(v any) bool {
		if avoidSet != nil {
			if avoidSet.has(v) {
				return false
			}
		} else {
			for _, a := range avoid {
				if jsonEqual(a, v) {
					return false
				}
			}
		}
		return c.writerAccepts(ws, v)
	}
	if vals, finite := c.finiteWriter(ws); finite {
		for _, v := range vals {
			if typeOfValue(v)&t != 0 && ok(v) {
				return v, true
			}
		}
		return nil, false
	}
	switch t {
	case tNull:
		if ok(nil) {
			return nil, true
		}
	case tBoolean:
		for _, b := range []bool{false, true} {
			if ok(b) {
				return b, true
			}
		}
	case tString:
		if s, found := c.firstString(ws, wv, func(s string) bool { return ok(s) }); found {
			return s, true
		}
	case tInteger, tFraction:
		for _, x := range numberCandidates(wv, t == tInteger) {
			v := ratNumber(x)
			if ok(v) {
				return v, true
			}
		}
	case tObject:
		if v, good := c.sampleObject(ws, wv, avoid, depth); good && ok(v) {
			return v, true
		}
	case tArray:
		if v, good := c.sampleArray(ws, wv, avoid, depth); good && ok(v) {
			return v, true
		}
	}
	return nil, false
}

func numberCandidates(wv *writerView, integer bool) []*big.Rat {
	var out []*big.Rat
	add := func(x *big.Rat) {
		if x == nil {
			return
		}
		if integer && !x.IsInt() {
			return
		}
		if !integer && x.IsInt() {
			return
		}
		out = append(out, x)
	}
	one := big.NewRat(1, 1)
	half := big.NewRat(1, 2)
	for _, m := range wv.multipleOf {
		base := big.NewRat(0, 1)
		if wv.lo != nil {
			q := floorRat(new(big.Rat).Quo(wv.lo, m))
			base = q.Add(q, one).Mul(q, m)
		}
		add(base)
		add(new(big.Rat).Set(m))
	}
	if wv.lo != nil {
		lo := wv.lo
		if integer {
			lo, _ = intLower(wv.lo, wv.loExcl)
		}
		add(lo)
		add(new(big.Rat).Add(lo, one))
		add(new(big.Rat).Add(lo, half))
		add(new(big.Rat).Add(lo, big.NewRat(1, 1000)))
	}
	if wv.hi != nil {
		hi := wv.hi
		if integer {
			hi, _ = intUpper(wv.hi, wv.hiExcl)
		}
		add(hi)
		add(new(big.Rat).Sub(hi, one))
		add(new(big.Rat).Sub(hi, half))
	}
	for _, x := range []*big.Rat{big.NewRat(0, 1), one, big.NewRat(2, 1), big.NewRat(-1, 1), big.NewRat(100, 1), half, big.NewRat(3, 2), big.NewRat(-1, 2), big.NewRat(1, 1000)} {
		add(x)
	}
	return out
}

func (c *checker) sampleObject(ws wset, wv *writerView, avoid []any, depth int) (any, bool) {
	o := &objectCheck{c: c, ws: ws, wv: wv}
	obj := map[string]any{}
	for _, name := range sortedKeysOf(wv.required) {
		subs, absent, _ := o.writerProp(name)
		if absent {
			return nil, false
		}
		v, ok := c.sampleDepth(subs, depth+1)
		if !ok {
			return nil, false
		}
		obj[name] = v
	}
	// Dependent requirements of what is already there.
	for range 4 {
		added := false
		for _, s := range wv.pos {
			dr := map[string][]string{}
			collectDeps(s, dr, map[string]*js.Schema{})
			for _, p := range sortedKeysOf(dr) {
				if _, has := obj[p]; !has {
					continue
				}
				for _, q := range dr[p] {
					if _, has := obj[q]; has {
						continue
					}
					subs, absent, _ := o.writerProp(q)
					if absent {
						return nil, false
					}
					if v, ok := c.sampleDepth(subs, depth+1); ok {
						obj[q], added = v, true
					}
				}
			}
		}
		if !added {
			break
		}
	}
	// Pad up to minProperties with declared optional properties, then extras.
	if len(obj) < wv.minProps {
		for _, s := range wv.pos {
			for _, name := range sortedKeysOf(s.Properties) {
				if len(obj) >= wv.minProps {
					break
				}
				if _, has := obj[name]; has {
					continue
				}
				subs, absent, _ := o.writerProp(name)
				if absent {
					continue
				}
				if v, ok := c.sampleDepth(subs, depth+1); ok {
					obj[name] = v
				}
			}
		}
		for i := 0; len(obj) < wv.minProps && i < wv.minProps+8; i++ {
			name := "extra" + strconv.Itoa(i)
			subs, absent, _ := o.writerProp(name)
			if absent {
				continue
			}
			if v, ok := c.sampleDepth(subs, depth+1); ok {
				obj[name] = v
			}
		}
	}
	for _, a := range avoid {
		if jsonEqual(a, obj) {
			// Distinguish it from a value the caller must avoid.
			obj["extra"] = nil
		}
	}
	return obj, true
}

func (c *checker) sampleArray(ws wset, wv *writerView, avoid []any, depth int) (any, bool) {
	n := wv.minItems
	if n > 10_000 {
		return nil, false
	}
	arr := make([]any, 0, n+1)
	for i := 0; i < n; i++ {
		sub, absent := c.writerItem(wv, i)
		if absent {
			return nil, false
		}
		v, ok := c.sampleDepth(sub, depth+1)
		if !ok {
			return nil, false
		}
		arr = append(arr, v)
	}
	if len(avoid) > 0 {
		for _, a := range avoid {
			if jsonEqual(a, arr) {
				if sub, absent := c.writerItem(wv, n); !absent {
					if v, ok := c.sampleDepth(sub, depth+1); ok {
						arr = append(arr, v)
					}
				}
			}
		}
	}
	return arr, true
}

func typeOfValue(v any) typeSet {
	switch v := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case string:
		return tString
	case map[string]any:
		return tObject
	case []any:
		return tArray
	case json.Number:
		r, ok := new(big.Rat).SetString(string(v))
		if ok && r.IsInt() {
			return tInteger
		}
		return tFraction
	case float64:
		if v == float64(int64(v)) {
			return tInteger
		}
		return tFraction
	}
	return 0
}

// jsonEqual compares JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		x, ok1 := new(big.Rat).SetString(string(an))
		y, ok2 := new(big.Rat).SetString(string(bn))
		return ok1 && ok2 && x.Cmp(y) == 0
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !jsonEqual(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !jsonEqual(av[i], bv[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// disjoint reports whether no value satisfies both the writer and x. It
// only answers true when that is proven; false means "not proven".
func (c *checker) disjoint(ws wset, x *js.Schema) bool {
	return c.disjointDepth(ws, x, 0)
}

func (c *checker) disjointDepth(ws wset, x *js.Schema, depth int) bool {
	if depth > 8 {
		return false
	}
	ws, empty := c.flatten(ws)
	if empty {
		return true
	}
	for _, n := range ws {
		if n.neg && len(c.incl(wset{{s: x}}, n.s)) == 0 {
			return true // the writer excludes a superset of x
		}
	}
	xs, xEmpty := c.flatten(wset{{s: x}})
	if xEmpty {
		return true
	}
	wv, xv := newWriterView(ws), newWriterView(xs)
	shared := wv.types & xv.types
	if shared == 0 {
		return true
	}
	if vals, ok := c.finiteWriter(ws); ok {
		for _, v := range vals {
			if c.writerAccepts(ws, v) && c.writerAccepts(xs, v) {
				return false
			}
		}
		return true
	}
	if vals, ok := c.finiteWriter(xs); ok {
		for _, v := range vals {
			if c.writerAccepts(ws, v) && c.writerAccepts(xs, v) {
				return false
			}
		}
		return true
	}
	// Every remaining shared type must be excluded on its own.
	if shared&^tObject != 0 {
		return c.numericDisjoint(wv, xv, shared)
	}
	wo := &objectCheck{c: c, ws: ws, wv: wv}
	xo := &objectCheck{c: c, ws: xs, wv: xv}
	names := map[string]bool{}
	for n := range wv.required {
		names[n] = true
	}
	for n := range xv.required {
		names[n] = true
	}
	for _, n := range sortedKeysOf(names) {
		wsub, wAbsent, _ := wo.writerProp(n)
		xsub, xAbsent, _ := xo.writerProp(n)
		if (xv.required[n] && wAbsent) || (wv.required[n] && xAbsent) {
			return true
		}
		if wAbsent || xAbsent || len(xsub) == 0 {
			continue
		}
		if len(xsub) == 1 && c.disjointDepth(wsub, xsub[0].s, depth+1) {
			return true
		}
	}
	return false
}

// numericDisjoint handles writers and x that share only number types:
// their ranges do not overlap.
func (c *checker) numericDisjoint(wv, xv *writerView, shared typeSet) bool {
	if shared&^tNumber != 0 {
		return false
	}
	below := func(hi *big.Rat, hiExcl bool, lo *big.Rat, loExcl bool) bool {
		if hi == nil || lo == nil {
			return false
		}
		cmp := hi.Cmp(lo)
		return cmp < 0 || (cmp == 0 && (hiExcl || loExcl))
	}
	return below(wv.hi, wv.hiExcl, xv.lo, xv.loExcl) || below(xv.hi, xv.hiExcl, wv.lo, wv.loExcl)
}

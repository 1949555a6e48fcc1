package compat

import (
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// The validator checks enum membership by comparing with every value, so
// validating each value of one 10,000-value enum against another took
// 10⁸ deep comparisons (~75 s). Large enums are instead indexed by the
// canonical form of their values, and a value is checked by one lookup
// plus the node's other keywords.

// minIndexedEnum is the size from which an enum is indexed; below it the
// validator's own loop is as fast.
const minIndexedEnum = 32

// canonicalKey is a string equal for JSON values the validator deems
// equal: numbers by value (1 and 1.0), objects whatever their key order.
func canonicalKey(v any) string {
	var b strings.Builder
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteByte('n')
	case bool:
		if v {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case string:
		writeString(b, v)
	case json.Number:
		writeNumber(b, string(v))
	case float64:
		writeNumber(b, strconv.FormatFloat(v, 'g', -1, 64))
	case int:
		writeNumber(b, strconv.Itoa(v))
	case int64:
		writeNumber(b, strconv.FormatInt(v, 10))
	case []any:
		b.WriteByte('[')
		for _, x := range v {
			writeCanonical(b, x)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for _, k := range keys {
			writeString(b, k)
			writeCanonical(b, v[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		b.WriteString("?")
		b.WriteString(compactValue(v))
	}
}

// writeString writes a string length first, so no content can be
// mistaken for the structure around it.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('s')
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
}

// writeNumber writes a number by value, as its normalized decimal (no
// leading zeros, no trailing zeros after the point, no "-0"). Plain
// decimals, the usual literal, are normalized as text; exponent forms go
// through big.Rat to the same decimal (every JSON literal has a finite
// one). Literal sizes are bounded when schemas are loaded (limits.go).
func writeNumber(b *strings.Builder, lit string) {
	b.WriteByte('#')
	if d, ok := plainDecimal(lit); ok {
		b.WriteString(d)
		return
	}
	if r, ok := new(big.Rat).SetString(lit); ok {
		if r.IsInt() {
			b.WriteString(r.Num().String())
			return
		}
		// A non-integer fraction: write it as the decimal it is when it
		// has one (every JSON number literal does), else as a fraction.
		if d, exact := r.FloatPrec(); exact {
			if p, ok := plainDecimal(r.FloatString(d)); ok {
				b.WriteString(p)
				return
			}
		}
		b.WriteString(r.RatString())
		return
	}
	b.WriteString(lit)
}

// plainDecimal normalizes a literal of the form -?digits(.digits)?.
func plainDecimal(lit string) (string, bool) {
	neg := strings.HasPrefix(lit, "-")
	if neg {
		lit = lit[1:]
	}
	intPart, frac, hasFrac := strings.Cut(lit, ".")
	if intPart == "" || (hasFrac && frac == "") {
		return "", false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return "", false
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

// valueSet indexes values by canonicalKey.
type valueSet map[string]struct{}

func newValueSet(vals []any) valueSet {
	s := make(valueSet, len(vals))
	for _, v := range vals {
		s[canonicalKey(v)] = struct{}{}
	}
	return s
}

func (s valueSet) has(v any) bool {
	_, ok := s[canonicalKey(v)]
	return ok
}

// indexedEnum is a large-enum node split in two: the set of its values
// (built on first use: the writer's own enum is never searched) and the
// node without its enum (nil when nothing else is left).
type indexedEnum struct {
	vals []any
	set  valueSet
	rest *js.Schema
}

func (ix *indexedEnum) has(v any) bool {
	if ix.set == nil {
		ix.set = newValueSet(ix.vals)
	}
	return ix.set.has(v)
}

// enumIndex returns the index of s's enum, or nil where the validator is
// used as it is: small enums, and schemas with dynamic references (a
// copied node would not be in the validator's dynamic scope).
func (c *checker) enumIndex(s *js.Schema) *indexedEnum {
	if len(s.Enum) < minIndexedEnum || c.dyn[0] != nil || c.dyn[1] != nil {
		return nil
	}
	if ix, ok := c.enums[s]; ok {
		return ix
	}
	rest := *s
	rest.Enum = nil
	ix := &indexedEnum{vals: s.Enum, rest: &rest}
	if isTrueSchema(&rest) {
		ix.rest = nil
	}
	if c.enums == nil {
		c.enums = map[*js.Schema]*indexedEnum{}
	}
	c.enums[s] = ix
	c.bud.alloc(len(s.Enum) * witnessNodeBytes)
	return ix
}

// validate is s.Validate(v) with a large enum checked by lookup. Its error
// locates the enum when v is not one of its values.
//
// Every validation is charged to the step budget by the size of s.
func (c *checker) validate(s *js.Schema, v any) error {
	c.bud.charge(c.weight(s))
	ix := c.enumIndex(s)
	if ix == nil {
		return s.Validate(v)
	}
	if !ix.has(v) {
		return &js.ValidationError{KeywordLocation: "/enum", AbsoluteKeywordLocation: s.Location + "/enum",
			Message: "value must be one of the enum's values"}
	}
	if ix.rest == nil {
		return nil
	}
	return ix.rest.Validate(v)
}

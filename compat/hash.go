package compat

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math/big"
	"sort"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Structural hashes let the checker skip unchanged subtrees: a writer
// conjunct whose hash equals the reader node's is compared with equal (the
// hash only filters; equal decides), and when they are equal the whole
// subtree is accepted without walking it. Most of a new version is
// unchanged, so this is what keeps large checks fast. The hashes of a
// compiled schema are computed once and reused by every check.

func (s *Schema) hashes() map[*js.Schema]uint64 {
	s.hashOnce.Do(func() { s.hashMap = computeHashes(s.root) })
	return s.hashMap
}

// computeHashes hashes every node reachable from root. A $ref contributes
// its target's location, not its content, so recursion needs no special
// case; equal follows the targets when hashes match.
func computeHashes(root *js.Schema) map[*js.Schema]uint64 {
	h := map[*js.Schema]uint64{}
	var todo []*js.Schema
	var hash func(s *js.Schema) uint64
	hash = func(s *js.Schema) uint64 {
		if s == nil {
			return 0
		}
		if v, ok := h[s]; ok {
			return v
		}
		w := &hasher{h: fnv.New64a()}
		if s.Always != nil {
			w.str("always")
			w.boolean(*s.Always)
		}
		for _, r := range []*js.Schema{s.Ref, s.RecursiveRef, s.DynamicRef} {
			w.str("ref")
			if r != nil {
				w.str(r.Location)
				todo = append(todo, r)
			}
		}
		w.sorted(s.Types)
		w.sorted(s.Required)
		for _, n := range []int{s.MinProperties, s.MaxProperties, s.MinItems, s.MaxItems, s.MinContains, s.MaxContains, s.MinLength, s.MaxLength} {
			w.num(uint64(n))
		}
		w.boolean(s.UniqueItems)
		if s.Pattern != nil {
			w.str("pattern" + s.Pattern.String())
		}
		if assertsFormat(s) {
			w.str("format" + s.Format)
		}
		for _, r := range []*big.Rat{s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum, s.MultipleOf} {
			if r != nil {
				w.str(r.RatString())
			} else {
				w.str("-")
			}
		}
		if s.Constant != nil {
			w.value("const", s.Constant[0])
		}
		if s.Enum != nil {
			w.value("enum", s.Enum)
		}
		for _, c := range []*js.Schema{s.Not, s.If, s.Then, s.Else, s.PropertyNames, s.UnevaluatedProperties, s.Items2020, s.Contains, s.UnevaluatedItems} {
			w.num(hash(c))
		}
		for _, list := range [][]*js.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
			w.num(uint64(len(list)))
			for _, c := range list {
				w.num(hash(c))
			}
		}
		for _, k := range sortedSchemaKeys(s.Properties) {
			w.str(k)
			w.num(hash(s.Properties[k]))
		}
		for _, k := range sortedSchemaKeys(s.DependentSchemas) {
			w.str("ds" + k)
			w.num(hash(s.DependentSchemas[k]))
		}
		for _, re := range sortedPatterns(s.PatternProperties) {
			w.str("pp" + re.String())
			w.num(hash(s.PatternProperties[re]))
		}
		for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
			switch v := v.(type) {
			case bool:
				w.boolean(v)
			case *js.Schema:
				w.num(hash(v))
			case []*js.Schema:
				for _, c := range v {
					w.num(hash(c))
				}
			default:
				w.str("nil")
			}
		}
		for _, k := range sortedKeysOf(s.DependentRequired) {
			w.str("dr" + k)
			w.sorted(s.DependentRequired[k])
		}
		for _, k := range sortedKeysOf(s.Dependencies) {
			w.str("dep" + k)
			switch d := s.Dependencies[k].(type) {
			case []string:
				w.sorted(d)
			case *js.Schema:
				w.num(hash(d))
			}
		}
		v := w.h.Sum64()
		h[s] = v
		return v
	}
	hash(root)
	for i := 0; i < len(todo); i++ {
		hash(todo[i])
	}
	return h
}

type hasher struct {
	h interface {
		Write([]byte) (int, error)
		Sum64() uint64
	}
	buf [8]byte
}

func (w *hasher) str(s string) {
	w.num(uint64(len(s)))
	w.h.Write([]byte(s))
}

func (w *hasher) num(n uint64) {
	binary.LittleEndian.PutUint64(w.buf[:], n)
	w.h.Write(w.buf[:])
}

func (w *hasher) boolean(b bool) {
	if b {
		w.num(1)
	} else {
		w.num(2)
	}
}

func (w *hasher) sorted(ss []string) {
	c := append([]string(nil), ss...)
	sort.Strings(c)
	w.num(uint64(len(c)))
	for _, s := range c {
		w.str(s)
	}
}

func (w *hasher) value(tag string, v any) {
	b, _ := json.Marshal(v)
	w.str(tag)
	w.str(string(b))
}

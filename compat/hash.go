package compat

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"sort"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// Structural hashes let the checker skip unchanged subtrees, and most of a
// new version is unchanged, so this is what keeps large checks fast. The
// hash is a 128-bit SHA-256 prefix of the node's keywords and its
// children's hashes, computed once per compiled schema and reused by every
// check. A $ref contributes its target's location, not its content (so
// recursion needs no special case): for subtrees without $ref equal hashes
// mean equal content, for the others equal confirms by following the
// targets.
//
// Every list of fields (properties, patterns, references) is written with
// its length and every variant with its tag, so the encoding of a node is
// unambiguous: without counts, {"properties":{"ppfoo":S}} wrote the same
// bytes as {"patternProperties":{"foo":S}} and the two were taken as
// identical.

// nodeHash is a node's structural hash; refFree says that no $ref occurs in
// the subtree, so the hash covers all of its content.
type nodeHash struct {
	sum     [2]uint64
	refFree bool
}

func (s *Schema) hashes() map[*js.Schema]nodeHash {
	s.hashOnce.Do(func() { s.hashMap = computeHashes(s.root, s.dyn, s.text/bytesPerNode) })
	return s.hashMap
}

// bytesPerNode is about how many bytes of schema text make one compiled
// node (44 in a 50-property event): the hash map is sized from it rather
// than grown node by node.
const bytesPerNode = 48

// computeHashes hashes every node reachable from root (about nodes of
// them). Dynamic references contribute every schema they may resolve to
// (dynamic.go).
func computeHashes(root *js.Schema, dyn *dynInfo, nodes int) map[*js.Schema]nodeHash {
	h := make(map[*js.Schema]nodeHash, nodes)
	var todo []*js.Schema
	// A node's keywords are written to a buffer and hashed in one go;
	// hashing a node first hashes its children, so the buffers form a
	// stack and are reused by the next node at the same depth.
	var free [][]byte
	var hash func(s *js.Schema) nodeHash
	hash = func(s *js.Schema) nodeHash {
		if s == nil {
			return nodeHash{refFree: true}
		}
		if v, ok := h[s]; ok {
			return v
		}
		w := &hasher{refFree: true}
		if n := len(free); n > 0 {
			w.buf, free = free[n-1], free[:n-1]
		}
		if s.Always != nil {
			w.str("always")
			w.boolean(*s.Always)
		}
		for i, refs := range [][]*js.Schema{{s.Ref}, resolveRef(s, true, dyn), resolveRef(s, false, dyn)} {
			w.str("ref")
			w.num(uint64(i))
			w.num(uint64(len(refs)))
			for _, r := range refs {
				if r != nil {
					// Only the place inside its document: the document's URL
					// changes with $id. (equal confirms every ref match.)
					w.str(fragmentOf(r.Location))
					w.refFree = false
					todo = append(todo, r)
				}
			}
		}
		w.sorted(s.Types)
		w.sorted(s.Required)
		for _, n := range []int{s.MinProperties, s.MaxProperties, s.MinItems, s.MaxItems, s.MinContains, s.MaxContains, s.MinLength, s.MaxLength} {
			w.num(uint64(n))
		}
		w.boolean(s.UniqueItems)
		if s.Pattern != nil {
			w.str("pattern")
			w.str(s.Pattern.String())
		}
		if assertsFormat(s) {
			w.str("format")
			w.str(s.Format)
		}
		if k := contentKey(s); k != "" {
			w.str("content")
			w.str(k)
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
			w.child(hash(c))
		}
		for _, list := range [][]*js.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
			w.num(uint64(len(list)))
			for _, c := range list {
				w.child(hash(c))
			}
		}
		w.num(uint64(len(s.Properties)))
		for _, k := range sortedKeysOf(s.Properties) {
			w.str(k)
			w.child(hash(s.Properties[k]))
		}
		w.num(uint64(len(s.DependentSchemas)))
		for _, k := range sortedKeysOf(s.DependentSchemas) {
			w.str("ds")
			w.str(k)
			w.child(hash(s.DependentSchemas[k]))
		}
		w.num(uint64(len(s.PatternProperties)))
		for _, re := range sortedPatterns(s.PatternProperties) {
			w.str("pp")
			w.str(re.String())
			w.child(hash(s.PatternProperties[re]))
		}
		// Each form is tagged: a one-element tuple (items: [X]) leaves
		// later items free, items: X constrains them all.
		for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
			switch v := v.(type) {
			case bool:
				w.str("bool")
				w.boolean(v)
			case *js.Schema:
				w.str("schema")
				w.child(hash(v))
			case []*js.Schema:
				w.str("list")
				w.num(uint64(len(v)))
				for _, c := range v {
					w.child(hash(c))
				}
			default:
				w.str("nil")
			}
		}
		w.num(uint64(len(s.DependentRequired)))
		for _, k := range sortedKeysOf(s.DependentRequired) {
			w.str("dr")
			w.str(k)
			w.sorted(s.DependentRequired[k])
		}
		w.num(uint64(len(s.Dependencies)))
		for _, k := range sortedKeysOf(s.Dependencies) {
			w.str("dep")
			w.str(k)
			switch d := s.Dependencies[k].(type) {
			case []string:
				w.str("names")
				w.sorted(d)
			case *js.Schema:
				w.str("schema")
				w.child(hash(d))
			}
		}
		sum := sha256.Sum256(w.buf)
		free = append(free, w.buf[:0])
		v := nodeHash{sum: [2]uint64{binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])}, refFree: w.refFree}
		h[s] = v
		return v
	}
	hash(root)
	for i := 0; i < len(todo); i++ {
		hash(todo[i])
	}
	return h
}

// fragmentOf is the part of a location after '#'.
func fragmentOf(loc string) string {
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		return loc[i:]
	}
	return loc
}

// hasher collects the encoding of one node; every field is
// self-delimiting (a uvarint, a string after its length, a child's hash
// in 16 bytes), so distinct nodes write distinct bytes.
type hasher struct {
	buf     []byte
	refFree bool
}

// child mixes in a subschema's hash; the subtree is ref-free only if every
// child is.
func (w *hasher) child(c nodeHash) {
	w.buf = binary.LittleEndian.AppendUint64(w.buf, c.sum[0])
	w.buf = binary.LittleEndian.AppendUint64(w.buf, c.sum[1])
	w.refFree = w.refFree && c.refFree
}

func (w *hasher) str(s string) {
	w.num(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// num writes n as a uvarint: self-delimiting, and most numbers written
// (lengths, counts, tags) take one byte rather than eight, which halves
// what is hashed.
func (w *hasher) num(n uint64) { w.buf = binary.AppendUvarint(w.buf, n) }

func (w *hasher) boolean(b bool) {
	if b {
		w.num(1)
	} else {
		w.num(2)
	}
}

func (w *hasher) sorted(ss []string) {
	c := ss
	if !sort.StringsAreSorted(c) {
		c = append([]string(nil), ss...)
		sort.Strings(c)
	}
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

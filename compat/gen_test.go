package compat_test

// Deterministic generators of JSON Schemas, mutated schema pairs and
// documents, shared by the fuzz targets, the property test and the
// benchmarks. Every choice comes from a source: fuzz bytes or a seeded PRNG,
// so a failing case is reproduced from its input alone. Maps are always
// walked in sorted key order.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/big"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// source yields choices; intn returns a value in [0, n).
type source interface{ intn(n int) int }

// byteSource reads choices from fuzz input, then continues with a PRNG
// seeded from the input so that short inputs still give rich schemas.
type byteSource struct {
	data []byte
	pos  int
	rng  *rand.Rand
}

func newByteSource(data []byte) *byteSource {
	h := fnv.New64a()
	h.Write(data)
	return &byteSource{data: data, rng: rand.New(rand.NewPCG(h.Sum64(), uint64(len(data))))}
}

func (s *byteSource) intn(n int) int {
	if n <= 1 {
		return 0
	}
	if s.pos < len(s.data) {
		v := int(s.data[s.pos])
		s.pos++
		if n > 256 && s.pos < len(s.data) {
			v = v<<8 | int(s.data[s.pos])
			s.pos++
		}
		return v % n
	}
	return s.rng.IntN(n)
}

type randSource struct{ r *rand.Rand }

func newRandSource(seed, stream uint64) randSource {
	return randSource{rand.New(rand.NewPCG(seed, stream))}
}

func (s randSource) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return s.r.IntN(n)
}

// Drafts the generator writes.
const (
	draft4    = 4
	draft6    = 6
	draft7    = 7
	draft2019 = 2019
	draft2020 = 2020
)

var schemaURI = map[int]string{
	draft4:    "http://json-schema.org/draft-04/schema#",
	draft6:    "http://json-schema.org/draft-06/schema#",
	draft7:    "http://json-schema.org/draft-07/schema#",
	draft2019: "https://json-schema.org/draft/2019-09/schema",
	draft2020: "https://json-schema.org/draft/2020-12/schema",
}

// gen builds schemas and documents for one draft.
type gen struct {
	src   source
	draft int
	defs  []string // names of the root's definitions, referable with $ref
}

func (g *gen) chance(pct int) bool { return g.src.intn(100) < pct }

func pick[T any](g *gen, xs []T) T { return xs[g.src.intn(len(xs))] }

func (g *gen) defsKey() string {
	if g.draft >= draft2019 {
		return "$defs"
	}
	return "definitions"
}

var (
	propNames   = []string{"a", "b", "c", "d", "e"}
	numberPool  = []string{"-100", "-1", "0", "1", "2", "3", "5", "10", "100", "0.5", "2.5", "-0.5", "9007199254740993", "1e3"}
	multipleOfs = []string{"0.01", "0.1", "0.5", "1", "2", "3", "4", "10"}
	stringPool  = []string{"", "a", "b", "ab", "abc", "x", "hello", "2024-01-02"}
	formats     = []string{"date", "email", "ipv4", "uuid"}
)

func num(s string) json.Number { return json.Number(s) }

// scalar returns a JSON value for enum, const and random documents.
func (g *gen) scalar() any {
	switch g.src.intn(9) {
	case 0:
		return nil
	case 1:
		return g.chance(50)
	case 2, 3:
		return num(pick(g, numberPool[:10]))
	case 4:
		return map[string]any{pick(g, propNames): num("1")}
	case 5:
		return []any{num("1")}
	default:
		return pick(g, stringPool)
	}
}

// enumValues returns 1..4 distinct values.
func (g *gen) enumValues() []any {
	n := 1 + g.src.intn(4)
	var out []any
	for i := 0; i < n; i++ {
		out = appendUnique(out, g.scalar())
	}
	return out
}

func appendUnique(xs []any, v any) []any {
	for _, x := range xs {
		if jsonEqual(x, v) {
			return xs
		}
	}
	return append(xs, v)
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// boolSchema returns a schema accepting everything (or nothing); draft 4
// has no boolean schemas, so it spells them as objects.
func (g *gen) boolSchema(v bool) any {
	if g.draft == draft4 {
		if v {
			return map[string]any{}
		}
		return map[string]any{"not": map[string]any{}}
	}
	return v
}

// root returns a complete schema document: definitions (possibly mutually
// recursive) and a root object schema.
func (g *gen) root() map[string]any {
	g.defs = nil
	nDefs := g.src.intn(3)
	for i := 0; i < nDefs; i++ {
		g.defs = append(g.defs, "n"+strconv.Itoa(i))
	}
	defs := map[string]any{}
	for _, name := range g.defs {
		// A node type: an object whose properties may refer back to itself
		// or to another definition (mutual recursion).
		d := g.object(2)
		if g.chance(60) {
			d["properties"] = withProp(d["properties"], pick(g, propNames), map[string]any{"$ref": "#/" + g.defsKey() + "/" + pick(g, g.defs)})
		}
		defs[name] = d
	}
	r := g.object(3)
	if len(g.defs) > 0 {
		r["properties"] = withProp(r["properties"], pick(g, propNames), map[string]any{"$ref": "#/" + g.defsKey() + "/" + pick(g, g.defs)})
	}
	r["$schema"] = schemaURI[g.draft]
	if len(defs) > 0 {
		r[g.defsKey()] = defs
	}
	return r
}

// schema returns a random schema of at most the given depth.
func (g *gen) schema(depth int) any {
	if depth <= 0 {
		return g.leaf()
	}
	switch g.src.intn(20) {
	case 0, 1, 2:
		return g.object(depth - 1)
	case 3, 4:
		return g.array(depth - 1)
	case 5:
		return map[string]any{"anyOf": g.schemas(depth-1, 2+g.src.intn(2))}
	case 6:
		return map[string]any{"oneOf": g.schemas(depth-1, 2+g.src.intn(2))}
	case 7:
		return map[string]any{"allOf": g.schemas(depth-1, 1+g.src.intn(2))}
	case 8:
		return map[string]any{"not": g.schema(depth - 1)}
	case 9:
		if g.draft == draft4 {
			return g.leaf()
		}
		s := map[string]any{"if": g.schema(depth - 1), "then": g.schema(depth - 1)}
		if g.chance(50) {
			s["else"] = g.schema(depth - 1)
		}
		return s
	case 10:
		if len(g.defs) > 0 {
			return map[string]any{"$ref": "#/" + g.defsKey() + "/" + pick(g, g.defs)}
		}
		return g.leaf()
	default:
		return g.leaf()
	}
}

// withProp returns props (a properties map, or nil) with name set to s.
func withProp(props any, name string, s any) map[string]any {
	m, _ := props.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m[name] = s
	return m
}

func (g *gen) schemas(depth, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = g.schema(depth)
	}
	return out
}

var leafTypes = []string{"string", "integer", "number", "boolean", "null"}

func (g *gen) leaf() any {
	switch g.src.intn(16) {
	case 0:
		return map[string]any{"enum": g.enumValues()}
	case 1:
		if g.draft == draft4 {
			return map[string]any{"enum": []any{g.scalar()}}
		}
		return map[string]any{"const": g.scalar()}
	case 2:
		// An array of types, maybe with keywords for several of them.
		ts := []any{}
		for _, i := range []int{g.src.intn(5), g.src.intn(5)} {
			ts = appendUnique(ts, leafTypes[i])
		}
		s := map[string]any{"type": ts}
		if g.chance(50) {
			g.numeric(s)
		}
		if g.chance(50) {
			g.stringKeywords(s)
		}
		return s
	case 3:
		return g.boolSchema(g.chance(85))
	case 4:
		return map[string]any{}
	case 5, 6, 7:
		s := map[string]any{"type": "string"}
		g.stringKeywords(s)
		return s
	case 8, 9:
		s := map[string]any{"type": "integer"}
		g.numeric(s)
		return s
	case 10, 11:
		s := map[string]any{"type": "number"}
		g.numeric(s)
		return s
	case 12:
		return map[string]any{"type": "boolean"}
	case 13:
		return map[string]any{"type": "null"}
	default:
		// Keywords without a type apply only to values of their kind.
		s := map[string]any{}
		g.numeric(s)
		return s
	}
}

func (g *gen) stringKeywords(s map[string]any) {
	if g.chance(50) {
		s["minLength"] = num(strconv.Itoa(g.src.intn(4)))
	}
	if g.chance(50) {
		s["maxLength"] = num(strconv.Itoa(g.src.intn(6)))
	}
	if g.chance(10) {
		s["format"] = pick(g, formats)
	}
}

func (g *gen) numeric(s map[string]any) {
	bound := func() json.Number { return num(pick(g, numberPool)) }
	if g.chance(50) {
		s["minimum"] = bound()
		if g.chance(25) {
			g.setExclusive(s, "minimum", "exclusiveMinimum")
		}
	}
	if g.chance(50) {
		s["maximum"] = bound()
		if g.chance(25) {
			g.setExclusive(s, "maximum", "exclusiveMaximum")
		}
	}
	if g.chance(25) {
		s["multipleOf"] = num(pick(g, multipleOfs))
	}
}

// setExclusive makes an existing bound exclusive in the draft's spelling.
func (g *gen) setExclusive(s map[string]any, incl, excl string) {
	if g.draft == draft4 {
		s[excl] = true
		return
	}
	s[excl] = s[incl]
	delete(s, incl)
}

func (g *gen) object(depth int) map[string]any {
	s := map[string]any{}
	if g.chance(85) {
		s["type"] = "object"
	}
	props := map[string]any{}
	for _, name := range propNames {
		if g.chance(45) {
			props[name] = g.schema(depth)
		}
	}
	if len(props) > 0 || g.chance(30) {
		s["properties"] = props
	}
	var req []any
	for _, name := range propNames {
		if g.chance(25) {
			req = append(req, name)
		}
	}
	if len(req) > 0 {
		s["required"] = req
	}
	switch g.src.intn(6) {
	case 0, 1:
		s["additionalProperties"] = false
	case 2:
		s["additionalProperties"] = true
	case 3:
		if depth > 0 {
			s["additionalProperties"] = g.schema(depth - 1)
		} else {
			s["additionalProperties"] = g.leaf()
		}
	}
	if g.chance(10) {
		s["minProperties"] = num(strconv.Itoa(g.src.intn(3)))
	}
	if g.chance(10) {
		s["maxProperties"] = num(strconv.Itoa(1 + g.src.intn(4)))
	}
	if g.chance(8) {
		s["patternProperties"] = map[string]any{"^x": g.leaf()}
	}
	if g.chance(8) && g.draft != draft4 {
		s["propertyNames"] = map[string]any{"maxLength": num(strconv.Itoa(1 + g.src.intn(2)))}
	}
	if g.chance(8) {
		a, b := pick(g, propNames), pick(g, propNames)
		if g.draft >= draft2019 {
			s["dependentRequired"] = map[string]any{a: []any{b}}
		} else {
			s["dependencies"] = map[string]any{a: []any{b}}
		}
	}
	if g.chance(5) && g.draft >= draft2019 {
		s["dependentSchemas"] = map[string]any{pick(g, propNames): g.object(0)}
	}
	if g.chance(4) && g.draft >= draft2019 {
		s["unevaluatedProperties"] = false
	}
	if g.chance(20) {
		s["description"] = "generated object"
	}
	return s
}

func (g *gen) array(depth int) map[string]any {
	s := map[string]any{}
	if g.chance(85) {
		s["type"] = "array"
	}
	switch g.src.intn(5) {
	case 0, 1, 2:
		s["items"] = g.schema(depth)
	case 3:
		tuple := g.schemas(depth, 1+g.src.intn(2))
		rest := any(g.boolSchema(g.chance(50)))
		if g.chance(30) {
			rest = g.leaf()
		}
		if g.draft == draft2020 {
			s["prefixItems"] = tuple
			if g.chance(70) {
				s["items"] = rest
			}
		} else {
			s["items"] = tuple
			if g.chance(70) {
				if b, ok := rest.(bool); ok {
					s["additionalItems"] = b
				} else {
					s["additionalItems"] = rest
				}
			}
		}
	}
	if g.chance(30) {
		s["minItems"] = num(strconv.Itoa(g.src.intn(3)))
	}
	if g.chance(30) {
		s["maxItems"] = num(strconv.Itoa(1 + g.src.intn(4)))
	}
	if g.chance(15) {
		s["uniqueItems"] = true
	}
	if g.chance(10) && g.draft != draft4 {
		s["contains"] = g.leaf()
		if g.draft >= draft2019 && g.chance(50) {
			s["minContains"] = num(strconv.Itoa(g.src.intn(3)))
		}
		if g.draft >= draft2019 && g.chance(30) {
			s["maxContains"] = num(strconv.Itoa(1 + g.src.intn(3)))
		}
	}
	return s
}

// ---- mutation ----

// slot is a place in a schema tree that holds a schema.
type slot struct {
	node  any
	set   func(any)
	isDef bool // a definition: replacing it by a bare $ref could make a $ref loop
}

// schemaSlots lists every schema position under root (including the root
// itself) in a deterministic order.
func schemaSlots(root map[string]any) []slot {
	var out []slot
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		out = append(out, slot{node: v, set: set})
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range sortedKeys(m) {
			k := k
			switch k {
			case "additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else",
				"unevaluatedProperties", "unevaluatedItems":
				walk(m[k], func(n any) { m[k] = n })
			case "items":
				if arr, ok := m[k].([]any); ok {
					walkArray(arr, walk)
				} else {
					walk(m[k], func(n any) { m[k] = n })
				}
			case "anyOf", "oneOf", "allOf", "prefixItems":
				if arr, ok := m[k].([]any); ok {
					walkArray(arr, walk)
				}
			case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
				sub, ok := m[k].(map[string]any)
				if !ok {
					continue
				}
				for _, name := range sortedKeys(sub) {
					name := name
					if _, isList := sub[name].([]any); isList {
						continue // dependencies' property-list form
					}
					at := len(out)
					walk(sub[name], func(n any) { sub[name] = n })
					out[at].isDef = k == "$defs" || k == "definitions"
				}
			}
		}
	}
	walk(root, nil)
	return out
}

func walkArray(arr []any, walk func(any, func(any))) {
	for i := range arr {
		i := i
		walk(arr[i], func(n any) { arr[i] = n })
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// deepCopy clones a JSON value, keeping numbers as json.Number.
func deepCopy(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// mutate applies n random edits to a copy of root and returns it with a
// description of each edit. With annotationsOnly, only title/description/
// default/examples change, which must never matter.
func (g *gen) mutate(root map[string]any, n int, annotationsOnly bool) (map[string]any, []string) {
	out := deepCopy(root).(map[string]any)
	var log []string
	for i := 0; i < n; i++ {
		slots := schemaSlots(out)
		// Skip the root slot unless it is the only one, so $schema stays.
		k := 0
		if len(slots) > 1 {
			k = 1 + g.src.intn(len(slots)-1)
		}
		if g.chance(15) {
			k = 0
		}
		sl := slots[k]
		var what string
		if annotationsOnly {
			what = g.annotate(sl)
		} else {
			what = g.edit(sl, k == 0)
		}
		log = append(log, fmt.Sprintf("slot %d: %s", k, what))
	}
	return out, log
}

func (g *gen) annotate(sl slot) string {
	m, ok := sl.node.(map[string]any)
	if !ok {
		return "none (boolean schema)"
	}
	switch g.src.intn(4) {
	case 0:
		m["description"] = "changed " + strconv.Itoa(g.src.intn(100))
		return "description"
	case 1:
		m["title"] = "Title " + strconv.Itoa(g.src.intn(100))
		return "title"
	case 2:
		m["default"] = g.scalar()
		return "default"
	default:
		m["examples"] = []any{g.scalar()}
		return "examples"
	}
}

// edit makes one semantic (or annotation) change to the schema in sl.
func (g *gen) edit(sl slot, isRoot bool) string {
	m, ok := sl.node.(map[string]any)
	if !ok {
		if isRoot {
			return "none"
		}
		if g.chance(50) {
			b, _ := sl.node.(bool)
			sl.set(!b)
			return "flip boolean schema"
		}
		sl.set(g.schema(1))
		return "replace boolean schema"
	}
	if !isRoot && g.chance(8) {
		if sl.isDef {
			sl.set(g.object(1))
		} else {
			sl.set(g.schema(2))
		}
		return "replace with new schema"
	}
	if !isRoot && !sl.isDef && g.chance(6) {
		sl.set(map[string]any{pick(g, []string{"anyOf", "allOf", "oneOf"}): []any{m, g.schema(1)}})
		return "wrap in combinator"
	}
	switch g.src.intn(17) {
	case 0:
		return g.editType(m)
	case 1:
		return g.editEnum(m)
	case 2:
		if g.draft == draft4 {
			return g.editEnum(m)
		}
		if _, has := m["const"]; has && g.chance(50) {
			delete(m, "const")
			return "const removed"
		}
		m["const"] = g.scalar()
		return "const set"
	case 3:
		props, _ := m["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
			m["properties"] = props
		}
		name := pick(g, append(propNames, "f"))
		if _, has := props[name]; has && g.chance(50) {
			delete(props, name)
			return "property " + name + " removed"
		}
		props[name] = g.schema(1)
		return "property " + name + " set"
	case 4:
		return g.editRequired(m)
	case 5:
		switch g.src.intn(4) {
		case 0:
			m["additionalProperties"] = false
		case 1:
			m["additionalProperties"] = true
		case 2:
			m["additionalProperties"] = g.leaf()
		default:
			delete(m, "additionalProperties")
		}
		return "additionalProperties changed"
	case 6, 7:
		return g.editBound(m, pick(g, []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}))
	case 8:
		return g.editCount(m, pick(g, []string{"minLength", "maxLength"}))
	case 9:
		return g.editCount(m, pick(g, []string{"minItems", "maxItems", "minProperties", "maxProperties"}))
	case 10:
		if _, has := m["uniqueItems"]; has {
			delete(m, "uniqueItems")
		} else {
			m["uniqueItems"] = true
		}
		return "uniqueItems toggled"
	case 11:
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if arr, ok := m[k].([]any); ok {
				if len(arr) > 1 && g.chance(50) {
					i := g.src.intn(len(arr))
					m[k] = append(arr[:i:i], arr[i+1:]...)
					return k + " branch removed"
				}
				m[k] = append(arr, g.schema(1))
				return k + " branch added"
			}
		}
		m[pick(g, []string{"anyOf", "oneOf", "allOf"})] = []any{g.schema(1), g.schema(1)}
		return "combinator added"
	case 12:
		if _, has := m["items"]; has && g.chance(40) {
			delete(m, "items")
			return "items removed"
		}
		m["items"] = g.schema(1)
		return "items set"
	case 13:
		if _, has := m["format"]; has {
			delete(m, "format")
			return "format removed"
		}
		m["format"] = pick(g, formats)
		return "format set"
	case 14:
		if _, has := m["not"]; has {
			delete(m, "not")
			return "not removed"
		}
		m["not"] = g.leaf()
		return "not added"
	default:
		return "annotation " + g.annotate(sl)
	}
}

func (g *gen) editType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		switch {
		case t == "integer" && g.chance(60):
			m["type"] = "number"
		case t == "number" && g.chance(60):
			m["type"] = "integer"
		case g.chance(40):
			m["type"] = appendUnique([]any{t}, pick(g, append(leafTypes, "object", "array")))
		case g.chance(30):
			delete(m, "type")
		default:
			m["type"] = pick(g, append(leafTypes, "object", "array"))
		}
	case []any:
		if len(t) > 1 && g.chance(50) {
			i := g.src.intn(len(t))
			m["type"] = append(t[:i:i], t[i+1:]...)
		} else {
			m["type"] = appendUnique(t, pick(g, append(leafTypes, "object", "array")))
		}
	default:
		m["type"] = pick(g, append(leafTypes, "object", "array"))
	}
	return "type changed"
}

func (g *gen) editEnum(m map[string]any) string {
	e, ok := m["enum"].([]any)
	if !ok {
		m["enum"] = g.enumValues()
		return "enum added"
	}
	switch {
	case len(e) > 1 && g.chance(50):
		i := g.src.intn(len(e))
		m["enum"] = append(e[:i:i], e[i+1:]...)
		return "enum value removed"
	case g.chance(20):
		delete(m, "enum")
		return "enum removed"
	default:
		m["enum"] = appendUnique(e, g.scalar())
		return "enum value added"
	}
}

func (g *gen) editRequired(m map[string]any) string {
	req, _ := m["required"].([]any)
	if len(req) > 0 && g.chance(45) {
		i := g.src.intn(len(req))
		req = append(req[:i:i], req[i+1:]...)
		if len(req) == 0 {
			delete(m, "required")
		} else {
			m["required"] = req
		}
		return "required name removed"
	}
	m["required"] = appendUnique(req, pick(g, propNames))
	return "required name added"
}

var deltas = []string{"1", "-1", "0.5", "-0.5", "0.01", "-0.01", "10", "-10"}

func (g *gen) editBound(m map[string]any, key string) string {
	if key == "multipleOf" {
		if _, has := m[key]; has && g.chance(30) {
			delete(m, key)
			return "multipleOf removed"
		}
		m[key] = num(pick(g, multipleOfs))
		return "multipleOf set"
	}
	excl := strings.HasPrefix(key, "exclusive")
	if g.draft == draft4 && excl {
		incl := "minimum"
		if key == "exclusiveMaximum" {
			incl = "maximum"
		}
		if _, has := m[incl]; !has {
			m[incl] = num(pick(g, numberPool))
		}
		if b, _ := m[key].(bool); b {
			delete(m, key)
		} else {
			m[key] = true
		}
		return key + " toggled"
	}
	cur, has := m[key].(json.Number)
	switch {
	case has && g.chance(25):
		delete(m, key)
		if g.draft == draft4 && !excl {
			delete(m, "exclusive"+strings.ToUpper(key[:1])+key[1:])
		}
		return key + " removed"
	case has:
		m[key] = addDecimal(string(cur), pick(g, deltas))
		return key + " moved"
	default:
		m[key] = num(pick(g, numberPool))
		return key + " added"
	}
}

func (g *gen) editCount(m map[string]any, key string) string {
	cur, has := m[key].(json.Number)
	switch {
	case has && g.chance(30):
		delete(m, key)
		return key + " removed"
	case has:
		n, _ := strconv.Atoi(string(cur))
		if g.chance(50) || n == 0 {
			n++
		} else {
			n--
		}
		m[key] = num(strconv.Itoa(n))
		return key + " moved"
	default:
		m[key] = num(strconv.Itoa(g.src.intn(4)))
		return key + " added"
	}
}

// addDecimal adds two decimal strings exactly.
func addDecimal(a, b string) json.Number {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	if !ok1 || !ok2 {
		return json.Number(a)
	}
	return ratNumber(x.Add(x, y))
}

// ratNumber prints r as an exact decimal when it has a short expansion.
func ratNumber(r *big.Rat) json.Number {
	if r.IsInt() {
		return json.Number(r.Num().String())
	}
	s := r.FloatString(8)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	return json.Number(s)
}

// ---- documents ----

// docGen builds documents aimed at a schema, using constants from both
// schemas of a pair so that values land on either side of every bound.
type docGen struct {
	g       *gen
	root    map[string]any
	numbers []*big.Rat
	lengths []int
	strs    []any
	names   []string
}

func newDocGen(g *gen, roots ...map[string]any) *docGen {
	d := &docGen{g: g, names: append([]string{"x", "f"}, propNames...)}
	seenN, seenL := map[string]bool{}, map[int]bool{}
	for _, s := range numberPool {
		r, _ := new(big.Rat).SetString(s)
		d.numbers = append(d.numbers, r)
		seenN[r.RatString()] = true
	}
	addNum := func(r *big.Rat) {
		if !seenN[r.RatString()] {
			seenN[r.RatString()] = true
			d.numbers = append(d.numbers, r)
		}
	}
	var collect func(v any, key string)
	collect = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				collect(v[k], k)
			}
		case []any:
			for _, e := range v {
				collect(e, key)
			}
		case json.Number:
			r, ok := new(big.Rat).SetString(string(v))
			if !ok {
				return
			}
			for _, delta := range []string{"0", "1", "-1", "0.5", "-0.5", "0.01", "-0.01", "0.001"} {
				dr, _ := new(big.Rat).SetString(delta)
				addNum(new(big.Rat).Add(r, dr))
			}
			if r.IsInt() && r.Num().IsInt64() {
				n := int(r.Num().Int64())
				for _, l := range []int{n - 1, n, n + 1} {
					if l >= 0 && l <= 12 && !seenL[l] {
						seenL[l] = true
						d.lengths = append(d.lengths, l)
					}
				}
			}
		case string:
			if key == "enum" || key == "const" {
				d.strs = appendUnique(d.strs, v)
			}
		}
	}
	for _, r := range roots {
		collect(r, "")
	}
	for _, l := range []int{0, 1, 2, 5} {
		if !seenL[l] {
			d.lengths = append(d.lengths, l)
		}
	}
	return d
}

// chaos is a value of any kind, valid or not.
func (d *docGen) chaos() any {
	return pick(d.g, []any{nil, true, false, num("0"), num("-1"), num("1.5"), num("7"), "", "a", "abcdef",
		[]any{}, []any{num("1")}, map[string]any{}, map[string]any{"a": num("1")}})
}

func (d *docGen) number(integer bool) any {
	r := pick(d.g, d.numbers)
	if integer && !r.IsInt() {
		q := new(big.Int).Quo(r.Num(), r.Denom())
		r = new(big.Rat).SetInt(q)
	}
	if integer && d.g.chance(10) && d.g.draft != draft4 {
		return json.Number(r.Num().String() + ".0")
	}
	return ratNumber(r)
}

func (d *docGen) str(s map[string]any) any {
	if len(d.strs) > 0 && d.g.chance(30) {
		return pick(d.g, d.strs)
	}
	if f, ok := s["format"].(string); ok && d.g.chance(60) {
		switch f {
		case "date":
			return "2024-01-02"
		case "email":
			return "a@example.com"
		case "ipv4":
			return "10.0.0.1"
		case "uuid":
			return "123e4567-e89b-12d3-a456-426614174000"
		}
	}
	return strings.Repeat(pick(d.g, []string{"a", "x", "é"}), pick(d.g, d.lengths))
}

// doc returns a document shaped by schema s, mostly valid under it.
func (d *docGen) doc(s any, depth int) any {
	if d.g.chance(4) || depth > 8 {
		return d.chaos()
	}
	m, ok := s.(map[string]any)
	if !ok {
		return d.chaos()
	}
	if ref, ok := m["$ref"].(string); ok {
		if target := resolvePointer(d.root, ref); target != nil {
			return d.doc(target, depth+1)
		}
	}
	if e, ok := m["enum"].([]any); ok && len(e) > 0 && d.g.chance(85) {
		return deepCopy(pick(d.g, e))
	}
	if c, ok := m["const"]; ok && d.g.chance(85) {
		return deepCopy(c)
	}
	if _, typed := m["type"]; !typed {
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if arr, ok := m[k].([]any); ok && len(arr) > 0 {
				return d.doc(pick(d.g, arr), depth+1)
			}
		}
		if t, ok := m["then"]; ok && d.g.chance(50) {
			return d.doc(t, depth+1)
		}
		if e, ok := m["else"]; ok && d.g.chance(50) {
			return d.doc(e, depth+1)
		}
	}
	switch d.typeOf(m) {
	case "null":
		return nil
	case "boolean":
		return d.g.chance(50)
	case "integer":
		return d.number(true)
	case "number":
		return d.number(d.g.chance(30))
	case "string":
		return d.str(m)
	case "array":
		return d.array(m, depth)
	case "object":
		return d.object(m, depth)
	}
	return d.chaos()
}

func (d *docGen) typeOf(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		if len(t) > 0 {
			s, _ := pick(d.g, t).(string)
			return s
		}
	}
	switch {
	case m["properties"] != nil || m["required"] != nil || m["additionalProperties"] != nil:
		return "object"
	case m["items"] != nil || m["prefixItems"] != nil:
		return "array"
	case m["minimum"] != nil || m["maximum"] != nil || m["multipleOf"] != nil || m["exclusiveMinimum"] != nil:
		return "number"
	case m["minLength"] != nil || m["maxLength"] != nil:
		return "string"
	}
	return pick(d.g, []string{"null", "boolean", "integer", "number", "string", "array", "object"})
}

func (d *docGen) array(m map[string]any, depth int) any {
	var tuple []any
	var rest any = true
	if arr, ok := m["prefixItems"].([]any); ok {
		tuple = arr
		if it, ok := m["items"]; ok {
			rest = it
		}
	} else if arr, ok := m["items"].([]any); ok {
		tuple = arr
		if ai, ok := m["additionalItems"]; ok {
			rest = ai
		}
	} else if it, ok := m["items"]; ok {
		rest = it
	}
	n := pick(d.g, d.lengths)
	if n > 5 {
		n = 5
	}
	out := []any{}
	for i := 0; i < n; i++ {
		if i < len(tuple) {
			out = append(out, d.doc(tuple[i], depth+1))
		} else if c, ok := m["contains"]; ok && d.g.chance(40) {
			out = append(out, d.doc(c, depth+1))
		} else {
			out = append(out, d.doc(rest, depth+1))
		}
	}
	return out
}

func (d *docGen) object(m map[string]any, depth int) any {
	out := map[string]any{}
	props, _ := m["properties"].(map[string]any)
	req, _ := m["required"].([]any)
	for _, r := range req {
		if name, ok := r.(string); ok && d.g.chance(92) {
			out[name] = d.doc(props[name], depth+1)
		}
	}
	for _, name := range sortedKeys(props) {
		if _, done := out[name]; !done && d.g.chance(50) {
			out[name] = d.doc(props[name], depth+1)
		}
	}
	if d.g.chance(25) {
		name := pick(d.g, d.names)
		if ap, ok := m["additionalProperties"]; ok && props[name] == nil {
			out[name] = d.doc(ap, depth+1)
		} else {
			out[name] = d.doc(props[name], depth+1)
		}
	}
	if pp, ok := m["patternProperties"].(map[string]any); ok && d.g.chance(30) {
		out["x1"] = d.doc(pp["^x"], depth+1)
	}
	return out
}

// inPlace lists keywords whose subschemas apply to the same instance, so a
// $ref reached only through them does not make progress.
var inPlace = []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "dependencies"}

// hasRefLoop reports whether some $ref can reach itself through in-place
// keywords only.
func hasRefLoop(root map[string]any) bool {
	var visit func(v any, stack map[string]bool) bool
	visit = func(v any, stack map[string]bool) bool {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if ref, ok := m["$ref"].(string); ok {
			if stack[ref] {
				return true
			}
			stack[ref] = true
			loop := visit(resolvePointer(root, ref), stack)
			delete(stack, ref)
			if loop {
				return true
			}
		}
		for _, k := range inPlace {
			switch sub := m[k].(type) {
			case []any:
				for _, e := range sub {
					if visit(e, stack) {
						return true
					}
				}
			case map[string]any:
				if k == "dependentSchemas" || k == "dependencies" {
					for _, name := range sortedKeys(sub) {
						if visit(sub[name], stack) {
							return true
						}
					}
				} else if visit(sub, stack) {
					return true
				}
			}
		}
		return false
	}
	for _, sl := range schemaSlots(root) {
		if visit(sl.node, map[string]bool{}) {
			return true
		}
	}
	return false
}

// resolvePointer follows an in-document "#/a/b" reference.
func resolvePointer(root map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// ---- pairs ----

// pairCase is a generated writer/reader pair with documents to try.
type pairCase struct {
	Draft           int
	Writer, Reader  []byte
	Edits           []string
	AnnotationsOnly bool
	Docs            [][]byte
}

func marshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// genPair draws a writer, a reader made from it by 1..3 edits (or by
// annotation edits only, sometimes) and documents aimed at both.
func genPair(src source) pairCase {
	g := &gen{src: src, draft: pick(&gen{src: src}, []int{draft7, draft7, draft2020, draft2020, draft4, draft6, draft2019})}
	w := g.root()
	annotationsOnly := g.chance(8)
	r, edits := g.mutate(w, 1+g.src.intn(3), annotationsOnly)
	// An edit can put a $ref where it is reached again without descending
	// into the instance (a loop the validator refuses): draw again.
	for attempt := 0; hasRefLoop(r); attempt++ {
		if attempt == 20 {
			r, edits = g.mutate(w, 1, true)
			break
		}
		r, edits = g.mutate(w, 1+g.src.intn(3), annotationsOnly)
	}
	pc := pairCase{Draft: g.draft, Writer: marshal(w), Reader: marshal(r), Edits: edits, AnnotationsOnly: annotationsOnly}
	dg := newDocGen(g, w, r)
	for i := 0; i < 24; i++ {
		var doc any
		switch {
		case i < 12:
			dg.root = w
			doc = dg.doc(w, 0)
		case i < 22:
			dg.root = r
			doc = dg.doc(r, 0)
		default:
			doc = dg.chaos()
		}
		pc.Docs = append(pc.Docs, marshal(doc))
	}
	return pc
}

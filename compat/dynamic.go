package compat

import (
	"sort"
	"strconv"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// $dynamicRef (2020-12) and $recursiveRef (2019-09) do not name one
// schema: which one they apply depends on the dynamic scope, the schemas
// the validator passed through to reach them. The compiled schema only
// holds the static target, so the engine resolves them itself, the way
// jsonschema/v5 (whose verdict every witness is checked against) does:
//
//   - $dynamicRef "…#name" whose static target has $dynamicAnchor "name"
//     (it is "bookended") looks at every schema of the dynamic scope, from
//     the innermost outwards, and takes the last (outermost) one below
//     which, in the same document, some other schema has $dynamicAnchor
//     "name" (when one scope schema has several, v5 takes one of them in
//     map order). The search stops at a schema whose then or else is
//     being evaluated (v5: "if leaves dynamic scope"). Without a match,
//     or when not bookended, it is the static target.
//   - $recursiveRef whose target has $recursiveAnchor: true resolves to
//     the outermost scope schema with $recursiveAnchor: true.
//
// The scope is a path, so a reference may resolve differently on
// different paths. Compile explores every path from the root (states are
// a schema and the part of its scope that can still matter, so the
// exploration is finite) and records, per reference, the set of schemas
// it can resolve to. One target makes the reference an ordinary one. With
// several, the engine stays sound: a writer is taken to produce what any
// of them accepts, a reader to require what all of them require. Past a
// budget of states, and for a reference the exploration did not reach,
// every schema with the right anchor is a possible target.

// dynInfo is how the dynamic references of one compiled schema resolve.
type dynInfo struct {
	targets map[dynKey][]*js.Schema
	union   map[dynKey]*js.Schema // an anyOf over targets, where there are several
	// sensitive holds the schemas from which a dynamic reference that
	// does not resolve to its static target is reachable: validated on
	// their own (outside the scope that leads to them) they differ.
	sensitive map[*js.Schema]bool
}

type dynKey struct {
	n   *js.Schema
	rec bool // $recursiveRef; else $dynamicRef
}

// maxDynStates bounds the exploration of one schema's dynamic scopes.
const maxDynStates = 20_000

// dynamics collects the dynamic anchors and references of the documents
// and resolves every reference reachable from root. It returns nil when
// there is nothing dynamic to resolve.
func (d *docSet) dynamics(c *js.Compiler, root *js.Schema) *dynInfo {
	if !d.dynamic { // no schema can have a dynamic reference
		return nil
	}
	anchors := map[string][]*js.Schema{} // $dynamicAnchor name -> schemas (2020-12 documents)
	refText := map[*js.Schema]string{}   // schema -> its $dynamicRef text
	recursive := false
	for _, ld := range d.docs {
		schemaObjects(ld.doc, func(ptr func() string, m map[string]any) {
			_, anchor := m["$dynamicAnchor"].(string)
			dref, dynamic := m["$dynamicRef"].(string)
			_, rec := m["$recursiveRef"].(string)
			if !anchor && !dynamic && !rec {
				return
			}
			s, err := c.Compile(ld.url + "#" + ptr())
			if err != nil {
				return
			}
			if anchor && s.DynamicAnchor != "" && s.Draft == js.Draft2020 {
				anchors[s.DynamicAnchor] = append(anchors[s.DynamicAnchor], s)
			}
			if dynamic && s.DynamicRef != nil {
				refText[s] = dref
			}
			recursive = recursive || (rec && s.RecursiveRef != nil)
		})
	}
	if len(refText) == 0 && !recursive {
		return nil
	}
	x := &dynExplorer{anchors: anchors, refText: refText, names: map[string]int{}, setIDs: map[string]int{},
		below: map[belowKey]int{}, seen: map[string]bool{}, found: map[dynKey]map[*js.Schema]bool{}}
	for _, s := range sortedByLocation(refText) {
		if name := x.anchorName(s); name != "" {
			if _, ok := x.names[name]; !ok {
				x.names[name] = len(x.nameList)
				x.nameList = append(x.nameList, name)
			}
		}
	}
	complete := x.explore(root)
	info := &dynInfo{targets: map[dynKey][]*js.Schema{}, union: map[dynKey]*js.Schema{}}
	if complete {
		for k, set := range x.found {
			info.targets[k] = sortedByLocation(set)
		}
	}
	// Fallback: every schema the reference could name in some scope.
	var recAnchors []*js.Schema
	reach(root, func(s *js.Schema) {
		if s.RecursiveAnchor {
			recAnchors = append(recAnchors, s)
		}
	})
	reach(root, func(s *js.Schema) {
		for _, rec := range []bool{false, true} {
			t := s.DynamicRef
			if rec {
				t = s.RecursiveRef
			}
			k := dynKey{s, rec}
			if t == nil || info.targets[k] != nil {
				continue
			}
			set := map[*js.Schema]bool{t: true}
			switch {
			case rec && t.RecursiveAnchor:
				for _, a := range recAnchors {
					set[a] = true
				}
			case !rec && x.anchorName(s) != "":
				for _, a := range anchors[x.anchorName(s)] {
					set[a] = true
				}
			}
			info.targets[k] = sortedByLocation(set)
		}
	})
	info.sensitive = scopeSensitive(root, info)
	for k, ts := range info.targets {
		if len(ts) > 1 {
			u := newSynthetic(k.n.Location + "/$dynamicRef")
			u.AnyOf = ts
			info.union[k] = u
		}
	}
	return info
}

// scopeSensitive returns the schemas reaching a dynamic reference whose
// targets are not just its static one.
func scopeSensitive(root *js.Schema, info *dynInfo) map[*js.Schema]bool {
	parents := map[*js.Schema][]*js.Schema{}
	var todo []*js.Schema
	out := map[*js.Schema]bool{}
	reach(root, func(s *js.Schema) {
		forChildren(s, func(c *js.Schema) { parents[c] = append(parents[c], s) })
		for _, rec := range []bool{false, true} {
			t := s.DynamicRef
			if rec {
				t = s.RecursiveRef
			}
			if ts := info.targets[dynKey{s, rec}]; t != nil && (len(ts) != 1 || ts[0] != t) && !out[s] {
				out[s] = true
				todo = append(todo, s)
			}
		}
	})
	for len(todo) > 0 {
		s := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, p := range parents[s] {
			if !out[p] {
				out[p] = true
				todo = append(todo, p)
			}
		}
	}
	return out
}

// dynExplorer walks (schema, relevant scope) states from the root.
type dynExplorer struct {
	anchors  map[string][]*js.Schema
	refText  map[*js.Schema]string
	names    map[string]int // anchor names bookended references use -> index
	nameList []string
	sets     [][]*js.Schema // interned sets of anchor schemas
	setIDs   map[string]int
	below    map[belowKey]int // (scope schema, name) -> set id, -1 for none
	seen     map[string]bool
	found    map[dynKey]map[*js.Schema]bool
	ids      map[*js.Schema]int
}

type belowKey struct {
	s    *js.Schema
	name int
}

// dynScope is the part of a dynamic scope resolution can depend on: per
// anchor name, the distinct sets of matching anchors the scope schemas
// since the last then/else hold, outermost first; and the outermost scope
// schema with $recursiveAnchor.
type dynScope struct {
	lists [][]int
	rec   *js.Schema
}

func (sc dynScope) list(n int) []int {
	if n < len(sc.lists) {
		return sc.lists[n]
	}
	return nil
}

// anchorName is the anchor a bookended $dynamicRef of s looks up, or "".
func (x *dynExplorer) anchorName(s *js.Schema) string {
	text, ok := x.refText[s]
	if !ok || s.DynamicRef == nil {
		return ""
	}
	i := strings.IndexByte(text, '#')
	if i < 0 {
		return ""
	}
	frag := text[i+1:]
	if frag == "" || strings.HasPrefix(frag, "/") || frag != s.DynamicRef.DynamicAnchor {
		return ""
	}
	return frag
}

// belowSet is the id of the set of schemas with $dynamicAnchor name that
// v5 lists for scope schema s: s and its descendants in s's document.
func (x *dynExplorer) belowSet(s *js.Schema, name int) int {
	k := belowKey{s, name}
	if id, ok := x.below[k]; ok {
		return id
	}
	var set []*js.Schema
	for _, a := range x.anchors[x.nameList[name]] {
		if a.Location == s.Location || strings.HasPrefix(a.Location, s.Location+"/") {
			set = append(set, a)
		}
	}
	id := -1
	if len(set) > 0 {
		sort.Slice(set, func(i, j int) bool { return set[i].Location < set[j].Location })
		var b strings.Builder
		for _, a := range set {
			b.WriteString(a.Location)
			b.WriteByte(0)
		}
		key := b.String()
		var ok bool
		if id, ok = x.setIDs[key]; !ok {
			id = len(x.sets)
			x.sets = append(x.sets, set)
			x.setIDs[key] = id
		}
	}
	x.below[k] = id
	return id
}

// enter returns the scope after s joins it.
func (x *dynExplorer) enter(sc dynScope, s *js.Schema) dynScope {
	out := dynScope{lists: sc.lists, rec: sc.rec}
	if out.rec == nil && s.RecursiveAnchor {
		out.rec = s
	}
	copied := false
	for n := range x.nameList {
		id := x.belowSet(s, n)
		if id < 0 || containsInt(sc.list(n), id) {
			continue
		}
		if !copied {
			out.lists = make([][]int, len(x.nameList))
			copy(out.lists, sc.lists)
			copied = true
		}
		out.lists[n] = append(append([]int(nil), out.lists[n]...), id)
	}
	return out
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func (x *dynExplorer) id(s *js.Schema) int {
	if x.ids == nil {
		x.ids = map[*js.Schema]int{}
	}
	if i, ok := x.ids[s]; ok {
		return i
	}
	x.ids[s] = len(x.ids)
	return len(x.ids) - 1
}

func (x *dynExplorer) key(s *js.Schema, sc dynScope) string {
	b := strconv.AppendInt(nil, int64(x.id(s)), 36)
	for _, l := range sc.lists {
		b = append(b, '|')
		for _, id := range l {
			b = strconv.AppendInt(b, int64(id), 36)
			b = append(b, ',')
		}
	}
	if sc.rec != nil {
		b = append(b, '^')
		b = strconv.AppendInt(b, int64(x.id(sc.rec)), 36)
	}
	return string(b)
}

func (x *dynExplorer) record(s *js.Schema, rec bool, t *js.Schema) {
	k := dynKey{s, rec}
	if x.found[k] == nil {
		x.found[k] = map[*js.Schema]bool{}
	}
	x.found[k][t] = true
}

// explore visits every state reachable from root; false when the budget
// ran out first.
func (x *dynExplorer) explore(root *js.Schema) bool {
	type state struct {
		s  *js.Schema
		sc dynScope
	}
	var todo []state
	push := func(s *js.Schema, sc dynScope) {
		if s == nil {
			return
		}
		sc = x.enter(sc, s)
		k := x.key(s, sc)
		if !x.seen[k] {
			x.seen[k] = true
			todo = append(todo, state{s, sc})
		}
	}
	push(root, dynScope{})
	for len(todo) > 0 {
		if len(x.seen) > maxDynStates {
			return false
		}
		st := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		s, sc := st.s, st.sc
		if t := s.DynamicRef; t != nil {
			targets := []*js.Schema{t}
			if name := x.anchorName(s); name != "" {
				for _, id := range sc.list(x.names[name]) {
					var rest []*js.Schema
					for _, a := range x.sets[id] {
						if a != t {
							rest = append(rest, a)
						}
					}
					if len(rest) > 0 {
						targets = rest
						break
					}
				}
			}
			for _, t := range targets {
				x.record(s, false, t)
				push(t, sc)
			}
		}
		if t := s.RecursiveRef; t != nil {
			if t.RecursiveAnchor && sc.rec != nil {
				t = sc.rec
			}
			x.record(s, true, t)
			push(t, sc)
		}
		push(s.Ref, sc)
		// then/else: the search for a dynamic anchor stops at s.
		cut := dynScope{lists: nil, rec: sc.rec}
		push(s.Then, cut)
		push(s.Else, cut)
		inPlaceAndValues(s, func(c *js.Schema) { push(c, sc) })
	}
	return true
}

// forChildren calls fn on every subschema s holds in its keyword fields,
// in a fixed order.
func forChildren(s *js.Schema, fn func(*js.Schema)) {
	for _, c := range []*js.Schema{s.Ref, s.RecursiveRef, s.DynamicRef, s.Then, s.Else, s.ContentSchema} {
		if c != nil {
			fn(c)
		}
	}
	inPlaceAndValues(s, fn)
}

// inPlaceAndValues calls fn on the subschemas of s the validator applies
// with s in scope, except references and then/else: in-place applicators
// and those applied to property values and array items.
func inPlaceAndValues(s *js.Schema, fn func(*js.Schema)) {
	for _, c := range []*js.Schema{s.Not, s.If, s.PropertyNames, s.UnevaluatedProperties, s.Items2020,
		s.Contains, s.UnevaluatedItems} {
		if c != nil {
			fn(c)
		}
	}
	for _, list := range [][]*js.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
		for _, c := range list {
			fn(c)
		}
	}
	for _, k := range sortedKeysOf(s.Properties) {
		fn(s.Properties[k])
	}
	for _, re := range sortedPatterns(s.PatternProperties) {
		fn(s.PatternProperties[re])
	}
	for _, k := range sortedKeysOf(s.DependentSchemas) {
		fn(s.DependentSchemas[k])
	}
	for _, k := range sortedKeysOf(s.Dependencies) {
		if c, ok := s.Dependencies[k].(*js.Schema); ok {
			fn(c)
		}
	}
	for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
		switch v := v.(type) {
		case *js.Schema:
			fn(v)
		case []*js.Schema:
			for _, c := range v {
				fn(c)
			}
		}
	}
}

// reach calls fn once on every schema reachable from root through keyword
// fields (static targets of references included).
func reach(root *js.Schema, fn func(*js.Schema)) {
	seen := map[*js.Schema]bool{}
	var walk func(s *js.Schema)
	walk = func(s *js.Schema) {
		if seen[s] {
			return
		}
		seen[s] = true
		fn(s)
		forChildren(s, walk)
	}
	walk(root)
}

// sortedByLocation returns the schemas keying m, in Location order.
func sortedByLocation[V any](m map[*js.Schema]V) []*js.Schema {
	out := make([]*js.Schema, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out
}

// newSynthetic returns an empty schema (it accepts everything) with the
// compiler's defaults, for the engine to fill in.
func newSynthetic(loc string) *js.Schema {
	return &js.Schema{Location: loc, MinProperties: -1, MaxProperties: -1, MinItems: -1, MaxItems: -1,
		MinContains: 1, MaxContains: -1, MinLength: -1, MaxLength: -1}
}

// resolve returns what s's $recursiveRef (rec) or $dynamicRef may resolve
// to, if d knows s; ok is false when it does not.
func (d *dynInfo) resolve(s *js.Schema, rec bool) ([]*js.Schema, bool) {
	if d == nil {
		return nil, false
	}
	ts, ok := d.targets[dynKey{s, rec}]
	return ts, ok
}

// dynTargets returns what s's $recursiveRef (rec) or $dynamicRef may
// resolve to; nil when s has none.
func (c *checker) dynTargets(s *js.Schema, rec bool) []*js.Schema {
	return resolveRef(s, rec, c.dyn[0], c.dyn[1])
}

func resolveRef(s *js.Schema, rec bool, ds ...*dynInfo) []*js.Schema {
	t := s.DynamicRef
	if rec {
		t = s.RecursiveRef
	}
	if t == nil {
		return nil
	}
	for _, d := range ds {
		if ts, ok := d.resolve(s, rec); ok {
			return ts
		}
	}
	return []*js.Schema{t}
}

// dynNode is one schema standing for what s's $recursiveRef (rec) or
// $dynamicRef may resolve to: the target, or an anyOf over the targets.
// Writers use it (a writer produces what any target accepts).
func (c *checker) dynNode(s *js.Schema, rec bool) *js.Schema {
	ts := c.dynTargets(s, rec)
	if len(ts) <= 1 {
		if len(ts) == 0 {
			return nil
		}
		return ts[0]
	}
	for _, d := range c.dyn {
		if d != nil {
			if u, ok := d.union[dynKey{s, rec}]; ok {
				return u
			}
		}
	}
	return ts[0]
}

// soleTarget is the one schema s's reference resolves to, if it resolves
// to exactly one.
func (c *checker) soleTarget(s *js.Schema, rec bool) (*js.Schema, bool) {
	ts := c.dynTargets(s, rec)
	if len(ts) == 1 {
		return ts[0], true
	}
	return nil, len(ts) == 0
}

// scopeSensitive reports whether s validates differently outside the
// dynamic scope that leads to it.
func (c *checker) scopeSensitive(s *js.Schema) bool {
	for _, d := range c.dyn {
		if d != nil && d.sensitive[s] {
			return true
		}
	}
	return false
}

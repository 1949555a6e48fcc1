package compat

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// An empty enum accepts nothing: no value is one of zero values. The
// draft-07 metaschema allows `"enum": []` (as do 2019-09 and 2020-12; the
// draft-04 and draft-06 ones require at least one value, so there it stays
// an invalid schema). jsonschema/v5 gets both wrong: its draft-07
// metaschema still requires one value, so it refuses the schema, and its
// validator skips an empty enum, so under 2019-09 and 2020-12 it accepts
// everything. Baton must not inherit either error, so Compile guards them:
// a draft-07 document is compiled with each empty enum stood in for by a
// one-value enum, and afterwards every compiled node whose enum is empty
// (or stood in for) is made a false schema, which the validator, and so
// every check and witness, then reads as accepting nothing.

// emptyEnums lists the JSON Pointers of the schema objects in doc whose
// enum is empty. Only schema positions are walked: an object inside a
// const, enum, default or an unknown keyword is data, not a schema.
func emptyEnums(doc any) []string {
	var out []string
	schemaObjects(doc, func(ptr func() string, m map[string]any) {
		if e, ok := m["enum"].([]any); ok && len(e) == 0 {
			out = append(out, ptr())
		}
	})
	return out
}

// schemaObjects calls fn with every object of doc that sits where a
// schema is expected (in any draft), and a function building its JSON
// Pointer (built only when asked for).
func schemaObjects(doc any, fn func(ptr func() string, m map[string]any)) {
	var path []string
	ptr := func() string {
		var b strings.Builder
		for _, p := range path {
			b.WriteByte('/')
			b.WriteString(escapePointer(p))
		}
		return b.String()
	}
	var walk func(v any)
	at := func(k string, sub any, f func(any)) {
		path = append(path, k)
		f(sub)
		path = path[:len(path)-1]
	}
	walkList := func(v any) {
		if list, ok := v.([]any); ok {
			for i, e := range list {
				at(strconv.Itoa(i), e, walk)
			}
		}
	}
	walkMap := func(v any) {
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				at(k, e, walk)
			}
		}
	}
	walk = func(v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fn(ptr, m)
		for k, sub := range m {
			switch k {
			case "additionalItems", "additionalProperties", "contains", "contentSchema", "else", "if", "not",
				"propertyNames", "then", "unevaluatedItems", "unevaluatedProperties":
				at(k, sub, walk)
			case "items":
				at(k, sub, walk)
				at(k, sub, walkList)
			case "allOf", "anyOf", "oneOf", "prefixItems":
				at(k, sub, walkList)
			case "$defs", "definitions", "dependentSchemas", "patternProperties", "properties", "dependencies":
				at(k, sub, walkMap)
			}
		}
	}
	walk(doc)
}

// docMarks says which of the keywords Compile repairs occur in a
// document: only then does it look for them schema by schema.
type docMarks struct {
	emptyEnum bool // some object (data included) has an empty enum
	dynamic   bool // some object has a $dynamicRef or $recursiveRef member
}

// markDoc walks doc once for both marks.
func markDoc(doc any) docMarks {
	var m docMarks
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["enum"].([]any); ok && len(e) == 0 {
				m.emptyEnum = true
			}
			if _, ok := v["$dynamicRef"]; ok {
				m.dynamic = true
			}
			if _, ok := v["$recursiveRef"]; ok {
				m.dynamic = true
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return m
}

// isDraft7Doc reports whether a document is read as draft-07: it says so
// in $schema, or has none (Compile's default).
func isDraft7Doc(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return true
	}
	id, ok := m["$schema"].(string)
	if !ok {
		return m["$schema"] == nil
	}
	id = strings.TrimSuffix(strings.TrimSuffix(id, "#/"), "#")
	id = strings.TrimPrefix(strings.TrimPrefix(id, "https://"), "http://")
	return id == "json-schema.org/draft-07/schema"
}

// docSet is the documents handed to one compiler (the root and its
// resources), kept for the repairs Compile makes once the root is
// compiled: empty enums (here) and $dynamicRef resolution (dynamic.go).
type docSet struct {
	docs      []loadedDoc
	emptyEnum bool // some document has an empty enum somewhere
	dynamic   bool // some document has a $dynamicRef or $recursiveRef somewhere
}

type loadedDoc struct {
	url   string // as registered with the compiler
	doc   any
	enums []string // schema objects with an empty enum
}

// add records a document and returns the text to register for it under
// url: data itself, or for a draft-07 document with empty enums a copy in
// which each is a one-value enum, patched back by finish.
func (d *docSet) add(url string, data []byte, doc any) []byte {
	ld := loadedDoc{url: url, doc: doc}
	defer func() { d.docs = append(d.docs, ld) }()
	marks := markDoc(doc)
	d.dynamic = d.dynamic || marks.dynamic
	if !marks.emptyEnum {
		return data
	}
	d.emptyEnum = true
	ld.enums = emptyEnums(doc)
	if len(ld.enums) == 0 || !isDraft7Doc(doc) {
		return data
	}
	copied, err := DecodeJSON(data)
	if err != nil {
		return data
	}
	for _, p := range ld.enums {
		if m, ok := resolveJSONPointer(copied, p).(map[string]any); ok {
			m["enum"] = []any{nil}
		}
	}
	out, err := json.Marshal(copied)
	if err != nil {
		return data
	}
	return out
}

// finish repairs the compiled schema and returns how its dynamic
// references resolve.
func (d *docSet) finish(c *jsonschema.Compiler, root *jsonschema.Schema) *dynInfo {
	d.falsifyEmptyEnums(c, root)
	return d.dynamics(c, root)
}

// falsifyEmptyEnums makes the compiled nodes of the empty enums, and any
// other compiled node with an empty enum, accept nothing.
func (d *docSet) falsifyEmptyEnums(c *jsonschema.Compiler, root *jsonschema.Schema) {
	if !d.emptyEnum {
		return
	}
	no := false
	for _, ld := range d.docs {
		for _, p := range ld.enums {
			// Enum is nil where the compiler ignored the keyword (next to
			// a draft-07 $ref).
			if s, err := c.Compile(ld.url + "#" + p); err == nil && s.Enum != nil {
				s.Enum, s.Always = []any{}, &no
			}
		}
	}
	reach(root, func(s *jsonschema.Schema) {
		if s.Enum != nil && len(s.Enum) == 0 {
			s.Always = &no
		}
	})
}

// resolveJSONPointer returns the value at ptr in doc, or nil.
func resolveJSONPointer(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

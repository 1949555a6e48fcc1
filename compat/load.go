package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Resource is a schema document other than the root that $ref may point to,
// such as a schema registered under another subject (Confluent "references").
// Name is the URL or relative name the root uses in its $ref.
type Resource struct {
	Name   string
	Schema []byte
}

// LoadOptions say where a schema comes from and what it may refer to.
type LoadOptions struct {
	// Source names the document in error messages (a file name, a subject).
	Source string
	// Resources are the only documents besides the root that $ref may reach.
	// Nothing is ever loaded from files or the network.
	Resources []Resource
	Limits    Limits
	// MissingRef, when set, says what to do about a $ref to a document
	// that is not among Resources (uri is its absolute URL), in the error;
	// by default: register it as a reference of the schema.
	MissingRef func(uri string) string
}

// Schema is a compiled, validated JSON Schema. It is immutable and safe for
// concurrent use; compile once and reuse it for checks and validation.
type Schema struct {
	root   *jsonschema.Schema
	raw    []byte
	source string
	text   int      // bytes of the document and the resources compiled with it
	dyn    *dynInfo // how $dynamicRef/$recursiveRef resolve (dynamic.go); nil: statically

	hashOnce sync.Once
	hashMap  map[*jsonschema.Schema]nodeHash // structural hashes, see hash.go
}

// bytesPerTextByte is what a compiled schema, with the structural hashes
// of its first check, keeps on the heap per byte of schema text: measured
// at 26-33 for 8- to 2,000-property event schemas (jsonschema/v5 holds
// one ~1 KB Schema struct per subschema).
const bytesPerTextByte = 32

// MemSize estimates the heap a compiled schema holds, so that caches of
// compiled schemas can be bounded in bytes rather than in entries (one
// entry may be a 200-byte enum or a 100 KB event).
func (s *Schema) MemSize() int64 { return int64(s.text)*bytesPerTextByte + 4096 }

// Raw returns the document as it was given.
func (s *Schema) Raw() []byte { return s.raw }

// Source returns the name given at load time.
func (s *Schema) Source() string { return s.source }

// Compiled exposes the underlying compiled schema.
func (s *Schema) Compiled() *jsonschema.Schema { return s.root }

// Validate reports whether doc (decoded with json.Decoder.UseNumber, or from
// DecodeJSON) is valid under the schema.
func (s *Schema) Validate(doc any) error { return s.root.Validate(doc) }

// LoadError describes why a schema could not be loaded: which document, where
// in it (JSON Pointer and, for syntax errors, line and column) and what.
type LoadError struct {
	Source  string
	Pointer string // JSON Pointer into the document, "" when unknown
	Line    int    // 1-based; 0 when unknown
	Column  int
	Reason  string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Pointer != "" {
		fmt.Fprintf(&b, " at %s", shortPointer(e.Pointer))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// shortPointer shortens every long segment of a JSON Pointer for a
// message: a property name may be megabytes long, and an error must not
// echo it back. LoadError.Pointer itself stays exact.
func shortPointer(p string) string {
	if len(p) <= 200 {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = abbreviate(s)
	}
	return strings.Join(segs, "/")
}

// abbreviate shortens s to its start and end, marking the cut with the
// full length, so a message quoting input stays short.
func abbreviate(s string) string {
	const head, tail = 24, 12
	if len(s) <= head+tail+16 {
		return s
	}
	h, t := head, len(s)-tail
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return fmt.Sprintf("%s…%s (%d bytes)", s[:h], s[t:], len(s))
}

// rootURL is the base of every loaded document. The host is reserved
// (RFC 2606) so it can never be fetched even if a loader were misconfigured.
const rootURL = "https://baton.invalid/schema.json"

// errExternalRef is returned by the compiler's loader for every URL that is
// not one of the documents handed in: schemas never read files or the network.
var errExternalRef = errors.New("external $ref is not allowed")

// Compile parses, checks limits, and compiles a schema document with the
// locked-down loader. Documents without $schema are read as draft-07, the
// default of Confluent's JSON Schema support.
func Compile(data []byte, opts LoadOptions) (*Schema, error) {
	lim := opts.Limits.withDefaults()
	doc, err := decodeLimited(data, opts.Source, lim)
	if err != nil {
		return nil, err
	}
	return compileDecoded(data, doc, opts, lim)
}

// CompileValue is Compile for a document the caller has already decoded:
// value must be DecodeJSON(data). The registry decodes a proposal once to
// fingerprint it, and compiling must not decode it a second time. The
// checks and errors are Compile's, in the same order.
func CompileValue(data []byte, value any, opts LoadOptions) (*Schema, error) {
	lim := opts.Limits.withDefaults()
	if err := checkSize(data, opts.Source, lim); err != nil {
		return nil, err
	}
	return compileDecoded(data, value, opts, lim)
}

func compileDecoded(data []byte, doc any, opts LoadOptions, lim Limits) (*Schema, error) {
	// Limits first: the compiler decodes the document again in AddResource,
	// which for a 4 MB document over a limit would double the cost of
	// refusing it.
	if err := checkLimits(data, doc, opts.Source, lim); err != nil { // limits.go
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	c.AssertContent = false
	for name, f := range strictFormats { // formats.go
		c.Formats[name] = f
	}
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		hint := "only references registered with the schema can be used"
		if opts.MissingRef != nil {
			// A relative $ref of a schema without $id: name it as written.
			s = strings.TrimPrefix(s, rootURL[:strings.LastIndexByte(rootURL, '/')+1])
			hint = opts.MissingRef(s)
		}
		return nil, fmt.Errorf("%w: %s (%s)", errExternalRef, s, hint)
	}
	var docs docSet // emptyenum.go
	if err := c.AddResource(rootURL, bytes.NewReader(docs.add(rootURL, data, doc))); err != nil {
		return nil, &LoadError{Source: opts.Source, Reason: err.Error()}
	}
	base, _ := url.Parse(rootURL)
	for _, r := range opts.Resources {
		rdoc, err := decodeLimited(r.Schema, r.Name, lim)
		if err != nil {
			return nil, err
		}
		u, err := base.Parse(r.Name)
		if err != nil {
			return nil, &LoadError{Source: opts.Source, Reason: fmt.Sprintf("reference name %q is not a valid URL: %v", r.Name, err)}
		}
		u.Fragment = ""
		if err := c.AddResource(u.String(), bytes.NewReader(docs.add(u.String(), r.Schema, rdoc))); err != nil {
			return nil, &LoadError{Source: r.Name, Reason: err.Error()}
		}
	}
	root, err := c.Compile(rootURL)
	if err != nil {
		return nil, compileError(opts.Source, err)
	}
	dyn := docs.finish(c, root)
	text := len(data)
	for _, r := range opts.Resources {
		text += len(r.Schema)
	}
	return &Schema{root: root, raw: data, source: opts.Source, text: text, dyn: dyn}, nil
}

// MustCompile is Compile for schemas known to be valid (tests, generated
// data). It panics on error.
func MustCompile(data string) *Schema {
	s, err := Compile([]byte(data), LoadOptions{Source: "inline"})
	if err != nil {
		panic(err)
	}
	return s
}

// compileError turns the compiler's nested error into one LoadError naming
// the innermost location.
func compileError(source string, err error) error {
	var se *jsonschema.SchemaError
	reason := err.Error()
	ptr := ""
	if errors.As(err, &se) {
		reason = se.Err.Error()
		var ve *jsonschema.ValidationError
		if errors.As(se.Err, &ve) {
			leaf := ve
			for len(leaf.Causes) > 0 {
				leaf = leaf.Causes[0]
			}
			ptr = leaf.InstanceLocation
			reason = "not a valid JSON Schema: " + leaf.Message
		}
	}
	if errors.Is(err, errExternalRef) {
		reason = errExternalRefReason(reason)
	}
	if ptr == "" {
		ptr = pointerIn(reason)
	}
	return &LoadError{Source: source, Pointer: ptr, Reason: reason}
}

func errExternalRefReason(reason string) string {
	if i := strings.Index(reason, errExternalRef.Error()); i >= 0 {
		return reason[i:]
	}
	return reason
}

// pointerIn extracts a "#/..." location the compiler put in its message.
func pointerIn(msg string) string {
	i := strings.Index(msg, rootURL+"#")
	if i < 0 {
		return ""
	}
	rest := msg[i+len(rootURL)+1:]
	if j := strings.IndexAny(rest, " \"'"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// DecodeJSON decodes a JSON document the way the validator expects it
// (numbers as json.Number, so big and decimal values stay exact).
func DecodeJSON(data []byte) (any, error) {
	if v, ok := decodeValid(data); ok { // jsondecode.go
		return v, nil
	}
	return decodeStd(data)
}

// decodeStd is DecodeJSON with encoding/json, for the texts decodeValid
// leaves to it: it names what is wrong and where.
func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError("", data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		line, col := LineColumn(data, off)
		return nil, &LoadError{Line: line, Column: col, Reason: "unexpected data after the JSON value"}
	}
	return v, nil
}

// DecodeInstance decodes a document to validate against a schema, as
// DecodeJSON does, and refuses numbers over the number limits of l (zero
// fields take the defaults): the validator makes an exact rational of
// every number it compares, and past 10^1,000,000 it cannot make one and
// crashes. The error is a *LoadError naming source and the JSON Pointer.
func DecodeInstance(data []byte, source string, l Limits) (any, error) {
	v, err := DecodeJSON(data)
	if err != nil {
		if le, ok := errors.AsType[*LoadError](err); ok {
			le.Source = source
		}
		return nil, err
	}
	if err := checkInstanceNumbers(v, source, l.withDefaults()); err != nil {
		return nil, err
	}
	return v, nil
}

func decodeLimited(data []byte, source string, lim Limits) (any, error) {
	if err := checkSize(data, source, lim); err != nil {
		return nil, err
	}
	v, err := DecodeJSON(data)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			le.Source = source
		}
		return nil, err
	}
	return v, nil
}

// checkSize refuses a document over the byte or nesting limit.
func checkSize(data []byte, source string, lim Limits) error {
	if len(data) > lim.MaxBytes {
		return &LoadError{Source: source, Reason: fmt.Sprintf("document is %d bytes; the limit is %d", len(data), lim.MaxBytes)}
	}
	return checkDepth(data, source, lim.MaxDepth)
}

// checkDepth scans the raw bytes before decoding so that a 10,000-level
// document is refused without building it.
func checkDepth(data []byte, source string, max int) error {
	depth, at := 0, -1
	outsideStrings(data, func(i int, b byte) bool {
		switch b {
		case '{', '[':
			depth++
			if depth > max {
				at = i
				return false
			}
		case '}', ']':
			depth--
		}
		return true
	})
	if at >= 0 {
		line, col := LineColumn(data, int64(at))
		return &LoadError{Source: source, Line: line, Column: col, Reason: fmt.Sprintf("document nests deeper than %d levels", max)}
	}
	return nil
}

// outsideStrings calls f with every byte of a JSON text that is not inside
// a string (the quotes themselves excluded), until f returns false. The
// structural scans before decoding (depth, member count) share it.
func outsideStrings(data []byte, f func(i int, b byte) bool) {
	inStr, esc := false, false
	for i, b := range data {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if b == '\\' {
				esc = true
			} else if b == '"' {
				inStr = false
			}
		case b == '"':
			inStr = true
		default:
			if !f(i, b) {
				return
			}
		}
	}
}

func syntaxError(source string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(data))
	}
	le := &LoadError{Source: source, Reason: "invalid JSON: " + err.Error()}
	if off >= 0 {
		le.Line, le.Column = LineColumn(data, off)
	}
	return le
}

// LineColumn turns a byte offset into data into a 1-based line and column,
// for error messages that point into JSON documents.
func LineColumn(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// checkSchemaLimits walks the decoded document counting nodes and checking
// regex and enum sizes, reporting the JSON Pointer of the first offender.
func checkSchemaLimits(doc any, source string, lim Limits) error {
	if withinSchemaLimits(doc, lim) {
		return nil
	}
	return locateSchemaLimit(doc, source, lim)
}

// withinSchemaLimits is the common case of checkSchemaLimits: it walks in
// map order and builds no pointers. Whether a limit is exceeded does not
// depend on the order, only which offender is reported first does.
func withinSchemaLimits(doc any, lim Limits) bool {
	nodes := 0
	var ok func(v any, key string) bool
	ok = func(v any, key string) bool {
		nodes++
		if nodes > lim.MaxNodes || !valueWithinLimits(v, key, lim) {
			return false
		}
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if !ok(e, k) {
					return false
				}
			}
		case []any:
			for _, e := range v {
				if !ok(e, "") {
					return false
				}
			}
		}
		return true
	}
	return ok(doc, "")
}

// valueWithinLimits applies the schema limits that concern v itself, the
// value of key in its parent: the length of a pattern and of the keys of
// patternProperties, the size of an enum.
func valueWithinLimits(v any, key string, lim Limits) bool {
	switch v := v.(type) {
	case map[string]any:
		if key == "patternProperties" {
			for k := range v {
				if len(k) > lim.MaxPattern {
					return false
				}
			}
		}
	case []any:
		return key != "enum" || len(v) <= lim.MaxEnum
	case string:
		return key != "pattern" || len(v) <= lim.MaxPattern
	}
	return true
}

// locateSchemaLimit walks in sorted key order and reports the first
// offender with its JSON Pointer, the same one on every run.
func locateSchemaLimit(doc any, source string, lim Limits) error {
	nodes := 0
	var walk func(v any, ptr string, key string) error
	walk = func(v any, ptr string, key string) error {
		nodes++
		if nodes > lim.MaxNodes {
			return &LoadError{Source: source, Pointer: ptr, Reason: fmt.Sprintf("schema has more than %d JSON values", lim.MaxNodes)}
		}
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if key == "patternProperties" && len(k) > lim.MaxPattern {
					return &LoadError{Source: source, Pointer: ptr + "/" + escapePointer(k), Reason: fmt.Sprintf("regular expression is %d characters; the limit is %d", len(k), lim.MaxPattern)}
				}
				if err := walk(v[k], ptr+"/"+escapePointer(k), k); err != nil {
					return err
				}
			}
		case []any:
			if key == "enum" && len(v) > lim.MaxEnum {
				return &LoadError{Source: source, Pointer: ptr, Reason: fmt.Sprintf("enum has %d values; the limit is %d", len(v), lim.MaxEnum)}
			}
			for i, e := range v {
				if err := walk(e, ptr+"/"+strconv.Itoa(i), ""); err != nil {
					return err
				}
			}
		case string:
			if key == "pattern" && len(v) > lim.MaxPattern {
				return &LoadError{Source: source, Pointer: ptr, Reason: fmt.Sprintf("regular expression is %d characters; the limit is %d", len(v), lim.MaxPattern)}
			}
		}
		return nil
	}
	return walk(doc, "", "")
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

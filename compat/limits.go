package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// Limits bound what a single schema document may cost to load. Zero fields
// take the defaults below. Every refusal is a *LoadError naming the limit,
// its value and where in the document it was exceeded.
type Limits struct {
	MaxBytes    int // size of one document in bytes
	MaxDepth    int // nesting of JSON objects and arrays
	MaxNodes    int // JSON values (objects, arrays, scalars) in one document
	MaxPattern  int // length of one regular expression (pattern, patternProperties keys)
	MaxEnum     int // values in one enum
	MaxRefDepth int // chain of referenced documents (references of references)

	// MaxProperties bounds the members of any one JSON object, such as a
	// "properties" or "definitions" map.
	MaxProperties int
	// MaxTotalProperties bounds the members of all objects in the document.
	MaxTotalProperties int
	// MaxRegexProgram bounds the instructions of one compiled regular
	// expression. Go's regexp runs in time linear in the input but also in
	// the program size: "(x{0,1000}){1000}"-like patterns are short yet
	// compile to huge programs, so length alone does not bound their cost.
	MaxRegexProgram int
	// MaxRefs bounds how many referenced documents one schema may pull in,
	// references of references included (the breadth; MaxRefDepth bounds
	// the depth).
	MaxRefs int
	// MaxRegexTotal bounds the instructions of all regular expressions of
	// one schema together: the validator compiles each one (twice, with the
	// metaschema's format check), so 4,000 patterns each under
	// MaxRegexProgram still cost seconds and hundreds of MB.
	MaxRegexTotal int
	// MaxNumberDigits bounds the digits of one number literal (before any
	// exponent, leading and trailing zeros included) and MaxNumberExponent
	// the absolute value of its exponent as written. The validator holds
	// numbers as exact rationals: 1e999999 is a 3.3-million-bit integer.
	// They apply to every number of a schema, and to the documents
	// `baton validate` checks.
	MaxNumberDigits   int
	MaxNumberExponent int
}

// DefaultLimits comfortably hold a 2,000-property, 5-level event schema
// (about 100 KB) while refusing documents built to exhaust memory or time.
var DefaultLimits = Limits{
	MaxBytes:           4 << 20,
	MaxDepth:           128,
	MaxNodes:           250_000,
	MaxPattern:         1_000,
	MaxEnum:            10_000,
	MaxRefDepth:        16,
	MaxProperties:      10_000,
	MaxTotalProperties: 100_000,
	MaxRegexProgram:    10_000,
	MaxRefs:            1_000,
	MaxRegexTotal:      200_000,
	MaxNumberDigits:    1_000,
	MaxNumberExponent:  1_000,
}

// HistoryLimits are for compiling schemas that were accepted earlier:
// stored versions must stay readable when an operator lowers a limit, so
// only sizes no real document reaches are refused.
var HistoryLimits = Limits{
	MaxBytes:           1 << 30,
	MaxDepth:           1 << 20,
	MaxNodes:           1 << 30,
	MaxPattern:         1 << 20,
	MaxEnum:            1 << 30,
	MaxRefDepth:        1 << 10,
	MaxProperties:      1 << 30,
	MaxTotalProperties: 1 << 30,
	MaxRegexProgram:    1 << 30,
	MaxRefs:            1 << 20,
	MaxRegexTotal:      math.MaxInt,
	MaxNumberDigits:    1 << 30,
	MaxNumberExponent:  math.MaxInt,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, f := range []struct{ dst, src *int }{
		{&d.MaxBytes, &l.MaxBytes}, {&d.MaxDepth, &l.MaxDepth}, {&d.MaxNodes, &l.MaxNodes},
		{&d.MaxPattern, &l.MaxPattern}, {&d.MaxEnum, &l.MaxEnum}, {&d.MaxRefDepth, &l.MaxRefDepth},
		{&d.MaxProperties, &l.MaxProperties}, {&d.MaxTotalProperties, &l.MaxTotalProperties},
		{&d.MaxRegexProgram, &l.MaxRegexProgram}, {&d.MaxRefs, &l.MaxRefs}, {&d.MaxRegexTotal, &l.MaxRegexTotal},
		{&d.MaxNumberDigits, &l.MaxNumberDigits}, {&d.MaxNumberExponent, &l.MaxNumberExponent},
	} {
		if *f.src > 0 {
			*f.dst = *f.src
		}
	}
	return d
}

// CheckSize applies the limits that need no decoding (bytes, nesting) to
// a document, so a caller can refuse it before parsing it for anything else.
func CheckSize(data []byte, source string, l Limits) error {
	return checkSize(data, source, l.withDefaults())
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits { return l.withDefaults() }

// checkCostLimits enforces what the decoder and the size walk in load.go do
// not: members per object and in total, the compiled size of every regular
// expression and of all of them together, the digits and exponent of every
// number, counts the validator cannot hold, and duplicate object keys
// (which parsers resolve differently, so the registry and a consumer could
// read two different schemas from one text). The common case (nothing
// exceeded) walks the document once without building pointers, estimating
// regex sizes from above; only a refusal, or an estimated regex total over
// the limit, walks it again in sorted key order counting regex programs
// exactly, so the offender reported is the same on every run.
func checkCostLimits(data []byte, doc any, source string, lim Limits) error {
	fast := costWalker{lim: lim}
	return costLimitsAfter(&fast, fast.walk(doc, "", posSchema, false), data, doc, source, lim)
}

// checkLimits is checkSchemaLimits and then checkCostLimits, each
// reporting what it would alone, with the common case (nothing exceeded)
// in a single walk: the cost walk also applies the schema limits, and only
// when something is exceeded do the two checks walk again in turn.
func checkLimits(data []byte, doc any, source string, lim Limits) error {
	fast := costWalker{lim: lim, schemaLimits: true}
	bad := fast.walk(doc, "", posSchema, false)
	if bad != nil { // the walk stopped early: a schema limit may lie beyond
		if err := checkSchemaLimits(doc, source, lim); err != nil {
			return err
		}
		if fast.overSchema {
			return checkCostLimits(data, doc, source, lim)
		}
	}
	return costLimitsAfter(&fast, bad, data, doc, source, lim)
}

// costLimitsAfter is checkCostLimits once the common pass fast has
// walked the document and found bad (nil: nothing).
func costLimitsAfter(fast *costWalker, bad *costViolation, data []byte, doc any, source string, lim Limits) error {
	if bad != nil || fast.regex > lim.MaxRegexTotal {
		exact := costWalker{lim: lim, thorough: true}
		if first := exact.walk(doc, "", posSchema, false); first != nil {
			bad = first
		}
	}
	if bad != nil {
		return bad.loadError(source)
	}
	if colons(data) != fast.members {
		if bad := findDuplicateKey(data); bad != nil {
			return bad.loadError(source)
		}
	}
	return nil
}

// checkInstanceNumbers applies the number limits to a document that will
// be validated (not a schema): the validator builds an exact rational of
// every number it compares, whoever wrote it.
func checkInstanceNumbers(doc any, source string, lim Limits) error {
	w := costWalker{lim: lim, instance: true}
	if bad := w.walk(doc, "", posData, false); bad != nil {
		w = costWalker{lim: lim, instance: true, thorough: true}
		if first := w.walk(doc, "", posData, false); first != nil {
			bad = first
		}
		return bad.loadError(source)
	}
	return nil
}

// colons counts the ':' outside strings: one per object member of the text.
// It differs from the decoded members only when a key repeats.
func colons(data []byte) int {
	n := 0
	outsideStrings(data, func(_ int, b byte) bool {
		if b == ':' {
			n++
		}
		return true
	})
	return n
}

// findDuplicateKey reports the first key that repeats within one object.
func findDuplicateKey(data []byte) *costViolation {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		keys    map[string]bool // nil for arrays
		index   int
		wantKey bool
	}
	var stack []frame
	var path []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the decoder already accepted data; nothing to add
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].keys != nil && stack[top].wantKey {
			if k, ok := tok.(string); ok {
				if stack[top].keys[k] {
					return &costViolation{append(slices.Clone(path), k), fmt.Sprintf("key %q appears twice in one object; parsers disagree on which one counts", k)}
				}
				stack[top].keys[k] = true
				stack[top].wantKey = false
				path = append(path, k)
				continue
			}
		}
		if top >= 0 && stack[top].keys == nil {
			if d, ok := tok.(json.Delim); !ok || d != ']' {
				path = append(path, strconv.Itoa(stack[top].index))
				stack[top].index++
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: drop its path element and expect the next key.
		if len(stack) > 0 {
			path = path[:len(path)-1]
			if stack[len(stack)-1].keys != nil {
				stack[len(stack)-1].wantKey = true
			}
		}
	}
}

// costViolation is a refused limit and the path to the offending value.
type costViolation struct {
	path   []string
	reason string
}

func (v *costViolation) loadError(source string) error {
	var b strings.Builder
	for _, p := range v.path {
		b.WriteByte('/')
		b.WriteString(escapePointer(p))
	}
	return &LoadError{Source: source, Pointer: b.String(), Reason: v.reason}
}

// position is the role of a JSON value in a schema document.
type position uint8

const (
	posSchema position = iota // a schema: its members are keywords
	posNames                  // a map from names to schemas, such as properties
	posData                   // a value the validator only compares: const, enum, default, examples, unknown keywords
)

// keywordPosition is the position of the value of keyword kw of a schema.
func keywordPosition(kw string) position {
	switch kw {
	case "properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies":
		return posNames
	case "items", "additionalItems", "additionalProperties", "contains", "propertyNames", "not", "if", "then", "else",
		"allOf", "anyOf", "oneOf", "prefixItems", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
		return posSchema
	}
	return posData
}

// costWalker finds the first limit a document exceeds.
type costWalker struct {
	lim Limits
	// thorough walks in sorted key order and counts regex programs
	// exactly, so that the offender it reports is the same on every run
	// and the regex total is never overestimated; otherwise the walk is in
	// map order and the total is an upper bound.
	thorough bool
	// instance applies only the number limits: the document is validated,
	// not compiled.
	instance bool

	// schemaLimits also applies the limits of checkSchemaLimits (JSON
	// values, pattern lengths, enum sizes), as withinSchemaLimits does;
	// overSchema says one is exceeded, and the walk stops there.
	schemaLimits bool
	overSchema   bool
	nodes        int

	members int // object members so far
	regex   int // instructions of the regular expressions so far
	path    []string
	// sizes remembers each distinct pattern's count: schemas repeat the
	// same few patterns (dates, identifiers) many times, and the validator
	// compiles each occurrence, but counting one is enough.
	sizes map[string]regexCount
}

type regexCount struct {
	n      int
	reason string
}

func (w *costWalker) violation(reason string) *costViolation {
	return &costViolation{slices.Clone(w.path), reason}
}

// walk visits v, the value of key in its parent; pos is v's position and
// keyword whether key is a keyword of a schema.
func (w *costWalker) walk(v any, key string, pos position, keyword bool) *costViolation {
	lim := w.lim
	if w.schemaLimits && !w.withinSchemaLimits(v, key) {
		w.overSchema = true
		return &costViolation{reason: "over a schema limit"} // checkLimits reports it
	}
	switch v := v.(type) {
	case map[string]any:
		if !w.instance {
			if len(v) > lim.MaxProperties {
				return w.violation(fmt.Sprintf("object has %d members; the limit (max properties per object) is %d", len(v), lim.MaxProperties))
			}
			w.members += len(v)
			if w.members > lim.MaxTotalProperties {
				return w.violation(fmt.Sprintf("document has more than %d object members; the limit (max properties in total) is %d", lim.MaxTotalProperties, lim.MaxTotalProperties))
			}
		}
		if !w.thorough { // map order will do: no list of keys to build
			for k, e := range v {
				if bad := w.member(k, e, key, pos); bad != nil {
					return bad
				}
			}
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if bad := w.member(k, v[k], key, pos); bad != nil {
				return bad
			}
		}
	case []any:
		for i, e := range v {
			w.path = append(w.path, strconv.Itoa(i))
			if bad := w.walk(e, "", pos, false); bad != nil {
				return bad
			}
			w.path = w.path[:len(w.path)-1]
		}
	case json.Number:
		if reason := numberCost(string(v), lim); reason != "" {
			return w.violation(reason)
		}
		if countKeywords[key] && !w.instance {
			if reason := countCost(key, string(v), keyword); reason != "" {
				return w.violation(reason)
			}
		}
	case string:
		if key == "pattern" && !w.instance {
			return w.regexp(v)
		}
	}
	return nil
}

// withinSchemaLimits counts v, the value of key, and applies to it what
// withinSchemaLimits (load.go) applies.
func (w *costWalker) withinSchemaLimits(v any, key string) bool {
	w.nodes++
	return w.nodes <= w.lim.MaxNodes && valueWithinLimits(v, key, w.lim)
}

// member visits member k (value e) of an object, the value of key in its
// parent at position pos.
func (w *costWalker) member(k string, e any, key string, pos position) *costViolation {
	w.path = append(w.path, k)
	if key == "patternProperties" && !w.instance {
		if bad := w.regexp(k); bad != nil {
			return bad
		}
	}
	child := posData
	switch pos {
	case posSchema:
		child = keywordPosition(k)
	case posNames:
		child = posSchema
	}
	if bad := w.walk(e, k, child, pos == posSchema); bad != nil {
		return bad
	}
	w.path = w.path[:len(w.path)-1]
	return nil
}

// regexp adds the regular expression at the current path to the total
// and reports it if it, or the total, is over its limit. Like the
// per-pattern checks, it goes by key alone: "pattern" and the keys of
// "patternProperties" count wherever they are, as $ref can make any part
// of a document a schema.
func (w *costWalker) regexp(pattern string) *costViolation {
	size, ok := w.sizes[pattern]
	if !ok {
		size.n, size.reason = regexSize(pattern, w.lim.MaxRegexProgram, w.thorough)
		if w.sizes == nil {
			w.sizes = map[string]regexCount{}
		}
		w.sizes[pattern] = size
	}
	n, reason := size.n, size.reason
	if reason != "" {
		return w.violation(reason)
	}
	w.regex += n
	if w.thorough && w.regex > w.lim.MaxRegexTotal {
		return w.violation(fmt.Sprintf("with this one, the schema's regular expressions reach %d compiled instructions; the limit (max regex total) is %d", w.regex, w.lim.MaxRegexTotal))
	}
	return nil
}

// regexSize returns the instructions pattern compiles to, and why it is
// refused (over max, or too large to compile) or "". The count is exact
// when exact is set or the pattern comes near max; otherwise it may be an
// upper bound. It parses the pattern as the validator's regexp.Compile
// does; a pattern that does not parse counts nothing and is left for the
// compiler to report (with its own, better message) when it sits where a
// schema is expected. Compiling costs several times parsing, so only a
// pattern whose size estimate exceeds max is compiled, and a pattern
// without counted repetition compiles to at most one instruction per byte
// plus a few, so a short one is not even parsed.
func regexSize(pattern string, max int, exact bool) (int, string) {
	if bound := 2*len(pattern) + 8; !exact && !strings.ContainsRune(pattern, '{') && bound <= max {
		return bound, ""
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		if strings.Contains(err.Error(), string(syntax.ErrLarge)) {
			return 0, fmt.Sprintf("regular expression is too large to compile; the limit (max regex program) is %d instructions", max)
		}
		return 0, ""
	}
	if est := progEstimate(re, max); !exact && est <= max {
		return est, ""
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, fmt.Sprintf("regular expression does not compile: %v", err)
	}
	if n := len(prog.Inst); n > max {
		return n, fmt.Sprintf("regular expression compiles to %d instructions; the limit (max regex program) is %d", n, max)
	}
	return len(prog.Inst), ""
}

// progEstimate bounds from above the instructions re compiles to as
// regexp.Compile compiles it (syntax.Compile of re.Simplify()): a failure
// and a match instruction, plus progNodes. It stops growing past limit
// (the caller only compares), so nested repetitions cannot overflow.
func progEstimate(re *syntax.Regexp, limit int) int {
	return min(progNodes(re, limit)+2, limit+1)
}

// progNodes bounds the instructions the compiler emits for re once
// simplified. Each case follows regexp/syntax: a literal is one
// instruction per rune, a class or an empty-width assertion one, a capture
// two around its body, ?, + one more than the body and * two. Simplify
// rewrites x{n,m} as n copies of x and m-n nested optional ones (one more
// instruction each), and x{n,} as n copies and a loop.
func progNodes(re *syntax.Regexp, limit int) int {
	sub := 0
	for _, s := range re.Sub {
		sub = min(sub+progNodes(s, limit), limit+1)
	}
	n := 1
	switch re.Op {
	case syntax.OpLiteral:
		n = max(len(re.Rune), 1)
	case syntax.OpCapture:
		n = sub + 2
	case syntax.OpStar:
		n = sub + 2
	case syntax.OpPlus, syntax.OpQuest:
		n = sub + 1
	case syntax.OpConcat:
		n = max(sub, 1)
	case syntax.OpAlternate:
		n = sub + len(re.Sub)
	case syntax.OpRepeat:
		if re.Max < 0 {
			n = mulSat(max(re.Min, 1), sub, limit) + 2
		} else {
			n = max(mulSat(re.Min, sub, limit)+mulSat(re.Max-re.Min, sub+1, limit), 1)
		}
	}
	return min(n, limit+1)
}

// mulSat is a*b, or limit+1 if that is more.
func mulSat(a, b, limit int) int {
	if b != 0 && a > (limit+1)/b {
		return limit + 1
	}
	return min(a*b, limit+1)
}

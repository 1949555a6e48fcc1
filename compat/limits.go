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
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, f := range []struct{ dst, src *int }{
		{&d.MaxBytes, &l.MaxBytes}, {&d.MaxDepth, &l.MaxDepth}, {&d.MaxNodes, &l.MaxNodes},
		{&d.MaxPattern, &l.MaxPattern}, {&d.MaxEnum, &l.MaxEnum}, {&d.MaxRefDepth, &l.MaxRefDepth},
		{&d.MaxProperties, &l.MaxProperties}, {&d.MaxTotalProperties, &l.MaxTotalProperties},
		{&d.MaxRegexProgram, &l.MaxRegexProgram}, {&d.MaxRefs, &l.MaxRefs},
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
// expression, counts too large to represent, and duplicate object keys
// (which parsers resolve differently, so the registry and a consumer could
// read two different schemas from one text). The common case (nothing
// exceeded) walks the document once without building pointers; only a
// refusal walks it again in sorted key order, so the offender reported is
// the same on every run.
func checkCostLimits(data []byte, doc any, source string, lim Limits) error {
	members, bad := costWalk(doc, lim, false)
	if bad != nil {
		if _, first := costWalk(doc, lim, true); first != nil {
			bad = first
		}
		return bad.loadError(source)
	}
	if colons(data) != members {
		if bad := findDuplicateKey(data); bad != nil {
			return bad.loadError(source)
		}
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

// costWalk returns the number of object members in doc and the first
// limit it exceeds.
func costWalk(doc any, lim Limits, sorted bool) (int, *costViolation) {
	total := 0
	var path []string
	var walk func(v any, key string) *costViolation
	walk = func(v any, key string) *costViolation {
		switch v := v.(type) {
		case map[string]any:
			if len(v) > lim.MaxProperties {
				return &costViolation{slices.Clone(path), fmt.Sprintf("object has %d members; the limit (max properties per object) is %d", len(v), lim.MaxProperties)}
			}
			total += len(v)
			if total > lim.MaxTotalProperties {
				return &costViolation{slices.Clone(path), fmt.Sprintf("document has more than %d object members; the limit (max properties in total) is %d", lim.MaxTotalProperties, lim.MaxTotalProperties)}
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			if sorted {
				slices.Sort(keys)
			}
			for _, k := range keys {
				path = append(path, k)
				if key == "patternProperties" {
					if reason := regexCost(k, lim.MaxRegexProgram); reason != "" {
						return &costViolation{slices.Clone(path), reason}
					}
				}
				if bad := walk(v[k], k); bad != nil {
					return bad
				}
				path = path[:len(path)-1]
			}
		case []any:
			for i, e := range v {
				path = append(path, strconv.Itoa(i))
				if bad := walk(e, ""); bad != nil {
					return bad
				}
				path = path[:len(path)-1]
			}
		case json.Number:
			if countKeywords[key] {
				if f, err := strconv.ParseFloat(string(v), 64); err != nil || math.Abs(f) > maxCount {
					return &costViolation{slices.Clone(path), fmt.Sprintf("%s is %s; counts above 2^53 cannot be represented exactly", key, v)}
				}
			}
		case string:
			if key == "pattern" {
				if reason := regexCost(v, lim.MaxRegexProgram); reason != "" {
					return &costViolation{slices.Clone(path), reason}
				}
			}
		}
		return nil
	}
	bad := walk(doc, "")
	return total, bad
}

// countKeywords take a non-negative integer that the validator stores as an
// int: a larger JSON number would silently wrap, so a schema saying
// "maxLength": 1e400 would reject every string instead of none.
var countKeywords = map[string]bool{
	"maxLength": true, "minLength": true, "maxItems": true, "minItems": true,
	"maxProperties": true, "minProperties": true, "maxContains": true, "minContains": true,
}

// maxCount is 2^53, the largest count a float64 holds exactly.
const maxCount = 1 << 53

// regexCost returns why pattern is refused, or "". It parses the pattern as
// the validator's regexp.Compile does; a pattern that does not parse is left
// for the compiler to report (with its own, better message) when it sits
// where a schema is expected. Compiling costs several times parsing, so
// only a pattern whose size estimate (an upper bound) exceeds max is
// compiled to count its instructions exactly; and a pattern without counted
// repetition compiles to at most one instruction per byte plus a few, so a
// short one is not even parsed.
func regexCost(pattern string, max int) string {
	if !strings.ContainsRune(pattern, '{') && 2*len(pattern)+8 <= max {
		return ""
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		if strings.Contains(err.Error(), string(syntax.ErrLarge)) {
			return fmt.Sprintf("regular expression is too large to compile; the limit (max regex program) is %d instructions", max)
		}
		return ""
	}
	if progEstimate(re, max) <= max {
		return ""
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return fmt.Sprintf("regular expression does not compile: %v", err)
	}
	if n := len(prog.Inst); n > max {
		return fmt.Sprintf("regular expression compiles to %d instructions; the limit (max regex program) is %d", n, max)
	}
	return ""
}

// progEstimate bounds from above the instructions re compiles to, counting
// every node one more than the compiler does. It stops growing past limit
// (the caller only compares), so nested repetitions cannot overflow.
func progEstimate(re *syntax.Regexp, limit int) int {
	sub := 0
	for _, s := range re.Sub {
		sub += progEstimate(s, limit)
		if sub > limit {
			return limit + 1
		}
	}
	n := 0
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune) + 1
	case syntax.OpRepeat:
		times := re.Max
		if times < re.Min {
			times = re.Min // no upper bound: Min copies and a loop
		}
		n = (times+1)*(sub+1) + 1
	default:
		n = sub + len(re.Sub) + 2
	}
	return min(n, limit+1) + 4
}

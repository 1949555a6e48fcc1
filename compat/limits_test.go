package compat_test

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/eventschema"
)

// TestLimitsRefuse: each limit refuses a document just over it with a
// LoadError naming the limit, its value and the JSON Pointer of the
// offender, and accepts one at the limit.
func TestLimitsRefuse(t *testing.T) {
	t.Parallel()
	cases := []limitCase{
		{"properties per object at the limit", compat.Limits{MaxProperties: 3}, eventschema.Members(3), "", ""},
		{"properties per object over", compat.Limits{MaxProperties: 3}, eventschema.Members(4), "/properties", "object has 4 members; the limit (max properties per object) is 3"},
		{"nested object over", compat.Limits{MaxProperties: 3},
			`{"definitions":{"a/b":` + eventschema.Members(4) + `}}`, "/definitions/a~1b/properties", "the limit (max properties per object) is 3"},
		{"default properties per object", compat.Limits{}, eventschema.Members(10_001), "/properties", "is 10000"},
		{"total members", compat.Limits{MaxTotalProperties: 10},
			`{"properties":{"a":` + eventschema.Members(3) + `,"b":` + eventschema.Members(3) + `}}`, "/properties/b/properties", "the limit (max properties in total) is 10"},
		{"regex program over", compat.Limits{MaxRegexProgram: 100}, `{"pattern":"^x{0,200}$"}`, "/pattern", "the limit (max regex program) is 100"},
		{"regex program at default", compat.Limits{}, `{"pattern":"(abcdefghij){1000}"}`, "/pattern", "the limit (max regex program) is 10000"},
		{"patternProperties key", compat.Limits{MaxRegexProgram: 100},
			`{"patternProperties":{"^a":{},"[a-z]{500}":{}}}`, "/patternProperties/[a-z]{500}", "compiles to"},
		{"regex inside properties", compat.Limits{MaxRegexProgram: 100},
			`{"properties":{"id":{"type":"string","pattern":"\\d{300}"}}}`, "/properties/id/pattern", "max regex program"},
		{"small regexes pass", compat.Limits{}, `{"properties":{"id":{"pattern":"^[A-Z]{2}[0-9]{10}$"},"e":{"pattern":"(a+)+$"}}}`, "", ""},
		{"nested repetition is the compiler's error", compat.Limits{}, `{"pattern":"a{1000}{1000}"}`, "/pattern", "is not valid 'regex'"},
		{"data named pattern that is not a regex", compat.Limits{}, `{"const":{"pattern":"(("}}`, "", ""},
		{"duplicate key at the root", compat.Limits{}, `{"type":"string","type":"integer"}`, "/type", `key "type" appears twice`},
		{"duplicate key deep", compat.Limits{}, `{"items":[{},{"properties":{"a":{},"b":{"x":[1,{"k":1,"k":2}]}}}]}`, "/items/1/properties/b/x/1/k", `key "k" appears twice`},
		{"same key in sibling objects", compat.Limits{}, `{"properties":{"a":{"type":"string"},"b":{"type":"string"}},"type":"object"}`, "", ""},
		{"colon inside strings is not a member", compat.Limits{}, `{"description":"a: b: c","pattern":"^x:y$"}`, "", ""},
		{"maxLength 1e400", compat.Limits{}, `{"maxLength":1e400}`, "/maxLength", "maxLength is 1e400; counts above 2^53"},
		{"maxItems huge integer", compat.Limits{}, `{"properties":{"a":{"maxItems":99999999999999999999}}}`, "/properties/a/maxItems", "counts above 2^53"},
		{"maximum 1e400 is a valid bound", compat.Limits{}, `{"maximum":1e400}`, "", ""},

		// Number literals: digits and exponent as written, everywhere.
		{"400 × minimum 1e999999", compat.Limits{}, eventschema.Props(400, `{"type":"number","minimum":1e999999}`),
			"/properties/p0/minimum", "number 1e999999 has exponent 999999; the limit (max number exponent) is 1000"},
		{"1,000,000-digit maximum", compat.Limits{}, `{"maximum":1` + strings.Repeat("7", 999_999) + `}`,
			"/maximum", "number 177777777777777777777777…777777777777 (1000000 bytes) is written with 1000000 digits; the limit (max number digits) is 1000"},
		{"multipleOf 1e-999999", compat.Limits{}, `{"multipleOf":1e-999999}`, "/multipleOf", "number 1e-999999 has exponent -999999; the limit (max number exponent) is 1000"},
		{"zero with a huge exponent", compat.Limits{}, `{"const":0e999999}`, "/const", "has exponent 999999"},
		{"zero with a million fraction digits", compat.Limits{}, `{"const":0.` + strings.Repeat("0", 1_000_000) + `}`, "/const", "is written with 1000001 digits"},
		{"exponent beyond int64", compat.Limits{}, `{"default":1E+000099999999999999999999999}`, "/default", "number 1E+000099999999999999999999999 has exponent 99999999999999999999999;"},
		{"in an enum", compat.Limits{}, `{"enum":["a",1,[2,{"x":1e1001}]]}`, "/enum/2/1/x", "exponent 1001; the limit (max number exponent) is 1000"},
		{"in examples", compat.Limits{}, `{"examples":[-1` + strings.Repeat("0", 1000) + `]}`, "/examples/0", "written with 1001 digits; the limit (max number digits) is 1000"},
		{"in an unknown keyword", compat.Limits{}, `{"x-scale":1e-1001}`, "/x-scale", "exponent -1001"},
		{"at the limits", compat.Limits{}, `{"maximum":1e1000,"minimum":-1e-1000,"multipleOf":1e+0000000000000001000,"const":` + strings.Repeat("9", 1000) + `,"default":0.` + strings.Repeat("0", 998) + `1}`, "", ""},
		{"float64 extremes, also written out", compat.Limits{}, `{"enum":[1.7976931348623157e308,-4.9e-324,5e-324,-17976931348623157` + strings.Repeat("0", 292) + `,0.` + strings.Repeat("0", 323) + `49]}`, "", ""},
		{"custom digits", compat.Limits{MaxNumberDigits: 5}, `{"enum":[12345,1.2345e3,-99999,0.00001]}`, "/enum/3", "number 0.00001 is written with 6 digits; the limit (max number digits) is 5"},
		{"custom exponent", compat.Limits{MaxNumberExponent: 3}, `{"enum":[1e3,1E-3,1e+4]}`, "/enum/2", "number 1e+4 has exponent 4; the limit (max number exponent) is 3"},

		// Counts: read exactly from the literal.
		{"maxLength 2^53+1", compat.Limits{}, `{"maxLength":9007199254740993}`, "/maxLength", "maxLength is 9007199254740993; counts above 2^53 cannot be represented exactly"},
		{"maxLength 2^53", compat.Limits{}, `{"maxLength":9007199254740992}`, "", ""},
		{"maxItems 2^53+1 nested", compat.Limits{}, `{"properties":{"a":{"items":{"maxItems":9007199254740993}}}}`, "/properties/a/items/maxItems", "maxItems is 9007199254740993; counts above 2^53"},
		{"minProperties 2^53+1 in allOf", compat.Limits{}, `{"allOf":[{},{"minProperties":9007199254740993}]}`, "/allOf/1/minProperties", "minProperties is 9007199254740993"},
		{"minLength 2^53+1 in exponent form", compat.Limits{}, `{"minLength":9.007199254740993e15}`, "/minLength", "minLength is 9.007199254740993e15; counts above 2^53"},
		{"minItems 2^53+1 with trailing zeros", compat.Limits{}, `{"minItems":90071992547409930e-1}`, "/minItems", "minItems is 90071992547409930e-1"},
		{"maxProperties 10^16", compat.Limits{}, `{"maxProperties":1e16}`, "/maxProperties", "maxProperties is 1e16"},
		{"minContains 2^53+1", compat.Limits{}, `{"$schema":"https://json-schema.org/draft/2020-12/schema","contains":{},"minContains":9007199254740993}`, "/minContains", "minContains is 9007199254740993"},
		{"maxContains 2^53+1", compat.Limits{}, `{"$schema":"https://json-schema.org/draft/2020-12/schema","contains":{},"maxContains":9007199254740993}`, "/maxContains", "maxContains is 9007199254740993"},
		{"2^53 in other spellings", compat.Limits{}, `{"maxLength":9007199254740992.000,"maxItems":90071992547409920e-1,"minProperties":0.9007199254740992e16}`, "", ""},
		{"integers in any spelling", compat.Limits{}, `{"maxLength":1.0,"minLength":0,"maxItems":1e3,"minItems":-0,"maxProperties":0.0e5,"minProperties":250E-2}`, "/minProperties", "minProperties must be a non-negative integer, not 250E-2"},
		{"negative count", compat.Limits{}, `{"properties":{"a":{"maxLength":-1}}}`, "/properties/a/maxLength", "maxLength must be a non-negative integer, not -1"},
		{"fractional count", compat.Limits{}, `{"minItems":1.5}`, "/minItems", "minItems must be a non-negative integer, not 1.5"},
		{"count-named data is data", compat.Limits{}, `{"examples":[{"maxLength":-1,"minItems":0.5}],"default":{"minLength":-3},"x-ui":{"maxItems":1.5},"properties":{"maxLength":{"type":"integer"}}}`, "", ""},
		{"too large even as data", compat.Limits{}, `{"default":{"maxLength":9007199254740993}}`, "/default/maxLength", "counts above 2^53"},
		{"data made a schema by $ref", compat.Limits{}, `{"definitions":{"a":{"default":{"maxLength":-5}}},"$ref":"#/definitions/a/default"}`, "/definitions/a/default/maxLength", "must be >= 0"},

		// All regular expressions of a schema together.
		{"4,000 patternProperties of 990 bytes", compat.Limits{}, eventschema.PatternKeys(4000, 990),
			"/patternProperties/" + fmt.Sprintf("%06d", compat.DefaultLimits.MaxRegexTotal/insts(strings.Repeat("a", 990))) + strings.Repeat("a", 984),
			"regular expressions reach"},
		{"regex total over", compat.Limits{MaxRegexTotal: 40}, `{"pattern":"abcdefghijklmnopqrst","propertyNames":{"pattern":"abcdefghijklmnopqrstuvwxyz0123"}}`,
			"/propertyNames/pattern", fmt.Sprintf("with this one, the schema's regular expressions reach %d compiled instructions; the limit (max regex total) is 40", insts("abcdefghijklmnopqrst")+insts("abcdefghijklmnopqrstuvwxyz0123"))},
		{"regex total counted exactly, not estimated", compat.Limits{MaxRegexTotal: insts("abcdefghijklmnopqrst") + insts("abcdefghijklmnopqrstuvwxyz0123")},
			`{"pattern":"abcdefghijklmnopqrst","propertyNames":{"pattern":"abcdefghijklmnopqrstuvwxyz0123"}}`, "", ""},
		{"regex total with repetitions", compat.Limits{MaxRegexTotal: 1000}, `{"properties":{"a":{"pattern":"^[a-z]{1,300}$"},"b":{"patternProperties":{"x{400}":{}}}}}`,
			"/properties/b/patternProperties/x{400}", "the limit (max regex total) is 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := compat.Compile([]byte(c.doc), compat.LoadOptions{Source: "s.json", Limits: c.limits})
			c.check(t, "s.json", err)
		})
	}
}

// limitCase is a document and what loading it under limits must give.
type limitCase struct {
	name    string
	limits  compat.Limits
	doc     string
	pointer string
	reason  string // substring of the reason; "" means the document is accepted
}

// check fails t unless err is what c wants: nil, or a LoadError naming
// source, the pointer and the reason.
func (c limitCase) check(t *testing.T, source string, err error) {
	t.Helper()
	if c.reason == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	le, ok := errors.AsType[*compat.LoadError](err)
	if !ok {
		t.Fatalf("err = %v, want a LoadError", err)
	}
	if le.Pointer != c.pointer || !strings.Contains(le.Reason, c.reason) || le.Source != source {
		t.Errorf("got source %q pointer %q reason %q; want pointer %q and reason containing %q", le.Source, le.Pointer, le.Reason, c.pointer, c.reason)
	}
}

// TestLimitsDeterministicOffender: with several offenders the same one
// (the first in sorted key order) is reported every time.
func TestLimitsDeterministicOffender(t *testing.T) {
	t.Parallel()
	schema := `{"properties":{"z":{"pattern":"x{900}"},"b":{"pattern":"y{900}"},"m":{"pattern":"w{900}"}}}`
	for range 20 {
		_, err := compat.Compile([]byte(schema), compat.LoadOptions{Limits: compat.Limits{MaxRegexProgram: 100}})
		var le *compat.LoadError
		if !errors.As(err, &le) || le.Pointer != "/properties/b/pattern" {
			t.Fatalf("err = %v, want the offender at /properties/b/pattern", err)
		}
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	t.Parallel()
	got := compat.Limits{MaxEnum: 7}.WithDefaults()
	want := compat.DefaultLimits
	want.MaxEnum = 7
	if got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	// HistoryLimits leave nothing to the defaults.
	if h := compat.HistoryLimits.WithDefaults(); h != compat.HistoryLimits {
		t.Errorf("HistoryLimits has a zero field: %+v", compat.HistoryLimits)
	}
}

// insts is the number of instructions pattern compiles to, as Go's regexp
// compiles it.
func insts(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		panic(err)
	}
	return len(prog.Inst)
}

// TestDecodeInstanceNumbers: a document to validate gets the number
// limits (the validator makes an exact rational of every number it
// compares) and nothing else: counts and patterns in it are data.
func TestDecodeInstanceNumbers(t *testing.T) {
	t.Parallel()
	cases := []limitCase{
		{"exponent past big.Rat's", compat.Limits{}, `1e9999999`, "", "number 1e9999999 has exponent 9999999; the limit (max number exponent) is 1000"},
		{"in an array", compat.Limits{}, `[1,1e999999]`, "/1", "number 1e999999 has exponent 999999"},
		{"deep, many digits", compat.Limits{}, `{"a":{"b/c":[1,2,1` + strings.Repeat("0", 1000) + `]}}`, "/a/b~1c/2", "is written with 1001 digits; the limit (max number digits) is 1000"},
		{"first in key order", compat.Limits{}, `{"z":1e1001,"a":{"y":1e1001}}`, "/a/y", "exponent 1001"},
		{"custom limit", compat.Limits{MaxNumberExponent: 2}, `{"n":1e3}`, "/n", "the limit (max number exponent) is 2"},
		{"counts and patterns are data", compat.Limits{}, `{"maxLength":-1,"minItems":9007199254740993,"pattern":"((","n":1.7976931348623157e308}`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := compat.DecodeInstance([]byte(c.doc), "d.json", c.limits)
			c.check(t, "d.json", err)
		})
	}
	_, err := compat.DecodeInstance([]byte(`{"a":`), "d.json", compat.Limits{})
	if le, ok := errors.AsType[*compat.LoadError](err); !ok || le.Source != "d.json" || le.Line != 1 {
		t.Errorf("invalid JSON: %v", err)
	}
}

// TestLoadErrorShortensInput: a refused number or a long property name is
// quoted abbreviated, never echoed whole; the Pointer field stays exact.
func TestLoadErrorShortensInput(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("é", 5000)
	_, err := compat.Compile([]byte(`{"properties":{"`+name+`":{"maxLength":-`+strings.Repeat("1", 5000)+`}}}`), compat.LoadOptions{Source: "s.json"})
	le, ok := errors.AsType[*compat.LoadError](err)
	if !ok || le.Pointer != "/properties/"+name+"/maxLength" {
		t.Fatalf("err = %v, want a LoadError at the property", err)
	}
	msg := le.Error()
	want := "s.json at /properties/éééééééééééé…éééééé (10000 bytes)/maxLength: number -11111111111111111111111…111111111111 (5001 bytes) is written with 5000 digits; the limit (max number digits) is 1000"
	if msg != want {
		t.Errorf("message\n%s\nwant\n%s", msg, want)
	}
}

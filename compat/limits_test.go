package compat_test

import (
	"errors"
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
	cases := []struct {
		name    string
		limits  compat.Limits
		schema  string
		pointer string
		reason  string // substring of the reason; "" means the schema compiles
	}{
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := compat.Compile([]byte(c.schema), compat.LoadOptions{Source: "s.json", Limits: c.limits})
			if c.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var le *compat.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a LoadError", err)
			}
			if le.Pointer != c.pointer || !strings.Contains(le.Reason, c.reason) || le.Source != "s.json" {
				t.Errorf("got source %q pointer %q reason %q; want pointer %q and reason containing %q", le.Source, le.Pointer, le.Reason, c.pointer, c.reason)
			}
		})
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

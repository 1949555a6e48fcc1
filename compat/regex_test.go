package compat_test

import (
	"encoding/json"
	"testing"

	"github.com/batonhq/baton/compat"
)

// TestRegexDecided covers changes between different regular expressions
// that the automata decide (compat/regexlang): compatible when the
// reader's patterns accept every string or name the writer's allow,
// otherwise a finding whose example the writer accepts and the reader
// rejects, checked here again with the validator.
func TestRegexDecided(t *testing.T) {
	tests := []struct {
		name, writer, reader string
		rule                 string // "" : compatible
		example              string // expected example, "" : any confirmed one
	}{
		{"pattern widened", `{"type":"string","pattern":"^[a-z]+$"}`, `{"type":"string","pattern":"^[a-z0-9]+$"}`, "", ""},
		{"pattern narrowed", `{"type":"string","pattern":"^[a-z0-9]+$"}`, `{"type":"string","pattern":"^[a-z]+$"}`, "pattern-added", `"0"`},
		{"unanchored reader", `{"type":"string","pattern":"^ab+c$"}`, `{"type":"string","pattern":"b"}`, "", ""},
		{"writer length makes the reader hold", `{"type":"string","pattern":"^[a-z]+$","maxLength":8}`, `{"type":"string","pattern":"^[a-z]{1,8}$"}`, "", ""},
		{"writer length too loose", `{"type":"string","pattern":"^[a-z]+$","maxLength":9}`, `{"type":"string","pattern":"^[a-z]{1,8}$"}`, "pattern-added", `"aaaaaaaaa"`},
		{"pattern added but length implies it", `{"type":"string","minLength":1,"maxLength":3}`, `{"type":"string","pattern":"(?s)^.{1,3}$"}`, "", ""},
		{"pattern added, newline escapes dot", `{"type":"string","minLength":1}`, `{"type":"string","pattern":"^.+$"}`, "pattern-added", `"\n"`},
		{"case-insensitive writer", `{"type":"string","pattern":"(?i)^id$"}`, `{"type":"string","pattern":"^[iI][dD]$"}`, "", ""},
		{"two writer patterns", `{"type":"string","allOf":[{"pattern":"^x"},{"pattern":"y$"}]}`, `{"type":"string","pattern":"(?s)^x.*y$"}`, "", ""},
		{"two writer patterns, dot misses newline", `{"type":"string","allOf":[{"pattern":"^x"},{"pattern":"y$"}]}`, `{"type":"string","pattern":"^x.*y$"}`, "pattern-added", `"x\ny"`},
		{"property names widened", `{"type":"object","propertyNames":{"pattern":"^[a-z]+$"}}`, `{"type":"object","propertyNames":{"pattern":"^[a-z_]+$"}}`, "", ""},
		{"property names narrowed", `{"type":"object","propertyNames":{"pattern":"^[a-z_]+$"}}`, `{"type":"object","propertyNames":{"pattern":"^[a-z]+$"}}`, "property-names-narrowed", ""},
		{"closed writer's pattern names fit", `{"type":"object","patternProperties":{"^[a-z]{2,4}$":{}},"additionalProperties":false}`,
			`{"type":"object","propertyNames":{"pattern":"^[a-z]+$","maxLength":4}}`, "", ""},
		{"closed writer's pattern names too long", `{"type":"object","patternProperties":{"^[a-z]{2,4}$":{}},"additionalProperties":false}`,
			`{"type":"object","propertyNames":{"maxLength":3}}`, "property-names-narrowed", `{"aaaa":{}}`},
		{"writer pattern and length exclude each other", `{"type":"string","pattern":"^[0-9]{4}$","maxLength":3}`, `{"type":"integer"}`, "", ""},
		{"writer patterns exclude each other", `{"allOf":[{"type":"string","pattern":"^a"},{"pattern":"^b"}]}`, `false`, "", ""},
		{"writer pattern and length allow some", `{"type":"string","pattern":"^[0-9]{4}$","maxLength":4}`, `{"type":"integer"}`, "type-narrowed", `"0000"`},
		{"writer pattern within reader enum", `{"type":"string","pattern":"^(red|green)$"}`, `{"enum":["red","green","blue"]}`, "", ""},
		{"writer pattern beyond reader enum", `{"type":"string","pattern":"^(red|green|[a-z]{2}[0-9])$"}`, `{"enum":["red","green","blue"]}`, "enum-added", `"aa0"`},
		{"writer length within reader const", `{"type":"string","maxLength":0}`, `{"const":""}`, "", ""},
		{"writer patterns split the reader's names, all fit", `{"type":"object","patternProperties":{"^x-":{"type":"string"},"^y-":{"type":"string"}},"additionalProperties":{"type":"string"}}`,
			`{"type":"object","patternProperties":{"-":{"type":"string"}}}`, "", ""},
		{"writer patterns split the reader's names, one region fails", `{"type":"object","patternProperties":{"^x-":{"type":"string"},"^y-":{"type":"number"}},"additionalProperties":false}`,
			`{"type":"object","patternProperties":{"-":{"type":"string"}}}`, "additional-properties-narrowed", `{"y-":0}`},
		{"partial overlap with an open rest", `{"type":"object","patternProperties":{"^\\p{L}+$":{"type":"number"}}}`,
			`{"type":"object","patternProperties":{"f.*o":{"type":"integer"}}}`, "additional-properties-narrowed", ""},
		{"witness meets every writer pattern", `{"type":"string","allOf":[{"pattern":"^[0-9]+$"},{"pattern":"7"}],"minLength":3}`, `{"type":"string","maxLength":2}`, "max-length-decreased", `"007"`},
		{"witness avoids a negated pattern", `{"type":"string","pattern":"^[a-c]+$","not":{"pattern":"a"}}`, `{"type":"string","pattern":"^c"}`, "pattern-added", `"b"`},
		{"negated writer pattern makes the reader hold", `{"type":"string","pattern":"^[ab]$","not":{"pattern":"a"}}`, `{"type":"string","pattern":"b"}`, "", ""},
		{"writer pattern covers reader pattern", `{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"string"},"^x-":{"type":"string"}},"additionalProperties":false}`, "", ""},
		{"reader patterns cover writer pattern", `{"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`, "", ""},
		{"writer pattern escapes reader patterns", `{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"string"}},"additionalProperties":false}`, "additional-properties-narrowed", `{"x-":""}`},
		{"closed writer, reader pattern elsewhere", `{"type":"object","patternProperties":{"^a":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","patternProperties":{"^a":{"type":"string"},"^b":{"type":"integer"}},"additionalProperties":false}`, "", ""},
		{"covered pattern narrowed", `{"type":"object","patternProperties":{"^x-":{"type":"number"}}}`,
			`{"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"integer"}}}`, "additional-properties-narrowed", `{"x-a":0.5}`},
		{"declared names leave the class", `{"type":"object","properties":{"x-a":{"type":"string"}},"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","properties":{"x-a":{"type":"string"}},"patternProperties":{"^x-..":{"type":"string"}},"additionalProperties":false}`, "additional-properties-narrowed", `{"x-":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, r := compat.MustCompile(tt.writer), compat.MustCompile(tt.reader)
			rep := compat.Check(w, r, compat.Options{})
			if tt.rule == "" {
				if !rep.Compatible {
					t.Fatalf("want compatible, got %+v", rep.Findings)
				}
				return
			}
			var got *compat.Finding
			for i, f := range rep.Findings {
				if f.Rule == tt.rule {
					got = &rep.Findings[i]
				}
				if f.Rule == "undecidable-pattern" || f.Rule == "undecidable-pattern-properties" {
					t.Errorf("undecided finding %+v", f)
				}
			}
			if got == nil || got.Example == nil {
				t.Fatalf("want a %s finding with an example, got %+v", tt.rule, rep.Findings)
			}
			var ex any
			if err := json.Unmarshal(got.Example, &ex); err != nil {
				t.Fatal(err)
			}
			if w.Validate(ex) != nil || r.Validate(ex) == nil {
				t.Errorf("example %s is not accepted by the writer and rejected by the reader", got.Example)
			}
			if tt.example != "" && string(got.Example) != tt.example {
				t.Errorf("example %s, want %s", got.Example, tt.example)
			}
		})
	}
}

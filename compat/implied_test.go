package compat_test

import (
	"testing"

	"github.com/batonhq/baton/compat"
)

// impliedCases are schemas that say the same thing in different words, or
// where one implies the other. Each pair must be judged compatible in the
// directions given: a "breaking" verdict there is a false alarm that users
// meet when they refactor a schema without changing what it accepts.
var impliedCases = []struct {
	name    string
	schemas []string // every ordered pair is checked (equivalent forms)
	writer  string   // or one direction: writer -> reader
	reader  string
}{
	{name: "if-required-then-required=dependentRequired=dependentSchemas", schemas: []string{
		d2020 + `"type":"object","if":{"required":["a"]},"then":{"required":["b"]}}`,
		d2020 + `"type":"object","dependentRequired":{"a":["b"]}}`,
		d2020 + `"type":"object","dependentSchemas":{"a":{"required":["b"]}}}`,
		`{"type":"object","dependencies":{"a":["b"]}}`,
		`{"type":"object","dependencies":{"a":{"required":["b"]}}}`,
		`{"type":"object","if":{"required":["a"]},"then":{"required":["b"]}}`,
	}},
	{name: "if-required-then-required-any-type", schemas: []string{
		`{"if":{"required":["a"]},"then":{"required":["b"]}}`,
		`{"dependencies":{"a":["b"]}}`,
	}},
	{name: "closed-model-minProperties=required", schemas: []string{
		`{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false,"minProperties":1}`,
		`{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false,"required":["a"]}`,
	}},
	{name: "closed-model-minProperties-two-of-two", schemas: []string{
		`{"type":"object","properties":{"a":{},"b":{}},"additionalProperties":false,"minProperties":2}`,
		`{"type":"object","properties":{"a":{},"b":{}},"additionalProperties":false,"required":["a","b"]}`,
	}},
	{name: "propertyNames-enum=closed-properties", schemas: []string{
		`{"type":"object","propertyNames":{"enum":["a","b"]}}`,
		`{"type":"object","properties":{"a":true,"b":true},"additionalProperties":false}`,
	}},
	{name: "propertyNames-const=closed-property", schemas: []string{
		`{"type":"object","propertyNames":{"const":"a"},"properties":{"a":{"type":"integer"}}}`,
		`{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}`,
	}},
	{name: "propertyNames-finite-pattern=closed-properties", schemas: []string{
		`{"type":"object","propertyNames":{"pattern":"^(a|b)$"}}`,
		`{"type":"object","properties":{"a":true,"b":true},"additionalProperties":false}`,
	}},
	{name: "minContains-implies-minItems",
		writer: d2020 + `"type":"array","contains":{"type":"integer"},"minContains":2}`,
		reader: `{"type":"array","minItems":2}`},
	{name: "minContains-implies-contains-of-wider-schema",
		writer: d2020 + `"type":"array","contains":{"type":"integer"},"minContains":2}`,
		reader: d2020 + `"type":"array","contains":{"type":"number"},"minContains":2}`},
	{name: "no-item-matches-so-maxContains-holds",
		writer: d2020 + `"type":"array","items":{"type":"string"}}`,
		reader: d2020 + `"type":"array","contains":{"type":"integer"},"minContains":0,"maxContains":0}`},
	{name: "writer-oneOf-of-identical-branches-accepts-nothing",
		writer: `{"oneOf":[{"type":"string"},{"type":"string"}]}`,
		reader: `{"type":"integer"}`},
	{name: "writer-oneOf-branch-inside-another-never-matches",
		writer: `{"oneOf":[{"type":"integer"},{"type":"number"}]}`,
		reader: `{"not":{"type":"integer"}}`},
	{name: "writer-allOf-with-its-negation-accepts-nothing",
		writer: `{"allOf":[{"type":"string","minLength":2},{"not":{"type":"string","minLength":2}}]}`,
		reader: `false`},
	{name: "writer-requires-a-forbidden-property",
		writer: `{"type":"object","required":["a"],"properties":{"a":false}}`,
		reader: `false`},
	{name: "writer-empty-enum-2020-12",
		writer: d2020 + `"enum":[]}`,
		reader: `{"type":"null"}`},
	{name: "writer-empty-enum-draft-07",
		writer: `{"enum":[]}`,
		reader: `{"const":1}`},
}

func TestImpliedConstraints(t *testing.T) {
	for _, c := range impliedCases {
		t.Run(c.name, func(t *testing.T) {
			var pairs [][2]string
			for i, w := range c.schemas {
				for j, r := range c.schemas {
					if i != j {
						pairs = append(pairs, [2]string{w, r})
					}
				}
			}
			if c.writer != "" {
				pairs = append(pairs, [2]string{c.writer, c.reader})
			}
			for _, p := range pairs {
				w, r := compat.MustCompile(p[0]), compat.MustCompile(p[1])
				if rep := checkWithin(t, w, r, compat.Options{}, checkLimit); !rep.Compatible {
					t.Errorf("judged incompatible: %s\n  writer: %s\n  reader: %s", findingsSummary(rep), p[0], p[1])
				}
			}
		})
	}
}

// impliedCounterCases are near misses of impliedCases: each must stay
// incompatible, with a witness.
var impliedCounterCases = []struct{ name, writer, reader, witness string }{
	{"if-required-then-other-required",
		`{"type":"object","if":{"required":["a"]},"then":{"required":["c"]}}`,
		`{"type":"object","dependencies":{"a":["b"]}}`, `{"a":0,"c":0}`},
	{"closed-model-minProperties-one-of-two",
		`{"type":"object","properties":{"a":{},"b":{}},"additionalProperties":false,"minProperties":1}`,
		`{"type":"object","required":["a"]}`, `{"b":0}`},
	{"propertyNames-enum-wider-than-closed-properties",
		`{"type":"object","propertyNames":{"enum":["a","b","c"]}}`,
		`{"type":"object","properties":{"a":true,"b":true},"additionalProperties":false}`, `{"c":null}`},
	{"minContains-one-vs-minItems-two",
		d2020 + `"type":"array","contains":{"type":"integer"},"minContains":1}`,
		`{"type":"array","minItems":2}`, `[0]`},
	{"writer-oneOf-distinct-branches",
		`{"oneOf":[{"type":"string"},{"type":"integer"}]}`,
		`{"type":"integer"}`, `""`},
}

func TestImpliedConstraintsCounterCases(t *testing.T) {
	for _, c := range impliedCounterCases {
		t.Run(c.name, func(t *testing.T) {
			if rep := checkRegression(t, c.writer, c.reader, c.witness, 1); !hasExample(rep) {
				t.Errorf("no finding has an example: %s", findingsSummary(rep))
			}
		})
	}
}

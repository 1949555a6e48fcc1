// Package eventschema builds the event schema the load tool and the
// registry benchmarks send, so that a benchmark measures what a load run
// measures.
package eventschema

import (
	"fmt"
	"strings"
)

// kinds are the property schemas an event cycles through.
var kinds = []string{`{"type":"string","maxLength":64}`, `{"type":"integer","minimum":0}`, `{"type":"number"}`,
	`{"type":"boolean"}`, `{"type":"string","enum":["a","b","c"]}`, `{"type":"array","items":{"type":"string"}}`}

// Object returns a draft-07 object schema with n typed properties, two of
// them required. extra > 0 adds an optional property named after it, which
// makes the schema (and its fingerprint) unique.
func Object(n int, description string, extra int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","description":%q,"properties":{`, description)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"field%d":%s`, i, kinds[i%len(kinds)])
	}
	if extra > 0 {
		fmt.Fprintf(&b, `,"extra%d":{"type":"string","description":"proposal %d"}`, extra, extra)
	}
	b.WriteString(`},"required":["field0","field1"]}`)
	return b.String()
}

// Members returns {"type":"object","properties":{"p0":{},…}} with n
// members: the smallest schema that reaches a member-count limit.
func Members(n int) string { return Props(n, `{}`) }

// Props returns {"type":"object","properties":{"p0":sub,…}}: n
// properties, each the schema sub.
func Props(n int, sub string) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":%s`, i, sub)
	}
	b.WriteString(`}}`)
	return b.String()
}

// PatternKeys returns an object schema with n patternProperties keys of
// size bytes each, distinct literal patterns "000000aaa…", "000001aaa…":
// many regular expressions that are each small.
func PatternKeys(n, size int) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","patternProperties":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%06d%s":{}`, i, strings.Repeat("a", size-6))
	}
	b.WriteString(`}}`)
	return b.String()
}

// ChangedRequired returns a pair whose writer requires n string
// properties p0…p(n-1) and whose reader, under an allOf, reads each of
// them as an integer: n findings, each of whose witnesses is an object of
// n members (the pair the example budget of a report bounds).
func ChangedRequired(n int) (writer, reader string) {
	req := make([]string, n)
	for i := range req {
		req[i] = fmt.Sprintf(`"p%d"`, i)
	}
	props := Props(n, `{"type":"string"}`)
	writer = `{"required":[` + strings.Join(req, ",") + `],` + props[1:]
	reader = `{"allOf":[` + Props(n, `{"type":"integer"}`) + `]}`
	return writer, reader
}

// CostlyWriter is an object schema whose check splits into 10⁶ writer
// cases (six anyOfs of ten object branches, each validated while
// witnesses are built): with an unlimited budget a check of it runs for
// many minutes.
func CostlyWriter() string {
	all := make([]string, 6)
	for i := range all {
		br := make([]string, 10)
		for j := range br {
			br[j] = fmt.Sprintf(`{"properties":{"p%d":{"const":%d}}}`, i, j)
		}
		all[i] = `{"anyOf":[` + strings.Join(br, ",") + `]}`
	}
	return `{"type":"object","allOf":[` + strings.Join(all, ",") + `]}`
}

package compat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/eventschema"
)

// hostileSchemas are the red team's inputs of issue 14 (defects 3 and 4)
// at full size, each of which cost seconds and hundreds of MB to compile,
// and the costliest schemas of the same kinds the default limits accept.
var hostileSchemas = []struct {
	name, schema string
	refused      bool
}{
	{"minimum-1e999999-x400", eventschema.Props(400, `{"type":"number","minimum":1e999999}`), true},
	{"maximum-of-1e6-digits", `{"type":"number","maximum":1` + strings.Repeat("7", 999_999) + `}`, true},
	{"multipleOf-1e-999999", `{"type":"number","multipleOf":1e-999999}`, true},
	{"patternProperties-4000x990B", eventschema.PatternKeys(4000, 990), true},
	{"accepted/minimum-9.99e1000-1000-digits-x400", eventschema.Props(400, `{"type":"number","minimum":9.`+strings.Repeat("9", 999)+`e1000}`), false},
	{"accepted/patternProperties-200x990B", eventschema.PatternKeys(200, 990), false},
}

// BenchmarkCompileHostile: refusing each hostile input, and compiling the
// worst inputs the limits accept. Before the number and regex-total
// limits the hostile inputs compiled, at 0.1-40 s and up to 2 GB
// allocated per op.
func BenchmarkCompileHostile(b *testing.B) {
	for _, h := range hostileSchemas {
		b.Run(h.name, func(b *testing.B) {
			data := []byte(h.schema)
			b.ReportAllocs()
			for b.Loop() {
				_, err := compat.Compile(data, compat.LoadOptions{Source: "hostile"})
				if _, ok := errors.AsType[*compat.LoadError](err); ok != h.refused || (err != nil && !ok) {
					b.Fatalf("refused %v, want %v: %v", err != nil, h.refused, err)
				}
			}
		})
	}
}

// BenchmarkCheckNumbers: the engine on 100 numeric properties whose
// bounds and multipleOf all change, with everyday numbers, with numbers
// at the float64 range, and with numbers at the digit and exponent limits
// (1,000 digits, exponent ±1,000): the exact arithmetic the limits leave
// possible costs a small multiple of what float64-range schemas cost.
func BenchmarkCheckNumbers(b *testing.B) {
	nines := func(n int) string { return strings.Repeat("9", n) }
	for _, c := range []struct{ name, writer, reader string }{
		{"everyday", `{"type":"number","minimum":-5,"maximum":1000,"multipleOf":0.01}`,
			`{"type":"integer","minimum":-1.5,"exclusiveMaximum":999,"multipleOf":0.03}`},
		{"float64-range", `{"type":"number","minimum":-9e308,"maximum":9e308,"multipleOf":1e-308}`,
			`{"type":"integer","minimum":-1.3e-308,"exclusiveMaximum":1.7e307,"multipleOf":3.1e-308}`},
		{"at-limits", `{"type":"number","minimum":-9.` + nines(999) + `e1000,"maximum":9.` + nines(999) + `e1000,"multipleOf":1e-1000}`,
			`{"type":"integer","minimum":-1.` + nines(999) + `e-1000,"exclusiveMaximum":1.` + nines(999) + `e999,"multipleOf":3.` + nines(999) + `e-1000}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchCheck(b, []byte(eventschema.Props(100, c.writer)), []byte(eventschema.Props(100, c.reader)))
		})
	}
}

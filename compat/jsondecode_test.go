package compat

import (
	"reflect"
	"strings"
	"testing"
)

// decodeCases are texts where a decoder may differ from encoding/json:
// escapes, surrogates, invalid UTF-8, number forms, repeated keys, depth,
// trailing data.
var decodeCases = []string{
	`{"type":"object","properties":{"a":{"type":"string","maxLength":10}},"required":["a"]}`,
	` [1, -0, 0.5, 1e10, 1E+2, -1.25e-3, 12345678901234567890123] `,
	`{"a":1,"a":2}`, `{}`, `[]`, `[[],{}]`, `""`, `null`, `true`, `false`, `0`,
	`"a\"b\\c\/d\b\f\n\r\t"`, `"\u0041\u00e9\u20ac"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`,
	`"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, `"\u0000"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"",
	"\"é€😀\"", "{\"\xff\":1}", `{"\u00e9":1,"é":2}`,
	// refused
	``, ` `, `{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:2}`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`,
	`+1`, `-01`, `tru`, `nul`, `truex`, `"abc`, `"\x"`, `"\'"`, `"\u12"`, `"\u12g4"`, "\"\x01\"", "\"\t\"",
	`{} {}`, `{}}`, `1 2`, `[1]x`, "\ufeff{}", `NaN`, `Infinity`, `{"a":1}` + "\x00",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
}

func TestDecodeValidAgrees(t *testing.T) {
	for _, text := range decodeCases {
		assertDecodeAgrees(t, []byte(text))
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, text := range decodeCases {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) { assertDecodeAgrees(t, data) })
}

// assertDecodeAgrees: decodeValid accepts exactly what encoding/json
// accepts (its depth limit included) and builds the same value.
func assertDecodeAgrees(t *testing.T, data []byte) {
	t.Helper()
	want, err := decodeStd(data)
	got, ok := decodeValid(data)
	name := string(data)
	if len(name) > 60 {
		name = name[:60] + "…"
	}
	switch {
	case err != nil && ok:
		t.Errorf("%q: decodeValid accepts what encoding/json refuses (%v): %#v", name, err, got)
	case err == nil && !ok:
		t.Errorf("%q: decodeValid refuses valid JSON", name)
	case ok && !reflect.DeepEqual(got, want):
		t.Errorf("%q: decodeValid = %#v, encoding/json = %#v", name, got, want)
	}
}

package compat

import (
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeValid decodes a JSON text in one pass into exactly what
// encoding/json's Decoder with UseNumber builds (map[string]any, []any,
// json.Number, string, bool, nil; a repeated key keeps its last value;
// invalid UTF-8 and lone surrogates become U+FFFD), about twice as fast:
// every proposal is decoded before it is compiled. It answers ok = false
// for anything it does not accept, which includes every invalid text;
// DecodeJSON then decodes with encoding/json, whose error it reports.
func decodeValid(data []byte) (v any, ok bool) {
	d := fastDecoder{data: data}
	d.space()
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(data)
}

// maxDecodeDepth is encoding/json's nesting limit: a deeper text is
// refused, and encoding/json's error names it.
const maxDecodeDepth = 10000

type fastDecoder struct {
	data []byte
	i    int
}

func (d *fastDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *fastDecoder) literal(lit string) bool {
	if len(d.data)-d.i < len(lit) || string(d.data[d.i:d.i+len(lit)]) != lit {
		return false
	}
	d.i += len(lit)
	return true
}

func (d *fastDecoder) object(depth int) (any, bool) {
	if depth > maxDecodeDepth {
		return nil, false
	}
	d.i++ // '{'
	m := map[string]any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		if end, ok := d.separator('}'); !ok {
			return nil, false
		} else if end {
			return m, true
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	if depth > maxDecodeDepth {
		return nil, false
	}
	d.i++ // '['
	a := make([]any, 0)
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if end, ok := d.separator(']'); !ok {
			return nil, false
		} else if end {
			return a, true
		}
	}
}

// separator reads what follows a member or an element: a comma, more to
// come (end false), or close, the end of the container (end true);
// anything else is invalid (ok false).
func (d *fastDecoder) separator(close byte) (end, ok bool) {
	d.space()
	if d.i >= len(d.data) {
		return false, false
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		d.space()
		return false, true
	case close:
		d.i++
		return true, true
	}
	return false, false
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as written.
func (d *fastDecoder) number() (any, bool) {
	start := d.i
	if d.data[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.data) && d.data[d.i] == '0':
		d.i++
	case d.digits() == 0:
		return nil, false
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.data[start:d.i]), true
}

func (d *fastDecoder) digits() int {
	start := d.i
	for d.i < len(d.data) && '0' <= d.data[d.i] && d.data[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// str reads a string at d.i (its opening quote). A string without escapes
// in valid UTF-8 is copied as it is; any other is unquoted as
// encoding/json does.
func (d *fastDecoder) str() (string, bool) {
	d.i++ // '"'
	start, plain := d.i, true
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			s := d.data[start:d.i]
			d.i++
			if plain {
				if k, ok := keyword(s); ok {
					return k, true
				}
				return string(s), true
			}
			return unquote(s)
		case c < 0x20:
			return "", false
		case c == '\\':
			plain = false
			d.i++
			if d.i >= len(d.data) {
				return "", false
			}
			switch d.data[d.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				if len(d.data)-d.i < 5 || hex4(d.data[d.i+1:d.i+5]) < 0 {
					return "", false
				}
				d.i += 5
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRune(d.data[d.i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			d.i += size
		}
	}
	return "", false
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote decodes the body of a string whose escapes str has checked:
// a surrogate pair is one code point, a lone surrogate and each byte of
// invalid UTF-8 are U+FFFD.
func unquote(s []byte) (string, bool) {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			e := s[r+1]
			r += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r:])
				r += 4
				if utf16.IsSurrogate(rr) {
					if len(s)-r >= 6 && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != unicode.ReplacementChar {
							r += 6
							b = utf8.AppendRune(b, dec)
							break
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b), true
}

// keyword returns the shared copy of the JSON Schema keywords and type
// names every schema repeats, so decoding them allocates nothing.
func keyword(b []byte) (string, bool) {
	switch string(b) { // compiled to comparisons: no conversion
	case "type":
		return "type", true
	case "properties":
		return "properties", true
	case "required":
		return "required", true
	case "items":
		return "items", true
	case "enum":
		return "enum", true
	case "description":
		return "description", true
	case "format":
		return "format", true
	case "pattern":
		return "pattern", true
	case "minimum":
		return "minimum", true
	case "maximum":
		return "maximum", true
	case "minLength":
		return "minLength", true
	case "maxLength":
		return "maxLength", true
	case "additionalProperties":
		return "additionalProperties", true
	case "$ref":
		return "$ref", true
	case "$schema":
		return "$schema", true
	case "string":
		return "string", true
	case "integer":
		return "integer", true
	case "number":
		return "number", true
	case "boolean":
		return "boolean", true
	case "object":
		return "object", true
	case "array":
		return "array", true
	case "null":
		return "null", true
	}
	return "", false
}

package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/batonhq/baton/compat"
)

// Fingerprint returns the hex SHA-256 of the canonical form of a schema and
// its references. Two submissions that differ only in key order or
// insignificant whitespace get the same fingerprint, so re-publishing a
// reformatted schema finds the existing version instead of creating a new one.
//
// Canonical form: object keys sorted by their UTF-8 bytes, no whitespace,
// numbers kept exactly as written (1.0 and 1 stay distinct: the validator may
// treat them alike, but a fingerprint must never merge two texts whose
// meaning could differ), strings re-encoded with minimal escaping. When there
// are references, each is appended in the order given (the order is part of
// Confluent's reference list) as a canonical JSON line.
//
// Invalid JSON returns *Error of KindInvalid (42201) naming line and column.
func Fingerprint(schemaText string, refs []Reference) (string, error) {
	doc, err := compat.DecodeJSON([]byte(schemaText))
	if err != nil {
		return "", invalidJSON(err)
	}
	return fingerprintValue(doc, len(schemaText), refs), nil
}

// fingerprintValue is Fingerprint of an already decoded document; size is
// the length of its text, a good guess for the canonical form's.
func fingerprintValue(doc any, size int, refs []Reference) string {
	var b bytes.Buffer
	b.Grow(size)
	(&canonicalWriter{b: &b}).write(doc)
	for _, r := range refs {
		b.WriteByte('\n')
		b.WriteString(`{"name":`)
		writeString(&b, r.Name)
		b.WriteString(`,"subject":`)
		writeString(&b, r.Subject)
		b.WriteString(`,"version":`)
		b.WriteString(strconv.Itoa(r.Version))
		b.WriteByte('}')
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// invalidJSON turns a decoding error into the 42201 clients expect, keeping
// the position so a user can find the typo.
func invalidJSON(err error) *Error {
	var le *compat.LoadError
	if errors.As(err, &le) && le.Line > 0 {
		return &Error{Kind: KindInvalid, Code: CodeInvalidSchema,
			Message: fmt.Sprintf("Invalid schema: line %d, column %d: %s", le.Line, le.Column, le.Reason), Err: err}
	}
	return &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + err.Error(), Err: err}
}

// canonicalWriter writes values (as decoded by compat.DecodeJSON)
// canonically. Recursion depth is bounded by the decoder's nesting limit.
type canonicalWriter struct {
	b *bytes.Buffer
	// keys is a stack of the sorted member names of the objects being
	// written, innermost last: one slice serves the whole document.
	keys []string
}

func (w *canonicalWriter) write(v any) {
	b := w.b
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(v))
	case string:
		writeString(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			w.write(e)
		}
		b.WriteByte(']')
	case map[string]any:
		start := len(w.keys)
		for k := range v {
			w.keys = append(w.keys, k)
		}
		// Members nested below append past this object's names; if that
		// moves the stack, keys still reads the old array, which stays
		// as it is.
		keys := w.keys[start:]
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			w.write(v[k])
		}
		b.WriteByte('}')
		w.keys = w.keys[:start]
	default:
		// DecodeJSON yields only the types above; anything else would be a
		// bug, and it still must not collide with a real value.
		fmt.Fprintf(b, "<%T>", v)
	}
}

// writeString escapes only what JSON requires (quote, backslash, control
// characters), so one string has exactly one encoding regardless of how the
// submitter escaped it ("\u0041" and "A" are the same string).
func writeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		// A run of bytes written as they are goes in one write.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] != '"' && s[j] != '\\' && s[j] < utf8.RuneSelf {
			j++
		}
		b.WriteString(s[i:j])
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`) // decoder already replaces these; be safe
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

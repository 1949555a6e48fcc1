package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// PointerLine returns the 1-based line of the JSON document doc where the
// value at JSON Pointer ptr (RFC 6901) appears: the line of its member name
// inside an object, the line where an array element (or the root value)
// starts. If ptr does not exist in doc, line is that of its deepest existing
// ancestor and exact is false. Pointers into another document
// ("other.json#/x"), malformed pointers and unparsable documents give the
// root's line (0 if doc has no value) and exact false.
//
// It scans tokens with encoding/json's Decoder, so it costs one pass over
// doc and never builds the document in memory.
func PointerLine(doc []byte, ptr string) (line int, exact bool) {
	tokens, ok := splitPointer(ptr)
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return 0, false
	}
	root := lineAt(doc, dec.InputOffset())
	if !ok {
		return root, false
	}
	s := scanner{doc: doc, dec: dec}
	return s.find(tok, root, tokens)
}

type scanner struct {
	doc []byte
	dec *json.Decoder
}

// find looks for the pointer tokens inside the value whose first token is
// tok (on line at). It consumes at most that value.
func (s *scanner) find(tok json.Token, at int, tokens []string) (int, bool) {
	if len(tokens) == 0 {
		return at, true
	}
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return at, false // a scalar has no members
	}
	want := tokens[0]
	for i := 0; s.dec.More(); i++ {
		var line int
		match := false
		if d == '{' {
			k, err := s.dec.Token()
			if err != nil {
				return at, false
			}
			key, _ := k.(string)
			line = lineAt(s.doc, s.dec.InputOffset())
			match = key == want
		} else {
			match = strconv.Itoa(i) == want
		}
		v, err := s.dec.Token()
		if err != nil {
			return at, false
		}
		if d == '[' {
			line = lineAt(s.doc, s.dec.InputOffset())
		}
		if match {
			return s.find(v, line, tokens[1:])
		}
		if err := s.skip(v); err != nil {
			return at, false
		}
	}
	return at, false
}

// skip consumes the rest of the value whose first token is tok.
func (s *scanner) skip(tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := s.dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// lineAt is the 1-based line of the byte just before offset off: the
// decoder's offset is the end of the token it has just returned, and no
// token spans lines.
func lineAt(doc []byte, off int64) int {
	if off > int64(len(doc)) {
		off = int64(len(doc))
	}
	if off > 0 {
		off--
	}
	return bytes.Count(doc[:off], []byte{'\n'}) + 1
}

// splitPointer splits an RFC 6901 pointer into unescaped reference tokens.
// A leading "#" (URI fragment form) is accepted.
func splitPointer(p string) ([]string, bool) {
	p = strings.TrimPrefix(p, "#")
	if p == "" {
		return nil, true
	}
	if p[0] != '/' {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	for i, t := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return parts, true
}

package compat

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	js "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/batonhq/baton/internal/golden"
)

// TestWitnessStringsByFormat lists, for every format the validator
// asserts, which of the strings witnesses are built from it accepts. A
// witness for a writer with a format is one of these, so each accepted
// string must be a valid value by the format's RFC: the golden file is
// the reviewed list, and any change to it needs a new review.
func TestWitnessStringsByFormat(t *testing.T) {
	cands := append([]string(nil), fixedStringCands[:]...)
	for _, n := range []int{1, 2, 3, 64} {
		cands = append(cands, strings.Repeat("a", n), strings.Repeat("0", n))
	}
	var names []string
	for name := range js.Formats {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# format: witness strings its check accepts (reviewed against the format's RFC)\n")
	for _, name := range names {
		doc, _ := json.Marshal(map[string]string{"format": name})
		s := MustCompile(string(doc))
		seen := map[string]bool{}
		var ok []string
		for _, c := range cands {
			if !seen[c] && s.Validate(c) == nil {
				q, _ := json.Marshal(c)
				ok = append(ok, string(q))
			}
			seen[c] = true
		}
		fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(ok, " "))
	}
	golden.Assert(t, filepath.Join("testdata", "formats", "witness-strings.golden"), []byte(b.String()))
}

// TestStrictFormats pins the RFC checks that replace jsonschema/v5's.
func TestStrictFormats(t *testing.T) {
	for _, c := range []struct {
		format string
		valid  []string
		bad    []string
	}{
		{"uri", []string{"https://example.com/x", "urn:a:b", "mailto:a@example.com", "http://[v1.fe]/", "http://[::1]:80/?q=a:b@c#f/?", "a:"},
			[]string{"", "a", "{", "/a", "a b:c", "https://example.com/a|b", "https://example.com/{", "http://[::1", "1a:b", "http://x:8a/"}},
		{"uri-reference", []string{"", "a", "/a", "#f", "?q", "//", "./a:b", "https://example.com/x"},
			[]string{"{", "a b", "é", "/%zz", "1:b", "a\\b", "//a@b@c"}},
		{"iri-reference", []string{"é", "/âππ", "#ƒ"}, []string{"{", "a b", "\\x"}},
		{"iri", []string{"http://ƒøø.ßår/", "urn:é"}, []string{"é", "/a"}},
		{"uri-template", []string{"", "a", "a:b", "a'b", "{x}", "{+x,y:3}", "{#v*}", "/{a.b}", "%41"},
			[]string{"{", "}", "{}", "a b", "{x:0}", "{x:10000}", "{a..b}", "{x=1}", "{,+x}", "%4", "a\"b"}},
		{"hostname", []string{"a", "1host", "example.com", "a-b.c", "0.example"}, []string{"", "example.", "-a", "a-", "a_b", "é.com", "0", "127.0.0.1"}},
		{"ipv4", []string{"127.0.0.1", "0.0.0.0"}, []string{"+1.2.3.4", "01.2.3.4", "1.2.3", "256.1.1.1", "1.2.3.4 "}},
	} {
		f := strictFormats[c.format]
		for _, v := range c.valid {
			if !f(v) {
				t.Errorf("%s: %q is valid by the RFC but refused", c.format, v)
			}
		}
		for _, v := range c.bad {
			if f(v) {
				t.Errorf("%s: %q is invalid by the RFC but accepted", c.format, v)
			}
		}
	}
}

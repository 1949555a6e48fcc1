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
	for _, name := range names {
		doc, _ := json.Marshal(map[string]string{"format": name})
		s := MustCompile(string(doc))
		for _, ex := range formatExamples[name] {
			if err := s.Validate(ex); err != nil {
				t.Errorf("formatExamples[%q]: %q is refused by the format's check: %v", name, ex, err)
			}
		}
	}
	for name := range formatExamples {
		if _, ok := js.Formats[name]; !ok {
			t.Errorf("formatExamples has %q, which the validator does not assert", name)
		}
	}
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

// TestFormatImplies checks formatImplies on many strings near valid ones:
// every example and witness string of a format, and random edits of them,
// that the first format's check accepts must pass the implied format's.
// (The table's entries are argued in formats.go; this looks for a
// counterexample to them.)
func TestFormatImplies(t *testing.T) {
	check := func(name string) func(any) bool {
		doc, _ := json.Marshal(map[string]string{"format": name})
		s := MustCompile(string(doc))
		return func(v any) bool { return s.Validate(v) == nil }
	}
	alphabet := []rune("0123456789afAFPTZYMWDHSxz-.:+/%@?#[]()!'~_ é{}*,;=\\^|<>\"\n")
	seed := uint64(88172645463325252)
	next := func(n int) int { // xorshift: deterministic
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	tried := 0
	for w, rs := range formatImplies {
		okW := check(w)
		base := append(append([]string(nil), formatExamples[w]...), fixedStringCands[:]...)
		var strs []string
		for _, b := range base {
			strs = append(strs, b)
			for k := 0; k < 300; k++ {
				r := []rune(b)
				switch op := next(3); {
				case op == 0 && len(r) > 0:
					r[next(len(r))] = alphabet[next(len(alphabet))]
				case op == 1:
					i := next(len(r) + 1)
					r = append(r[:i], append([]rune{alphabet[next(len(alphabet))]}, r[i:]...)...)
				case len(r) > 0:
					i := next(len(r))
					r = append(r[:i], r[i+1:]...)
				}
				strs = append(strs, string(r))
			}
		}
		for _, r := range rs {
			okR := check(r)
			for _, s := range strs {
				if okW(s) {
					tried++
					if !okR(s) {
						t.Errorf("formatImplies says %s implies %s, but %q is a %s and not a %s", w, r, s, w, r)
					}
				}
			}
		}
	}
	if tried < 1000 {
		t.Errorf("only %d strings tried", tried)
	}
}

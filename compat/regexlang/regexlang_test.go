package regexlang

import (
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

func TestIncluded(t *testing.T) {
	tests := []struct {
		a, b    string
		want    Verdict
		witness string // expected for No; "" means any valid witness
	}{
		{`^[a-z]+$`, `^[a-z0-9]+$`, Yes, ""},
		{`^[a-z0-9]+$`, `^[a-z]+$`, No, "0"},
		{`^[a-z]+$`, `[a-z]`, Yes, ""},
		{`[a-z]`, `^[a-z]+$`, No, "aA"},
		{`abc`, `b`, Yes, ""},
		{`b`, `abc`, No, "b"},
		{`^abc$`, `^a`, Yes, ""},
		{`^a`, `^abc$`, No, "a"},
		{``, `.*`, Yes, ""},
		{`x`, ``, Yes, ""},
		{``, `a`, No, ""},
		{`^(?i)abc$`, `^[aA][bB][cC]$`, Yes, ""},
		{`^[aA][bB][cC]$`, `(?i)^abc$`, Yes, ""},
		{`(?i)^k$`, `^[kK]$`, No, "\u212a"}, // Kelvin sign folds to k
		{`^\d{3}-\d{4}$`, `^[0-9-]+$`, Yes, ""},
		{`^[0-9-]+$`, `^\d{3}-\d{4}$`, No, "0"},
		{`^a{2,4}$`, `^a{1,5}$`, Yes, ""},
		{`^a{1,5}$`, `^a{2,4}$`, No, "a"},
		{`^.*$`, `.`, No, ""},
		{`(?s)^.*$`, `^.*$`, No, "\n"},
		{`^.+$`, `.`, Yes, ""},
		{`\bfoo\b`, `foo`, Yes, ""},
		{`foo`, `\bfoo\b`, No, "afoo"},
		{`(?m)^a$`, `a`, Yes, ""},
		{`a`, `(?m)^a$`, No, "ba"},
		{`(?m)^a$`, `^a$`, No, "a\n"},
		{`^\p{Lu}+$`, `^\p{L}+$`, Yes, ""},
		{`^\p{L}+$`, `^\p{Lu}+$`, No, "a"},
		{`^[^a]$`, `^.$`, No, "\n"},
		{`^(ab|cd)*$`, `^(ab|cd|ef)*$`, Yes, ""},
		{`^(ab|cd|ef)*$`, `^(ab|cd)*$`, No, "ef"},
		{`^\w+@\w+\.com$`, `@`, Yes, ""},
		{`\z`, `$`, Yes, ""},
		{`\A`, `^`, Yes, ""},
		{`^$`, `^a*$`, Yes, ""},
		{`[^\x00-\x{10FFFF}]`, `a`, Yes, ""}, // a matches nothing
	}
	for _, tt := range tests {
		v, w := Included(tt.a, tt.b, 0)
		if v != tt.want {
			t.Errorf("Included(%q, %q) = %v, %q; want %v", tt.a, tt.b, v, w, tt.want)
			continue
		}
		if v == No {
			checkWitness(t, []string{tt.a}, []string{tt.b}, 0, -1, w)
			if tt.witness != "" && w != tt.witness {
				t.Errorf("Included(%q, %q) witness %q; want %q", tt.a, tt.b, w, tt.witness)
			}
		}
	}
}

// checkWitness verifies w with Go's regexp and with the validator the
// project runs, on {"pattern": p} schemas.
func checkWitness(t *testing.T, match, noMatch []string, minLen, maxLen int, w string) {
	t.Helper()
	for _, p := range match {
		if !regexp.MustCompile(p).MatchString(w) {
			t.Errorf("witness %q does not match %q", w, p)
		}
		if err := patternSchema(t, p).Validate(w); err != nil {
			t.Errorf("witness %q is rejected by {pattern: %q}: %v", w, p, err)
		}
	}
	for _, p := range noMatch {
		if regexp.MustCompile(p).MatchString(w) {
			t.Errorf("witness %q matches %q", w, p)
		}
		if patternSchema(t, p).Validate(w) == nil {
			t.Errorf("witness %q is accepted by {pattern: %q}", w, p)
		}
	}
	n := utf8.RuneCountInString(w)
	if n < minLen || (maxLen >= 0 && n > maxLen) {
		t.Errorf("witness %q has %d code points, want %d..%d", w, n, minLen, maxLen)
	}
}

func TestExists(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want Verdict
		wit  string
	}{
		{"length excludes every match", Query{Match: []string{`^[a-z]{2,3}$`}, MinLen: 4, MaxLen: -1}, No, ""},
		{"length selects", Query{Match: []string{`^a+$`}, MinLen: 3, MaxLen: 5}, Yes, "aaa"},
		{"bounded writer inside reader", Query{Match: []string{`^[a-z]+$`}, NoMatch: []string{`^[a-z]{1,8}$`}, MinLen: 1, MaxLen: 8}, No, ""},
		{"bounded writer outside reader", Query{Match: []string{`^[a-z]+$`}, NoMatch: []string{`^[a-z]{1,8}$`}, MinLen: 1, MaxLen: 9}, Yes, "aaaaaaaaa"},
		{"excluded names", Query{Match: []string{`^(a|b|c)$`}, Exclude: []string{"a", "b"}, MaxLen: -1}, Yes, "c"},
		{"all excluded", Query{Match: []string{`^(a|b)$`}, Exclude: []string{"a", "b"}, MaxLen: -1}, No, ""},
		{"exclusion of a prefix", Query{Match: []string{`^ab?$`}, Exclude: []string{"a"}, MaxLen: -1}, Yes, "ab"},
		{"two patterns", Query{Match: []string{`^x`, `y$`}, NoMatch: []string{`z`}, MaxLen: -1}, Yes, "xy"},
		{"union of readers", Query{Match: []string{`^[ab]$`}, NoMatch: []string{`a`, `b`}, MaxLen: -1}, No, ""},
		{"min above max", Query{Match: []string{`a`}, MinLen: 3, MaxLen: 2}, No, ""},
		{"lookahead is not Go", Query{Match: []string{`^(?!a)`}, MaxLen: -1}, Unknown, ""},
		{"backreference is not Go", Query{Match: []string{`(a)\1`}, MaxLen: -1}, Unknown, ""},
		{"budget", Query{Match: []string{`^.*a.{12}$`}, NoMatch: []string{`^.*b.{12}$`}, MaxLen: -1, Budget: 200}, Unknown, ""},
	}
	for _, tt := range tests {
		v, w, _ := Exists(tt.q)
		if v != tt.want {
			t.Errorf("%s: Exists = %v, %q; want %v", tt.name, v, w, tt.want)
			continue
		}
		if v == Yes {
			checkWitness(t, tt.q.Match, tt.q.NoMatch, tt.q.MinLen, tt.q.MaxLen, w)
			for _, x := range tt.q.Exclude {
				if w == x {
					t.Errorf("%s: witness %q is excluded", tt.name, w)
				}
			}
			if tt.wit != "" && w != tt.wit {
				t.Errorf("%s: witness %q; want %q", tt.name, w, tt.wit)
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	if v, _ := Empty(`^[a-z]{2,3}$`, 4, -1, 0); v != Yes {
		t.Errorf("a pattern of 2..3 letters with minLength 4: %v, want empty", v)
	}
	if v, w := Empty(`^[a-z]{2,3}$`, 3, 10, 0); v != No || w != "aaa" {
		t.Errorf("got %v %q, want a witness of 3 letters", v, w)
	}
}

func patternSchema(t *testing.T, p string) *js.Schema {
	t.Helper()
	q, _ := json.Marshal(p)
	s, err := js.CompileString("pattern.json", `{"$schema":"https://json-schema.org/draft/2020-12/schema","pattern":`+string(q)+`}`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package regexlang

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sampleAlphabet covers the classes random patterns tell apart: letters
// of both cases, a digit, a word-boundary-making space and a newline.
const sampleAlphabet = "abA0 \n"

// samples returns every string over sampleAlphabet up to n runes.
func samples(n int) []string {
	out := []string{""}
	layer := []string{""}
	for i := 0; i < n; i++ {
		var next []string
		for _, s := range layer {
			for _, r := range sampleAlphabet {
				next = append(next, s+string(r))
			}
		}
		out = append(out, next...)
		layer = next
	}
	return out
}

var sampleStrings = samples(4)

// agree checks a verdict of Included(a, b) against Go's regexp on the
// sampled strings: Yes allows no sampled string in a and not in b; No
// needs a witness in a and not in b.
func agree(t *testing.T, a, b string, v Verdict, w string) {
	t.Helper()
	ra, rb := regexp.MustCompile(a), regexp.MustCompile(b)
	switch v {
	case Yes:
		for _, s := range sampleStrings {
			if ra.MatchString(s) && !rb.MatchString(s) {
				t.Fatalf("Included(%q, %q) = yes, but %q matches the first and not the second", a, b, s)
			}
		}
	case No:
		if !ra.MatchString(w) || rb.MatchString(w) {
			t.Fatalf("Included(%q, %q) = no with witness %q, which is not in the first minus the second", a, b, w)
		}
	}
}

// randPattern builds a random pattern over the sample alphabet's classes.
func randPattern(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(3) == 0 {
		atoms := []string{"a", "b", "A", "0", " ", `\n`, ".", "[ab]", "[^a]", `\w`, `\d`, `\s`, "[a-z]", `\b`, `\B`, "^", "$", `\A`, `\z`, "(?i:a)", "(?m:^)", "(?m:$)", "(?s:.)"}
		return atoms[r.IntN(len(atoms))]
	}
	sub := randPattern(r, depth-1)
	switch r.IntN(8) {
	case 0:
		return "(?:" + sub + ")*"
	case 1:
		return "(?:" + sub + ")+"
	case 2:
		return "(?:" + sub + ")?"
	case 3:
		return "(?:" + sub + "){1,2}"
	case 4:
		return sub + "|" + randPattern(r, depth-1)
	default:
		return "(?:" + sub + ")" + randPattern(r, depth-1)
	}
}

// TestRandomPairsAgree compares the automata with Go's regexp on 1,500
// random pairs of patterns.
func TestRandomPairsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	counts := map[Verdict]int{}
	for i := 0; i < 1500; i++ {
		a, b := randPattern(r, 4), randPattern(r, 4)
		if r.IntN(4) == 0 {
			b = a + "|" + b // make inclusions common
		}
		v, w := Included(a, b, 20_000)
		counts[v]++
		agree(t, a, b, v, w)
	}
	t.Logf("verdicts: %v yes, %v no, %v unknown", counts[Yes], counts[No], counts[Unknown])
	if counts[Unknown] > 15 || counts[Yes] < 150 || counts[No] < 150 {
		t.Errorf("verdicts %v: expected mostly decided answers of both kinds", counts)
	}
}

func FuzzIncluded(f *testing.F) {
	for _, p := range [][2]string{{`^[a-z]+$`, `^[a-z0-9]+$`}, {`a|b`, `\bb`}, {`(?m)^a$`, `(?i)A`}, {`^.{2}$`, `..`}, {`\d+`, `^\d`}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if _, err := regexp.Compile(a); err != nil {
			return
		}
		if _, err := regexp.Compile(b); err != nil {
			return
		}
		if len(a)+len(b) > 200 || strings.Contains(a+b, "{1000") {
			return
		}
		v, w := Included(a, b, 5_000)
		agree(t, a, b, v, w)
	})
}

func BenchmarkIncluded(b *testing.B) {
	cases := []struct{ name, a, b string }{
		{"letters-in-alnum", `^[a-z]+$`, `^[a-z0-9]+$`},
		{"alnum-in-letters", `^[a-z0-9]+$`, `^[a-z]+$`},
		{"email-ish", `^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`, `^\S+@\S+$`},
		{"unicode-classes", `^\p{Lu}\p{L}*$`, `^\p{L}+$`},
		// the n-th symbol from the end: exponential in DFA states, ends on the budget
		{"worst-case-budget", `^.*a.{14}$`, `^.*b.{14}$`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Included(c.a, c.b, 0)
			}
		})
	}
}

// TestRandomQueriesAgree compares Exists with Go's regexp on 600 random
// questions with length bounds and excluded strings.
func TestRandomQueriesAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 12))
	counts := map[Verdict]int{}
	for i := 0; i < 600; i++ {
		q := Query{Match: []string{randPattern(r, 3)}, NoMatch: []string{randPattern(r, 3)}, MinLen: r.IntN(3), MaxLen: -1}
		if r.IntN(2) == 0 {
			q.MaxLen = q.MinLen + r.IntN(3)
		}
		for k := r.IntN(4); k > 0; k-- {
			q.Exclude = append(q.Exclude, sampleStrings[r.IntN(len(sampleStrings))])
		}
		v, w, _ := Exists(q)
		counts[v]++
		ra, rb := regexp.MustCompile(q.Match[0]), regexp.MustCompile(q.NoMatch[0])
		meets := func(s string) bool {
			n := len([]rune(s))
			if n < q.MinLen || q.MaxLen >= 0 && n > q.MaxLen || slices.Contains(q.Exclude, s) {
				return false
			}
			return ra.MatchString(s) && !rb.MatchString(s)
		}
		switch v {
		case Yes:
			if !meets(w) {
				t.Fatalf("Exists(%+v) = yes with %q, which does not meet it", q, w)
			}
		case No:
			for _, s := range sampleStrings {
				if meets(s) {
					t.Fatalf("Exists(%+v) = no, but %q meets it", q, s)
				}
			}
		}
	}
	t.Logf("verdicts: %v yes, %v no, %v unknown", counts[Yes], counts[No], counts[Unknown])
	if counts[Unknown] > 0 || counts[Yes] < 60 || counts[No] < 60 {
		t.Errorf("verdicts %v: expected decided answers of both kinds", counts)
	}
}

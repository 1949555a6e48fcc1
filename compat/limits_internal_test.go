package compat

import (
	"cmp"
	"fmt"
	"math/big"
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"testing"
)

// BenchmarkCostLimits compares the limits walk with a whole Compile of a
// 2,000-property schema, to show what the walk adds: with one pattern
// repeated, and with 2,000 distinct ones whose estimated total (unlike
// the exact one) is over the regex total limit.
func BenchmarkCostLimits(b *testing.B) {
	for _, c := range []struct {
		name    string
		pattern func(i int) string
	}{
		{"same-pattern", func(int) string { return "^[a-z]{1,20}$" }},
		{"distinct-patterns", func(i int) string { return fmt.Sprintf("^[a-z]{1,%d}-%d$", 20+i%10, i) }},
	} {
		var sb strings.Builder
		sb.WriteString(`{"type":"object","properties":{`)
		for i := range 2000 {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `"p%d":{"type":"string","pattern":%q}`, i, c.pattern(i))
		}
		sb.WriteString(`}}`)
		data := []byte(sb.String())
		doc, err := DecodeJSON(data)
		if err != nil {
			b.Fatal(err)
		}
		lim := DefaultLimits
		b.Run(c.name+"/walk", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := checkCostLimits(data, doc, "", lim); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/compile", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(data, LoadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestProgEstimateIsUpperBound: the estimate that lets regexSize skip
// compiling is never below the real instruction count.
func TestProgEstimateIsUpperBound(t *testing.T) {
	t.Parallel()
	patterns := []string{
		"", "a", "abc", "^[a-z]{1,20}$", "(a+)+$", "(a|aa)*b", "a{1000}", ".{1000}", "x{2,}", "x{0,}", "(?i)straße",
		`\p{L}{3,9}`, "(ab){3}(cd){0,4}", "((a|b){2}c?){5,10}", "(?:x*y+z?){7}", "a|b|c|d|", `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$`,
		"[^\n]{0,1000}", "(((a){10}){10}){10}", "(a{0,5}|b{2,}){3,4}", `\b(\w+)\s\w?`,
	}
	for _, p := range patterns {
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		est := progEstimate(re, 1<<40)
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if est < len(prog.Inst) {
			t.Errorf("%q: estimate %d below the real %d instructions", p, est, len(prog.Inst))
		}
		if !strings.ContainsRune(p, '{') && len(prog.Inst) > 2*len(p)+8 {
			t.Errorf("%q: %d instructions breaks the no-repetition shortcut's bound", p, len(prog.Inst))
		}
	}
	// Random patterns from pieces that exercise every case of progNodes.
	pieces := []string{"a", "bc", "ß", "[a-z]", `\d`, ".", "^", "$", `\b`, "(", "(?:", "(?i)", ")", "|", "*", "+", "?", "*?",
		"{0}", "{1}", "{2}", "{0,3}", "{3,5}", "{2,}", "{0,}", "{1,}", "()", `\pL`, "[^x]"}
	rng := rand.New(rand.NewPCG(1, 2))
	parsed := 0
	for range 50_000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		p := b.String()
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			continue
		}
		parsed++
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			continue
		}
		if est := progEstimate(re, 1<<40); est < len(prog.Inst) {
			t.Errorf("%q: estimate %d below the real %d instructions", p, est, len(prog.Inst))
		}
	}
	if parsed < 5_000 {
		t.Errorf("only %d random patterns parsed", parsed)
	}
}

// TestCountCostMatchesBigRat: countCost, which reads counts from the text
// without arithmetic, agrees with exact rational arithmetic on literals
// around 0, 1 and 2^53 in every spelling: integer, fraction, exponent,
// leading and trailing zeros.
func TestCountCostMatchesBigRat(t *testing.T) {
	t.Parallel()
	limit := new(big.Rat).SetInt64(maxCount)
	var lits []string
	for _, m := range []string{"0", "1", "15", "9007199254740992", "9007199254740993", "9007199254740991", "90071992547409920", "10000000000000000"} {
		for _, point := range []int{-1, 0, 1, 3, len(m)} { // where a '.' goes; -1: none
			for _, e := range []string{"", "e0", "e1", "e-1", "E+2", "e-16", "e15", "e-000017", "e16"} {
				for _, pad := range []string{"", "000"} {
					if point > len(m) {
						continue
					}
					lit := m + pad // pad: trailing zeros of an integer
					if point >= 0 {
						lit = cmp.Or(m[:point], "0") + "." + cmp.Or(m[point:]+pad, "0")
					}
					lits = append(lits, lit+e, "-"+lit+e)
				}
			}
		}
	}
	kinds := map[string]int{}
	for _, lit := range lits {
		r, ok := new(big.Rat).SetString(lit)
		if !ok {
			t.Fatalf("%s: not a number", lit)
		}
		want := ""
		switch {
		case r.Sign() < 0 || !r.IsInt():
			want = "must be a non-negative integer"
		case r.Cmp(limit) > 0:
			want = "counts above 2^53"
		}
		kinds[want]++
		got := countCost("maxLength", lit, true)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s (%s): countCost says %q, want %q", lit, r.RatString(), got, want)
		}
	}
	if len(kinds) != 3 || kinds[""] < 50 {
		t.Errorf("the literals do not cover every verdict enough: %v", kinds)
	}
}

// TestCheckLimitsAsTwoChecks: checkLimits, one walk in the common case,
// answers exactly what checkSchemaLimits and then checkCostLimits answer,
// whichever limits a document exceeds and in whatever order they lie.
func TestCheckLimitsAsTwoChecks(t *testing.T) {
	docs := []string{
		`{"type":"object","properties":{"a":{"type":"string","pattern":"^[a-z]+$"},"b":{"enum":[1,2,3]}}}`,
		// members per object early, a long pattern late (and the reverse)
		`{"properties":{"a":{},"b":{},"c":{},"d":{}},"z":{"pattern":"` + strings.Repeat("x", 40) + `"}}`,
		`{"a":{"pattern":"` + strings.Repeat("x", 40) + `"},"z":{"properties":{"a":{},"b":{},"c":{},"d":{}}}}`,
		// a long number early, an enum over its size late
		`{"a":{"minimum":1` + strings.Repeat("0", 30) + `},"z":{"enum":[1,2,3,4,5,6]}}`,
		`{"patternProperties":{"` + strings.Repeat("y", 40) + `":{}},"maxLength":1` + strings.Repeat("0", 30) + `}`,
		`[` + strings.Repeat(`{"a":1},`, 30) + `{}]`,
		`{"a":{"a":{"a":1}},"b":1,"b":2}`, // a repeated key
		`{"p":{"pattern":"(x{0,9}){9}"},"q":{"pattern":"a{5}"}}`,
	}
	limits := []Limits{
		DefaultLimits,
		{MaxProperties: 3, MaxPattern: 30, MaxEnum: 5, MaxNodes: 50, MaxNumberDigits: 20},
		{MaxNodes: 10},
		{MaxProperties: 3},
		{MaxPattern: 30, MaxNumberDigits: 20},
		{MaxEnum: 5, MaxNumberDigits: 20},
		{MaxRegexProgram: 20, MaxRegexTotal: 30},
	}
	for _, text := range docs {
		data := []byte(text)
		doc, err := DecodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range limits {
			lim := l.withDefaults()
			want := checkSchemaLimits(doc, "s", lim)
			if want == nil {
				want = checkCostLimits(data, doc, "s", lim)
			}
			got := checkLimits(data, doc, "s", lim)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%.60s under %+v:\n got  %v\n want %v", text, l, got, want)
			}
		}
	}
}

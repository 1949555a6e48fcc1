package compat

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
)

// BenchmarkCostLimits compares the limits walk with a whole Compile of a
// 2,000-property schema, to show what the walk adds.
func BenchmarkCostLimits(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"type":"object","properties":{`)
	for i := range 2000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"p%d":{"type":"string","pattern":"^[a-z]{1,20}$"}`, i)
	}
	sb.WriteString(`}}`)
	data := []byte(sb.String())
	doc, err := DecodeJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	lim := DefaultLimits
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if err := checkCostLimits(data, doc, "", lim); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compile(data, LoadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestProgEstimateIsUpperBound: the estimate that lets regexCost skip
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
}

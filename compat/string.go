package compat

import (
	"strconv"
	"strings"

	"github.com/batonhq/baton/compat/regexlang"
	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// checkString compares length bounds, pattern and format. Patterns are
// compared as regular languages (regex.go): a reader pattern that matches
// every string of the writer's patterns and length bounds is no finding.
func (c *checker) checkString(ws wset, wv *writerView, r *js.Schema) []finding {
	var out []finding
	if r.MinLength > wv.minLen {
		f := finding{rule: &RuleMinLengthIncreased, path: ptrOf(r) + "/minLength",
			msg: "minLength raised from " + strconv.Itoa(wv.minLen) + " to " + strconv.Itoa(r.MinLength)}
		for n := r.MinLength - 1; n >= wv.minLen && n >= r.MinLength-3; n-- {
			if s, ok := c.stringOfLength(ws, n); ok {
				f.wit, f.hasWit = s, true
				break
			}
		}
		out = append(out, f)
	}
	if r.MaxLength >= 0 && (wv.maxLen < 0 || wv.maxLen > r.MaxLength) {
		f := finding{rule: &RuleMaxLengthDecreased, path: ptrOf(r) + "/maxLength",
			msg: "maxLength lowered to " + strconv.Itoa(r.MaxLength) + "; the writer allows " + lengthString(wv.maxLen)}
		for n := r.MaxLength + 1; n <= r.MaxLength+3 && (wv.maxLen < 0 || n <= wv.maxLen); n++ {
			if s, ok := c.stringOfLength(ws, n); ok {
				f.wit, f.hasWit = s, true
				break
			}
		}
		out = append(out, f)
	}
	if r.Pattern != nil {
		out = append(out, c.checkPattern(ws, wv, r)...)
	}
	if assertsFormat(r) {
		out = append(out, c.checkFormat(ws, wv, r)...)
	}
	if k := contentKey(r); k != "" {
		out = append(out, c.checkContent(ws, wv, r, k)...)
	}
	return out
}

// checkContent: a reader that decodes or parses strings (draft-07
// contentEncoding/contentMediaType) accepts the writer's strings when a
// writer conjunct makes the same assertion.
func (c *checker) checkContent(ws wset, wv *writerView, r *js.Schema, key string) []finding {
	for _, s := range wv.pos {
		if contentKey(s) == key {
			return nil
		}
	}
	what, kw := r.ContentMediaType, "/contentMediaType"
	if js.Decoders[r.ContentEncoding] != nil {
		what, kw = r.ContentEncoding+"-encoded", "/contentEncoding"
		if js.MediaTypes[r.ContentMediaType] != nil {
			what += " " + r.ContentMediaType
		}
	}
	path := ptrOf(r) + kw
	f := finding{rule: &RuleContentAdded, path: path,
		msg: "strings must now be " + what + " content; the writer's need not"}
	if s, ok := c.firstString(ws, wv, func(s string) bool { return r.Validate(s) != nil && c.writerAccepts(ws, s) }); ok {
		f.wit, f.hasWit = s, true
	}
	return []finding{f}
}

func lengthString(n int) string {
	if n < 0 {
		return "any length"
	}
	return "up to " + strconv.Itoa(n)
}

func (c *checker) checkPattern(ws wset, wv *writerView, r *js.Schema) []finding {
	want := r.Pattern.String()
	var writerPats []string
	for _, s := range wv.pos {
		if s.Pattern != nil {
			if s.Pattern.String() == want {
				return nil
			}
			writerPats = append(writerPats, s.Pattern.String())
		}
	}
	// A string of the writer's patterns and lengths the reader's pattern
	// rejects. None: every writer string matches. The writer's other
	// keywords (format, not, ...) are left out, which only enlarges its
	// strings, so the witness is validated against the writer.
	_, negated := writerPatterns(ws)
	v, w := c.regexExists(regexlang.Query{Match: writerPats, NoMatch: append(negated, want), MinLen: wv.minLen, MaxLen: wv.maxLen})
	if v == regexlang.No {
		return nil
	}
	f := finding{rule: &RulePatternAdded, path: ptrOf(r) + "/pattern",
		msg: "strings must now match pattern " + strconv.Quote(want) + "; the writer's need not"}
	if len(writerPats) > 0 {
		f.rule = &RuleUndecidablePattern
		f.msg = "pattern changed from " + strconv.Quote(writerPats[0]) + " to " + strconv.Quote(want) + "; their inclusion was not decided within the automaton budget"
	}
	found := v == regexlang.Yes && c.writerAccepts(ws, w)
	if !found {
		w, found = c.firstString(ws, wv, func(s string) bool { return !r.Pattern.MatchString(s) && c.writerAccepts(ws, s) })
	}
	if found {
		f.wit, f.hasWit = w, true
		if f.rule == &RuleUndecidablePattern {
			f.rule = &RulePatternAdded
			f.msg = "pattern changed from " + strconv.Quote(writerPats[0]) + " to " + strconv.Quote(want) + "; some strings the writer allows no longer match, such as " + strconv.Quote(w)
		}
	}
	if !f.hasWit && len(writerPats) == 0 && matchesEverything(r.Pattern.String()) {
		return nil
	}
	return []finding{f}
}

// matchesEverything recognizes patterns that match every string, which
// some schemas use as documentation.
func matchesEverything(p string) bool {
	switch p {
	case "", ".*", "^.*", "(?s).*", "^(?s).*", "[\\s\\S]*", "^[\\s\\S]*", "^[\\s\\S]*$", "^(?s).*$":
		return true
	}
	return false
}

func (c *checker) checkFormat(ws wset, wv *writerView, r *js.Schema) []finding {
	for _, s := range wv.pos {
		if assertsFormat(s) && impliesFormat(s.Format, r.Format) {
			return nil
		}
	}
	f := finding{rule: &RuleFormatAdded, path: ptrOf(r) + "/format",
		msg: "strings must now be in format " + strconv.Quote(r.Format) + "; the writer's need not"}
	if s, ok := c.firstString(ws, wv, func(s string) bool { return r.Validate(s) != nil && c.writerAccepts(ws, s) }); ok {
		f.wit, f.hasWit = s, true
	}
	return []finding{f}
}

// stringOfLength returns a writer string of exactly n characters.
func (c *checker) stringOfLength(ws wset, n int) (any, bool) {
	if s, ok := c.firstString(ws, nil, func(s string) bool { return len([]rune(s)) == n && c.writerAccepts(ws, s) }); ok {
		return s, true
	}
	if s, ok := c.patternString(ws, n, n); ok && c.writerAccepts(ws, s) {
		return s, true
	}
	for _, ch := range []string{"a", "0", "A", "x"} {
		s := strings.Repeat(ch, n)
		if c.writerAccepts(ws, s) {
			return s, true
		}
	}
	return nil, false
}

// firstString returns the first candidate string that pred accepts;
// pred is responsible for checking the writer (candidates are validated
// lazily because validation dominates witness cost). The strings of the
// writer's length bounds are only built when the fixed ones all fail.
func (c *checker) firstString(ws wset, wv *writerView, pred func(string) bool) (string, bool) {
	for _, s := range fixedStringCands {
		if pred(s) {
			return s, true
		}
	}
	if wv != nil {
		if s, ok := c.patternString(ws, wv.minLen, wv.maxLen); ok && pred(s) {
			return s, true
		}
	}
	for _, n := range ws {
		if n.neg {
			continue
		}
		if n.s.Pattern != nil {
			for _, s := range patternSamples(n.s.Pattern.String()) {
				if pred(s) {
					return s, true
				}
			}
		}
		if assertsFormat(n.s) {
			for _, s := range formatExamples[n.s.Format] {
				if pred(s) {
					return s, true
				}
			}
		}
	}
	if wv == nil {
		return "", false
	}
	for _, n := range []int{wv.minLen, wv.maxLen} {
		if n > 0 && n < 4096 {
			for _, ch := range []string{"a", "0"} {
				if s := strings.Repeat(ch, n); pred(s) {
					return s, true
				}
			}
		}
	}
	return "", false
}

// fixedStringCands are the strings tried first when a witness string is
// needed, in order: short ones, then one of each common format.
var fixedStringCands = [...]string{"", "a", "A", "0", "x", " ", "-", "_", "\n", "a b", "é", "zz", "a@example.com", "https://example.com/x",
	"2024-01-31T12:00:00Z", "2024-01-31", "12:00:00Z", "127.0.0.1", "::1", "example.com", "00000000-0000-0000-0000-000000000000",
	"P1D", "/a", "{", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "("}

package compat

import (
	"regexp"
	"sort"

	"github.com/batonhq/baton/compat/regexlang"
	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// maxRegexStates bounds the automaton states (regexlang) one Check builds
// over all its regular-expression questions; each question has
// regexlang.DefaultBudget of them at most. Past it, questions answer
// Unknown and the undecidable-* findings stay.
const maxRegexStates = 200_000

// regexExists asks regexlang for a string meeting q within what is left
// of the check's automaton budget.
func (c *checker) regexExists(q regexlang.Query) (regexlang.Verdict, string) {
	left := maxRegexStates - c.regexStates
	if left <= 0 {
		return regexlang.Unknown, ""
	}
	q.Budget = min(regexlang.DefaultBudget, left)
	v, w, n := regexlang.Exists(q)
	c.regexStates += n
	return v, w
}

// nameConstraints returns what the automata can model of the property
// names the writer's conjuncts allow: the patterns and length bounds of
// their propertyNames. Other propertyNames keywords are left out, which
// only enlarges the names: a "none" answer stays sound, and names found
// are validated before they are reported.
func (o *objectCheck) nameConstraints() (patterns []string, minLen, maxLen int) {
	maxLen = -1
	for _, s := range o.wv.pos {
		pn := s.PropertyNames
		if pn == nil {
			continue
		}
		if pn.Pattern != nil {
			patterns = append(patterns, pn.Pattern.String())
		}
		minLen = max(minLen, pn.MinLength)
		maxLen = minBound(maxLen, pn.MaxLength)
	}
	return patterns, minLen, maxLen
}

// declaredNames lists the names declared by the reader (declared) and by
// the writer's conjuncts: properties compares them one by one, so the
// questions about names governed by patterns leave them out.
func (o *objectCheck) declaredNames(declared map[string]*js.Schema) []string {
	set := map[string]bool{}
	for n := range declared {
		set[n] = true
	}
	for _, s := range o.wv.pos {
		for n := range s.Properties {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// patternName asks for an undeclared property name the writer may have
// that matches every pattern of match and none of noMatch.
func (o *objectCheck) patternName(match, noMatch []string, declared map[string]*js.Schema) (regexlang.Verdict, string) {
	pats, minLen, maxLen := o.nameConstraints()
	return o.c.regexExists(regexlang.Query{Match: append(match, pats...), NoMatch: noMatch,
		MinLen: minLen, MaxLen: maxLen, Exclude: o.declaredNames(declared)})
}

// patternCover tells which of conjunct s's patternProperties govern the
// undeclared names matching reader pattern re: covered is the schema of
// a writer pattern that matches every such name (other matching patterns
// only narrow the writer further, so leaving them out is sound); none
// means no writer pattern matches any of them, so s's
// additionalProperties governs them. ok is false when neither is proven.
//
// A closed conjunct (additionalProperties false) allows only names of its
// patterns there, so its one pattern that matches some of them governs
// every name it allows.
func (o *objectCheck) patternCover(s *js.Schema, re *regexp.Regexp) (covered *js.Schema, none, ok bool) {
	var overlap []*regexp.Regexp
	for _, p := range sortedPatterns(s.PatternProperties) {
		v, _ := o.patternName([]string{re.String(), p.String()}, nil, o.r.Properties)
		switch v {
		case regexlang.Unknown:
			return nil, false, false
		case regexlang.Yes:
			overlap = append(overlap, p)
		}
	}
	if len(overlap) == 0 {
		return nil, true, true
	}
	for _, p := range overlap {
		if v, _ := o.patternName([]string{re.String()}, []string{p.String()}, o.r.Properties); v == regexlang.No {
			return s.PatternProperties[p], false, true
		}
	}
	if ap, ok := s.AdditionalProperties.(bool); ok && !ap && len(overlap) == 1 {
		return s.PatternProperties[overlap[0]], false, true
	}
	return nil, false, false
}

// otherPatterns lists the patterns of m except re's.
func otherPatterns(m map[*regexp.Regexp]*js.Schema, re *regexp.Regexp) []string {
	var out []string
	for _, p := range sortedPatterns(m) {
		if p.String() != re.String() {
			out = append(out, p.String())
		}
	}
	return out
}

// declares reports whether the reader or a writer conjunct declares name
// in properties (declaredNames' names).
func (o *objectCheck) declares(name string) bool {
	if _, ok := o.r.Properties[name]; ok {
		return true
	}
	for _, s := range o.wv.pos {
		if _, ok := s.Properties[name]; ok {
			return true
		}
	}
	return false
}

package compat

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	v, w, n := askRegex(q)
	c.regexStates += n
	return v, w
}

// askRegex is regexlang.Exists with its decided answers kept
// process-wide (regexAnswers): they are facts about the patterns alone,
// and the same questions recur within a check (one per region, witness
// and cover test) and across the checks of an impact, which share a
// writer. An answer found there builds no states.
func askRegex(q regexlang.Query) (regexlang.Verdict, string, int) {
	key := queryKey(q)
	regexMu.Lock()
	a, ok := regexAnswers[key]
	regexMu.Unlock()
	if ok {
		return a.v, a.w, 0
	}
	v, w, n := regexlang.Exists(q)
	if v != regexlang.Unknown {
		regexMu.Lock()
		if len(regexAnswers) >= maxRegexAnswers {
			clear(regexAnswers)
		}
		regexAnswers[key] = regexAnswer{v, w}
		regexMu.Unlock()
	}
	return v, w, n
}

// maxRegexAnswers bounds the decided answers kept; when full they are
// dropped together (they are cheap to recompute).
const maxRegexAnswers = 8192

type regexAnswer struct {
	v regexlang.Verdict
	w string
}

var (
	regexMu      sync.Mutex
	regexAnswers = map[string]regexAnswer{}
)

// queryKey encodes a question without its budget: lists are separated
// by bytes no pattern or JSON string holds in that position unescaped.
func queryKey(q regexlang.Query) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(q.MinLen))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(q.MaxLen))
	for _, l := range [][]string{q.Match, q.NoMatch, q.Exclude} {
		b.WriteByte(0xff) // not valid UTF-8: no string contains it
		for _, s := range l {
			b.WriteString(strconv.Quote(s))
		}
	}
	return b.String()
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

// closedPatternNames decides the reader's propertyNames pn for the names a
// closed writer conjunct (additionalProperties false) allows through its
// patternProperties, when pn asserts only pattern and lengths: each
// pattern's undeclared names (declared ones were compared by name) are
// searched for one pn rejects. done is true when the question is settled:
// none exists, or a finding with a confirmed example was added.
func (o *objectCheck) closedPatternNames(pn *js.Schema) (done bool) {
	if !stringOnly(pn) {
		return false
	}
	var closed *js.Schema
	for _, s := range o.wv.pos {
		if isFalseAP(s.AdditionalProperties) {
			closed = s
			break
		}
	}
	if closed == nil || len(closed.PatternProperties) == 0 {
		return false
	}
	wpats, wmin, wmax := o.nameConstraints()
	exclude := o.declaredNames(nil)
	for _, p := range sortedPatterns(closed.PatternProperties) {
		match := append([]string{p.String()}, wpats...)
		qs := []regexlang.Query{}
		if pn.Pattern != nil {
			qs = append(qs, regexlang.Query{Match: match, NoMatch: []string{pn.Pattern.String()}, MinLen: wmin, MaxLen: wmax})
		}
		if pn.MinLength > 0 {
			qs = append(qs, regexlang.Query{Match: match, MinLen: wmin, MaxLen: minBound(wmax, pn.MinLength-1)})
		}
		if pn.MaxLength >= 0 {
			qs = append(qs, regexlang.Query{Match: match, MinLen: max(wmin, pn.MaxLength+1), MaxLen: wmax})
		}
		for _, q := range qs {
			q.Exclude = exclude
			v, name := o.c.regexExists(q)
			switch v {
			case regexlang.Unknown:
				return false
			case regexlang.No:
				continue
			}
			wsubs, absent, _ := o.writerProp(name)
			if absent {
				return false
			}
			val, ok := o.c.sampleIn(wsubs)
			if !ok {
				return false
			}
			obj, ok := o.withProp(name, val)
			if !ok || !o.c.writerAccepts(o.ws, obj) || o.r.Validate(obj) == nil {
				return false
			}
			o.add(finding{rule: &RulePropertyNamesNarrowed, path: ptrOf(o.r) + "/propertyNames", wit: obj, hasWit: true,
				msg: "property name `" + name + "` (matching the writer's pattern " + strconv.Quote(p.String()) + ") is rejected by the reader's propertyNames"})
			return true
		}
	}
	return true
}

// stringOnly reports whether s asserts nothing of a string but pattern,
// minLength and maxLength (and the string type): the automata model all
// it rejects.
func stringOnly(s *js.Schema) bool {
	t := *s
	t.Pattern, t.MinLength, t.MaxLength = nil, -1, -1
	if len(t.Types) == 1 && t.Types[0] == "string" {
		t.Types = nil
	}
	return isTrueSchema(&t)
}

// isFalseAP reports whether additionalProperties allows no property.
func isFalseAP(ap any) bool {
	switch v := ap.(type) {
	case bool:
		return !v
	case *js.Schema:
		return isFalse(v)
	}
	return false
}

// emptyBudget bounds the states of the emptiness question noStrings asks
// when a writer view is built, outside any check's budget.
const emptyBudget = 5_000

// noStrings reports whether no string matches every pattern of the
// conjuncts with minLen..maxLen code points: a pattern the lengths
// exclude, or patterns that exclude each other. Other keywords are left
// out, so true is sound. Only asked when there is something to combine
// (two patterns, or a pattern and a length bound).
func noStrings(pos []*js.Schema, minLen, maxLen int) bool {
	var pats []string
	for _, s := range pos {
		if s.Pattern != nil {
			pats = append(pats, s.Pattern.String())
		}
	}
	if len(pats) == 0 || len(pats) == 1 && minLen == 0 && maxLen < 0 {
		return false
	}
	v, _, _ := askRegex(regexlang.Query{Match: pats, MinLen: minLen, MaxLen: maxLen, Budget: emptyBudget})
	return v == regexlang.No
}

// stringsListed decides, with the automata, whether every string of the
// writer's patterns and lengths is one of the strings in vals (a
// reader's enum): all is true when so; otherwise w, when ok, is a writer
// string not listed. A writer without a pattern has infinitely many
// strings, which no list holds.
func (c *checker) stringsListed(ws wset, wv *writerView, vals []any) (all bool, w string, ok bool) {
	var pats []string
	for _, s := range wv.pos {
		if s.Pattern != nil {
			pats = append(pats, s.Pattern.String())
		}
	}
	if len(pats) == 0 && wv.maxLen < 0 {
		return false, "", false
	}
	var listed []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			listed = append(listed, s)
		}
	}
	v, w := c.regexExists(regexlang.Query{Match: pats, MinLen: wv.minLen, MaxLen: wv.maxLen, Exclude: listed})
	switch v {
	case regexlang.No:
		return true, "", false
	case regexlang.Yes:
		return false, w, c.writerAccepts(ws, w)
	}
	return false, "", false
}

// maxRegionPatterns bounds the patterns of one writer conjunct that may
// split a reader pattern's names into regions (2^n regions are asked).
const maxRegionPatterns = 4

// patternRegion is the names of a reader pattern's class that match
// exactly the patterns in of writer conjunct s; name is one of them
// (undeclared, allowed by the writer's propertyNames) and fs what the
// reader's schema finds against the writer's constraints for them.
type patternRegion struct {
	s    *js.Schema
	in   []*regexp.Regexp
	name string
	fs   []finding
	open bool // the writer constrains nothing there
}

// patternRegions compares the reader's schema rs for pattern re region by
// region when a single writer conjunct's patterns split re's names (some
// match, none matches all): the regions where rs finds something are
// returned. ok is false when the regions cannot be settled (another
// conjunct is undecided, too many patterns, over the automaton budget).
func (o *objectCheck) patternRegions(re *regexp.Regexp, rs *js.Schema) (out []patternRegion, ok bool) {
	var target *js.Schema
	for _, s := range o.wv.pos {
		if len(s.PatternProperties) == 0 || patternNamed(s.PatternProperties, re.String()) != nil {
			continue
		}
		if _, _, ok := o.patternCover(s, re); ok {
			continue
		}
		if target != nil {
			return nil, false
		}
		target = s
	}
	if target == nil || len(target.PatternProperties) > 2*maxRegionPatterns {
		return nil, false
	}
	var overlap []*regexp.Regexp
	for _, p := range sortedPatterns(target.PatternProperties) {
		switch v, _ := o.patternName([]string{re.String(), p.String()}, nil, o.r.Properties); v {
		case regexlang.Unknown:
			return nil, false
		case regexlang.Yes:
			overlap = append(overlap, p)
		}
	}
	if len(overlap) > maxRegionPatterns {
		return nil, false
	}
	for mask := 0; mask < 1<<len(overlap); mask++ {
		match, noMatch := []string{re.String()}, []string(nil)
		var in []*regexp.Regexp
		for i, p := range overlap {
			if mask&(1<<i) != 0 {
				in = append(in, p)
				match = append(match, p.String())
			} else {
				noMatch = append(noMatch, p.String())
			}
		}
		v, name := o.patternName(match, noMatch, o.r.Properties)
		switch v {
		case regexlang.Unknown:
			return nil, false
		case regexlang.No:
			continue
		}
		g := patternRegion{s: target, in: in, name: name}
		subs, absent, open, exact := o.writerGenericExact(re, &g)
		if !exact {
			return nil, false
		}
		if absent {
			continue
		}
		if g.fs = o.c.incl(subs, rs); len(g.fs) > 0 {
			g.open = open
			out = append(out, g)
		}
	}
	return out, true
}

// regionWitness builds the writer's object with the region's name set to
// a value the reader's schema rejects, confirmed against this writer and
// reader node.
func (o *objectCheck) regionWitness(g patternRegion) (any, bool) {
	for _, f := range g.fs {
		if !f.hasWit {
			continue
		}
		if obj, ok := o.withProp(g.name, f.wit); ok && o.c.writerAccepts(o.ws, obj) && o.r.Validate(obj) != nil {
			return obj, true
		}
	}
	return nil, false
}

// patternString returns one of the shortest strings of minLen..maxLen
// code points that matches every pattern of ws's positive conjuncts and
// none of its negated pattern-only ones (not {pattern}), when ws has a
// pattern at all: a sample that meets all of them together, where each
// pattern's own samples may meet only itself. Callers validate it.
func (c *checker) patternString(ws wset, minLen, maxLen int) (string, bool) {
	match, noMatch := writerPatterns(ws)
	if len(match) == 0 {
		return "", false
	}
	v, w := c.regexExists(regexlang.Query{Match: match, NoMatch: noMatch, MinLen: minLen, MaxLen: maxLen})
	return w, v == regexlang.Yes
}

// writerPatterns lists the patterns the writer's strings match (those of
// positive conjuncts) and those they do not (negated conjuncts that assert
// nothing else, not {pattern}); other conjuncts are left out, which only
// enlarges the strings described.
func writerPatterns(ws wset) (match, noMatch []string) {
	for _, n := range ws {
		if n.s.Pattern == nil {
			continue
		}
		if !n.neg {
			match = append(match, n.s.Pattern.String())
		} else if n.s.MinLength < 0 && n.s.MaxLength < 0 && stringOnly(n.s) {
			noMatch = append(noMatch, n.s.Pattern.String())
		}
	}
	return match, noMatch
}

package compat

import (
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// maxFiniteNames bounds the property names a finite propertyNames may
// list for the engine to compare them one by one.
const maxFiniteNames = 256

// finiteNames returns the only property names the writer's objects can
// have when its propertyNames bound them to a finite set (enum, const, a
// pattern matching finitely many strings, false); ok is false otherwise.
// Names are sorted.
func (o *objectCheck) finiteNames() ([]string, bool) {
	if o.namesDone {
		return o.names, o.namesOK
	}
	o.namesDone = true
	var set map[string]bool
	for _, s := range o.wv.pos {
		if s.PropertyNames == nil {
			continue
		}
		names, ok := finiteStrings(s.PropertyNames)
		if !ok {
			continue
		}
		next := map[string]bool{}
		for _, n := range names {
			if set == nil || set[n] {
				next[n] = true
			}
		}
		set = next
	}
	if set == nil {
		return nil, false
	}
	o.names, o.namesOK = sortedKeysOf(set), true
	return o.names, true
}

// finiteStrings returns the strings s accepts when there are finitely many
// (at most maxFiniteNames) and s says so plainly: a const, an enum, a
// pattern matching finitely many strings, or false. The strings are
// checked against s, so other keywords of s only filter them.
func finiteStrings(s *js.Schema) ([]string, bool) {
	var cands []string
	switch {
	case isFalse(s):
		return nil, true
	case len(s.Constant) > 0:
		if str, ok := s.Constant[0].(string); ok {
			cands = append(cands, str)
		}
	case s.Enum != nil:
		for _, v := range s.Enum {
			if str, ok := v.(string); ok {
				cands = append(cands, str)
			}
		}
	case s.Pattern != nil:
		lang, ok := finitePattern(s.Pattern.String())
		if !ok {
			return nil, false
		}
		cands = lang
	default:
		return nil, false
	}
	out := cands[:0:0]
	for _, c := range cands {
		if s.Validate(c) == nil {
			out = append(out, c)
		}
	}
	return out, true
}

// finitePattern returns every string an anchored pattern matches when they
// are few: JSON Schema patterns are unanchored searches, so only a
// pattern anchored at both ends (^…$, in every alternative) can match
// finitely many strings.
func finitePattern(p string) ([]string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, false
	}
	alts := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		alts = re.Sub
	}
	set := map[string]bool{}
	for _, a := range alts {
		if a.Op != syntax.OpConcat || len(a.Sub) < 2 || a.Sub[0].Op != syntax.OpBeginText ||
			a.Sub[len(a.Sub)-1].Op != syntax.OpEndText {
			return nil, false
		}
		lang, ok := finiteLang(&syntax.Regexp{Op: syntax.OpConcat, Sub: a.Sub[1 : len(a.Sub)-1]})
		if !ok {
			return nil, false
		}
		for _, s := range lang {
			set[s] = true
		}
		if len(set) > maxFiniteNames {
			return nil, false
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, true
}

// finiteLang enumerates the language of an unanchored regex node.
func finiteLang(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) >= maxFiniteNames {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, true
	case syntax.OpCapture:
		return finiteLang(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := finiteLang(re.Sub[0])
		return append(sub, ""), ok
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub, ok := finiteLang(s)
			if !ok || len(out)+len(sub) > maxFiniteNames {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub, ok := finiteLang(s)
			if ok {
				out, ok = concatLang(out, sub)
			}
			if !ok {
				return nil, false
			}
		}
		return out, true
	case syntax.OpRepeat:
		if re.Max < 0 {
			return nil, false
		}
		sub, ok := finiteLang(re.Sub[0])
		if !ok {
			return nil, false
		}
		var out []string
		cur := []string{""}
		for k := 0; k <= re.Max; k++ {
			if k >= re.Min {
				out = append(out, cur...)
			}
			if len(out) > maxFiniteNames {
				return nil, false
			}
			if cur, ok = concatLang(cur, sub); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// concatLang is every string of a followed by one of b, if not too many.
func concatLang(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxFiniteNames {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, true
}

// writerNames lists, sorted and once each, the names writer objects may
// have by name: those a conjunct declares and those a finite propertyNames
// allows.
func (o *objectCheck) writerNames() []string {
	if o.wnamesDone {
		return o.wnames
	}
	n := 0
	for _, s := range o.wv.pos {
		n += len(s.Properties)
	}
	finite, _ := o.finiteNames()
	names := make([]string, 0, n+len(finite))
	for _, s := range o.wv.pos {
		for k := range s.Properties {
			names = append(names, k)
		}
	}
	names = append(names, finite...)
	sort.Strings(names)
	o.wnames, o.wnamesDone = slices.Compact(names), true
	return o.wnames
}

// closedNames returns the names a writer object can have when they are
// finitely many (a closed model, or a finite propertyNames).
func (o *objectCheck) closedNames() ([]string, bool) {
	if o.closedDone {
		return o.closed, o.closedOK
	}
	o.closedDone = true
	var cands []string
	if names, ok := o.finiteNames(); ok {
		cands = names
	} else if _, absent, _ := o.writerGeneric(nil); absent && !o.writerHasPatterns() {
		cands = o.writerNames()
	} else {
		return nil, false
	}
	var out []string
	for _, n := range cands {
		if !o.writerAbsent(n) {
			out = append(out, n)
		}
	}
	o.closed, o.closedOK = out, true
	return out, true
}

// writerAbsent reports whether writer objects cannot have the property:
// writerProp's verdict, without building the constraints in the common
// case where every conjunct declares the name or leaves it plainly open.
func (o *objectCheck) writerAbsent(name string) bool {
	plain := true
	for _, n := range o.ws {
		s := n.s
		p, ok := s.Properties[name]
		if ok && !n.neg && !isFalse(p) && s.PropertyNames == nil {
			continue
		}
		if n.neg || ok || s.PropertyNames != nil || s.AdditionalProperties != nil || s.UnevaluatedProperties != nil ||
			len(s.PatternProperties) > 0 {
			plain = false
			break
		}
	}
	if plain {
		return false
	}
	_, absent, _ := o.writerProp(name)
	return absent
}

// writerRequires reports whether every writer object has the property:
// it is required, or the model is closed and minProperties needs every
// name it allows.
func (o *objectCheck) writerRequires(name string) bool {
	if o.wv.required[name] {
		return true
	}
	names, ok := o.closedNames()
	if !ok || len(names) > o.wv.minProps {
		return false
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// negAbsent reports whether a negated conjunct that only requires
// properties (not {required: [...]}) rules name out: it is the one of them
// the writer does not otherwise require.
func (o *objectCheck) negAbsent(name string) bool {
	for _, n := range o.ws {
		if !n.neg {
			continue
		}
		names := requiredOnly(n.s)
		missing := ""
		count := 0
		for _, r := range names {
			if !o.wv.required[r] {
				missing, count = r, count+1
			}
		}
		if count == 1 && missing == name {
			return true
		}
	}
	return false
}

// impossible reports whether the writer can have no object: it requires a
// property it cannot have, or more properties than it allows.
func (o *objectCheck) impossible() bool {
	for name := range o.wv.required {
		if o.writerAbsent(name) {
			return true
		}
	}
	// Every required name can be had, so a closed model allows at least
	// as many names as are required: only a larger minProperties can fail.
	if o.wv.minProps > len(o.wv.required) {
		if names, ok := o.closedNames(); ok && len(names) < o.wv.minProps {
			return true
		}
	}
	return false
}

// patternSamples returns strings the pattern matches, for witnesses:
// every string when it matches finitely many (finitePattern), else one
// short match built from the parsed expression. Callers validate them.
func patternSamples(p string) []string {
	if lang, ok := finitePattern(p); ok {
		if len(lang) > 16 {
			lang = lang[:16]
		}
		return lang
	}
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil
	}
	var b strings.Builder
	if !shortMatch(re, &b, 0) {
		return nil
	}
	return []string{b.String()}
}

// shortMatch writes a short string matching re; false when none is
// built (an empty class, or nesting past a bound).
func shortMatch(re *syntax.Regexp, b *strings.Builder, depth int) bool {
	if depth > 64 || b.Len() > 4096 {
		return false
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return false
		}
		b.WriteRune(classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
	case syntax.OpCapture, syntax.OpPlus:
		return shortMatch(re.Sub[0], b, depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !shortMatch(re.Sub[0], b, depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !shortMatch(s, b, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			var alt strings.Builder
			if shortMatch(s, &alt, depth+1) {
				b.WriteString(alt.String())
				return true
			}
		}
		return false
	}
	// Empty matches, anchors, word boundaries, star and quest add nothing.
	return true
}

// classRune picks a rune of a character class (pairs of ranges), a plain
// one when the class has it.
func classRune(ranges []rune) rune {
	for _, r := range "aA0_-x. " {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return r
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1] >= 0x20 {
			return max(ranges[i], 0x20)
		}
	}
	return ranges[0]
}

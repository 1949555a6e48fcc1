package compat

import (
	"regexp"
	"slices"
	"sort"
	"strconv"

	"github.com/batonhq/baton/compat/regexlang"
	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// checkObject compares the object keywords. Properties are compared name by
// name (regexes are run on concrete names, so that part is exact); names
// nobody declares are compared through additionalProperties and
// patternProperties, where only textually equal patterns are paired.
func (c *checker) checkObject(ws wset, wv *writerView, r *js.Schema) []finding {
	o := &objectCheck{c: c, ws: ws, wv: wv, r: r}
	o.required()
	o.properties()
	o.generic(r.AdditionalProperties, &RuleAdditionalNarrowed, "/additionalProperties")
	o.unevaluated()
	o.propertyNames()
	o.counts()
	o.dependencies()
	o.searchWitnesses()
	return o.out
}

// searchWitnesses gives findings of this node that have no witness (or
// one this node does not confirm) one found by search (search.go): the
// writer's base object, without one of its properties, or with one or two
// properties set to values the schemas mention or accept.
func (o *objectCheck) searchWitnesses() {
	need := o.c.needWitness(o.out, o.ws, o.r)
	if len(need) == 0 {
		return
	}
	var names []string
	addName := func(n string) {
		if len(names) < 6 && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range sortedKeysOf(o.r.Properties) {
		addName(n)
	}
	for _, n := range o.writerNames() {
		addName(n)
	}
	for _, m := range []map[*regexp.Regexp]*js.Schema{o.r.PatternProperties} {
		for _, re := range sortedPatterns(m) {
			for _, n := range patternSamples(re.String()) {
				addName(n)
			}
		}
	}
	for _, s := range o.wv.pos {
		for _, re := range sortedPatterns(s.PatternProperties) {
			for _, n := range patternSamples(re.String()) {
				addName(n)
			}
		}
	}
	addName("extra")
	var extra []any
	for _, n := range names {
		if wsubs, absent, _ := o.writerProp(n); !absent {
			if v, ok := o.c.sampleIn(wsubs); ok {
				extra = append(extra, v)
			}
		}
	}
	pool := o.c.valuePool(o.ws, o.r, extra)
	base, ok := o.baseObject()
	if !ok {
		base = map[string]any{}
	}
	with := func(kv ...any) map[string]any {
		obj := make(map[string]any, len(base)+len(kv)/2)
		for k, v := range base {
			obj[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			obj[kv[i].(string)] = kv[i+1]
		}
		return obj
	}
	o.c.searchWitnesses(o.out, need, o.ws, o.r, func(yield func(any) bool) {
		if !yield(base) {
			return
		}
		for _, k := range sortedKeysOf(base) {
			obj := with()
			delete(obj, k)
			if !yield(obj) {
				return
			}
		}
		for _, n := range names {
			for _, v := range pool {
				if !yield(with(n, v)) {
					return
				}
			}
		}
		for i, n1 := range names {
			for _, n2 := range names[i+1:] {
				for _, v1 := range pool {
					for _, v2 := range pool {
						if !yield(with(n1, v1, n2, v2)) {
							return
						}
					}
				}
			}
		}
	})
}

type objectCheck struct {
	c     *checker
	ws    wset
	wv    *writerView
	r     *js.Schema
	out   []finding
	base  map[string]any
	based bool
	// computed once (names.go): the writer's finite property names, the
	// names it may have by name, and those of a closed model
	names                []string
	namesOK, namesDone   bool
	wnames               []string
	wnamesDone           bool
	closed               []string
	closedOK, closedDone bool
}

func (o *objectCheck) add(f finding) { o.out = append(o.out, f) }

// baseObject is a small object the writer accepts, into which witnesses of
// nested findings are placed.
func (o *objectCheck) baseObject() (map[string]any, bool) {
	if !o.based {
		o.based = true
		var v any
		var ok bool
		if o.c.shareable(o.ws) && o.c.sampleNodes < maxSampleNodes {
			v, ok = o.c.sharedSample('o', o.ws, 0, func(sc *checker) (any, bool) { return sc.sampleTyped(o.ws, o.wv, tObject) })
		} else {
			v, ok = o.c.sampleTyped(o.ws, o.wv, tObject)
		}
		if ok {
			o.base, _ = v.(map[string]any)
		}
	}
	return o.base, o.base != nil
}

// withProp returns a writer object holding name: value.
func (o *objectCheck) withProp(name string, value any) (map[string]any, bool) {
	base, ok := o.baseObject()
	if !ok {
		return nil, false
	}
	if !o.c.bud.alloc(witnessNodeBytes * (len(base) + 1)) {
		return nil, false
	}
	obj := make(map[string]any, len(base)+1)
	for k, v := range base {
		obj[k] = v
	}
	obj[name] = value
	return obj, true
}

// wrap moves nested findings' witnesses into an object under name.
func (o *objectCheck) wrap(name string, fs []finding) []finding {
	out := make([]finding, len(fs))
	for i, f := range fs {
		if f.hasWit {
			f.wit, f.hasWit = o.withProp(name, f.wit)
		}
		out[i] = f
	}
	return out
}

func (o *objectCheck) required() {
	for _, name := range o.r.Required {
		if o.writerRequires(name) {
			continue
		}
		f := finding{rule: &RuleRequiredAdded, path: ptrOf(o.r) + "/required",
			msg: "property `" + name + "` is now required; writers may omit it"}
		if base, ok := o.baseObject(); ok {
			if _, has := base[name]; !has {
				f.wit, f.hasWit = base, true
			}
		}
		if !f.hasWit {
			f.wit, f.hasWit = o.objectWith("", name)
		}
		o.add(f)
	}
}

// writerProp returns the writer's constraints on property name: the
// schemas it must satisfy, whether the writer can never send it (absent),
// and whether nothing in the writer mentions it (open: an open content
// model lets writers send any value).
func (o *objectCheck) writerProp(name string) (subs wset, absent, open bool) {
	if o.negAbsent(name) {
		return nil, true, false
	}
	declared := false
	for _, s := range o.wv.pos {
		if s.PropertyNames != nil && s.PropertyNames.Validate(name) != nil {
			return nil, true, false
		}
		// properties and every matching patternProperties apply.
		matched := false
		if p, ok := s.Properties[name]; ok {
			if isFalse(p) {
				return nil, true, false
			}
			subs = append(subs, wnode{s: p})
			matched = true
		}
		for _, re := range sortedPatterns(s.PatternProperties) {
			if re.MatchString(name) {
				if isFalse(s.PatternProperties[re]) {
					return nil, true, false
				}
				subs = append(subs, wnode{s: s.PatternProperties[re]})
				matched = true
			}
		}
		if matched {
			declared = true
			continue
		}
		switch ap := s.AdditionalProperties.(type) {
		case bool:
			if !ap {
				return nil, true, false
			}
		case *js.Schema:
			subs = append(subs, wnode{s: ap})
			declared = true
			continue
		}
		if s.AdditionalProperties == nil && s.UnevaluatedProperties != nil && !o.c.mayEvaluate(s).coversName(name) {
			subs = append(subs, wnode{s: s.UnevaluatedProperties})
			declared = true
		}
	}
	return subs, false, !declared
}

// writerEvaluates reports whether some writer conjunct declares name.
func (o *objectCheck) writerEvaluates(name string) bool {
	for _, s := range o.wv.pos {
		if _, ok := s.Properties[name]; ok {
			return true
		}
		for re := range s.PatternProperties {
			if re.MatchString(name) {
				return true
			}
		}
	}
	return false
}

// readerProp returns the reader's schemas for property name and the
// keyword they come from; closed means additionalProperties is false.
func readerProp(r *js.Schema, name string) (subs []*js.Schema, closed bool, via string) {
	p, declared := r.Properties[name]
	if declared {
		subs = append(subs, p)
	}
	// Matching patternProperties apply too, declared or not.
	for _, re := range sortedPatterns(r.PatternProperties) {
		if re.MatchString(name) {
			subs = append(subs, r.PatternProperties[re])
			via = "/patternProperties/" + escapePointer(re.String())
		}
	}
	if declared {
		via = "/properties/" + escapePointer(name)
	}
	if len(subs) > 0 {
		return subs, false, via
	}
	switch ap := r.AdditionalProperties.(type) {
	case bool:
		return nil, !ap, "/additionalProperties"
	case *js.Schema:
		if isFalse(ap) {
			return nil, true, "/additionalProperties"
		}
		return []*js.Schema{ap}, false, "/additionalProperties"
	}
	return nil, false, ""
}

func (o *objectCheck) properties() {
	for _, name := range o.comparedNames() {
		rsubs, closed, via := readerProp(o.r, name)
		if len(rsubs) == 0 && !closed {
			continue
		}
		wsubs, absent, open := o.writerProp(name)
		if absent {
			continue
		}
		if closed {
			f := finding{rule: &RulePropertyRemovedClosed, path: ptrOf(o.r) + via,
				msg: "property `" + name + "` is not allowed by the reader's closed content model; writers may send it"}
			if v, ok := o.c.sampleIn(wsubs); ok {
				f.wit, f.hasWit = o.withProp(name, v)
			}
			o.add(f)
			continue
		}
		for _, rs := range rsubs {
			fs := o.c.incl(wsubs, rs)
			if len(fs) == 0 {
				continue
			}
			if open {
				rule, msg := &RulePropertyAddedOpen, "property `"+name+"` is now constrained; writers with an open content model may send any value for it"
				if via != "/properties/"+escapePointer(name) {
					rule, msg = &RuleAdditionalNarrowed, "property `"+name+"` is now constrained by "+via[1:]+"; the writer's open content model allows any value"
				}
				f := finding{rule: rule, path: ptrOf(o.r) + via, msg: msg, lenient: true}
				for _, n := range fs {
					if n.hasWit {
						f.wit, f.hasWit = o.withProp(name, n.wit)
						break
					}
				}
				o.add(f)
				continue
			}
			o.out = append(o.out, o.wrap(name, fs)...)
		}
	}
}

// comparedNames lists, sorted and once each, the names properties must
// compare: the reader's declared properties, and the writer's unless the
// reader governs no other name (no patternProperties and an open
// additionalProperties), in which case readerProp would skip them all.
func (o *objectCheck) comparedNames() []string {
	n := len(o.r.Properties)
	governsOthers := len(o.r.PatternProperties) > 0 || !isTrueAP(o.r.AdditionalProperties)
	if governsOthers {
		for _, s := range o.wv.pos {
			n += len(s.Properties)
		}
	}
	names := make([]string, 0, n)
	for k := range o.r.Properties {
		names = append(names, k)
	}
	if governsOthers {
		names = append(names, o.writerNames()...)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// generic compares what the writer allows for property names nobody
// declares with the reader's additionalProperties (or, from unevaluated,
// unevaluatedProperties) rest schema.
func (o *objectCheck) generic(rest any, rule *Rule, kw string) {
	o.genericWith(rest, rule, kw, o.r.Properties, o.r.PatternProperties)
}

func (o *objectCheck) genericWith(rest any, rule *Rule, kw string, declared map[string]*js.Schema, patterns map[*regexp.Regexp]*js.Schema) {
	// Reader patterns first: names matching them are governed by them.
	for _, re := range sortedPatterns(o.r.PatternProperties) {
		if kw != "/additionalProperties" {
			break // patterns are compared once, with additionalProperties
		}
		rs := o.r.PatternProperties[re]
		wsubs, absent, open, exact := o.writerGenericExact(re, nil)
		if absent {
			continue
		}
		fs := o.c.incl(wsubs, rs)
		if len(fs) == 0 {
			continue
		}
		// A writer conjunct whose patterns split the class: each region
		// of names is compared on its own (regex.go).
		var regionWit any
		regionOpen := false
		if !exact {
			regions, ok := o.patternRegions(re, rs)
			if ok && len(regions) == 0 {
				continue
			}
			for _, g := range regions {
				if obj, ok := o.regionWitness(g); ok {
					regionWit, regionOpen = obj, g.open
					break
				}
			}
		}
		path := ptrOf(o.r) + "/patternProperties/" + escapePointer(re.String())
		f := finding{rule: &RuleAdditionalNarrowed, path: path, lenient: open,
			msg: "properties matching " + strconv.Quote(re.String()) + " are now constrained; the writer allows other values for them"}
		if !open && !exact {
			f.rule, f.lenient = &RuleUndecidablePatternProperties, false
			f.msg = "properties matching " + strconv.Quote(re.String()) + " are constrained by the reader; the writer's patterns differ and their overlap is not decided"
			if regionWit != nil {
				f.rule, f.lenient, f.wit, f.hasWit = &RuleAdditionalNarrowed, regionOpen, regionWit, true
				f.msg = "properties matching " + strconv.Quote(re.String()) + " are now constrained; the writer allows other values for some of them"
			}
		}
		if name, ok := o.extraName(re, declared, patterns); ok {
			for _, n := range fs {
				if n.hasWit {
					// Kept only when it holds here: the writer's
					// constraints were enlarged for the whole class, and
					// nameWitness below may find a confirmed one.
					if obj, ok := o.withProp(name, n.wit); ok && o.c.writerAccepts(o.ws, obj) && o.r.Validate(obj) != nil {
						f.wit, f.hasWit = obj, true
					}
					break
				}
			}
		}
		if !f.hasWit {
			if name, obj, ok := o.nameWitness(o.namesMatching(re, declared, patterns), rs); ok {
				f.wit, f.hasWit = obj, true
				if f.rule == &RuleUndecidablePatternProperties {
					f.rule = &RuleAdditionalNarrowed
					f.msg = "property `" + name + "` matches " + strconv.Quote(re.String()) + ", and the reader's patternProperties rejects a value the writer allows for it"
				}
			}
		}
		o.add(f)
	}
	var rs *js.Schema
	closed := false
	switch v := rest.(type) {
	case bool:
		closed = !v
	case *js.Schema:
		if isFalse(v) {
			closed = true
		} else if isTrueSchema(v) {
			return
		} else {
			rs = v
		}
	default:
		return
	}
	if !closed && rs == nil {
		return
	}
	path := ptrOf(o.r) + kw
	// Names matching a writer pattern the reader lacks.
	for _, s := range o.wv.pos {
		for _, re := range sortedPatterns(s.PatternProperties) {
			if hasPattern(patterns, re.String()) {
				continue
			}
			f := finding{rule: &RuleUndecidablePatternProperties, path: path,
				msg: "the writer allows properties matching " + strconv.Quote(re.String()) + " that the reader's " + kw[1:] + " may reject"}
			if !closed && len(o.c.incl(wset{{s: s.PatternProperties[re]}}, rs)) == 0 {
				continue
			}
			// The reader's rest schema governs the undeclared names of the
			// writer's pattern that match none of the reader's patterns:
			// when there are none, it governs nothing of the writer's.
			v, auto := o.patternName([]string{re.String()}, patternStrings(patterns), declared)
			if v == regexlang.No {
				continue
			}
			// A name of the writer's pattern that the reader leaves to
			// its rest schema decides it.
			var names []string
			if v == regexlang.Yes {
				names = append(names, auto)
			}
			for _, n := range o.namesMatching(re, declared, nil) {
				if !matchesAny(patterns, n) {
					names = append(names, n)
				}
			}
			if name, obj, ok := o.nameWitness(names, rs); ok {
				f.rule, f.wit, f.hasWit = rule, obj, true
				f.msg = "property `" + name + "` (matching the writer's pattern " + strconv.Quote(re.String()) + ") is rejected by the reader's " + kw[1:]
			}
			o.add(f)
		}
	}
	// Names matching no pattern on either side.
	wsubs, absent, open := o.writerGeneric(nil)
	if absent {
		return
	}
	var fs []finding
	if !closed {
		fs = o.c.incl(wsubs, rs)
		if len(fs) == 0 {
			return
		}
	}
	// Like Confluent's lenient policy, closing or narrowing an open content
	// model is not breaking under Lenient; under Strict it is.
	f := finding{rule: rule, path: path, lenient: open}
	switch {
	case closed:
		f.msg = "the reader no longer allows additional properties (" + kw[1:] + " is false); the writer allows them"
	case open:
		f.msg = "the reader now constrains additional properties with " + kw[1:] + "; the writer's open content model allows any value"
	default:
		f.msg = "the reader's " + kw[1:] + " rejects additional property values the writer allows"
	}
	if name, ok := o.extraName(nil, declared, patterns); ok {
		if closed {
			if v, ok := o.c.sampleIn(wsubs); ok {
				f.wit, f.hasWit = o.withProp(name, v)
			}
		} else {
			for _, n := range fs {
				if n.hasWit {
					f.wit, f.hasWit = o.withProp(name, n.wit)
					break
				}
			}
		}
	}
	o.add(f)
}

// writerGeneric returns the writer's constraints on an undeclared name. With
// pattern set, the name matches that (reader) pattern; conjuncts whose
// other patterns might apply are dropped, which only enlarges the writer.
// A conjunct's unevaluatedProperties counts only where it applies to every
// such name (uniformlyUnevaluated).
func (o *objectCheck) writerGeneric(re *regexp.Regexp) (subs wset, absent, open bool) {
	subs, absent, open, _ = o.writerGenericExact(re, nil)
	return subs, absent, open
}

// writerGenericExact is writerGeneric that also tells whether no
// conjunct was dropped: then subs are exactly what the writer's conjuncts
// apply to every name of the class.
//
// With split set, the class is narrowed to a region (regex.go) where
// exactly split.in of conjunct split.s's patterns match.
func (o *objectCheck) writerGenericExact(re *regexp.Regexp, split *patternRegion) (subs wset, absent, open, exact bool) {
	if _, ok := o.finiteNames(); ok {
		return nil, true, false, true // every name it may have is compared by name
	}
	dropped := false
	pattern := ""
	if re != nil {
		pattern = re.String()
	}
	for _, s := range o.wv.pos {
		if pattern != "" {
			if p := patternNamed(s.PatternProperties, pattern); p != nil {
				subs = append(subs, wnode{s: p})
				continue
			}
			if split != nil && s == split.s {
				for _, p := range split.in {
					subs = append(subs, wnode{s: s.PatternProperties[p]})
				}
				if len(split.in) > 0 {
					continue
				}
			} else if len(s.PatternProperties) > 0 {
				// Decided by the automata (regex.go): one writer
				// pattern matching every such name governs them all;
				// with none matching any, s's rest schema does.
				covered, none, ok := o.patternCover(s, re)
				if !ok {
					dropped = true
					continue
				}
				if !none {
					subs = append(subs, wnode{s: covered})
					continue
				}
			}
		}
		switch ap := s.AdditionalProperties.(type) {
		case bool:
			if !ap {
				return nil, true, false, true
			}
			continue
		case *js.Schema:
			if isFalse(ap) {
				return nil, true, false, true
			}
			subs = append(subs, wnode{s: ap})
			continue
		}
		if u := s.UnevaluatedProperties; u != nil {
			if !o.uniformlyUnevaluated(s, re) {
				dropped = true
				continue
			}
			if isFalse(u) {
				return nil, true, false, true
			}
			subs = append(subs, wnode{s: u})
		}
	}
	return subs, false, len(subs) == 0 && !dropped, !dropped
}

// uniformlyUnevaluated reports whether nothing s applies in place may
// evaluate a name of the class writerGeneric describes: one matching re
// (nil: one that no writer conjunct declares or matches by pattern).
func (o *objectCheck) uniformlyUnevaluated(s *js.Schema, re *regexp.Regexp) bool {
	ev := o.c.mayEvaluate(s)
	if ev.allProps {
		return false
	}
	for _, q := range ev.patterns {
		if re != nil {
			// The class is the undeclared names matching re: q
			// evaluates none of them when the automata find no name of
			// both (regex.go).
			if v, _ := o.patternName([]string{re.String(), q.String()}, nil, o.r.Properties); v != regexlang.No {
				return false
			}
			continue
		}
		if !o.writerHasPattern(q.String()) {
			return false // may overlap the class
		}
	}
	for name := range ev.names {
		if re != nil {
			// A declared name is compared by name, outside the class.
			if re.MatchString(name) && !o.declares(name) {
				return false
			}
			continue
		}
		if !o.writerEvaluates(name) {
			return false
		}
	}
	return true
}

func (o *objectCheck) writerHasPattern(p string) bool {
	for _, s := range o.wv.pos {
		if patternNamed(s.PatternProperties, p) != nil {
			return true
		}
	}
	return false
}

func patternNamed(m map[*regexp.Regexp]*js.Schema, p string) *js.Schema {
	for re, s := range m {
		if re.String() == p {
			return s
		}
	}
	return nil
}

func hasPattern(m map[*regexp.Regexp]*js.Schema, p string) bool { return patternNamed(m, p) != nil }

// namesMatching lists candidate property names matching re for witnesses:
// samples of the pattern, then extraName's, without names declared on
// either side or matching another reader pattern.
func (o *objectCheck) namesMatching(re *regexp.Regexp, declared map[string]*js.Schema, patterns map[*regexp.Regexp]*js.Schema) []string {
	var out []string
	cands := append(patternSamples(re.String()), extraNames...)
	if v, n := o.patternName([]string{re.String()}, otherPatterns(patterns, re), declared); v == regexlang.Yes {
		cands = append([]string{n}, cands...)
	}
next:
	for _, n := range cands {
		if !re.MatchString(n) {
			continue
		}
		if _, ok := declared[n]; ok {
			continue
		}
		for p := range patterns {
			if p.String() != re.String() && p.MatchString(n) {
				continue next
			}
		}
		for _, s := range o.wv.pos {
			if _, ok := s.Properties[n]; ok {
				continue next
			}
		}
		out = append(out, n)
	}
	return out
}

// nameWitness returns a witness object with one of the names: the
// writer's base object with name set to a writer value that rs (the
// reader's schema for it; nil: the reader allows no such property)
// rejects, checked against this writer and reader node.
func (o *objectCheck) nameWitness(names []string, rs *js.Schema) (string, any, bool) {
	for _, n := range names {
		wsubs, absent, _ := o.writerProp(n)
		if absent {
			continue
		}
		var v any
		found := false
		if rs == nil {
			v, found = o.c.sampleIn(wsubs)
		} else {
			for _, f := range o.c.incl(wsubs, rs) {
				if f.hasWit {
					v, found = f.wit, true
					break
				}
			}
		}
		if !found {
			continue
		}
		if obj, ok := o.withProp(n, v); ok && o.c.writerAccepts(o.ws, obj) && o.r.Validate(obj) != nil {
			return n, obj, true
		}
	}
	return "", nil, false
}

// extraNames are the property names tried first for witnesses.
var extraNames = []string{"extra", "x-extra", "zzz", "_extra", "a1", "x", "A", "0", "extra-property", "_", "-"}

// extraName picks a property name for a witness: undeclared on both sides,
// matching want (if given) and no other reader pattern.
func (o *objectCheck) extraName(want *regexp.Regexp, declared map[string]*js.Schema, patterns map[*regexp.Regexp]*js.Schema) (string, bool) {
	cands := extraNames
	if want != nil {
		cands = append(patternSamples(want.String()), cands...)
	}
next:
	for _, n := range cands {
		if _, ok := declared[n]; ok {
			continue
		}
		if o.writerEvaluates(n) && want == nil {
			continue
		}
		if want != nil && !want.MatchString(n) {
			continue
		}
		for re := range patterns {
			if re != want && re.MatchString(n) {
				continue next
			}
		}
		for _, s := range o.wv.pos {
			if s.PropertyNames != nil && s.PropertyNames.Validate(n) != nil {
				continue next
			}
			if _, ok := s.Properties[n]; ok {
				continue next
			}
		}
		return n, true
	}
	return "", false
}

// unevaluated applies the reader's unevaluatedProperties to the names the
// subschemas that surely apply with it (itself, allOf, $ref; see
// evaluated.go) do not declare. Names declared only in conditional
// branches count as unevaluated, which can only add findings.
func (o *objectCheck) unevaluated() {
	u := o.r.UnevaluatedProperties
	if u == nil || isTrueSchema(u) {
		return
	}
	declared := map[string]*js.Schema{}
	patterns := map[*regexp.Regexp]*js.Schema{}
	everything := false
	o.c.surelyApplied(o.r, o.ws, func(s *js.Schema) {
		for n, p := range s.Properties {
			declared[n] = p
		}
		for re, p := range s.PatternProperties {
			patterns[re] = p
		}
		if s.AdditionalProperties != nil || (s != o.r && s.UnevaluatedProperties != nil) {
			everything = true
		}
	})
	if everything {
		return
	}
	var rest any = u
	for _, name := range o.writerNames() {
		if _, ok := declared[name]; ok || matchesAny(patterns, name) {
			continue
		}
		wsubs, absent, _ := o.writerProp(name)
		if absent {
			continue
		}
		fs := o.c.incl(wsubs, u)
		if len(fs) == 0 {
			continue
		}
		f := finding{rule: &RuleUnevaluatedPropsNarrowed, path: ptrOf(o.r) + "/unevaluatedProperties",
			msg: "property `" + name + "` is not evaluated by the reader and its unevaluatedProperties rejects it"}
		for _, n := range fs {
			if n.hasWit {
				f.wit, f.hasWit = o.withProp(name, n.wit)
				break
			}
		}
		o.add(f)
	}
	o.genericWith(rest, &RuleUnevaluatedPropsNarrowed, "/unevaluatedProperties", declared, patterns)
}

func matchesAny(m map[*regexp.Regexp]*js.Schema, name string) bool {
	for re := range m {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

func (o *objectCheck) propertyNames() {
	pn := o.r.PropertyNames
	if pn == nil || isTrueSchema(pn) {
		return
	}
	for _, name := range o.writerNames() {
		wsubs, absent, _ := o.writerProp(name)
		if absent || pn.Validate(name) == nil {
			continue
		}
		f := finding{rule: &RulePropertyNamesNarrowed, path: ptrOf(o.r) + "/propertyNames",
			msg: "property name `" + name + "` is rejected by the reader's propertyNames"}
		if v, ok := o.c.sampleIn(wsubs); ok {
			f.wit, f.hasWit = o.withProp(name, v)
		}
		o.add(f)
	}
	if _, absent, _ := o.writerGeneric(nil); absent && !o.writerHasPatterns() {
		return
	}
	if done := o.closedPatternNames(pn); done {
		return
	}
	var wpn wset
	for _, s := range o.wv.pos {
		if s.PropertyNames != nil {
			wpn = append(wpn, wnode{s: s.PropertyNames})
		}
	}
	if len(wpn) > 0 && len(o.c.incl(wpn, pn)) == 0 {
		return
	}
	f := finding{rule: &RulePropertyNamesNarrowed, path: ptrOf(o.r) + "/propertyNames",
		msg: "the reader's propertyNames rejects property names the writer allows"}
	for _, n := range []string{"", "A", "0", "-", "x y", "_", "é", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if pn.Validate(n) == nil || !o.c.writerAccepts(wpn, n) {
			continue
		}
		if obj, ok := o.withProp(n, nil); ok {
			f.wit, f.hasWit = obj, true
			break
		}
	}
	o.add(f)
}

func (o *objectCheck) writerHasPatterns() bool {
	for _, s := range o.wv.pos {
		if len(s.PatternProperties) > 0 {
			return true
		}
	}
	return false
}

func (o *objectCheck) counts() {
	if o.r.MinProperties > o.wv.minProps {
		f := finding{rule: &RuleMinPropertiesIncreased, path: ptrOf(o.r) + "/minProperties",
			msg: "minProperties raised from " + strconv.Itoa(o.wv.minProps) + " to " + strconv.Itoa(o.r.MinProperties)}
		if base, ok := o.baseObject(); ok && len(base) < o.r.MinProperties {
			f.wit, f.hasWit = base, true
		}
		o.add(f)
	}
	if o.r.MaxProperties >= 0 {
		wmax := o.wv.maxProps
		if n, ok := o.closedCount(); ok {
			wmax = minBound(wmax, n)
		}
		if wmax < 0 || wmax > o.r.MaxProperties {
			f := finding{rule: &RuleMaxPropertiesDecreased, path: ptrOf(o.r) + "/maxProperties",
				msg: "maxProperties lowered to " + strconv.Itoa(o.r.MaxProperties) + "; the writer allows " + countString(wmax)}
			if obj, ok := o.objectWithCount(o.r.MaxProperties + 1); ok {
				f.wit, f.hasWit = obj, true
			}
			o.add(f)
		}
	}
}

func countString(n int) string {
	if n < 0 {
		return "any number"
	}
	return strconv.Itoa(n)
}

// closedCount is how many properties a closed writer can have at most.
func (o *objectCheck) closedCount() (int, bool) {
	names, ok := o.closedNames()
	return len(names), ok
}

// objectWithCount builds a writer object with n properties.
func (o *objectCheck) objectWithCount(n int) (map[string]any, bool) {
	base, ok := o.baseObject()
	if !ok {
		return nil, false
	}
	obj := make(map[string]any, n)
	for k, v := range base {
		obj[k] = v
	}
	for _, s := range o.wv.pos {
		for _, name := range sortedKeysOf(s.Properties) {
			if len(obj) >= n {
				break
			}
			if _, has := obj[name]; has {
				continue
			}
			if v, ok := o.c.sampleIn(wset{{s: s.Properties[name]}}); ok {
				obj[name] = v
			}
		}
	}
	for i := 0; len(obj) < n && i < n+8; i++ {
		obj["extra"+strconv.Itoa(i)] = nil
	}
	return obj, len(obj) == n
}

func (o *objectCheck) dependencies() {
	dr := map[string][]string{}
	ds := map[string]*js.Schema{}
	collectDeps(o.r, dr, ds)
	for _, p := range sortedKeysOf(dr) {
		// The writer with p present: its dependent requirements and
		// schemas of p apply (flatten, requiredClosure).
		withP, empty := o.c.flatten(o.ws.with(wnode{s: o.c.reqNode(p)}))
		if _, absent, _ := o.writerProp(p); absent || empty {
			continue
		}
		wv := newWriterView(withP)
		for _, q := range dr[p] {
			if o.writerRequires(q) || wv.required[q] {
				continue
			}
			f := finding{rule: &RuleDependentRequiredAdded, path: ptrOf(o.r) + "/dependentRequired/" + escapePointer(p),
				msg: "when `" + p + "` is present the reader now requires `" + q + "`; writers may omit it"}
			f.wit, f.hasWit = o.objectWith(p, q)
			o.add(f)
		}
	}
	for _, p := range sortedKeysOf(ds) {
		if _, absent, _ := o.writerProp(p); absent {
			continue
		}
		fs := o.c.incl(o.ws.with(wnode{s: o.c.reqNode(p)}), ds[p])
		if len(fs) == 0 {
			continue
		}
		f := finding{rule: &RuleDependentSchemaAdded, path: ptrOf(o.r) + "/dependentSchemas/" + escapePointer(p),
			msg: "when `" + p + "` is present the reader now applies a schema the writer's objects need not satisfy (" + fs[0].msg + ")"}
		for _, n := range fs {
			if obj, ok := n.wit.(map[string]any); ok && n.hasWit {
				if _, has := obj[p]; has {
					f.wit, f.hasWit = obj, true
					break
				}
			}
		}
		if !f.hasWit {
			if obj, ok := o.objectWith(p, ""); ok && ds[p].Validate(obj) != nil {
				f.wit, f.hasWit = obj, true
			}
		}
		o.add(f)
	}
}

// objectWith builds a writer object that has property p (unless p is "")
// and lacks property without (unless it is "").
func (o *objectCheck) objectWith(p, without string) (any, bool) {
	ws := o.ws
	if p != "" {
		ws = ws.with(wnode{s: o.c.reqNode(p)})
	}
	if without != "" {
		ws = ws.with(wnode{s: o.c.reqNode(without), neg: true})
	}
	if flat, empty := o.c.flatten(ws); !empty {
		if v, ok := o.c.sampleTyped(flat, o.c.view(flat), tObject); ok {
			return v, true
		}
	}
	if p == "" {
		return nil, false
	}
	wsubs, _, _ := o.writerProp(p)
	if v, ok := o.c.sampleIn(wsubs); ok {
		if obj, ok := o.withProp(p, v); ok {
			if without != "" {
				delete(obj, without)
			}
			return obj, true
		}
	}
	return nil, false
}

// collectDeps merges draft-4..7 dependencies into the 2019-09 split form.
func collectDeps(s *js.Schema, dr map[string][]string, ds map[string]*js.Schema) {
	for p, qs := range s.DependentRequired {
		dr[p] = append(dr[p], qs...)
	}
	for p, d := range s.DependentSchemas {
		ds[p] = d
	}
	for p, d := range s.Dependencies {
		switch d := d.(type) {
		case []string:
			dr[p] = append(dr[p], d...)
		case *js.Schema:
			ds[p] = d
		}
	}
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedPatterns(m map[*regexp.Regexp]*js.Schema) []*regexp.Regexp {
	if len(m) == 0 {
		return nil
	}
	out := make([]*regexp.Regexp, 0, len(m))
	for re := range m {
		out = append(out, re)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// patternStrings lists the patterns of m, sorted.
func patternStrings(m map[*regexp.Regexp]*js.Schema) []string {
	out := make([]string, 0, len(m))
	for _, re := range sortedPatterns(m) {
		out = append(out, re.String())
	}
	return out
}

// Package regexlang decides questions about the languages of JSON Schema
// patterns: whether one pattern's strings are all matched by another,
// whether a pattern with length bounds matches anything, and a shortest
// string that shows the answer.
//
// Patterns are read as the validator (santhosh-tekuri/jsonschema/v5) reads
// them: Go's regexp with Perl flags, matched as an unanchored search, so
// pattern P accepts s when some substring of s matches P, with ^ and $
// (and \A, \z, (?m) line anchors, \b, \B) as empty-width assertions. The
// compiled program (regexp/syntax's Thompson NFA) is determinised lazily,
// over an alphabet made finite by grouping code points that every
// instruction of every pattern in the question treats alike, and the
// product of the automata is explored breadth first, so a witness is one
// of the shortest strings that answers the question.
//
// Every question has a state budget; over it, or for a pattern Go cannot
// parse (ECMA-262 lookaround, backreferences), the verdict is Unknown and
// callers keep their undecided finding.
package regexlang

import (
	"errors"
	"regexp/syntax"
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"
)

// Verdict is the answer to a question: Yes, No, or Unknown when the
// budget ran out or a pattern is outside what the automata model.
type Verdict int

const (
	Unknown Verdict = iota
	Yes
	No
)

func (v Verdict) String() string {
	switch v {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// DefaultBudget bounds the automaton states (of every pattern's lazy DFA
// and of their product) built for one question. 50,000 states keeps a
// question under about 100 ms and a few MB.
const DefaultBudget = 50_000

// Limits on the inputs of one question, beyond which the answer is
// Unknown without trying: the program of every pattern together, and the
// work of sorting the alphabet into classes.
const (
	maxInsts     = 20_000
	maxClassWork = 1_000_000
	maxExcluded  = 4096
)

// Query asks for a string s with every condition: s matches each pattern
// of Match, none of NoMatch, has MinLen..MaxLen code points (MaxLen < 0:
// unbounded) and is none of Exclude.
type Query struct {
	Match   []string
	NoMatch []string
	MinLen  int
	MaxLen  int
	Exclude []string
	// Budget is the number of automaton states the question may build;
	// 0 means DefaultBudget.
	Budget int
}

// errBudget ends a search whose states exceed the budget.
var errBudget = errors.New("regexlang: state budget exceeded")

// Exists answers q: Yes with the witness (one of the shortest such
// strings), No when no string meets every condition, Unknown otherwise.
// States reports the states built, for callers that keep a budget over
// several questions.
func Exists(q Query) (v Verdict, witness string, states int) {
	if q.MaxLen >= 0 && q.MinLen > q.MaxLen {
		return No, "", 0
	}
	budget := q.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	var progs []*syntax.Prog
	total := 0
	for _, list := range [][]string{q.Match, q.NoMatch} {
		for _, p := range list {
			prog, err := compile(p)
			if err != nil {
				return Unknown, "", 0
			}
			total += len(prog.Inst)
			if total > maxInsts {
				return Unknown, "", 0
			}
			progs = append(progs, prog)
		}
	}
	if len(q.Exclude) > maxExcluded {
		return Unknown, "", 0
	}
	tr := newTrie(q.Exclude)
	al, ok := newAlphabet(progs, tr)
	if !ok {
		return Unknown, "", 0
	}
	s := &search{q: q, al: al, tr: tr, budget: budget, nMatch: len(q.Match)}
	for _, p := range progs {
		s.dfas = append(s.dfas, newDFA(p, al))
	}
	v, witness = s.run()
	return v, witness, s.states
}

// Included decides whether every string pattern a accepts is accepted by
// pattern b; when not (No), witness is one of the shortest strings a
// accepts and b rejects.
func Included(a, b string, budget int) (Verdict, string) {
	return IncludedLen(a, 0, -1, b, budget)
}

// IncludedLen is Included for the strings of a with minLen..maxLen code
// points (maxLen < 0: unbounded), as a writer's minLength/maxLength bound
// them.
func IncludedLen(a string, minLen, maxLen int, b string, budget int) (Verdict, string) {
	return noneExists(Query{Match: []string{a}, NoMatch: []string{b}, MinLen: minLen, MaxLen: maxLen, Budget: budget})
}

// Empty decides whether no string of minLen..maxLen code points matches
// pattern p; when one does (No), witness is one of the shortest.
func Empty(p string, minLen, maxLen, budget int) (Verdict, string) {
	return noneExists(Query{Match: []string{p}, MinLen: minLen, MaxLen: maxLen, Budget: budget})
}

// noneExists decides whether no string answers q: Yes when none does, No
// with the string found as witness when one does.
func noneExists(q Query) (Verdict, string) {
	v, w, _ := Exists(q)
	switch v {
	case Yes:
		return No, w
	case No:
		return Yes, ""
	}
	return Unknown, ""
}

// compile parses p as regexp.Compile does (Perl flags, simplified) and
// compiles the Thompson NFA the validator runs.
func compile(p string) (*syntax.Prog, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return syntax.Compile(re.Simplify())
}

// The empty-width conditions that depend on the text already read, and on
// the rune that comes next (or the end).
const (
	pastFlags = syntax.EmptyBeginText | syntax.EmptyBeginLine
)

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && syntax.IsWordChar(r)
}

// runeSets returns the runes inst accepts as sorted, disjoint ranges
// (pairs lo, hi), following Inst.MatchRune (a single rune with FoldCase
// stands for its whole case-folding orbit).
func runeSets(in *syntax.Inst) []rune {
	switch in.Op {
	case syntax.InstRuneAny:
		return []rune{0, unicode.MaxRune}
	case syntax.InstRuneAnyNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}
	case syntax.InstRune1:
		return []rune{in.Rune[0], in.Rune[0]}
	}
	if len(in.Rune) == 1 {
		r0 := in.Rune[0]
		out := []rune{r0, r0}
		if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
			for r := unicode.SimpleFold(r0); r != r0; r = unicode.SimpleFold(r) {
				out = append(out, r, r)
			}
		}
		return out
	}
	return in.Rune
}

// alphabet partitions the code points (without the surrogates, which a
// JSON string cannot hold) into classes: runes of one class are accepted
// by the same instructions, are all word runes or all not, all '\n' or
// not, and all the same rune where an excluded string uses it.
type alphabet struct {
	// classOf maps interval i (starting at lo[i]) to its class.
	lo      []rune
	classOf []int32
	rep     []rune // a readable rune of each class
	word    []bool
	nl      []bool
	// excl is the excluded-string rune a class stands for, or -1.
	excl []rune
}

func (a *alphabet) n() int { return len(a.rep) }

// class returns the class of rune r.
func (a *alphabet) class(r rune) int32 {
	i := sort.Search(len(a.lo), func(i int) bool { return a.lo[i] > r }) - 1
	return a.classOf[i]
}

func newAlphabet(progs []*syntax.Prog, tr *trie) (*alphabet, bool) {
	cuts := map[rune]bool{0: true, '\n': true, '\n' + 1: true, 0xD800: true, 0xE000: true}
	for _, r := range []rune{'0', '9' + 1, 'A', 'Z' + 1, '_', '_' + 1, 'a', 'z' + 1, utf8.RuneSelf} {
		cuts[r] = true
	}
	var insts []*syntax.Inst
	for _, p := range progs {
		for i := range p.Inst {
			in := &p.Inst[i]
			switch in.Op {
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				insts = append(insts, in)
				rs := runeSets(in)
				for j := 0; j+1 < len(rs); j += 2 {
					cuts[rs[j]] = true
					if rs[j+1] < unicode.MaxRune {
						cuts[rs[j+1]+1] = true
					}
				}
			}
		}
	}
	for r := range tr.runes {
		cuts[r] = true
		cuts[r+1] = true
	}
	lo := make([]rune, 0, len(cuts))
	for r := range cuts {
		if r <= unicode.MaxRune {
			lo = append(lo, r)
		}
	}
	slices.Sort(lo)
	if len(lo)*(len(insts)+1) > maxClassWork {
		return nil, false
	}
	a := &alphabet{lo: lo, classOf: make([]int32, len(lo))}
	bySig := map[string]int32{}
	sig := make([]byte, 0, len(insts)/8+4)
	for i, r := range lo {
		if r >= 0xD800 && r < 0xE000 {
			a.classOf[i] = -1 // surrogates: no JSON string has them
			continue
		}
		sig = sig[:0]
		var bits byte
		for j, in := range insts {
			if in.MatchRune(r) {
				bits |= 1 << (j % 8)
			}
			if j%8 == 7 {
				sig = append(sig, bits)
				bits = 0
			}
		}
		sig = append(sig, bits)
		w, nl := isWordRune(r), r == '\n'
		var flags byte
		if w {
			flags |= 1
		}
		if nl {
			flags |= 2
		}
		sig = append(sig, flags)
		ex := rune(-1)
		if tr.runes[r] {
			ex = r
			sig = utf8.AppendRune(sig, r)
		}
		c, ok := bySig[string(sig)]
		if !ok {
			c = int32(len(a.rep))
			bySig[string(sig)] = c
			a.rep = append(a.rep, r)
			a.word = append(a.word, w)
			a.nl = append(a.nl, nl)
			a.excl = append(a.excl, ex)
		}
		a.classOf[i] = c
	}
	// A readable representative: the first of these runes a class
	// holds, else the lowest printable one of its intervals.
	best := make([]int, a.n())
	for i := range best {
		best[i] = 1 << 30
	}
	const preferred = "abcxyzABC019_-. /:@~!"
	for k, r := range preferred {
		c := a.class(r)
		if c >= 0 && k < best[c] {
			best[c], a.rep[c] = k, r
		}
	}
	for i, r := range lo {
		c := a.classOf[i]
		if c < 0 || best[c] < 1<<30 {
			continue
		}
		hi := rune(unicode.MaxRune)
		if i+1 < len(lo) {
			hi = lo[i+1] - 1
		}
		for x := r; x <= hi && x < r+64; x++ {
			if unicode.IsPrint(x) {
				a.rep[c], best[c] = x, 1<<29
				break
			}
		}
	}
	return a, true
}

// order lists the classes in the order a search tries them, so that
// among the shortest witnesses the most readable is found: classes with
// preferred representatives first.
func (a *alphabet) order() []int32 {
	out := make([]int32, a.n())
	for i := range out {
		out[i] = int32(i)
	}
	rank := func(r rune) int {
		switch {
		case r >= 'a' && r <= 'z':
			return 0
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return 1
		case r > ' ' && r < utf8.RuneSelf:
			return 2
		case r == ' ':
			return 3
		case unicode.IsPrint(r):
			return 4
		}
		return 5
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(a.rep[out[i]]) < rank(a.rep[out[j]]) })
	return out
}

// trie holds the excluded strings; node 0 is the root, -1 means the text
// left every excluded string.
type trie struct {
	next  []map[rune]int32
	final []bool
	runes map[rune]bool
}

func newTrie(words []string) *trie {
	t := &trie{next: []map[rune]int32{{}}, final: []bool{false}, runes: map[rune]bool{}}
	for _, w := range words {
		n := int32(0)
		for _, r := range w {
			t.runes[r] = true
			m, ok := t.next[n][r]
			if !ok {
				m = int32(len(t.next))
				t.next[n][r] = m
				t.next = append(t.next, map[rune]int32{})
				t.final = append(t.final, false)
			}
			n = m
		}
		t.final[n] = true
	}
	return t
}

// step follows class c from node n.
func (t *trie) step(n int32, al *alphabet, c int32) int32 {
	if n < 0 || al.excl[c] < 0 {
		return -1
	}
	if m, ok := t.next[n][al.excl[c]]; ok {
		return m
	}
	return -1
}

package regexlang

import (
	"encoding/binary"
	"regexp/syntax"
	"slices"
)

// Context bits of a DFA state: what the text read so far says about the
// empty-width assertions still to be checked.
const (
	ctxStart    = 1 << iota // nothing read yet
	ctxPrevNL               // the last rune read is '\n'
	ctxPrevWord             // the last rune read is an ASCII word rune
)

// dstate is a state of the lazy DFA: the NFA threads alive after the text
// read so far, closed over every empty-width step the past decides. The
// threads wait at rune instructions, or at assertions that depend on the
// next rune (end of line or text, word boundaries).
type dstate struct {
	pcs     []uint32
	ctx     uint8
	matched bool // a match was found: every extension matches (unanchored search)
	end     int8 // 0 not computed, 1 accepts at end of text, -1 not
	next    []int32
}

func (s *dstate) dead() bool { return !s.matched && len(s.pcs) == 0 }

// dfa determinises one pattern's program lazily over an alphabet.
type dfa struct {
	prog     *syntax.Prog
	al       *alphabet
	states   []*dstate
	index    map[string]int32
	anchored bool  // every match starts at the beginning of the text
	ctxMask  uint8 // the context bits the program's assertions read
	// scratch for closures
	seen  []uint32
	gen   uint32
	stack []uint32
	key   []byte
	// work counts the instructions visited by closures (checked by the
	// search against maxWork: states alone do not bound the time when
	// programs are large and classes many).
	work int
}

func newDFA(p *syntax.Prog, al *alphabet) *dfa {
	d := &dfa{prog: p, al: al, index: map[string]int32{}, seen: make([]uint32, len(p.Inst)), ctxMask: ctxStart}
	d.anchored = p.StartCond()&syntax.EmptyBeginText != 0
	for _, in := range p.Inst {
		if in.Op != syntax.InstEmptyWidth {
			continue
		}
		op := syntax.EmptyOp(in.Arg)
		if op&syntax.EmptyBeginLine != 0 {
			d.ctxMask |= ctxPrevNL
		}
		if op&(syntax.EmptyWordBoundary|syntax.EmptyNoWordBoundary) != 0 {
			d.ctxMask |= ctxPrevWord
		}
	}
	return d
}

// past returns the assertions the context makes true at the current
// position, whatever comes next.
func past(ctx uint8) syntax.EmptyOp {
	var f syntax.EmptyOp
	if ctx&ctxStart != 0 {
		f |= syntax.EmptyBeginText | syntax.EmptyBeginLine
	}
	if ctx&ctxPrevNL != 0 {
		f |= syntax.EmptyBeginLine
	}
	return f
}

// future returns the assertions true at the current position when class c
// comes next (c < 0: the text ends).
func (d *dfa) future(ctx uint8, c int32) syntax.EmptyOp {
	var f syntax.EmptyOp
	nextWord := false
	if c < 0 {
		f |= syntax.EmptyEndText | syntax.EmptyEndLine
	} else {
		if d.al.nl[c] {
			f |= syntax.EmptyEndLine
		}
		nextWord = d.al.word[c]
	}
	if (ctx&ctxPrevWord != 0) != nextWord {
		f |= syntax.EmptyWordBoundary
	} else {
		f |= syntax.EmptyNoWordBoundary
	}
	return f
}

// closure follows the empty steps from the roots under the assertions of
// flags. With partial set, assertions that also need flags outside
// pastFlags are kept as waiting threads rather than decided. It returns
// the threads (sorted) and whether a match was reached.
func (d *dfa) closure(roots []uint32, flags syntax.EmptyOp, partial bool) ([]uint32, bool) {
	d.gen++
	if d.gen == 0 {
		clear(d.seen)
		d.gen = 1
	}
	var out []uint32
	matched := false
	stack := append(d.stack[:0], roots...)
	d.work += len(stack)
	slices.Reverse(stack)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if d.seen[pc] == d.gen {
			continue
		}
		d.seen[pc] = d.gen
		in := &d.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			d.work += 2
			stack = append(stack, in.Arg, in.Out)
		case syntax.InstNop, syntax.InstCapture:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			need := syntax.EmptyOp(in.Arg)
			switch {
			case partial && need&pastFlags&^flags != 0:
				// the past already rules it out
			case partial && need&^pastFlags != 0:
				out = append(out, pc)
			case need&^flags == 0:
				stack = append(stack, in.Out)
			}
		case syntax.InstMatch:
			matched = true
		case syntax.InstFail:
		default: // rune instructions
			out = append(out, pc)
		}
	}
	d.stack = stack
	slices.Sort(out)
	return out, matched
}

// intern returns the id of the state (pcs, ctx), building it on first
// sight; states counts the states built against the budget.
func (d *dfa) intern(pcs []uint32, ctx uint8, matched bool, s *search) (int32, error) {
	ctx &= d.ctxMask
	if matched {
		pcs, ctx = nil, 0
	}
	k := append(d.key[:0], ctx)
	if matched {
		k[0] = 0x80 // no context bit is this high
	}
	for _, pc := range pcs {
		k = binary.AppendUvarint(k, uint64(pc))
	}
	d.key = k
	if id, ok := d.index[string(k)]; ok {
		return id, nil
	}
	if err := s.spend(); err != nil {
		return 0, err
	}
	id := int32(len(d.states))
	d.states = append(d.states, &dstate{pcs: pcs, ctx: ctx, matched: matched})
	d.index[string(k)] = id
	return id, nil
}

// start returns the state before any text.
func (d *dfa) start(s *search) (int32, error) {
	pcs, m := d.closure([]uint32{uint32(d.prog.Start)}, past(ctxStart), true)
	return d.intern(pcs, ctxStart, m, s)
}

// step returns the state after reading a rune of class c.
func (d *dfa) step(id int32, c int32, s *search) (int32, error) {
	st := d.states[id]
	if st.matched {
		return id, nil
	}
	if st.next == nil {
		st.next = make([]int32, d.al.n())
		for i := range st.next {
			st.next[i] = -1
		}
	}
	if n := st.next[c]; n >= 0 {
		return n, nil
	}
	full, matched := d.closure(st.pcs, past(st.ctx)|d.future(st.ctx, c), false)
	var next []uint32
	if !matched {
		r := d.al.rep[c]
		for _, pc := range full {
			in := &d.prog.Inst[pc]
			if in.Op != syntax.InstEmptyWidth && in.MatchRune(r) {
				next = append(next, in.Out)
			}
		}
	}
	ctx := uint8(0)
	if d.al.nl[c] {
		ctx |= ctxPrevNL
	}
	if d.al.word[c] {
		ctx |= ctxPrevWord
	}
	var pcs []uint32
	if !matched {
		if !d.anchored {
			next = append(next, uint32(d.prog.Start))
		}
		pcs, matched = d.closure(next, past(ctx), true)
	}
	n, err := d.intern(pcs, ctx, matched, s)
	if err != nil {
		return 0, err
	}
	st = d.states[id]
	st.next[c] = n
	return n, nil
}

// acceptsEnd reports whether the text read so far matches: a match was
// found, or one is reached when the text ends here.
func (d *dfa) acceptsEnd(id int32) bool {
	st := d.states[id]
	if st.matched {
		return true
	}
	if st.end == 0 {
		_, m := d.closure(st.pcs, past(st.ctx)|d.future(st.ctx, -1), false)
		st.end = -1
		if m {
			st.end = 1
		}
	}
	return st.end > 0
}

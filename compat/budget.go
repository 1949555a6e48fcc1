package compat

import (
	"context"
	"strconv"

	js "github.com/santhosh-tekuri/jsonschema/v5"
)

// The cost of a check is bounded three ways: steps (node pairs compared,
// enum values validated, samples built), an estimate of the memory the
// check allocates, and a context the caller cancels (the CLI on SIGINT or
// SIGTERM, the server when the client hangs up). Past a budget the check
// stops and answers incompatible with one undecidable-complexity finding
// naming the setting that raises it: sound, never a crash. A cancelled
// context ends the check with the context's error instead.

const (
	// DefaultMaxSteps is the step budget of one check. Real schemas need a
	// few steps per keyword (the 2,056-property benchmark pair: ~10,000);
	// it only stops pathological combinator explosions.
	DefaultMaxSteps = 1_000_000
	// DefaultMaxMemory is the budget, in bytes, of the estimated memory one
	// check allocates: memo entries, witness nodes and samples.
	DefaultMaxMemory = 32 << 20
)

// pollEvery is how many steps pass between two looks at the context: a
// step is microseconds, so cancellation is noticed within milliseconds.
const pollEvery = 256

// Estimated bytes of what the checker keeps (Go map entry overhead
// included), used for the memory budget.
const (
	memoEntryBytes   = 96  // a memo entry without its key
	findingBytes     = 128 // a finding without its witness
	witnessNodeBytes = 64  // one value in a witness document
	sampleBytes      = 128 // a cached sample without its key
)

// maxWitnessDepth bounds how deep in the recursion of node pairs a
// witness is still built: each level may wrap it once more, so deeper
// witnesses would be documents nested past any reader's patience.
const maxWitnessDepth = 32

// maxWitnessNodes bounds the values in a reported witness.
const maxWitnessNodes = 10_000

type stopReason uint8

const (
	running stopReason = iota
	outOfSteps
	outOfMemory
	cancelled
)

// budget is shared by a check and the fresh samplers it starts.
type budget struct {
	ctx      context.Context
	maxSteps int
	maxMem   int64
	steps    int
	mem      int64
	stop     stopReason
}

func newBudget(ctx context.Context, opts Options) *budget {
	b := &budget{ctx: ctx, maxSteps: opts.stepBudget(), maxMem: opts.MaxMemory}
	if b.maxMem <= 0 {
		b.maxMem = DefaultMaxMemory
	}
	return b
}

// stepBudget is opts.MaxSteps, or DefaultMaxSteps when it is not set.
func (opts Options) stepBudget() int {
	if opts.MaxSteps <= 0 {
		return DefaultMaxSteps
	}
	return opts.MaxSteps
}

// tick counts one step and reports whether the check may go on.
func (b *budget) tick() bool {
	if b.stop != running {
		return false
	}
	b.steps++
	if b.steps > b.maxSteps {
		b.stop = outOfSteps
		return false
	}
	if b.steps%pollEvery == 0 && b.ctx.Err() != nil {
		b.stop = cancelled
		return false
	}
	return true
}

// charge counts n steps at once (a validation: see weight).
func (b *budget) charge(n int) bool {
	if b.stop != running {
		return false
	}
	before := b.steps
	b.steps += n
	if b.steps > b.maxSteps {
		b.stop = outOfSteps
		return false
	}
	if b.steps/pollEvery != before/pollEvery && b.ctx.Err() != nil {
		b.stop = cancelled
		return false
	}
	return true
}

// weight is the steps one validation against s is charged: the nodes of
// its subtree (references count one). Validating witnesses against large
// writers was most of the time of combinator-heavy checks while a node
// pair counted one step, so the step budget did not bound time.
func (c *checker) weight(s *js.Schema) int {
	if w, ok := c.weights[s]; ok {
		return w
	}
	if c.weights == nil {
		c.weights = map[*js.Schema]int{}
	}
	w := 1
	add := func(x *js.Schema) { w = min(w+c.weight(x), 1<<20) }
	inPlaceAndValues(s, add)
	for _, x := range []*js.Schema{s.Then, s.Else} {
		if x != nil {
			add(x)
		}
	}
	c.weights[s] = w
	return w
}

// alloc charges n estimated bytes and reports whether the check may go on.
func (b *budget) alloc(n int) bool {
	if b.stop != running {
		return false
	}
	b.mem += int64(n)
	if b.mem > b.maxMem {
		b.stop = outOfMemory
		return false
	}
	return true
}

func (b *budget) stopped() bool { return b.stop != running }

// tooComplex is the finding that ends a check out of budget, at reader
// node r.
func (c *checker) tooComplex(r *js.Schema) finding {
	var msg string
	switch c.bud.stop {
	case outOfMemory:
		flag := c.opts.MemoryFlag
		if flag == "" {
			flag = "--max-memory"
		}
		msg = "the comparison needs more than its memory budget of " + strconv.FormatInt(c.bud.maxMem, 10) +
			" bytes to decide; treat it as breaking, simplify the schemas or raise " + flag
	default:
		flag := c.opts.StepsFlag
		if flag == "" {
			flag = "--max-steps"
		}
		msg = "the comparison needs more than its work budget of " + strconv.Itoa(c.bud.maxSteps) +
			" steps to decide; treat it as breaking, simplify the schemas or raise " + flag
	}
	path := ""
	if r != nil {
		path = ptrOf(r)
	}
	return finding{rule: &RuleTooComplex, path: path, msg: msg}
}

// witnessNodes counts the values of a witness document, stopping past max.
func witnessNodes(v any, max int) int {
	n := 1
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			if n > max {
				break
			}
			n += witnessNodes(x, max-n)
		}
	case []any:
		for _, x := range v {
			if n > max {
				break
			}
			n += witnessNodes(x, max-n)
		}
	}
	return n
}

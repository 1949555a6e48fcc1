package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/report"
)

func cmdDiff(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "diff", "OLD NEW [--mode backward|forward|full] [--policy strict|lenient] [--format F] [--fail-on breaking|warning|none] [--max-steps N] [--max-memory BYTES] [--ref URI=FILE] [--ref-dir DIR]")
	modeFlag := fs.String("mode", "backward", "backward (new reads old data), forward (old reads new data) or full")
	policyFlag := fs.String("policy", "strict", "strict or lenient (open content models may gain optional properties)")
	format := fs.String("format", "text", "report format: "+strings.Join(report.Formats, ", "))
	failOnFlag := fs.String("fail-on", "breaking", "exit 1 on: breaking (breaking changes), warning (any finding) or none")
	budget := addBudgetFlags(fs)
	refs := addRefFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("diff needs two schema files, OLD and NEW (use - for standard input)")
	}
	mode, err := compat.ParseMode(*modeFlag)
	if err != nil || mode.Transitive() || mode == compat.None {
		return usagef("--mode must be backward, forward or full, not %q", *modeFlag)
	}
	policy, err := compat.ParsePolicy(*policyFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	if !slices.Contains(report.Formats, *format) {
		return usagef("--format must be one of %s, not %q", strings.Join(report.Formats, ", "), *format)
	}
	failOn, err := report.ParseFailOn(*failOnFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	if pos[0] == "-" && pos[1] == "-" {
		return usagef("only one of OLD and NEW can be standard input")
	}
	if err := budget.validate(); err != nil {
		return err
	}
	schemas, err := loadSchemas(e, pos, refs)
	if err != nil {
		return err
	}
	opts := compat.Options{Policy: policy, MaxSteps: budget.steps, MaxMemory: budget.memory}
	rep, err := compat.CheckModeContext(ctx, mode, schemas[:1], schemas[1], opts)
	if err != nil {
		return interrupted(ctx, "the comparison")
	}
	res := report.Result{Command: "diff", Mode: strings.ToLower(string(mode)), Items: []report.Item{{
		BaseFile: displayName(pos[0]), Base: schemas[0].Raw(),
		SchemaFile: displayName(pos[1]), Schema: schemas[1].Raw(),
		Findings: rep.Findings,
	}}}
	ropts := report.Options{Color: useColor(e, *format), FailOn: failOn}
	if err := report.Render(e.stdout, *format, res, ropts); err != nil {
		return err
	}
	if res.Fails(failOn) {
		return errBreaking
	}
	return nil
}

// isTerminal reports whether w is a terminal: a character device other
// than the null device. run puts it in env; tests may put another.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// useColor: ANSI colour only for the text format on a terminal, and never
// when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColor(e env, format string) bool {
	return format == "text" && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb" && e.isTerminal(e.stdout)
}

// budgetFlags are --max-steps and --max-memory: the budget of one check
// (compat.Options). Past it the check answers undecidable-complexity.
type budgetFlags struct {
	steps  int
	memory int64
}

func addBudgetFlags(fs *flag.FlagSet) *budgetFlags {
	b := &budgetFlags{}
	fs.IntVar(&b.steps, "max-steps", compat.DefaultMaxSteps, "work budget of the check, in steps (past it: an undecidable-complexity finding)")
	fs.Int64Var(&b.memory, "max-memory", compat.DefaultMaxMemory, "memory budget of the check, in estimated bytes (past it: an undecidable-complexity finding)")
	return b
}

func (b *budgetFlags) validate() error {
	if b.steps <= 0 {
		return usagef("--max-steps must be a positive whole number, not %d", b.steps)
	}
	if b.memory <= 0 {
		return usagef("--max-memory must be a positive number of bytes, not %d", b.memory)
	}
	return nil
}

// interrupted is the error of a command whose context was cancelled (by
// SIGINT or SIGTERM, see runIn) while it was computing what.
func interrupted(ctx context.Context, what string) error {
	return fmt.Errorf("interrupted: %s was stopped before it finished (%v)", what, context.Cause(ctx))
}

// loadSchemas reads and compiles the named files concurrently: compiling
// (which validates against the metaschema) dominates a diff's cost. refs
// are the documents their $refs may reach.
func loadSchemas(e env, names []string, refs *refFlags) ([]*compat.Schema, error) {
	docs, err := refs.load()
	if err != nil {
		return nil, err
	}
	out := make([]*compat.Schema, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		data, err := readInput(e, name)
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = compat.Compile(data, compat.LoadOptions{Source: displayName(name),
				Resources: resourcesFor(docs, name), MissingRef: missingRefHint})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readInput(e env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(e.stdin, int64(compat.DefaultLimits.MaxBytes)+1))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, unwrapPathError(err))
	}
	return data, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

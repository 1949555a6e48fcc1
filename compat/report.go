package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Policy decides how open content models are judged.
type Policy int

const (
	// Strict (the default) follows set inclusion: a writer with an open
	// content model may have produced any value for a property the reader
	// now constrains, so adding such a property is breaking (as in Confluent).
	Strict Policy = iota
	// Lenient lets open content models gain optional properties and narrow
	// additionalProperties: those findings are reported as not breaking.
	Lenient
)

// ParsePolicy reads "strict" or "lenient" (any case; "" is strict).
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(s) {
	case "", "strict":
		return Strict, nil
	case "lenient":
		return Lenient, nil
	}
	return Strict, fmt.Errorf("unknown policy %q (want strict or lenient)", s)
}

func (p Policy) String() string {
	if p == Lenient {
		return "lenient"
	}
	return "strict"
}

// Options tune a check.
type Options struct {
	Policy Policy
	// MaxSteps bounds the steps of one check (node pairs compared, enum
	// values validated); 0 means DefaultMaxSteps. The pairs of a mode
	// check (CheckMode: full, transitive) share it.
	MaxSteps int
	// MaxMemory bounds the estimated bytes one check allocates (memo
	// entries, witness nodes, samples); 0 means DefaultMaxMemory.
	MaxMemory int64
	// StepsFlag and MemoryFlag name the settings that raise the budgets in
	// the message of an undecidable-complexity finding; "" means the CLI's
	// --max-steps and --max-memory.
	StepsFlag, MemoryFlag string
}

// Finding is one reason the reader may reject a document the writer accepts.
type Finding struct {
	Rule       string `json:"rule"`                 // stable kebab-case rule ID
	Path       string `json:"path"`                 // JSON Pointer into the reader schema
	WriterPath string `json:"writerPath,omitempty"` // JSON Pointer into the writer schema; omitted at its root ("")
	Breaking   bool   `json:"breaking"`
	Message    string `json:"message"`
	// Example is a witness: a document the writer schema accepts and the
	// reader schema rejects, confirmed with the validator. Absent when no
	// such document could be built and confirmed.
	Example json.RawMessage `json:"example,omitempty"`
	// Direction is set by the mode helpers: "backward" (old data, new
	// schema) or "forward" (new data, old schema).
	Direction string `json:"direction,omitempty"`
	// Version is set by the transitive mode helpers: the earlier version
	// (1-based position in the history) this finding was found against.
	Version int `json:"version,omitempty"`
}

// Report is the verdict of a check.
type Report struct {
	Compatible bool      `json:"compatible"`
	Findings   []Finding `json:"findings"`
}

func (r *Report) sortFindings() {
	sort.SliceStable(r.Findings, func(i, j int) bool { return findingLess(r.Findings[i], r.Findings[j]) })
}

// findingLess is the order of a report's findings: by version, direction,
// path, then rule.
func findingLess(a, b Finding) bool {
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	if a.Direction != b.Direction {
		return a.Direction < b.Direction
	}
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Rule < b.Rule
}

// capExamples keeps the examples of the first findings, in order, up to
// exampleBudget bytes together: the budget of one pair's report applied
// to a report that joins several pairs (transitive modes, full).
func (r *Report) capExamples() {
	left := exampleBudget
	for i := range r.Findings {
		if n := len(r.Findings[i].Example); n > left {
			r.Findings[i].Example = nil
		} else {
			left -= n
		}
	}
}

// Mode is a Confluent compatibility level.
type Mode string

const (
	None               Mode = "NONE"
	Backward           Mode = "BACKWARD"
	BackwardTransitive Mode = "BACKWARD_TRANSITIVE"
	Forward            Mode = "FORWARD"
	ForwardTransitive  Mode = "FORWARD_TRANSITIVE"
	Full               Mode = "FULL"
	FullTransitive     Mode = "FULL_TRANSITIVE"
)

// Modes lists every valid mode.
var Modes = []Mode{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ParseMode reads a mode name, case-insensitively ("full-transitive" too).
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToUpper(strings.ReplaceAll(s, "-", "_")))
	for _, v := range Modes {
		if v == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown compatibility mode %q (want one of %s)", s, ModeNames())
}

// ModeNames lists every valid mode for messages: "NONE, BACKWARD, …".
func ModeNames() string {
	names := make([]string, len(Modes))
	for i, m := range Modes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// Transitive reports whether the mode checks every earlier version.
func (m Mode) Transitive() bool { return strings.HasSuffix(string(m), "_TRANSITIVE") }

// NonTransitive is the mode that compares one pair of versions in the same
// direction(s): BACKWARD_TRANSITIVE becomes BACKWARD, and so on; the other
// modes (NONE included) are returned as they are.
func (m Mode) NonTransitive() Mode { return Mode(strings.TrimSuffix(string(m), "_TRANSITIVE")) }

func (m Mode) backward() bool {
	return strings.HasPrefix(string(m), "BACKWARD") || strings.HasPrefix(string(m), "FULL")
}
func (m Mode) forward() bool {
	return strings.HasPrefix(string(m), "FORWARD") || strings.HasPrefix(string(m), "FULL")
}

// CheckMode checks a proposed schema against the history of a subject
// (oldest first) under a compatibility mode. Non-transitive modes compare
// with the latest version only. Findings carry their direction and, for
// transitive modes, the 1-based version they were found against.
func CheckMode(mode Mode, history []*Schema, proposed *Schema, opts Options) Report {
	rep, _ := CheckModeContext(context.Background(), mode, history, proposed, opts)
	return rep
}

// CheckModeContext is CheckMode under ctx (see CheckContext); each check
// of the mode has the whole budget of opts.
func CheckModeContext(ctx context.Context, mode Mode, history []*Schema, proposed *Schema, opts Options) (Report, error) {
	out := Report{Compatible: true, Findings: []Finding{}}
	if mode == None || len(history) == 0 {
		return out, nil
	}
	first := len(history) - 1
	if mode.Transitive() {
		first = 0
	}
	// The pairs share the step budget: a transitive check of a subject
	// with many versions is one request, and its work is bounded as one.
	spent := 0
	for i := first; i < len(history) && spent <= opts.stepBudget(); i++ {
		old := history[i]
		add := func(dir string, r Report) {
			for _, f := range r.Findings {
				f.Direction = dir
				if mode.Transitive() {
					f.Version = i + 1
				}
				out.Findings = append(out.Findings, f)
			}
			out.Compatible = out.Compatible && r.Compatible
		}
		if mode.backward() {
			r, err := checkSpent(ctx, old, proposed, opts, &spent)
			if err != nil {
				return Report{}, err
			}
			add("backward", r)
		}
		if mode.forward() {
			r, err := checkSpent(ctx, proposed, old, opts, &spent)
			if err != nil {
				return Report{}, err
			}
			add("forward", r)
		}
	}
	out.sortFindings()
	out.capExamples()
	return out, nil
}

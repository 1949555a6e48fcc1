package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/batonhq/baton/compat"
)

func cmdDiff(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "diff", "OLD NEW [--mode backward|forward|full] [--policy strict|lenient] [--format text|json]")
	modeFlag := fs.String("mode", "backward", "backward (new reads old data), forward (old reads new data) or full")
	policyFlag := fs.String("policy", "strict", "strict or lenient (open content models may gain optional properties)")
	format := fs.String("format", "text", "text or json")
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
	render, ok := diffFormats[*format]
	if !ok {
		return usagef("--format must be text or json, not %q", *format)
	}
	if pos[0] == "-" && pos[1] == "-" {
		return usagef("only one of OLD and NEW can be standard input")
	}
	schemas, err := loadSchemas(e, pos)
	if err != nil {
		return err
	}
	rep := compat.CheckMode(mode, schemas[:1], schemas[1], compat.Options{Policy: policy})
	if err := render(e.stdout, diffResult{Mode: mode, Report: rep}); err != nil {
		return err
	}
	if !rep.Compatible {
		return errBreaking
	}
	return nil
}

// loadSchemas reads and compiles the named files concurrently: compiling
// (which validates against the metaschema) dominates a diff's cost.
func loadSchemas(e env, names []string) ([]*compat.Schema, error) {
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
			out[i], errs[i] = compat.Compile(data, compat.LoadOptions{Source: displayName(name)})
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

type diffResult struct {
	Mode   compat.Mode
	Report compat.Report
}

var diffFormats = map[string]func(io.Writer, diffResult) error{
	"text": renderDiffText,
	"json": renderDiffJSON,
}

// diffChange is one entry of the documented JSON report of `baton diff`.
type diffChange struct {
	Rule     string          `json:"rule"`
	Path     string          `json:"path"`
	Breaking bool            `json:"breaking"`
	Message  string          `json:"message"`
	Example  json.RawMessage `json:"example,omitempty"`
}

func renderDiffJSON(w io.Writer, d diffResult) error {
	out := struct {
		Compatible bool         `json:"compatible"`
		Mode       string       `json:"mode"`
		Changes    []diffChange `json:"changes"`
	}{Compatible: d.Report.Compatible, Mode: strings.ToLower(string(d.Mode)), Changes: []diffChange{}}
	for _, f := range d.Report.Findings {
		out.Changes = append(out.Changes, diffChange{Rule: f.Rule, Path: f.Path, Breaking: f.Breaking, Message: f.Message, Example: f.Example})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func renderDiffText(w io.Writer, d diffResult) error {
	var b strings.Builder
	breaking := 0
	for _, f := range d.Report.Findings {
		if f.Breaking {
			breaking++
		}
	}
	for _, f := range d.Report.Findings {
		level := "error"
		if !f.Breaking {
			level = "warning"
		}
		dir := ""
		if f.Direction != "" && d.Mode == compat.Full {
			dir = " (" + f.Direction + ")"
		}
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", level, pathOrRoot(f.Path), f.Rule, dir, f.Message)
		if len(f.Example) > 0 {
			fmt.Fprintf(&b, "    example: %s\n", compactJSON(f.Example, 160))
		}
	}
	mode := strings.ToLower(string(d.Mode))
	switch {
	case d.Report.Compatible && len(d.Report.Findings) == 0:
		fmt.Fprintf(&b, "compatible (%s): no changes that break readers\n", mode)
	case d.Report.Compatible:
		fmt.Fprintf(&b, "compatible (%s): %d non-breaking finding(s)\n", mode, len(d.Report.Findings))
	default:
		fmt.Fprintf(&b, "incompatible (%s): %d breaking change(s)\n", mode, breaking)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// compactJSON renders a witness on one line, shortened for terminals.
func compactJSON(raw json.RawMessage, max int) string {
	s := string(raw)
	if len(s) > max {
		s = s[:max-3] + "..."
	}
	return s
}

// Package report renders the findings of `baton diff`, `check` and `impact`
// in every format CI systems consume: text (terminals), json (scripts),
// markdown (pull-request comments and job summaries), github (workflow
// annotations) and junit (GitLab, Jenkins and most CI test-report viewers).
//
// A Result is one command's verdict: a list of Items, each a message/consumer
// pair (or, for diff, the pair of files) with the compat.Findings found for
// it. Every renderer takes the same Result, so a command builds it once and
// --format only selects the writer.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/compat"
)

// Result is the verdict of one command.
type Result struct {
	// Command is "diff", "check" or "impact". It names the report and, for
	// "diff", selects the documented diff JSON shape (see RenderJSON).
	Command string
	// Mode is the lower-case compatibility mode, e.g. "backward"; an Item
	// may override it.
	Mode  string
	Items []Item
}

// Item is one message/consumer pair and what was found for it. For diff it
// is the pair of schema files given on the command line.
type Item struct {
	Subject string // message subject, "" for a plain file diff
	Service string // consumer (or producer) service the pair is about
	Role    string // e.g. "consumes", "sends" (check, impact); "consumer"
	Mode    string // overrides Result.Mode when set

	// SchemaFile is the proposed schema as the user names it (a path
	// relative to the repository root in CI); Schema holds its contents,
	// used to turn JSON Pointers into line numbers. "<stdin>" or "" means
	// there is no file to point at.
	SchemaFile string
	Schema     []byte
	// BaseFile names what SchemaFile was checked against: a file, a git
	// ref ("git:main:schemas/order.json") or a registry version
	// ("registry:orders@3"). Base holds its contents when available.
	BaseFile string
	Base     []byte

	Findings []compat.Finding
	// Note says why a pair without findings is fine or was not checked,
	// e.g. "does not read `channel`"; "" when there is nothing to add.
	Note string
}

// Compatible reports whether no finding is breaking.
func (it Item) Compatible() bool {
	for _, f := range it.Findings {
		if f.Breaking {
			return false
		}
	}
	return true
}

// Name is a short human name of the pair: "subject → service (role)", or
// "OLD → NEW" for a file diff.
func (it Item) Name() string {
	if it.Subject == "" {
		return it.BaseFile + " → " + it.SchemaFile
	}
	s := it.Subject
	if it.Service != "" {
		s += " → " + it.Service
		if it.Role != "" {
			s += " (" + it.Role + ")"
		}
	}
	return s
}

func (r Result) modeOf(it Item) string {
	if it.Mode != "" {
		return it.Mode
	}
	return r.Mode
}

// Compatible reports whether no item has a breaking finding.
func (r Result) Compatible() bool {
	for _, it := range r.Items {
		if !it.Compatible() {
			return false
		}
	}
	return true
}

// counts returns the number of breaking and non-breaking findings.
func (r Result) counts() (breaking, warnings int) {
	for _, it := range r.Items {
		for _, f := range it.Findings {
			if f.Breaking {
				breaking++
			} else {
				warnings++
			}
		}
	}
	return breaking, warnings
}

// FailOn is the threshold at which a command exits 1.
type FailOn int

const (
	// FailBreaking fails on any breaking finding (the default).
	FailBreaking FailOn = iota
	// FailWarning fails on any finding at all, including the non-breaking
	// ones the lenient policy reports.
	FailWarning
	// FailNone never fails because of findings; errors still exit 2.
	FailNone
)

// ParseFailOn reads "breaking", "warning" or "none" ("" is breaking).
func ParseFailOn(s string) (FailOn, error) {
	switch s {
	case "", "breaking":
		return FailBreaking, nil
	case "warning":
		return FailWarning, nil
	case "none":
		return FailNone, nil
	}
	return FailBreaking, fmt.Errorf("--fail-on must be breaking, warning or none, not %q", s)
}

func (l FailOn) String() string {
	switch l {
	case FailWarning:
		return "warning"
	case FailNone:
		return "none"
	}
	return "breaking"
}

// Fails reports whether the result fails the build at threshold l.
func (r Result) Fails(l FailOn) bool {
	for _, it := range r.Items {
		for _, f := range it.Findings {
			if l == FailBreaking && f.Breaking || l == FailWarning {
				return true
			}
		}
	}
	return false
}

// isError reports whether a finding is shown as an error (github ::error,
// junit <failure>) rather than a warning: breaking findings always are, and
// with --fail-on warning every finding is. With --fail-on none breaking
// findings are still errors; only the exit code ignores them.
func isError(f compat.Finding, l FailOn) bool { return f.Breaking || l == FailWarning }

// Options tune rendering.
type Options struct {
	// Color enables ANSI colour in the text format. The caller decides:
	// only when the output is a terminal and NO_COLOR is unset.
	Color  bool
	FailOn FailOn
}

// Formats lists the names Render accepts, in the order of --help.
var Formats = []string{"text", "json", "markdown", "github", "junit"}

// Render writes r to w in the named format.
func Render(w io.Writer, format string, r Result, opts Options) error {
	switch format {
	case "text":
		return RenderText(w, r, opts)
	case "json":
		return RenderJSON(w, r)
	case "markdown":
		return RenderMarkdown(w, r, opts)
	case "github":
		return RenderGitHub(w, r, opts)
	case "junit":
		return RenderJUnit(w, r, opts)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// Location returns the file and 1-based line a finding points at, for
// annotations. The finding's Path is a JSON Pointer into the reader schema:
// the proposed schema for backward findings, the base for forward ones.
// Annotations belong on the proposed schema (the file a pull request
// changes), so for forward findings Location tries, in order: WriterPath in
// the proposed schema, Path in the proposed schema, Path in the base (when
// it is a local file). When the pointer does not exist literally (the
// checker normalizes schemas, e.g. const becomes enum) the line of its
// deepest existing ancestor in the proposed schema is used. file is "" when
// there is no file to point at (standard input); line is 0 when unknown.
func (it Item) Location(f compat.Finding) (file string, line int) {
	if f.Direction != "forward" {
		if !hasFile(it.SchemaFile) {
			return "", 0
		}
		l, _ := PointerLine(it.Schema, f.Path)
		return slash(it.SchemaFile), l
	}
	if hasFile(it.SchemaFile) {
		if f.WriterPath != "" {
			if l, exact := PointerLine(it.Schema, f.WriterPath); exact {
				return slash(it.SchemaFile), l
			}
		}
		if l, exact := PointerLine(it.Schema, f.Path); exact {
			return slash(it.SchemaFile), l
		}
	}
	if hasFile(it.BaseFile) && it.Base != nil {
		l, _ := PointerLine(it.Base, f.Path)
		return slash(it.BaseFile), l
	}
	if !hasFile(it.SchemaFile) {
		return "", 0
	}
	p := f.WriterPath
	if p == "" {
		p = f.Path
	}
	l, _ := PointerLine(it.Schema, p)
	return slash(it.SchemaFile), l
}

func hasFile(name string) bool { return name != "" && !strings.HasPrefix(name, "<") }

func slash(name string) string { return filepath.ToSlash(name) }

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// CombinedMode is the mode of a result whose items carry their own: the
// items' mode when they share one, otherwise the directions they cover
// together ("full" for both); "backward" when there are no items.
func CombinedMode(items []Item) string {
	if len(items) == 0 {
		return "backward"
	}
	same := true
	back, fwd := false, false
	for _, it := range items {
		same = same && it.Mode == items[0].Mode
		back = back || strings.Contains(it.Mode, "backward") || strings.Contains(it.Mode, "full")
		fwd = fwd || strings.Contains(it.Mode, "forward") || strings.Contains(it.Mode, "full")
	}
	switch {
	case same:
		return items[0].Mode
	case back && fwd:
		return "full"
	case fwd:
		return "forward"
	}
	return "backward"
}

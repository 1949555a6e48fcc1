package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// RenderText writes the terminal report: one line per finding
// ("error PATH RULE: message", then its witness), a header per pair when
// the result is about subjects, and a summary line. Colour only with
// opts.Color.
func RenderText(w io.Writer, r Result, opts Options) error {
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	for _, it := range r.Items {
		indent := ""
		if it.Subject != "" {
			indent = "  "
			verdict := paint(ansiGreen, "ok")
			if !it.Compatible() {
				verdict = paint(ansiRed+ansiBold, "breaking")
			}
			file := ""
			if it.SchemaFile != "" {
				file = " (" + it.SchemaFile + ")"
			}
			note := ""
			if it.Note != "" {
				note = ": " + oneLine(it.Note)
			}
			fmt.Fprintf(&b, "%s %s%s%s\n", verdict, paint(ansiBold, it.Name()), file, note)
		}
		mode := r.modeOf(it)
		for _, f := range it.Findings {
			level := paint(ansiRed+ansiBold, "error")
			if !f.Breaking {
				level = paint(ansiYellow, "warning")
			}
			fmt.Fprintf(&b, "%s%s %s: %s\n", indent, level, located(pathOrRoot(f.Path), f, mode), oneLine(f.Message))
			if len(f.Example) > 0 {
				fmt.Fprintf(&b, "%s    %s %s\n", indent, paint(ansiDim, "example:"), CompactJSON(f.Example, 160))
			}
		}
	}
	b.WriteString(summary(r, opts, paint))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the one-line verdict shared by text and github.
func summary(r Result, opts Options, paint func(code, s string) string) string {
	breaking, warnings := r.counts()
	pairs := ""
	if len(r.Items) != 1 || r.Items[0].Subject != "" {
		failed := 0
		for _, it := range r.Items {
			if !it.Compatible() {
				failed++
			}
		}
		pairs = fmt.Sprintf(" in %d of %s", failed, plural(len(r.Items), "pair", "pairs"))
	}
	switch {
	case breaking == 0 && warnings == 0:
		return paint(ansiGreen, fmt.Sprintf("compatible (%s): no changes that break readers", r.Mode))
	case breaking == 0:
		return paint(ansiYellow, fmt.Sprintf("compatible (%s): %d non-breaking finding(s)", r.Mode, warnings))
	default:
		return paint(ansiRed+ansiBold, fmt.Sprintf("incompatible (%s): %d breaking change(s)%s", r.Mode, breaking, pairs))
	}
}

// CompactJSON renders a witness on one line, at most limit bytes: a longer
// one is cut at a character boundary and ends in "...". Terminals, CI
// annotations and the registry's one-line messages show it so; the full
// witness stays in the finding's example.
func CompactJSON(raw json.RawMessage, limit int) string {
	s := string(raw)
	if len(s) <= limit {
		return s
	}
	cut := max(limit-3, 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// oneLine keeps a message on its finding's line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

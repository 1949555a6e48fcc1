package report

import (
	"strconv"
	"strings"

	"github.com/batonhq/baton/compat"
)

// FindingLine is a finding on one line, for the places that show findings
// outside a report: the registry's 409 messages, Confluent's "messages" of
// a verbose compatibility check, and the CLI's refused publishes:
//
//	required-property-added at /required (backward, version 2): property `email` is now required; writers may omit it
//
// A finding that does not break is marked "(not breaking) " in front. The
// witness is not part of the line.
func FindingLine(f compat.Finding) string {
	var b strings.Builder
	if !f.Breaking {
		b.WriteString("(not breaking) ")
	}
	b.WriteString(f.Rule)
	b.WriteString(" at ")
	b.WriteString(pathOrRoot(f.Path))
	var where []string
	if f.Direction != "" {
		where = append(where, f.Direction)
	}
	if f.Version > 0 {
		where = append(where, "version "+strconv.Itoa(f.Version))
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	b.WriteString(": ")
	b.WriteString(f.Message)
	return b.String()
}

// located starts a finding's line in the text and junit reports: where it
// is and its rule, then its direction (see direction):
// "/properties/total/maximum maximum-decreased (forward)".
func located(at string, f compat.Finding, mode string) string {
	return at + " " + f.Rule + direction(f, mode)
}

// direction is " (backward)" or " (forward)" for a finding of an item whose
// mode covers both directions (full), where a reader needs to know which
// schema read which; "" otherwise.
func direction(f compat.Finding, mode string) string {
	if f.Direction == "" || !strings.HasPrefix(mode, "full") {
		return ""
	}
	return " (" + f.Direction + ")"
}

package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// RenderMarkdown writes a GitHub-flavoured Markdown report for a pull-request
// comment or a job summary: a summary heading, a table of findings (with
// file:line of each), the impacted services (when the result names
// services) and every witness payload in a collapsible <details> block.
func RenderMarkdown(w io.Writer, r Result, opts Options) error {
	var b strings.Builder
	breaking, warnings := r.counts()
	title := "Baton " + r.Command
	switch {
	case breaking > 0:
		fmt.Fprintf(&b, "### ❌ %s: %s (%s)\n\n", title, plural(breaking, "breaking change", "breaking changes"), r.Mode)
	case warnings > 0:
		fmt.Fprintf(&b, "### ⚠️ %s: compatible, %s (%s)\n\n", title, plural(warnings, "non-breaking finding", "non-breaking findings"), r.Mode)
	default:
		fmt.Fprintf(&b, "### ✅ %s: compatible (%s)\n\n", title, r.Mode)
	}
	subjects := false
	for _, it := range r.Items {
		subjects = subjects || it.Subject != ""
	}
	if !subjects {
		for _, it := range r.Items {
			fmt.Fprintf(&b, "`%s` → `%s`\n\n", mdCode(it.BaseFile), mdCode(it.SchemaFile))
		}
	} else {
		failed := 0
		for _, it := range r.Items {
			if !it.Compatible() {
				failed++
			}
		}
		fmt.Fprintf(&b, "%d of %s break.\n\n", failed, plural(len(r.Items), "message/consumer pair", "message/consumer pairs"))
	}
	if breaking+warnings == 0 {
		b.WriteString("No changes that break readers.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}

	if subjects {
		b.WriteString("| | Pair | Rule | Location | Message |\n|---|---|---|---|---|\n")
	} else {
		b.WriteString("| | Rule | Location | Message |\n|---|---|---|---|\n")
	}
	for _, it := range r.Items {
		for _, f := range it.Findings {
			icon := "❌"
			if !isError(f, opts.FailOn) {
				icon = "⚠️"
			}
			loc := "`" + mdCode(pathOrRoot(f.Path)) + "`"
			if file, line := it.Location(f); file != "" {
				at := file
				if line > 0 {
					at = fmt.Sprintf("%s:%d", file, line)
				}
				loc = "`" + mdCode(at) + "` " + loc
			}
			loc += direction(f, r.modeOf(it))
			pair := ""
			if subjects {
				pair = " " + mdCell(it.Name()) + " |"
			}
			fmt.Fprintf(&b, "| %s |%s `%s` | %s | %s |\n", icon, pair, f.Rule, loc, mdCell(f.Message))
		}
	}

	if services := impacted(r); len(services) > 0 {
		b.WriteString("\n**Impacted services**\n\n")
		for _, s := range services {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}

	for _, it := range r.Items {
		for _, f := range it.Findings {
			if len(f.Example) == 0 {
				continue
			}
			var pretty bytes.Buffer
			if json.Indent(&pretty, f.Example, "", "  ") != nil {
				pretty.Reset()
				pretty.Write(f.Example)
			}
			about := ""
			if it.Subject != "" {
				about = " for " + htmlEscape(it.Name())
			}
			fmt.Fprintf(&b, "\n<details><summary>Witness: <code>%s</code> at <code>%s</code>%s</summary>\n\n",
				htmlEscape(f.Rule), htmlEscape(pathOrRoot(f.Path)), about)
			fmt.Fprintf(&b, "A document the writer's schema accepts and the reader's rejects:\n\n```json\n%s\n```\n\n</details>\n", pretty.String())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// impacted lists, in item order, each service that has a breaking finding.
func impacted(r Result) []string {
	var out []string
	for _, it := range r.Items {
		if it.Service == "" || it.Compatible() {
			continue
		}
		n := 0
		for _, f := range it.Findings {
			if f.Breaking {
				n++
			}
		}
		role := ""
		if it.Role != "" {
			role = " (" + it.Role + ")"
		}
		out = append(out, fmt.Sprintf("`%s`%s of `%s`: %s", mdCode(it.Service), role, mdCode(it.Subject), plural(n, "breaking change", "breaking changes")))
	}
	return out
}

// mdCell makes text safe inside a table cell: no line breaks, no bare pipes.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// mdCode makes text safe inside a `code span` of a table cell.
func mdCode(s string) string { return strings.ReplaceAll(mdCell(s), "`", "'") }

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func htmlEscape(s string) string { return htmlReplacer.Replace(s) }

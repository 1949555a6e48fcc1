package report

import (
	"fmt"
	"io"
	"strings"
)

// RenderGitHub writes GitHub Actions workflow commands, one per finding:
//
//	::error file=schemas/order.json,line=7,title=maximum-decreased::maximum lowered to 50; …
//
// file is the schema file and line the line of the offending keyword (see
// Item.Location); both are left out when there is no file (standard input).
// Findings shown as errors are the breaking ones (every finding with
// --fail-on warning); the rest are ::warning. A plain summary line follows.
func RenderGitHub(w io.Writer, r Result, opts Options) error {
	var b strings.Builder
	for _, it := range r.Items {
		for _, f := range it.Findings {
			level := "error"
			if !isError(f, opts.FailOn) {
				level = "warning"
			}
			var props []string
			if file, line := it.Location(f); file != "" {
				props = append(props, "file="+ghProperty(file))
				if line > 0 {
					props = append(props, fmt.Sprintf("line=%d", line))
				}
			}
			props = append(props, "title="+ghProperty(f.Rule))
			msg := f.Message
			if it.Subject != "" {
				msg = it.Name() + ": " + msg
			}
			msg += direction(f, r.modeOf(it)) + " [" + pathOrRoot(f.Path) + "]"
			if len(f.Example) > 0 {
				msg += "\nexample: " + CompactJSON(f.Example, 500)
			}
			fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
		}
	}
	b.WriteString(summary(r, opts, func(_, s string) string { return s }))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message (actions/toolkit escapeData).
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property (actions/toolkit escapeProperty).
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

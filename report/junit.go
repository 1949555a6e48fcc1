package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/batonhq/baton/compat"
)

// JUnit XML, in the common subset read by GitLab, Jenkins (junit-10.xsd),
// Azure DevOps and CircleCI.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Classname string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut *junitText    `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"`
	}
	junitText struct {
		Text string `xml:",cdata"`
	}
)

// RenderJUnit writes a JUnit XML report: one <testsuite> for the command and
// one <testcase> per message/consumer pair (for diff: one testcase for the
// pair of files, not one per finding, so the test count is stable while
// findings come and go). classname is the subject ("baton.diff" for a
// diff), name the pair. A pair fails (<failure type="breaking">, or
// type="warning" with --fail-on warning) when it has a finding shown as an
// error; the failure's text lists every finding with file:line, rule,
// message and witness. Findings that do not fail the pair are listed in
// <system-out>.
func RenderJUnit(w io.Writer, r Result, opts Options) error {
	suite := junitSuite{Name: "baton " + r.Command}
	if r.Mode != "" {
		suite.Name += " (" + r.Mode + ")"
	}
	for _, it := range r.Items {
		c := junitCase{Classname: "baton." + r.Command, Name: it.Name()}
		if it.Subject != "" {
			c.Classname = it.Subject
		}
		if hasFile(it.SchemaFile) {
			c.File = slash(it.SchemaFile)
		}
		var failing, passing strings.Builder
		nFail, breaking := 0, false
		for _, f := range it.Findings {
			line := junitLine(it, f, r.modeOf(it))
			if isError(f, opts.FailOn) {
				nFail++
				breaking = breaking || f.Breaking
				failing.WriteString(line)
			} else {
				passing.WriteString(line)
			}
		}
		if nFail > 0 {
			typ, what := "warning", "finding(s)"
			if breaking {
				typ, what = "breaking", "breaking change(s)"
			}
			if opts.FailOn == FailWarning {
				what = "finding(s)"
			}
			c.Failure = &junitFailure{Message: fmt.Sprintf("%d %s (%s)", nFail, what, r.modeOf(it)), Type: typ, Text: failing.String()}
			suite.Failures++
		}
		if passing.Len() > 0 {
			c.SystemOut = &junitText{Text: passing.String()}
		}
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
	}
	doc := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}

func junitLine(it Item, f compat.Finding, mode string) string {
	var b strings.Builder
	level := "error"
	if !f.Breaking {
		level = "warning"
	}
	at := pathOrRoot(f.Path)
	if file, line := it.Location(f); file != "" && line > 0 {
		at = fmt.Sprintf("%s:%d %s", file, line, at)
	}
	fmt.Fprintf(&b, "%s %s: %s\n", level, located(at, f, mode), f.Message)
	if len(f.Example) > 0 {
		fmt.Fprintf(&b, "    example: %s\n", CompactJSON(f.Example, 2000))
	}
	return b.String()
}

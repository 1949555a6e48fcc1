package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/report"
)

// runCLI runs the CLI in-process like main does.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" }
	code = run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

const (
	exampleDir = "../../examples/choreography/"
	exampleV1  = exampleDir + "order/schemas/order-placed.json"
	v1         = "testdata/order-v1.json"
	v2Breaking = "testdata/order-v2-breaking.json"
	v2Compat   = "testdata/order-v2-compatible.json"
)

func TestDiffExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		stdin      string // file whose contents are fed to standard input
		want       int
		stderrHas  []string       // substrings of stderr
		stderrLike *regexp.Regexp // nil: not checked
	}{
		{name: "compatible", args: []string{"diff", v1, v2Compat}, want: 0},
		{name: "breaking", args: []string{"diff", v1, v2Breaking}, want: 1},
		{name: "identical", args: []string{"diff", v1, v1}, want: 0},
		{name: "flags after files", args: []string{"diff", v1, v2Compat, "--mode", "backward", "--format", "json"}, want: 0},
		{name: "forward sees the added enum value", args: []string{"diff", "--mode", "forward", v1, v2Compat}, want: 1},
		{name: "full", args: []string{"diff", "--mode", "full", v1, v2Compat}, want: 1},
		{name: "full identical", args: []string{"diff", "--mode=full", v1, v1}, want: 0},
		{name: "strict open model gains property", args: []string{"diff", "testdata/open-v1.json", "testdata/open-v2.json"}, want: 1},
		{name: "lenient open model gains property", args: []string{"diff", "--policy", "lenient", "testdata/open-v1.json", "testdata/open-v2.json"}, want: 0},
		{name: "stdin as OLD", args: []string{"diff", "-", v2Breaking}, stdin: v1, want: 1},
		{name: "stdin as NEW", args: []string{"diff", v1, "-"}, stdin: v2Compat, want: 0},
		{name: "help", args: []string{"diff", "-h"}, want: 0},

		{name: "no command", args: nil, want: 2, stderrHas: []string{"usage"}},
		{name: "unknown command", args: []string{"frobnicate"}, want: 2, stderrHas: []string{"unknown command"}},
		{name: "missing both files", args: []string{"diff"}, want: 2, stderrHas: []string{"two schema files"}},
		{name: "missing NEW", args: []string{"diff", v1}, want: 2, stderrHas: []string{"two schema files"}},
		{name: "three files", args: []string{"diff", v1, v1, v1}, want: 2, stderrHas: []string{"two schema files"}},
		{name: "bad mode", args: []string{"diff", "--mode", "sideways", v1, v1}, want: 2, stderrHas: []string{"--mode"}},
		{name: "transitive mode", args: []string{"diff", "--mode", "backward_transitive", v1, v1}, want: 2, stderrHas: []string{"--mode"}},
		{name: "bad format", args: []string{"diff", "--format", "xml", v1, v1}, want: 2, stderrHas: []string{"--format"}},
		{name: "fail-on none, breaking", args: []string{"diff", "--fail-on", "none", v1, v2Breaking}, want: 0},
		{name: "fail-on breaking, breaking", args: []string{"diff", "--fail-on", "breaking", v1, v2Breaking}, want: 1},
		{name: "fail-on warning, compatible", args: []string{"diff", "--fail-on", "warning", v1, v2Compat}, want: 0},
		{name: "fail-on warning, lenient warning", args: []string{"diff", "--fail-on", "warning", "--policy", "lenient", "testdata/open-v1.json", "testdata/open-v2.json"}, want: 1},
		{name: "fail-on breaking, lenient warning", args: []string{"diff", "--fail-on=breaking", "--policy", "lenient", "testdata/open-v1.json", "testdata/open-v2.json"}, want: 0},
		{name: "fail-on none still fails on bad input", args: []string{"diff", "--fail-on", "none", v1, "testdata/invalid-json.json"}, want: 2},
		{name: "bad fail-on", args: []string{"diff", "--fail-on", "error", v1, v1}, want: 2, stderrHas: []string{"--fail-on"}},
		{name: "every format on stdin", args: []string{"diff", "--format", "github", v1, "-"}, stdin: v2Breaking, want: 1},
		{name: "bad policy", args: []string{"diff", "--policy", "loose", v1, v1}, want: 2, stderrHas: []string{"policy"}},
		{name: "unknown flag", args: []string{"diff", "--colour", v1, v1}, want: 2},
		{name: "both stdin", args: []string{"diff", "-", "-"}, stdin: v1, want: 2, stderrHas: []string{"standard input"}},
		{name: "unreadable file", args: []string{"diff", v1, "testdata/no-such-file.json"}, want: 2,
			stderrHas: []string{"testdata/no-such-file.json", "no such file"}},
		{name: "invalid JSON names file:line:col", args: []string{"diff", v1, "testdata/invalid-json.json"}, want: 2,
			stderrLike: regexp.MustCompile(`testdata/invalid-json\.json:4:\d+`)},
		{name: "invalid JSON on stdin", args: []string{"diff", v1, "-"}, stdin: "testdata/invalid-json.json", want: 2,
			stderrLike: regexp.MustCompile(`<stdin>:4:\d+`)},
		{name: "invalid schema names pointer", args: []string{"diff", "testdata/invalid-schema.json", v1}, want: 2,
			stderrHas: []string{"testdata/invalid-schema.json", "/properties/a/type"}},
		{name: "file $ref refused", args: []string{"diff", "testdata/ref-file.json", v1}, want: 2,
			stderrHas: []string{"testdata/ref-file.json", "file:///etc/passwd", "not allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr := runCLIExpect(t, tt.stdin, tt.want, nil, tt.stderrHas, tt.args...)
			if tt.stderrLike != nil && !tt.stderrLike.MatchString(stderr) {
				t.Errorf("stderr does not match %s:\n%s", tt.stderrLike.String(), stderr)
			}
			if tt.want == 2 && stdout != "" {
				t.Errorf("a failed invocation printed a report: %s", stdout)
			}
			if strings.Contains(stderr, "/etc/passwd") && strings.Contains(stderr, "root:") {
				t.Errorf("the file behind a $ref was read: %s", stderr)
			}
		})
	}
}

// TestDiffGolden pins every --format's report of a breaking and a
// compatible pair. Regenerate with `go test ./cmd/baton -run TestDiffGolden -update`.
func TestDiffGolden(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new string
		want     int
		junit    junitWant
	}{
		{"breaking", v1, v2Breaking, 1, junitWant{"4 breaking change(s) (backward)",
			[]string{v2Breaking + ":7 /properties/qty/maximum maximum-decreased", `example: {"orderId":"a","qty":51}`}}},
		{"compatible", v1, v2Compat, 0, junitWant{}},
		// The examples' breaking and safe v2 of order-placed.
		{"example-breaking", exampleV1, exampleDir + "v2/order-placed.rename-customer.json", 1, junitWant{"2 breaking change(s) (backward)",
			[]string{exampleDir + "v2/order-placed.rename-customer.json:6 /required required-property-added"}}},
		{"example-safe", exampleV1, exampleDir + "v2/order-placed.add-coupon.json", 0, junitWant{}},
	} {
		for _, format := range report.Formats {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				code, stdout, stderr := runCLI(t, "", "diff", "--format", format, c.old, c.new)
				if code != c.want {
					t.Fatalf("exit %d, want %d; stderr: %s", code, c.want, stderr)
				}
				if stderr != "" {
					t.Errorf("stderr: %s", stderr)
				}
				switch format {
				case "json":
					checkJSONReport(t, []byte(stdout), c.want == 0, c.old, c.new)
				case "junit":
					checkJUnitReport(t, []byte(stdout), c.want != 0, c.old, c.new, c.junit)
				}
				golden.Assert(t, "testdata/diff."+c.name+"."+format+".golden", []byte(stdout))
			})
		}
	}
}

// checkJSONReport holds the documented shape of `baton diff --format json`
// exactly, and proves every example with the validator.
func checkJSONReport(t *testing.T, out []byte, compatible bool, oldFile, newFile string) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got := sortedFields(top); got != "changes,compatible,mode" {
		t.Errorf("top-level fields %s, want changes,compatible,mode", got)
	}
	var rep struct {
		Compatible bool                         `json:"compatible"`
		Mode       string                       `json:"mode"`
		Changes    []map[string]json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Compatible != compatible || rep.Mode != "backward" || rep.Changes == nil {
		t.Errorf("compatible=%v mode=%q changes=%v", rep.Compatible, rep.Mode, rep.Changes)
	}
	if !compatible && len(rep.Changes) == 0 {
		t.Errorf("incompatible report without changes")
	}
	oldS, err := compat.Compile([]byte(readFile(t, oldFile)), compat.LoadOptions{Source: oldFile})
	if err != nil {
		t.Fatal(err)
	}
	newS, err := compat.Compile([]byte(readFile(t, newFile)), compat.LoadOptions{Source: newFile})
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range rep.Changes {
		fields := sortedFields(ch)
		if fields != "breaking,message,path,rule" && fields != "breaking,example,message,path,rule" {
			t.Errorf("change %d has fields %s", i, fields)
		}
		var rule, msg string
		if json.Unmarshal(ch["rule"], &rule) != nil || !regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`).MatchString(rule) {
			t.Errorf("change %d: rule %s is not kebab-case", i, ch["rule"])
		}
		if json.Unmarshal(ch["message"], &msg) != nil || strings.TrimSpace(msg) == "" {
			t.Errorf("change %d: empty message", i)
		}
		if ex, ok := ch["example"]; ok {
			doc, err := compat.DecodeJSON(ex)
			if err != nil {
				t.Fatalf("change %d: example: %v", i, err)
			}
			if err := oldS.Validate(doc); err != nil {
				t.Errorf("change %d: example %s is invalid under OLD: %v", i, ex, err)
			}
			doc, _ = compat.DecodeJSON(ex)
			if newS.Validate(doc) == nil {
				t.Errorf("change %d: example %s is valid under NEW, so it proves nothing", i, ex)
			}
		}
	}
}

func sortedFields(m map[string]json.RawMessage) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// TestDiffStdinMatchesFile: reading a schema from "-" gives the same report
// as reading it from the file.
func TestDiffStdinMatchesFile(t *testing.T) {
	_, fromFile, _ := runCLI(t, "", "diff", "--format", "json", v1, v2Breaking)
	code, fromStdin, stderr := runCLI(t, readFile(t, v2Breaking), "diff", "--format", "json", v1, "-")
	if code != 1 || fromStdin != fromFile {
		t.Errorf("exit %d; stdin report differs from file report\nfile:  %s\nstdin: %s\nstderr: %s", code, fromFile, fromStdin, stderr)
	}
}

// runCLIExpect runs the CLI with args (stdinFile's contents on standard
// input when it is set), fails the test unless it exits want, reports each
// substring missing from stdout or stderr, and returns both.
func runCLIExpect(t *testing.T, stdinFile string, want int, stdoutHas, stderrHas []string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdin := ""
	if stdinFile != "" {
		stdin = readFile(t, stdinFile)
	}
	code, stdout, stderr := runCLI(t, stdin, args...)
	if code != want {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, want, stdout, stderr)
	}
	for _, s := range stdoutHas {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	for _, s := range stderrHas {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	return stdout, stderr
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		stdin     string
		want      int
		stdoutHas []string
		stderrHas []string
	}{
		{name: "valid", args: []string{"validate", v1, "testdata/order-valid.json"}, want: 0,
			stdoutHas: []string{"testdata/order-valid.json: valid"}},
		{name: "invalid names location", args: []string{"validate", v1, "testdata/order-invalid.json"}, want: 1,
			stdoutHas: []string{"testdata/order-invalid.json: invalid", "/qty", "maximum"}},
		{name: "one of two invalid", args: []string{"validate", v1, "testdata/order-valid.json", "testdata/order-invalid.json"}, want: 1,
			stdoutHas: []string{"order-valid.json: valid", "order-invalid.json: invalid"}},
		{name: "document from stdin", args: []string{"validate", v1, "-"}, stdin: "testdata/order-valid.json", want: 0,
			stdoutHas: []string{"<stdin>: valid"}},
		{name: "invalid document from stdin", args: []string{"validate", v1, "-"}, stdin: "testdata/order-invalid.json", want: 1,
			stdoutHas: []string{"<stdin>: invalid", "/qty"}},
		{name: "missing document", args: []string{"validate", v1}, want: 2, stderrHas: []string{"at least one document"}},
		{name: "missing everything", args: []string{"validate"}, want: 2},
		{name: "unreadable document", args: []string{"validate", v1, "testdata/none.json"}, want: 2, stderrHas: []string{"testdata/none.json"}},
		{name: "document is not JSON", args: []string{"validate", v1, "testdata/invalid-json.json"}, want: 2,
			stderrHas: []string{"testdata/invalid-json.json:4:"}},
		{name: "number too large to validate", args: []string{"validate", v1, "testdata/order-huge-number.json"}, want: 2, // crashed the validator
			stderrHas: []string{"testdata/order-huge-number.json at /qty: number 1e9999999 has exponent 9999999; the limit (max number exponent) is 1000"}},
		{name: "schema is not a schema", args: []string{"validate", "testdata/invalid-schema.json", "testdata/order-valid.json"}, want: 2,
			stderrHas: []string{"/properties/a/type"}},
		{name: "schema with file $ref", args: []string{"validate", "testdata/ref-file.json", "testdata/order-valid.json"}, want: 2,
			stderrHas: []string{"not allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runCLIExpect(t, tt.stdin, tt.want, tt.stdoutHas, tt.stderrHas, tt.args...)
		})
	}
}

// checkJUnitReport parses the junit report back with encoding/xml: one
// testsuite, one testcase for the pair of files, failing iff breaking.
type junitWant struct {
	message string   // the failure's message attribute
	text    []string // substrings of the failure's text
}

func checkJUnitReport(t *testing.T, out []byte, breaking bool, oldFile, newFile string, want junitWant) {
	t.Helper()
	var rep struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				File      string `xml:"file,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &rep); err != nil {
		t.Fatalf("junit report is not XML: %v\n%s", err, out)
	}
	if rep.Tests != 1 || len(rep.Suites) != 1 || len(rep.Suites[0].Cases) != 1 {
		t.Fatalf("want one suite with one testcase: %+v", rep)
	}
	c := rep.Suites[0].Cases[0]
	if c.Classname != "baton.diff" || c.Name != oldFile+" → "+newFile || c.File != newFile {
		t.Errorf("testcase %+v", c)
	}
	if (c.Failure != nil) != breaking || (rep.Failures == 1) != breaking {
		t.Fatalf("failure=%+v failures=%d, breaking=%v", c.Failure, rep.Failures, breaking)
	}
	if breaking {
		if c.Failure.Type != "breaking" || c.Failure.Message != want.message {
			t.Errorf("failure %q type %q, want %q", c.Failure.Message, c.Failure.Type, want.message)
		}
		for _, s := range want.text {
			if !strings.Contains(c.Failure.Text, s) {
				t.Errorf("failure text lacks %q:\n%s", s, c.Failure.Text)
			}
		}
	}
}

// TestDiffGitHubLines: annotations point at the lines of order-v2-breaking.json
// where the offending keywords are.
func TestDiffGitHubLines(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "diff", "--format", "github", v1, v2Breaking)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	schema := strings.Split(readFile(t, v2Breaking), "\n")
	for rule, want := range map[string]struct {
		line    int
		keyword string
	}{
		"maximum-decreased":                  {7, `"maximum": 50`},
		"enum-value-removed":                 {8, `"enum": ["NEW"]`},
		"required-property-added":            {11, `"required"`},
		"property-removed-from-closed-model": {12, `"additionalProperties"`},
	} {
		prefix := fmt.Sprintf("::error file=%s,line=%d,title=%s::", v2Breaking, want.line, rule)
		if !strings.Contains(stdout, "\n"+prefix) && !strings.HasPrefix(stdout, prefix) {
			t.Errorf("no annotation %q in:\n%s", prefix, stdout)
		}
		if !strings.Contains(schema[want.line-1], want.keyword) {
			t.Errorf("line %d of %s is %q, which lacks %s", want.line, v2Breaking, schema[want.line-1], want.keyword)
		}
	}
	// The examples' breaking v2: additionalProperties on line 5, required on line 6.
	rename := exampleDir + "v2/order-placed.rename-customer.json"
	_, stdout, _ = runCLI(t, "", "diff", "--format", "github", exampleV1, rename)
	for _, prefix := range []string{
		"::error file=" + rename + ",line=5,title=property-removed-from-closed-model::",
		"::error file=" + rename + ",line=6,title=required-property-added::",
	} {
		if !strings.Contains(stdout, prefix) {
			t.Errorf("no annotation %q in:\n%s", prefix, stdout)
		}
	}
	// Forward mode: the enum value added in v2-compatible is reported at the
	// line of that enum in the new file.
	code, stdout, _ = runCLI(t, "", "diff", "--mode", "forward", "--format", "github", v1, v2Compat)
	if code != 1 || !strings.Contains(stdout, "::error file="+v2Compat+",line=9,title=enum-value-removed::") {
		t.Errorf("exit %d, forward annotation:\n%s", code, stdout)
	}
	// Lenient findings are warnings, and errors with --fail-on warning.
	_, stdout, _ = runCLI(t, "", "diff", "--format", "github", "--policy", "lenient", "testdata/open-v1.json", "testdata/open-v2.json")
	if !strings.HasPrefix(stdout, "::warning file=testdata/open-v2.json,line=1,title=property-added-to-open-model::") {
		t.Errorf("lenient annotation:\n%s", stdout)
	}
	_, stdout, _ = runCLI(t, "", "diff", "--format", "github", "--fail-on", "warning", "--policy", "lenient", "testdata/open-v1.json", "testdata/open-v2.json")
	if !strings.HasPrefix(stdout, "::error file=testdata/open-v2.json,line=1,title=property-added-to-open-model::") {
		t.Errorf("lenient annotation with --fail-on warning:\n%s", stdout)
	}
}

// TestDiffColor: colour on a terminal, never with NO_COLOR, never in
// machine formats.
func TestDiffColor(t *testing.T) {
	terminal := true // what the environment says stdout is
	runEnv := func(vars map[string]string, args ...string) string {
		var out, errOut bytes.Buffer
		runIn(context.Background(), env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
			isTerminal: func(io.Writer) bool { return terminal }}, args)
		return out.String()
	}
	if out := runEnv(nil, "diff", v1, v2Breaking); !strings.Contains(out, "\x1b[31") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	if out := runEnv(map[string]string{"NO_COLOR": "1"}, "diff", v1, v2Breaking); strings.Contains(out, "\x1b[") {
		t.Errorf("colour despite NO_COLOR:\n%q", out)
	}
	if out := runEnv(map[string]string{"TERM": "dumb"}, "diff", v1, v2Breaking); strings.Contains(out, "\x1b[") {
		t.Errorf("colour on a dumb terminal:\n%q", out)
	}
	for _, f := range []string{"json", "markdown", "github", "junit"} {
		if out := runEnv(nil, "diff", "--format", f, v1, v2Breaking); strings.Contains(out, "\x1b[") {
			t.Errorf("%s report has colour:\n%q", f, out)
		}
	}
	terminal = false
	if out := runEnv(nil, "diff", v1, v2Breaking); strings.Contains(out, "\x1b[") {
		t.Errorf("colour without a terminal:\n%q", out)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "file": f, "null": null} {
		if isTerminal(w) {
			t.Errorf("%s counted as a terminal", name)
		}
	}
}

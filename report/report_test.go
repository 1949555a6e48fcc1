package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/golden"
)

// checkResult is shaped like what `baton check` produces: several
// message/consumer pairs, one breaking, one with a lenient warning, one clean.
func checkResult(t *testing.T) Result {
	t.Helper()
	schema, err := os.ReadFile("testdata/payment.json")
	if err != nil {
		t.Fatal(err)
	}
	return Result{Command: "check", Mode: "backward", Items: []Item{
		{Subject: "payments.captured", Service: "ledger", Role: "consumer", SchemaFile: "testdata/payment.json", Schema: schema,
			BaseFile: "registry:payments.captured@2",
			Findings: []compat.Finding{
				{Rule: "maximum-decreased", Path: "/properties/amount/maximum", Breaking: true, Direction: "backward",
					Message: "maximum lowered to 10000; the writer allows values up to 50000", Example: json.RawMessage(`{"amount":10001,"currency":"EUR"}`)},
				{Rule: "enum-value-removed", Path: "/properties/currency/enum", Breaking: true, Direction: "backward",
					Message: `value "GBP" allowed by the writer | is rejected`},
			}},
		{Subject: "payments.captured", Service: "audit", Role: "consumer", SchemaFile: "testdata/payment.json", Schema: schema,
			Findings: []compat.Finding{
				{Rule: "property-added-to-open-model", Path: "/properties/a~1b", Breaking: false, Direction: "backward",
					Message: "property `a/b` is now constrained,\nwriters: may send any value", Example: json.RawMessage(`{"a/b":1}`)},
			}},
		{Subject: "payments.refunded", Service: "ledger", Role: "consumer", SchemaFile: "testdata/payment.json", Schema: schema},
	}}
}

func render(t *testing.T, format string, r Result, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, r, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRenderCheckGolden pins every format for a multi-pair result.
// Regenerate with `go test ./report -run TestRenderCheckGolden -update`.
func TestRenderCheckGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			golden.Assert(t, "testdata/check."+f+".golden", []byte(render(t, f, checkResult(t), Options{})))
		})
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, "xml", checkResult(t), Options{}); err == nil {
		t.Error("no error for an unknown format")
	}
}

func TestFailOn(t *testing.T) {
	r := checkResult(t)
	warnOnly := Result{Command: "check", Mode: "backward", Items: r.Items[1:]}
	clean := Result{Command: "check", Mode: "backward", Items: r.Items[2:]}
	for _, tt := range []struct {
		name string
		r    Result
		l    FailOn
		want bool
	}{
		{"breaking/breaking", r, FailBreaking, true},
		{"breaking/warning", r, FailWarning, true},
		{"breaking/none", r, FailNone, false},
		{"warnings/breaking", warnOnly, FailBreaking, false},
		{"warnings/warning", warnOnly, FailWarning, true},
		{"clean/warning", clean, FailWarning, false},
	} {
		if got := tt.r.Fails(tt.l); got != tt.want {
			t.Errorf("%s: Fails = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, s := range []string{"breaking", "warning", "none"} {
		l, err := ParseFailOn(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseFailOn(%q) = %v, %v", s, l, err)
		}
	}
	if _, err := ParseFailOn("error"); err == nil {
		t.Error("ParseFailOn accepted \"error\"")
	}
}

func TestTextColor(t *testing.T) {
	r := checkResult(t)
	plain := render(t, "text", r, Options{})
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("colour without Options.Color:\n%q", plain)
	}
	colored := render(t, "text", r, Options{Color: true})
	if !strings.Contains(colored, ansiRed+ansiBold+"error"+ansiReset) || !strings.Contains(colored, ansiYellow+"warning"+ansiReset) {
		t.Errorf("no ANSI colour with Options.Color:\n%q", colored)
	}
	for _, f := range []string{"json", "markdown", "github", "junit"} {
		if out := render(t, f, r, Options{Color: true}); strings.Contains(out, "\x1b[") {
			t.Errorf("%s output contains ANSI escapes", f)
		}
	}
}

func TestGitHubAnnotations(t *testing.T) {
	out := render(t, "github", checkResult(t), Options{})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		"::error file=testdata/payment.json,line=9,title=maximum-decreased::",
		"::error file=testdata/payment.json,line=12,title=enum-value-removed::",
		"::warning file=testdata/payment.json,line=17,title=property-added-to-open-model::",
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want)+1, out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	// The message's newline is escaped, so an annotation stays on one line.
	if !strings.Contains(lines[2], "constrained,%0Awriters: may") {
		t.Errorf("message not escaped: %q", lines[2])
	}
	// --fail-on warning turns every finding into an error.
	out = render(t, "github", checkResult(t), Options{FailOn: FailWarning})
	if strings.Contains(out, "::warning") || strings.Count(out, "::error") != 3 {
		t.Errorf("with --fail-on warning:\n%s", out)
	}
	if got := ghProperty("a:b,c%\n"); got != "a%3Ab%2Cc%25%0A" {
		t.Errorf("ghProperty = %q", got)
	}
}

// TestGitHubNoFile: standard input has no file to annotate.
func TestGitHubNoFile(t *testing.T) {
	r := Result{Command: "diff", Mode: "backward", Items: []Item{{BaseFile: "old.json", SchemaFile: "<stdin>", Schema: []byte(`{"required":["a"]}`),
		Findings: []compat.Finding{{Rule: "required-property-added", Path: "/required", Breaking: true, Message: "m"}}}}}
	out := render(t, "github", r, Options{})
	if !strings.HasPrefix(out, "::error title=required-property-added::m [/required]\n") {
		t.Errorf("got %q", out)
	}
}

// TestLocationForward: a forward finding points into the proposed (writer)
// schema whenever its pointer exists there, else into the base.
func TestLocationForward(t *testing.T) {
	it := Item{SchemaFile: "new.json", Schema: []byte("{\n\"enum\": [1, 2, 3]\n}"), BaseFile: "old.json", Base: []byte("{\n\n\"enum\": [1, 2],\n\"maximum\": 3\n}")}
	if f, l := it.Location(compat.Finding{Direction: "forward", Path: "/maximum", WriterPath: "/enum"}); f != "new.json" || l != 2 {
		t.Errorf("writer path: %s:%d, want new.json:2", f, l)
	}
	if f, l := it.Location(compat.Finding{Direction: "forward", Path: "/enum"}); f != "new.json" || l != 2 {
		t.Errorf("reader path also in the proposed schema: %s:%d, want new.json:2", f, l)
	}
	if f, l := it.Location(compat.Finding{Direction: "forward", Path: "/maximum"}); f != "old.json" || l != 4 {
		t.Errorf("reader path only in the base: %s:%d, want old.json:4", f, l)
	}
	it.Base, it.BaseFile = nil, "registry:orders@1"
	if f, l := it.Location(compat.Finding{Direction: "forward", Path: "/maximum"}); f != "new.json" || l != 1 {
		t.Errorf("base not local: %s:%d, want new.json:1", f, l)
	}
	if f, l := it.Location(compat.Finding{Direction: "backward", Path: "/enum"}); f != "new.json" || l != 2 {
		t.Errorf("backward: %s:%d, want new.json:2", f, l)
	}
}

func TestJSONCheckShape(t *testing.T) {
	var got struct {
		Compatible bool
		Mode       string
		Items      []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(render(t, "json", checkResult(t), Options{})), &got); err != nil {
		t.Fatal(err)
	}
	if got.Compatible || got.Mode != "backward" || len(got.Items) != 3 {
		t.Fatalf("%+v", got)
	}
	if string(got.Items[1]["compatible"]) != "true" || string(got.Items[0]["compatible"]) != "false" {
		t.Errorf("per-item compatible: %s %s", got.Items[0]["compatible"], got.Items[1]["compatible"])
	}
	if string(got.Items[2]["changes"]) != "[]" {
		t.Errorf("clean item changes = %s, want []", got.Items[2]["changes"])
	}
}

func TestMarkdown(t *testing.T) {
	out := render(t, "markdown", checkResult(t), Options{})
	for _, s := range []string{
		"### ❌ Baton check: 2 breaking changes (backward)",
		"1 of 3 message/consumer pairs break.",
		"`testdata/payment.json:9` `/properties/amount/maximum`",
		`writer \| is rejected`, // a pipe cannot end the cell
		"**Impacted services**\n\n- `ledger` (consumer) of `payments.captured`: 2 breaking changes\n",
		"<details><summary>Witness: <code>maximum-decreased</code>",
		"```json\n{\n  \"amount\": 10001,",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("markdown lacks %q:\n%s", s, out)
		}
	}
	if strings.Count(out, "<details>") != 2 || strings.Count(out, "</details>") != 2 {
		t.Errorf("want one <details> per witness (2):\n%s", out)
	}
	if strings.Contains(out, "`audit`") {
		t.Errorf("a service with only warnings is listed as impacted:\n%s", out)
	}
}

// JUnitReport is the subset of JUnit XML that GitLab and Jenkins read.
type JUnitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitParsesBack(t *testing.T) {
	var rep JUnitReport
	out := render(t, "junit", checkResult(t), Options{})
	if err := xml.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Tests != 3 || rep.Failures != 1 || len(rep.Suites) != 1 {
		t.Fatalf("tests=%d failures=%d suites=%d", rep.Tests, rep.Failures, len(rep.Suites))
	}
	s := rep.Suites[0]
	if s.Name != "baton check (backward)" || s.Tests != 3 || s.Failures != 1 || len(s.Cases) != 3 {
		t.Fatalf("suite %+v", s)
	}
	c := s.Cases[0]
	if c.Classname != "payments.captured" || c.Name != "payments.captured → ledger (consumer)" || c.Failure == nil ||
		c.Failure.Type != "breaking" || c.Failure.Message != "2 breaking change(s) (backward)" ||
		!strings.Contains(c.Failure.Text, "testdata/payment.json:9 /properties/amount/maximum maximum-decreased") ||
		!strings.Contains(c.Failure.Text, `example: {"amount":10001,"currency":"EUR"}`) {
		t.Errorf("case 0: %+v", c)
	}
	if s.Cases[1].Failure != nil || !strings.Contains(s.Cases[1].SystemOut, "property-added-to-open-model") {
		t.Errorf("case 1 (warning only) should pass with the warning in system-out: %+v", s.Cases[1])
	}
	if s.Cases[2].Failure != nil || s.Cases[2].SystemOut != "" {
		t.Errorf("case 2 (clean): %+v", s.Cases[2])
	}
	// With --fail-on warning the warning-only pair fails too.
	rep = JUnitReport{}
	if err := xml.Unmarshal([]byte(render(t, "junit", checkResult(t), Options{FailOn: FailWarning})), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Failures != 2 || rep.Suites[0].Cases[1].Failure == nil || rep.Suites[0].Cases[1].Failure.Type != "warning" {
		t.Errorf("fail-on warning: failures=%d %+v", rep.Failures, rep.Suites[0].Cases[1])
	}
}

// TestJUnitCDATAEscape: a message containing "]]>" must not end the CDATA section.
func TestJUnitCDATAEscape(t *testing.T) {
	r := Result{Command: "diff", Mode: "backward", Items: []Item{{BaseFile: "a", SchemaFile: "b",
		Findings: []compat.Finding{{Rule: "r", Path: "/x", Breaking: true, Message: "evil ]]> <tag> & more"}}}}}
	var rep JUnitReport
	if err := xml.Unmarshal([]byte(render(t, "junit", r, Options{})), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Suites[0].Cases[0].Failure.Text, "evil ]]> <tag> & more") {
		t.Errorf("text lost: %q", rep.Suites[0].Cases[0].Failure.Text)
	}
}

// TestCompactJSON: a witness longer than the limit is cut at a character
// boundary within the limit and marked; a shorter one is left whole.
func TestCompactJSON(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{`{"a":1}`, 7, `{"a":1}`},
		{`{"a":"xyz"}`, 8, `{"a":...`},
		{`["ééé"]`, 6, `["...`},  // é is two bytes: a cut at byte 3 would split the first
		{`["ééé"]`, 7, `["é...`}, // one é fits
		{`["ééé"]`, 8, `["é...`}, // byte 5 is inside the second é
		{`"€€"`, 2, `...`},
	} {
		got := CompactJSON(json.RawMessage(tc.in), tc.limit)
		if got != tc.want || (len(tc.in) > tc.limit && len(got) > max(tc.limit, 3)) || !utf8.ValidString(got) {
			t.Errorf("CompactJSON(%s, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

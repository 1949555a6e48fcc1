package main

import (
	"bufio"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/golden"
)

// TestCheckImpactReports publishes the choreography example (v1), then
// applies a breaking v2 of OrderPlaced (rename-customer) and a safe one
// (add-coupon) and runs `baton check` on the order service and `baton
// impact OrderPlaced` in the CI formats: golden files, exit codes, junit
// parsed back, and github annotations on real lines of the schema file.
func TestCheckImpactReports(t *testing.T) {
	goldenDir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "choreography"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BATON_REGISTRY": startRegistry(t)}
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work) // report paths relative to the repository root, as in CI
	for _, m := range []string{"order", "inventory", "payment", "shipping", "notification"} {
		if code, out, errOut := runEnv(t, env, "publish", m+"/baton.yaml"); code != 0 {
			t.Fatalf("publish %s = %d\n%s%s", m, code, out, errOut)
		}
	}
	const schema = "order/schemas/order-placed.json"
	v1, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(schema, v1, 0o644) })

	for _, tc := range []struct {
		name, v2 string
		code     int
		// junit: testcases and failures of check (the order schema against
		// its history, its 3 consumers, order's own contract) and of impact
		checkTests, checkFailures, impactTests, impactFailures int
	}{
		{"breaking", "v2/order-placed.rename-customer.json", 1, 5, 3, 3, 2},
		{"safe", "v2/order-placed.add-coupon.json", 0, 5, 0, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v2, err := os.ReadFile(tc.v2)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(schema, v2, 0o644); err != nil {
				t.Fatal(err)
			}
			runs := map[string][]string{
				"check":  {"check", "order/baton.yaml"},
				"impact": {"impact", "OrderPlaced", tc.v2},
			}
			for _, cmd := range []string{"check", "impact"} {
				file := schema
				if cmd == "impact" {
					file = tc.v2
				}
				for _, format := range []string{"markdown", "github", "junit"} {
					args := append([]string{runs[cmd][0], "--format", format}, runs[cmd][1:]...)
					code, out, errOut := runEnv(t, env, args...)
					if code != tc.code {
						t.Errorf("%v = %d, want %d\n%s%s", args, code, tc.code, out, errOut)
					}
					golden.Assert(t, filepath.Join(goldenDir, cmd+"."+tc.name+"."+format+".golden"), []byte(out))
					switch format {
					case "junit":
						tests, failures := checkJUnit(t, out)
						wantTests, wantFailures := tc.checkTests, tc.checkFailures
						if cmd == "impact" {
							wantTests, wantFailures = tc.impactTests, tc.impactFailures
						}
						if tests != wantTests || failures != wantFailures {
							t.Errorf("%s junit: %d tests, %d failures; want %d, %d", cmd, tests, failures, wantTests, wantFailures)
						}
					case "github":
						n := checkAnnotations(t, out, file)
						if (n > 0) != (tc.code == 1) {
							t.Errorf("%s github: %d annotations with exit %d\n%s", cmd, n, code, out)
						}
					}
				}
				// --fail-on none reports the same findings and exits 0.
				args := append([]string{runs[cmd][0], "--fail-on", "none"}, runs[cmd][1:]...)
				if code, out, errOut := runEnv(t, env, args...); code != 0 {
					t.Errorf("%v = %d, want 0\n%s%s", args, code, out, errOut)
				}
			}
		})
	}

	for _, args := range [][]string{
		{"check", "--format", "xml", "order/baton.yaml"},
		{"check", "--fail-on", "sometimes", "order/baton.yaml"},
		{"impact", "--format", "sarif", "OrderPlaced", schema},
		{"impact", "--fail-on", "always", "OrderPlaced", schema},
		{"impact", "OrderPlaced", "no-such-file.json"},
	} {
		if code, out, errOut := runEnv(t, env, args...); code != 2 {
			t.Errorf("%v = %d, want 2\n%s%s", args, code, out, errOut)
		}
	}
}

// checkJUnit parses a JUnit report back and checks its counts add up.
func checkJUnit(t *testing.T, out string) (tests, failures int) {
	t.Helper()
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Classname string    `xml:"classname,attr"`
				Name      string    `xml:"name,attr"`
				Failure   *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("junit: %d suites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	failed := 0
	for _, c := range s.Cases {
		if c.Classname == "" || c.Name == "" {
			t.Errorf("junit testcase without classname or name: %+v", c)
		}
		if c.Failure != nil {
			failed++
		}
	}
	if s.Tests != len(s.Cases) || s.Failures != failed || doc.Tests != s.Tests || doc.Failures != s.Failures {
		t.Errorf("junit counts do not add up: %+v", doc)
	}
	return s.Tests, s.Failures
}

var annotation = regexp.MustCompile(`^::(error|warning) file=([^,]+),line=(\d+),title=([^:]+)::`)

// checkAnnotations checks that every github annotation points at file, at
// a line that exists and names the JSON keyword of the finding's rule.
func checkAnnotations(t *testing.T, out, file string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "::") {
			continue
		}
		m := annotation.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Errorf("annotation without file and line: %s", sc.Text())
			continue
		}
		n++
		line, _ := strconv.Atoi(m[3])
		if m[2] != file || line < 1 || line > len(lines) {
			t.Errorf("annotation points at %s:%d, want a line of %s: %s", m[2], line, file, sc.Text())
			continue
		}
		// required-property-added sits on the "required" keyword.
		if strings.HasPrefix(m[4], "required-") && !strings.Contains(lines[line-1], `"required"`) {
			t.Errorf("%s at %s:%d, which is %q", m[4], file, line, lines[line-1])
		}
	}
	return n
}

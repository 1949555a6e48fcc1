package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/golden"
)

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestRuleTable is the meta test: every rule has a well-formed unique ID,
// a purpose, an entry in docs/rules.md and at least one test case.
func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if !kebab.MatchString(r.ID) || seen[r.ID] || r.Purpose == "" || r.Keyword == "" {
			t.Errorf("malformed or duplicate rule %+v", r)
		}
		seen[r.ID] = true
		cases, _ := filepath.Glob(filepath.Join("testdata", "rules", r.ID, "*", "writer.json"))
		if len(cases) == 0 && !r.Deprecated {
			t.Errorf("%s: no test case under testdata/rules/%s/", r.ID, r.ID)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "rules", "*"))
	for _, d := range dirs {
		if !seen[filepath.Base(d)] {
			t.Errorf("%s: test data for a rule that is not in the table", d)
		}
	}
	for _, kw := range ruleForKeyword {
		if !seen[kw.ID] {
			t.Errorf("ruleForKeyword names %s, which is not in Rules", kw.ID)
		}
	}
}

// TestRulesDoc keeps docs/rules.md generated from the table.
func TestRulesDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Compatibility rules\n\n")
	b.WriteString("Generated from `compat/rules.go` by `go test ./compat -run TestRulesDoc -update`; do not edit by hand.\n\n")
	b.WriteString("Each rule names one way a reader schema can reject a document its writer schema accepts. ")
	b.WriteString("Rule IDs are stable: tools may match on them. Every finding carries the rule ID, a JSON Pointer into the reader schema, ")
	b.WriteString("whether it is breaking under the chosen policy, and a witness document (valid under the writer, invalid under the reader) when one could be built and confirmed.\n")
	byFamily := map[string][]Rule{}
	var families []string
	for _, r := range Rules {
		if byFamily[r.Keyword] == nil {
			families = append(families, r.Keyword)
		}
		byFamily[r.Keyword] = append(byFamily[r.Keyword], r)
	}
	for _, fam := range families {
		fmt.Fprintf(&b, "\n# Keyword family: %s\n", fam)
		for _, r := range byFamily[fam] {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", r.ID, r.Purpose)
			cases, _ := filepath.Glob(filepath.Join("testdata", "rules", r.ID, "*", "writer.json"))
			sort.Strings(cases)
			if len(cases) > 0 {
				dir := filepath.Dir(cases[0])
				w, _ := os.ReadFile(filepath.Join(dir, "writer.json"))
				rd, _ := os.ReadFile(filepath.Join(dir, "reader.json"))
				fmt.Fprintf(&b, "\nExample (`compat/%s`): writer `%s`, reader `%s`.\n", filepath.ToSlash(dir), compactDoc(w), compactDoc(rd))
			}
			if r.Deprecated {
				fmt.Fprintf(&b, "\nDeprecated; replaced by %s.\n", strings.Join(r.ReplacedBy, ", "))
			}
		}
	}
	golden.Assert(t, filepath.Join("..", "docs", "rules.md"), []byte(b.String()))
}

func compactDoc(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

type caseOptions struct {
	Policy    string `json:"policy"`
	MaxSteps  int    `json:"maxSteps"`
	MaxMemory int64  `json:"maxMemory"`
}

// TestRuleCases runs every testdata/rules/<rule>/<case>/ pair: the case's
// rule must be among the findings, every example must be a true witness,
// and the whole report must match want.json.
func TestRuleCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "rules", "*", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no rule cases found: %v", err)
	}
	for _, dir := range dirs {
		rule := filepath.Base(filepath.Dir(dir))
		t.Run(rule+"/"+filepath.Base(dir), func(t *testing.T) {
			w := mustLoad(t, filepath.Join(dir, "writer.json"))
			r := mustLoad(t, filepath.Join(dir, "reader.json"))
			var opt caseOptions
			if b, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
				if err := json.Unmarshal(b, &opt); err != nil {
					t.Fatalf("options.json: %v", err)
				}
			}
			policy, err := ParsePolicy(opt.Policy)
			if err != nil {
				t.Fatal(err)
			}
			rep := Check(w, r, Options{Policy: policy, MaxSteps: opt.MaxSteps, MaxMemory: opt.MaxMemory})
			found := false
			for _, f := range rep.Findings {
				found = found || f.Rule == rule
				assertWitness(t, w, r, f)
			}
			if !found {
				t.Errorf("expected a %s finding, got %+v", rule, rep.Findings)
			}
			got, _ := json.MarshalIndent(rep, "", "  ")
			golden.Assert(t, filepath.Join(dir, "want.json"), append(got, '\n'))
			if back := Check(w, w, Options{Policy: policy}); !back.Compatible && opt.MaxSteps == 0 && opt.MaxMemory == 0 {
				t.Errorf("a schema must be compatible with itself: %+v", back.Findings)
			}
		})
	}
}

func mustLoad(t *testing.T, path string) *Schema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Compile(b, LoadOptions{Source: path})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assertWitness(t *testing.T, w, r *Schema, f Finding) {
	t.Helper()
	if f.Example == nil {
		return
	}
	doc, err := DecodeJSON(f.Example)
	if err != nil {
		t.Fatalf("%s: example is not JSON: %v", f.Rule, err)
	}
	if err := w.Validate(doc); err != nil {
		t.Errorf("%s: example %s is rejected by the writer: %v", f.Rule, f.Example, err)
	}
	if r.Validate(doc) == nil {
		t.Errorf("%s: example %s is accepted by the reader", f.Rule, f.Example)
	}
}

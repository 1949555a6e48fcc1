package compat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
)

// suiteDir holds the JSON-Schema-Test-Suite (see its README.md): groups of
// a schema and documents labelled valid or invalid under it.
const suiteDir = "../../shared/jsonschema-test-suite"

// suiteExpectFile records what the oracle may not hold against the engine:
// groups it refuses to load (with the reason) and cases where the validator
// library disagrees with the suite (with the document that shows it).
const suiteExpectFile = "testdata/suite/expected.json"

// suiteRemote is the base URL the suite's remote references use; the
// documents under remotes/ are handed in as resources under it.
const suiteRemote = "http://localhost:1234/"

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// suiteExpect is the content of suiteExpectFile.
type suiteExpect struct {
	// Refused lists groups Compile refuses, by "file#group" key.
	Refused []suiteRefusal `json:"refused"`
	// Validator lists tests on which jsonschema/v5 (the project's
	// validator) disagrees with the suite's label.
	Validator []suiteDeviation `json:"validator"`
}

type suiteRefusal struct {
	Group  string `json:"group"` // draft/file.json#index
	Reason string `json:"reason"`
}

type suiteDeviation struct {
	Test      string          `json:"test"` // draft/file.json#group/test
	Data      json.RawMessage `json:"data"`
	Suite     bool            `json:"suite"`     // the suite's label
	Validator bool            `json:"validator"` // what jsonschema/v5 answers
	Reason    string          `json:"reason"`
}

// suiteStats counts what the oracle saw.
type suiteStats struct {
	groups, refused, selfChecks, constChecks, crossPairs, crossWitnessed int
	unsound                                                              map[string]int // by oracle
	incompleteCross, unwitnessedCross                                    int
	unwitnessedByRule                                                    map[string]int
}

// suiteFiles lists the test files of the drafts the suite has here, in a
// fixed order: core keywords, then optional ones.
func suiteFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, draft := range []string{"draft7", "draft2020-12"} {
		for _, pat := range []string{"*.json", "optional/*.json", "optional/format/*.json"} {
			files, err := filepath.Glob(filepath.Join(suiteDir, "tests", draft, pat))
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(files)
			out = append(out, files...)
		}
	}
	return out
}

// suiteResources hands in every document of remotes/ under its URL.
func suiteResources(t *testing.T) []compat.Resource {
	t.Helper()
	var out []compat.Resource
	root := filepath.Join(suiteDir, "remotes")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, compat.Resource{Name: suiteRemote + filepath.ToSlash(rel), Schema: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSuiteOracle uses the JSON-Schema-Test-Suite as a soundness oracle.
// For every group S (a schema with labelled documents) of every file:
//   - {} -> S is incompatible when S rejects any document of the group;
//   - {"const": d} -> S is compatible exactly when S accepts d;
//   - for every other group W of the same file, W -> S is incompatible
//     when a document of the file is valid under W and invalid under S;
//   - S -> S is compatible, and every example any check reports is valid
//     under its writer and invalid under its reader.
//
// "Valid" is the project's validator's answer. Where it differs from the
// suite's label, the test is listed in testdata/suite/expected.json; groups
// Compile refuses are listed there with the reason. Both lists are
// asserted: an unlisted disagreement or refusal fails, and so does a stale
// entry.
func TestSuiteOracle(t *testing.T) {
	requireConformance(t, suiteDir)
	expect := loadSuiteExpect(t)
	resources := suiteResources(t)
	st := suiteStats{unsound: map[string]int{}, unwitnessedByRule: map[string]int{}}
	refused := map[string]string{}
	validatorDevs := map[string]suiteDeviation{}
	top := compat.MustCompile(`{}`)
	// BATON_SUITE_DUMP names a file to list the cross pairs judged
	// incompatible without an example in (rule, pair, suite witness,
	// writer, reader), for work on witnesses.
	var dump *os.File
	if path := os.Getenv("BATON_SUITE_DUMP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dump = f
	}
	start := time.Now()
	for _, file := range suiteFiles(t) {
		rel, _ := filepath.Rel(filepath.Join(suiteDir, "tests"), file)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		schemas := make([]*compat.Schema, len(groups))
		var docs []any
		var rawDocs []json.RawMessage
		for gi, g := range groups {
			st.groups++
			key := fmt.Sprintf("%s#%d", rel, gi)
			opts := compat.LoadOptions{Source: key}
			if bytes.Contains(g.Schema, []byte("localhost:1234")) {
				opts.Resources = resources
			}
			s, err := compat.Compile(g.Schema, opts)
			if err != nil {
				st.refused++
				refused[key] = err.Error()
				continue
			}
			schemas[gi] = s
			for ti, tc := range g.Tests {
				d, err := compat.DecodeJSON(tc.Data)
				if err != nil {
					t.Fatalf("%s/%d: %v", key, ti, err)
				}
				docs = append(docs, d)
				rawDocs = append(rawDocs, tc.Data)
				if got := s.Validate(d) == nil; got != tc.Valid {
					k := fmt.Sprintf("%s/%d", key, ti)
					validatorDevs[k] = suiteDeviation{Test: k, Data: tc.Data, Suite: tc.Valid, Validator: got}
				}
			}
		}
		for gi, g := range groups {
			s := schemas[gi]
			if s == nil {
				continue
			}
			key := fmt.Sprintf("%s#%d", rel, gi)
			// S -> S.
			st.selfChecks++
			if rep := checkWithin(t, s, s, compat.Options{}, checkLimit); !rep.Compatible {
				t.Errorf("%s: Check(S, S) is not compatible: %s\n  schema: %s", key, findingsSummary(rep), compactRaw(g.Schema))
			}
			// {} -> S.
			rejects := -1
			for ti, tc := range g.Tests {
				d, _ := compat.DecodeJSON(tc.Data)
				if s.Validate(d) != nil {
					rejects = ti
					break
				}
			}
			rep := checkWithin(t, top, s, compat.Options{}, checkLimit)
			assertExamples(t, key+" ({} -> S)", top, s, rep)
			if rejects >= 0 && rep.Compatible {
				st.unsound["top"]++
				t.Errorf("UNSOUND %s: {} -> S judged compatible, but S rejects %s\n  schema: %s", key, compactRaw(g.Tests[rejects].Data), compactRaw(g.Schema))
			}
			// {"const": d} -> S.
			for ti, tc := range g.Tests {
				w, err := compat.Compile([]byte(`{"const":`+string(tc.Data)+`}`), compat.LoadOptions{Source: "const"})
				if err != nil {
					t.Errorf("%s/%d: const writer does not compile: %v", key, ti, err)
					continue
				}
				st.constChecks++
				d, _ := compat.DecodeJSON(tc.Data)
				valid := s.Validate(d) == nil
				rep := checkWithin(t, w, s, compat.Options{}, checkLimit)
				assertExamples(t, key+" (const -> S)", w, s, rep)
				switch {
				case rep.Compatible && !valid:
					st.unsound["const"]++
					t.Errorf("UNSOUND %s/%d: {\"const\": %s} -> S judged compatible, but S rejects it\n  schema: %s", key, ti, compactRaw(tc.Data), compactRaw(g.Schema))
				case !rep.Compatible && valid:
					t.Errorf("%s/%d: {\"const\": %s} -> S judged incompatible, but S accepts it: %s\n  schema: %s", key, ti, compactRaw(tc.Data), findingsSummary(rep), compactRaw(g.Schema))
				}
			}
		}
		// W -> S for every ordered pair of groups of the file.
		for wi, w := range schemas {
			for si, s := range schemas {
				if w == nil || s == nil || wi == si {
					continue
				}
				st.crossPairs++
				witness := -1
				for di, d := range docs {
					if w.Validate(d) == nil && s.Validate(d) != nil {
						witness = di
						break
					}
				}
				rep := checkWithin(t, w, s, compat.Options{}, checkLimit)
				name := fmt.Sprintf("%s#%d -> #%d", rel, wi, si)
				assertExamples(t, name, w, s, rep)
				if witness >= 0 {
					st.crossWitnessed++
					if rep.Compatible {
						st.unsound["cross"]++
						t.Errorf("UNSOUND %s: judged compatible, but %s is valid under the writer and invalid under the reader\n  writer: %s\n  reader: %s",
							name, compactRaw(rawDocs[witness]), compactRaw(groups[wi].Schema), compactRaw(groups[si].Schema))
					}
				}
				if !rep.Compatible {
					if witness < 0 {
						st.incompleteCross++
					}
					if !hasExample(rep) {
						st.unwitnessedCross++
						st.unwitnessedByRule[firstBreaking(rep)]++
						if dump != nil {
							fmt.Fprintf(dump, "%s\t%s\t%v\t%s\t%s\n", firstBreaking(rep), name, witness >= 0, compactRaw(groups[wi].Schema), compactRaw(groups[si].Schema))
						}
					}
				}
			}
		}
	}
	checkSuiteExpect(t, expect, refused, validatorDevs)
	t.Logf("suite oracle: %d groups (%d refused), %d self checks, %d const checks, %d cross pairs (%d with a suite witness), %s",
		st.groups, st.refused, st.selfChecks, st.constChecks, st.crossPairs, st.crossWitnessed, time.Since(start).Round(time.Millisecond))
	t.Logf("suite oracle: unsound {}->S %d, const->S %d, cross %d; cross pairs incompatible without a suite witness %d, incompatible without an example %d %v",
		st.unsound["top"], st.unsound["const"], st.unsound["cross"], st.incompleteCross, st.unwitnessedCross, st.unwitnessedByRule)
}

func hasExample(r compat.Report) bool {
	for _, f := range r.Findings {
		if f.Breaking && len(f.Example) > 0 {
			return true
		}
	}
	return false
}

func firstBreaking(r compat.Report) string {
	for _, f := range r.Findings {
		if f.Breaking {
			return f.Rule
		}
	}
	return "none"
}

// assertExamples fails on any example that is not a witness.
func assertExamples(t *testing.T, name string, w, r *compat.Schema, rep compat.Report) {
	t.Helper()
	for _, f := range rep.Findings {
		if len(f.Example) == 0 {
			continue
		}
		if why := witnessHolds(w, r, f.Example); why != "" {
			t.Errorf("%s: finding %s at %q has example %s, but %s\n  writer: %s\n  reader: %s", name, f.Rule, f.Path, f.Example, why, compactRaw(w.Raw()), compactRaw(r.Raw()))
		}
	}
}

func loadSuiteExpect(t *testing.T) suiteExpect {
	t.Helper()
	var e suiteExpect
	b, err := os.ReadFile(suiteExpectFile)
	if err != nil {
		t.Fatalf("reading %s: %v", suiteExpectFile, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", suiteExpectFile, err)
	}
	return e
}

// checkSuiteExpect compares what happened with the recorded refusals and
// validator deviations, both ways.
func checkSuiteExpect(t *testing.T, e suiteExpect, refused map[string]string, devs map[string]suiteDeviation) {
	t.Helper()
	listed := map[string]bool{}
	for _, r := range e.Refused {
		listed[r.Group] = true
		if strings.TrimSpace(r.Reason) == "" {
			t.Errorf("%s: refused group %s needs a reason", suiteExpectFile, r.Group)
		}
		if _, ok := refused[r.Group]; !ok {
			t.Errorf("%s: stale: group %s now loads; remove it from the refused list", suiteExpectFile, r.Group)
		}
	}
	for _, k := range sortedKeys(refused) {
		if !listed[k] {
			t.Errorf("group %s is refused but not listed in %s: %s", k, suiteExpectFile, refused[k])
		}
	}
	listed = map[string]bool{}
	for _, d := range e.Validator {
		listed[d.Test] = true
		if strings.TrimSpace(d.Reason) == "" {
			t.Errorf("%s: validator deviation %s needs a reason", suiteExpectFile, d.Test)
		}
		got, ok := devs[d.Test]
		switch {
		case !ok:
			t.Errorf("%s: stale: the validator now agrees with the suite on %s; remove it", suiteExpectFile, d.Test)
		case got.Suite != d.Suite || got.Validator != d.Validator || !jsonSame(got.Data, d.Data):
			t.Errorf("%s: %s recorded as suite=%v validator=%v data %s, but now suite=%v validator=%v data %s",
				suiteExpectFile, d.Test, d.Suite, d.Validator, compactRaw(d.Data), got.Suite, got.Validator, compactRaw(got.Data))
		}
	}
	for _, k := range sortedKeys(devs) {
		if !listed[k] {
			d := devs[k]
			t.Errorf("the validator disagrees with the suite on %s (data %s: suite valid=%v, validator valid=%v) and it is not listed in %s",
				k, compactRaw(d.Data), d.Suite, d.Validator, suiteExpectFile)
		}
	}
}

// jsonSame compares two JSON texts by value (escapes and spacing aside).
func jsonSame(a, b json.RawMessage) bool {
	x, err1 := compat.DecodeJSON(a)
	y, err2 := compat.DecodeJSON(b)
	return err1 == nil && err2 == nil && jsonEqual(x, y)
}

// TestSuiteIDChangesNothing gives every suite schema that has none a root
// $id: the copy must be compatible with the original both ways, since an
// identifier changes no document's validity.
func TestSuiteIDChangesNothing(t *testing.T) {
	requireConformance(t, suiteDir)
	n := 0
	for _, file := range suiteFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatal(err)
		}
		for gi, g := range groups {
			v, err := compat.DecodeJSON(g.Schema) // numbers stay exact
			m, ok := v.(map[string]any)
			if err != nil || !ok || m["$id"] != nil || bytes.Contains(g.Schema, []byte("localhost:1234")) {
				continue
			}
			orig, err := compat.Compile(g.Schema, compat.LoadOptions{})
			if err != nil {
				continue
			}
			m["$id"] = "https://example.com/schemas/with-id.json"
			withID, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			s, err := compat.Compile(withID, compat.LoadOptions{})
			if err != nil {
				t.Errorf("%s#%d: adding $id makes it fail to load: %v", file, gi, err)
				continue
			}
			n++
			for _, p := range [][2]*compat.Schema{{orig, s}, {s, orig}} {
				if rep := checkWithin(t, p[0], p[1], compat.Options{}, checkLimit); !rep.Compatible {
					t.Errorf("%s#%d: adding only $id made it incompatible: %s\n  schema: %s", file, gi, findingsSummary(rep), withID)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d schemas checked", n)
	}
}

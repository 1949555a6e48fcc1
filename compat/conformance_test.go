package compat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
)

// confluentDir holds Confluent's JSON Schema compatibility vectors (see its
// README.md); it lives outside the module, next to the design documents.
const confluentDir = "../../shared/conformance/confluent"

// conformanceFiles are the four case files; every one must be present.
var conformanceFiles = []string{
	"diff-schema-examples.json",
	"diff-schema-examples-2020-12.json",
	"diff-combined-schema-examples.json",
	"diff-combined-schema-examples-2020-12.json",
}

const deviationsFile = "testdata/conformance/deviations.json"

// minAgreement is the share of Confluent's verdicts Baton must reproduce.
const minAgreement = 0.97

type confluentCase struct {
	Description       string          `json:"description"`
	Original          json.RawMessage `json:"original_schema"`
	Update            json.RawMessage `json:"update_schema"`
	Changes           []string        `json:"changes"`
	Compatible        *bool           `json:"compatible"`
	CompatibleLenient *bool           `json:"compatible_lenient"`
}

// deviation waives one disagreement with Confluent, with the reason and,
// where Confluent says compatible but Baton does not, a witness: a document
// the original schema accepts and the update rejects.
type deviation struct {
	File      string          `json:"file"`
	Index     int             `json:"index"`
	Policy    string          `json:"policy"` // "strict" or "lenient"
	Confluent bool            `json:"confluent"`
	Baton     bool            `json:"baton"`
	Reason    string          `json:"reason"`
	Witness   json.RawMessage `json:"witness,omitempty"`
}

func (d deviation) key() string { return fmt.Sprintf("%s#%d/%s", d.File, d.Index, d.Policy) }

// requireConformance skips (or, with BATON_REQUIRE_CONFORMANCE set, fails)
// when the vectors are not available.
func requireConformance(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("BATON_REQUIRE_CONFORMANCE") != "" {
			t.Fatalf("conformance vectors required (BATON_REQUIRE_CONFORMANCE is set) but unavailable: %v", err)
		}
		t.Skipf("skipping: Confluent conformance vectors not found (%v); set BATON_REQUIRE_CONFORMANCE=1 to make this a failure", err)
	}
}

func loadDeviations(t *testing.T) map[string]deviation {
	t.Helper()
	data, err := os.ReadFile(deviationsFile)
	if err != nil {
		t.Fatalf("reading deviations: %v", err)
	}
	var list []deviation
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		t.Fatalf("%s: %v", deviationsFile, err)
	}
	out := map[string]deviation{}
	for _, d := range list {
		switch {
		case d.Policy != "strict" && d.Policy != "lenient":
			t.Errorf("%s: %s: policy must be strict or lenient", deviationsFile, d.key())
		case strings.TrimSpace(d.Reason) == "":
			t.Errorf("%s: %s: a deviation needs a reason", deviationsFile, d.key())
		case d.Confluent == d.Baton:
			t.Errorf("%s: %s: confluent and baton verdicts are equal; that is not a deviation", deviationsFile, d.key())
		}
		if _, dup := out[d.key()]; dup {
			t.Errorf("%s: %s listed twice", deviationsFile, d.key())
		}
		out[d.key()] = d
	}
	return out
}

func compileCase(t *testing.T, name string, raw json.RawMessage) *compat.Schema {
	t.Helper()
	s, err := compat.Compile(raw, compat.LoadOptions{Source: name})
	if err != nil {
		t.Errorf("%s: does not compile: %v", name, err)
		return nil
	}
	return s
}

// checkWithin runs Check but fails the test instead of hanging forever.
func checkWithin(t testing.TB, writer, reader *compat.Schema, opts compat.Options, limit time.Duration) compat.Report {
	t.Helper()
	done := make(chan compat.Report, 1)
	go func() { done <- compat.Check(writer, reader, opts) }()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		t.Fatalf("Check did not finish within %v\nwriter: %s\nreader: %s", limit, writer.Raw(), reader.Raw())
		return compat.Report{}
	}
}

// witnessHolds reports why doc is not a witness for writer ⊄ reader, or "".
func witnessHolds(writer, reader *compat.Schema, doc []byte) string {
	v, err := compat.DecodeJSON(doc)
	if err != nil {
		return fmt.Sprintf("not JSON: %v", err)
	}
	if err := writer.Validate(v); err != nil {
		return fmt.Sprintf("the writer (original) rejects it: %v", err)
	}
	v, _ = compat.DecodeJSON(doc)
	if err := reader.Validate(v); err == nil {
		return "the reader (update) accepts it"
	}
	return ""
}

func TestConfluentConformance(t *testing.T) {
	requireConformance(t, confluentDir)
	devs := loadDeviations(t)
	used := map[string]bool{}
	var agreeAll, totalAll, agreeStrict, totalStrict int
	for _, file := range conformanceFiles {
		path := filepath.Join(confluentDir, file)
		requireConformance(t, path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cases []confluentCase
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(cases) == 0 {
			t.Fatalf("%s: no cases", path)
		}
		agree, total := map[string]int{}, map[string]int{}
		for i, c := range cases {
			name := fmt.Sprintf("%s#%d", file, i)
			if c.Compatible == nil {
				t.Errorf("%s: case has no compatible verdict", name)
				continue
			}
			orig := compileCase(t, name+"/original_schema", c.Original)
			upd := compileCase(t, name+"/update_schema", c.Update)
			if orig == nil || upd == nil {
				total["strict"]++ // counted as disagreements
				total["lenient"]++
				continue
			}
			for _, policy := range []compat.Policy{compat.Strict, compat.Lenient} {
				want := *c.Compatible
				if policy == compat.Lenient && c.CompatibleLenient != nil {
					want = *c.CompatibleLenient
				}
				rep := checkWithin(t, orig, upd, compat.Options{Policy: policy}, 10*time.Second)
				got := rep.Compatible
				// Whatever the verdict, every witness the engine shows must hold.
				for _, f := range rep.Findings {
					if len(f.Example) == 0 {
						continue
					}
					if why := witnessHolds(orig, upd, f.Example); why != "" {
						t.Errorf("%s (%s): finding %s at %q has a wrong example %s: %s", name, policy, f.Rule, f.Path, f.Example, why)
					}
				}
				if got && policy == compat.Strict {
					probeSoundness(t, name, orig, upd, c.Original, c.Update, uint64(i))
				}
				total[policy.String()]++
				key := deviation{File: file, Index: i, Policy: policy.String()}.key()
				d, listed := devs[key]
				if got == want {
					agree[policy.String()]++
					if listed {
						used[key] = true
						t.Errorf("%s: stale deviation: Baton now agrees with Confluent (compatible=%v); remove it from %s", key, got, deviationsFile)
					}
					continue
				}
				if !listed {
					t.Errorf("%s %q: unlisted disagreement: Confluent compatible=%v, Baton compatible=%v (changes %v)\n  original: %s\n  update:   %s\n  findings: %s\n  investigate with a witness, then fix the engine or add it to %s",
						key, c.Description, want, got, c.Changes, compactRaw(c.Original), compactRaw(c.Update), findingsSummary(rep), deviationsFile)
					continue
				}
				used[key] = true
				if d.Confluent != want || d.Baton != got {
					t.Errorf("%s: deviation says confluent=%v baton=%v, but now confluent=%v baton=%v", key, d.Confluent, d.Baton, want, got)
				}
				switch {
				case want && !got && len(d.Witness) == 0:
					t.Errorf("%s: Confluent says compatible and Baton does not: the deviation needs a witness", key)
				case len(d.Witness) > 0:
					if why := witnessHolds(orig, upd, d.Witness); why != "" {
						t.Errorf("%s: witness %s does not prove incompatibility: %s", key, d.Witness, why)
					} else if got {
						t.Errorf("%s: UNSOUND: Baton says compatible but witness %s is accepted by the original and rejected by the update", key, d.Witness)
					}
				}
			}
		}
		var a, n int
		for _, p := range []string{"strict", "lenient"} {
			a += agree[p]
			n += total[p]
		}
		agreeAll += a
		totalAll += n
		agreeStrict += agree["strict"]
		totalStrict += total["strict"]
		t.Logf("conformance: %s agree %d/%d (%.1f%%) [strict %d/%d, lenient %d/%d]",
			file, a, n, pct(a, n), agree["strict"], total["strict"], agree["lenient"], total["lenient"])
	}
	t.Logf("conformance: overall agree %d/%d (%.1f%%) [strict %d/%d (%.1f%%)]",
		agreeAll, totalAll, pct(agreeAll, totalAll), agreeStrict, totalStrict, pct(agreeStrict, totalStrict))
	if totalAll == 0 || float64(agreeAll) < minAgreement*float64(totalAll) {
		t.Errorf("overall agreement %.1f%% is below %.0f%%", pct(agreeAll, totalAll), 100*minAgreement)
	}
	if totalStrict == 0 || float64(agreeStrict) < minAgreement*float64(totalStrict) {
		t.Errorf("strict-policy agreement %.1f%% is below %.0f%%", pct(agreeStrict, totalStrict), 100*minAgreement)
	}
	var stale []string
	for k := range devs {
		if !used[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("%s: stale deviation: no such disagreement (unknown case, or the case agrees now); remove it from %s", k, deviationsFile)
	}
}

// probeSoundness tries documents generated from both schemas of a case Baton
// calls compatible: none may be valid under the original and invalid under
// the update.
func probeSoundness(t *testing.T, name string, orig, upd *compat.Schema, origRaw, updRaw json.RawMessage, seed uint64) {
	t.Helper()
	w, okW := decodeObject(origRaw)
	r, okR := decodeObject(updRaw)
	if !okW || !okR {
		return
	}
	g := &gen{src: newRandSource(seed, uint64(len(origRaw))), draft: draft7}
	dg := newDocGen(g, w, r)
	for i := 0; i < 200; i++ {
		dg.root = w
		doc := marshal(dg.doc(w, 0))
		if why := witnessHolds(orig, upd, doc); why == "" {
			t.Errorf("%s: UNSOUND: Baton says compatible, but %s is valid under the original and invalid under the update", name, doc)
			return
		}
	}
}

func decodeObject(raw json.RawMessage) (map[string]any, bool) {
	v, err := compat.DecodeJSON(raw)
	if err != nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}

func compactRaw(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func findingsSummary(r compat.Report) string {
	var parts []string
	for _, f := range r.Findings {
		s := fmt.Sprintf("%s@%s(breaking=%v)", f.Rule, f.Path, f.Breaking)
		if len(f.Example) > 0 {
			s += " example " + string(f.Example)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// TestRecursiveSchema: upstream compares the self-referencing schema with
// itself and requires no difference. Check must terminate and agree, with
// the same compiled object and with two separate compilations.
func TestRecursiveSchema(t *testing.T) {
	path := filepath.Join(confluentDir, "recursive-schema.json")
	requireConformance(t, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := compat.Compile(data, compat.LoadOptions{Source: "recursive-schema.json"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := compat.Compile(data, compat.LoadOptions{Source: "recursive-schema.json (second copy)"})
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range []compat.Policy{compat.Strict, compat.Lenient} {
		for _, p := range []struct {
			name string
			w, r *compat.Schema
		}{{"same", a, a}, {"copy-forward", a, b}, {"copy-backward", b, a}} {
			rep := checkWithin(t, p.w, p.r, compat.Options{Policy: policy}, 10*time.Second)
			if !rep.Compatible || len(breaking(rep)) > 0 {
				t.Errorf("%s/%s: identical recursive schemas judged incompatible: %s", p.name, policy, findingsSummary(rep))
			}
		}
	}

	// A change deep inside the recursion must be seen through the $ref cycle:
	// integer -> number widens (compatible as BACKWARD), the reverse narrows.
	widened := bytes.Replace(data, []byte(`"description": "Some description",
          "type": "integer"`), []byte(`"description": "Some description",
          "type": "number"`), 1)
	if bytes.Equal(widened, data) {
		t.Fatal("recursive-schema.json changed shape; update this test's edit")
	}
	w, err := compat.Compile(widened, compat.LoadOptions{Source: "widened"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := checkWithin(t, a, w, compat.Options{}, 10*time.Second); !rep.Compatible {
		t.Errorf("integer -> number inside the recursion judged incompatible: %s", findingsSummary(rep))
	}
	rep := checkWithin(t, w, a, compat.Options{}, 10*time.Second)
	if rep.Compatible {
		t.Errorf("number -> integer inside the recursion judged compatible; witness: %s",
			`{"categories":[{"category_id":1,"categories":[{"category_id":0.5,"categories":[]}]}]}`)
	}
	for _, f := range rep.Findings {
		if len(f.Example) > 0 {
			if why := witnessHolds(w, a, f.Example); why != "" {
				t.Errorf("finding %s has a wrong example %s: %s", f.Rule, f.Example, why)
			}
		}
	}
	// The witness above really is one, so "compatible" would be unsound.
	if why := witnessHolds(w, a, []byte(`{"categories":[{"category_id":1,"categories":[{"category_id":0.5,"categories":[]}]}]}`)); why != "" {
		t.Fatalf("hand-made witness is wrong: %s", why)
	}
}

func breaking(r compat.Report) []compat.Finding {
	var out []compat.Finding
	for _, f := range r.Findings {
		if f.Breaking {
			out = append(out, f)
		}
	}
	return out
}

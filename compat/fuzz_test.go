package compat_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
)

// checkLimit bounds one Check on a small generated pair: far above what a
// terminating engine needs, far below the test timeout.
const checkLimit = 10 * time.Second

// pairStats counts what a run of the property checks saw.
type pairStats struct {
	pairs, witnessDocs, incompatible, examples, annotationPairs, annotationIncompatible int
}

// checkPair asserts the soundness properties on one generated pair, in both
// directions:
//   - Check(s, s) is compatible (same object, and a separate compilation);
//   - a document valid under the writer and invalid under the reader means
//     Check(writer, reader) must not be compatible (under Strict);
//   - every Finding.Example is valid under the writer and invalid under the
//     reader, under both policies;
//   - Lenient accepts whatever Strict accepts.
func checkPair(t testing.TB, pc pairCase, st *pairStats) {
	t.Helper()
	w := mustCompileGen(t, "writer", pc.Writer)
	r := mustCompileGen(t, "reader", pc.Reader)
	st.pairs++
	ctx := func() string {
		return fmt.Sprintf("draft %d, edits %v\n  writer: %s\n  reader: %s", pc.Draft, pc.Edits, pc.Writer, pc.Reader)
	}
	for _, s := range []*compat.Schema{w, r} {
		for _, policy := range []compat.Policy{compat.Strict, compat.Lenient} {
			if rep := checkWithin(t, s, s, compat.Options{Policy: policy}, checkLimit); !rep.Compatible {
				t.Fatalf("Check(s, s) is not compatible (%s): %s\n  schema: %s", policy, findingsSummary(rep), s.Raw())
			}
		}
		twin := mustCompileGen(t, "copy", s.Raw())
		if rep := checkWithin(t, s, twin, compat.Options{}, checkLimit); !rep.Compatible {
			t.Fatalf("Check(s, copy of s) is not compatible: %s\n  schema: %s", findingsSummary(rep), s.Raw())
		}
	}
	docs := make([]any, 0, len(pc.Docs))
	for _, d := range pc.Docs {
		v, err := compat.DecodeJSON(d)
		if err != nil {
			t.Fatalf("generated document %s: %v", d, err)
		}
		docs = append(docs, v)
	}
	for _, dir := range []struct {
		name           string
		writer, reader *compat.Schema
	}{{"backward", w, r}, {"forward", r, w}} {
		strict := checkWithin(t, dir.writer, dir.reader, compat.Options{Policy: compat.Strict}, checkLimit)
		lenient := checkWithin(t, dir.writer, dir.reader, compat.Options{Policy: compat.Lenient}, checkLimit)
		if !strict.Compatible {
			st.incompatible++
		}
		for i, doc := range docs {
			if dir.writer.Validate(doc) != nil || dir.reader.Validate(doc) == nil {
				continue
			}
			st.witnessDocs++
			if strict.Compatible {
				t.Fatalf("UNSOUND (%s): Check says compatible but document %s is valid under the writer and invalid under the reader (%v)\n%s",
					dir.name, pc.Docs[i], dir.reader.Validate(doc), ctx())
			}
		}
		if strict.Compatible && !lenient.Compatible {
			t.Fatalf("%s: Strict says compatible, Lenient does not: %s\n%s", dir.name, findingsSummary(lenient), ctx())
		}
		for _, rep := range []compat.Report{strict, lenient} {
			for _, f := range rep.Findings {
				if len(f.Example) == 0 {
					continue
				}
				st.examples++
				if why := witnessHolds(dir.writer, dir.reader, f.Example); why != "" {
					t.Fatalf("%s: finding %s at %q has example %s, but %s\n%s", dir.name, f.Rule, f.Path, f.Example, why, ctx())
				}
			}
		}
		if pc.AnnotationsOnly {
			st.annotationPairs++
			if !strict.Compatible {
				st.annotationIncompatible++
			}
		}
	}
}

func mustCompileGen(t testing.TB, role string, data []byte) *compat.Schema {
	t.Helper()
	s, err := compat.Compile(data, compat.LoadOptions{Source: role})
	if err != nil {
		t.Fatalf("generated %s schema does not compile (generator bug): %v\n  %s", role, err, data)
	}
	return s
}

// TestSoundnessRandom runs the property checks on a fixed, seeded stream of
// generated pairs so that every CI run exercises them.
func TestSoundnessRandom(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	var st pairStats
	for i := 0; i < n; i++ {
		pc := genPair(newRandSource(20261123, uint64(i)))
		checkPair(t, pc, &st)
		if t.Failed() {
			t.Fatalf("pair %d (seed 20261123, stream %d) failed", i, i)
		}
	}
	t.Logf("soundness: %d pairs, %d incompatible directions, %d witness documents, %d examples checked; annotation-only pairs %d directions, %d judged incompatible",
		st.pairs, st.incompatible, st.witnessDocs, st.examples, st.annotationPairs, st.annotationIncompatible)
	// The generator must actually produce witnesses, or the test proves nothing.
	if st.witnessDocs < n/10 {
		t.Errorf("only %d witness documents in %d pairs: the generator has lost its power", st.witnessDocs, n)
	}
}

// FuzzCheck draws a schema pair and documents from the fuzz input and checks
// the soundness properties (see checkPair).
func FuzzCheck(f *testing.F) {
	for i := 0; i < 8; i++ {
		seed := make([]byte, 48)
		src := newRandSource(7, uint64(i))
		for j := range seed {
			seed[j] = byte(src.intn(256))
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return // choices beyond this add nothing but time
		}
		var st pairStats
		checkPair(t, genPair(newByteSource(data)), &st)
	})
}

// FuzzCompile feeds arbitrary bytes to the loader: it must never panic or
// hang, must fail only with a *compat.LoadError, and whatever it accepts
// must be compatible with itself.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{}`, `true`, `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`,
		`{"$ref":"#"}`, `{"$ref":"file:///etc/passwd"}`, `{"$ref":"https://example.com/s.json"}`,
		`{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"}`,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n"}}},"$ref":"#/$defs/n"}`,
		`{"type":"number","multipleOf":0.01,"maximum":1e400}`, `{"pattern":"(a+)+$"}`, `{"type":`, `[[[[[[`, `{"a":1} x`,
	} {
		f.Add([]byte(s))
	}
	if files, _ := filepath.Glob(filepath.Join(confluentDir, "*.json")); len(files) > 0 {
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			var cases []confluentCase
			if json.Unmarshal(data, &cases) != nil {
				f.Add(data) // recursive-schema.json is a single schema
				continue
			}
			for _, c := range cases {
				f.Add([]byte(c.Original))
				f.Add([]byte(c.Update))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			s   *compat.Schema
			err error
		}
		done := make(chan result, 1)
		go func() {
			s, err := compat.Compile(data, compat.LoadOptions{Source: "fuzz"})
			done <- result{s, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Compile did not finish within 10s on %q", data)
		}
		if res.err != nil {
			var le *compat.LoadError
			if !errors.As(res.err, &le) {
				t.Fatalf("Compile error is %T, not *compat.LoadError: %v", res.err, res.err)
			}
			if strings.TrimSpace(le.Error()) == "" {
				t.Fatalf("LoadError with an empty message")
			}
			return
		}
		if rep := checkWithin(t, res.s, res.s, compat.Options{}, checkLimit); !rep.Compatible {
			t.Fatalf("Check(s, s) is not compatible: %s\n  schema: %s", findingsSummary(rep), data)
		}
	})
}

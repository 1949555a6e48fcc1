package compat

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/internal/eventschema"
)

// changedRequired compiles eventschema.ChangedRequired(n).
func changedRequired(n int) (writer, reader *Schema) {
	w, r := eventschema.ChangedRequired(n)
	return MustCompile(w), MustCompile(r)
}

// TestReportExampleBudget: the examples of one report stay within
// exampleBudget bytes together, in report order (the first findings keep
// theirs), each still proven against both whole schemas; a report that
// joins several pairs (a transitive mode) is held to the same budget.
func TestReportExampleBudget(t *testing.T) {
	const budget = 1 << 20 // exampleBudget, as documented: stated here so a change to it fails
	w, r := changedRequired(3000)
	examples := func(rep Report) (total, with int) {
		for _, f := range rep.Findings {
			if len(f.Example) > 0 {
				total += len(f.Example)
				with++
			}
		}
		return total, with
	}
	rep := Check(w, r, Options{})
	total, with := examples(rep)
	if rep.Compatible || with == 0 || with == len(rep.Findings) {
		t.Fatalf("compatible %v, %d of %d findings with an example: want incompatible, some with one and some past the budget", rep.Compatible, with, len(rep.Findings))
	}
	if total > budget {
		t.Errorf("examples take %d bytes together, want at most %d", total, budget)
	}
	if len(rep.Findings[0].Example) == 0 {
		t.Errorf("the first finding has no example: the budget must go to findings in report order")
	}
	for _, f := range rep.Findings {
		if len(f.Example) == 0 {
			continue
		}
		doc, err := DecodeJSON(f.Example)
		if err != nil {
			t.Fatal(err)
		}
		if w.Validate(doc) != nil || r.Validate(doc) == nil {
			t.Errorf("%s %s: the example is not accepted by the writer and rejected by the reader", f.Rule, f.Path)
		}
	}

	joined, err := CheckModeContext(t.Context(), BackwardTransitive, []*Schema{w, w, w}, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if total, with := examples(joined); total > budget || with == 0 {
		t.Errorf("transitive report: %d example bytes in %d findings, want some, at most %d bytes", total, with, budget)
	}
}

// BenchmarkCheckChangedRequired: the cost of a report whose witnesses
// are large (3,000 required properties, all changed), the case the
// example budget bounds.
func BenchmarkCheckChangedRequired(b *testing.B) {
	w, r := changedRequired(3000)
	b.ReportAllocs()
	for b.Loop() {
		benchSinkReport = Check(w, r, Options{})
	}
}

var benchSinkReport Report

// TestModeChecksShareSteps: the pairs of a mode check draw on one step
// budget, so a transitive check of many versions costs at most one
// budget: with room for one and a half first pairs (later pairs are
// cheaper: the writer's samples are cached), a pair runs out (one
// undecidable-complexity finding) and the versions after it are not
// checked; a single pair under the same budget is decided, and with the
// default budget every version is.
func TestModeChecksShareSteps(t *testing.T) {
	w, r := changedRequired(50)
	var steps int
	if _, err := checkSpent(t.Context(), w, r, Options{}, &steps); err != nil || steps < 10 {
		t.Fatalf("one pair: %d steps, %v", steps, err)
	}
	opts := Options{MaxSteps: steps + steps/2}
	tooComplex := func(rep Report) (n int, versions []int) {
		for _, f := range rep.Findings {
			if f.Rule == RuleTooComplex.ID {
				n++
			}
			if !slices.Contains(versions, f.Version) {
				versions = append(versions, f.Version)
			}
		}
		return n, versions
	}
	if n, _ := tooComplex(CheckMode(Backward, []*Schema{w}, r, opts)); n != 0 {
		t.Errorf("one pair within the budget: %d undecidable-complexity findings, want 0", n)
	}
	history := []*Schema{w, w, w, w, w, w, w, w}
	n, versions := tooComplex(CheckMode(BackwardTransitive, history, r, opts))
	if n != 1 || len(versions) < 2 || slices.Contains(versions, len(history)) {
		t.Errorf("8 versions: %d undecidable-complexity findings over versions %v, want 1, and the last versions unchecked", n, versions)
	}
	if n, versions := tooComplex(CheckMode(BackwardTransitive, history, r, Options{})); n != 0 || len(versions) != len(history) {
		t.Errorf("8 versions, default budget: %d undecidable-complexity findings over versions %v, want 0 and all 8", n, versions)
	}
}

package compat

import "testing"

// TestCoMemoDiscardsOnlyDependents: when a key fails, the provisional
// results that assumed it are discarded, and those that rest only on
// other (shallower) keys stay cached.
func TestCoMemoDiscardsOnlyDependents(t *testing.T) {
	m := newCoMemo[string, bool]()
	computed := map[string]int{}
	failed := func(v bool) bool { return !v }
	var do func(k string) bool
	// A asks B but holds whatever B says (as an anyOf with another
	// branch); B needs C and D and fails on its own; C needs A (in
	// progress: assumed); D needs B (in progress: assumed).
	deps := map[string][]string{"A": {"B"}, "B": {"C", "D"}, "C": {"A"}, "D": {"B"}}
	do = func(k string) bool {
		return m.do(k, true, failed, func() bool {
			computed[k]++
			ok := true
			for _, d := range deps[k] {
				ok = do(d) && ok
			}
			return k == "A" || (ok && k != "B")
		})
	}
	if !do("A") {
		t.Fatal("A holds")
	}
	if e, ok := m.cache["C"]; !ok || e.deps != nil || !e.v {
		t.Errorf("C assumed only A, which holds: want it final, got %+v %v", e, ok)
	}
	if _, ok := m.cache["D"]; ok {
		t.Error("D assumed B, which failed: it must be discarded")
	}
	// Asking again recomputes D only.
	for _, k := range []string{"A", "B", "C", "D"} {
		do(k)
	}
	for k, want := range map[string]int{"A": 1, "B": 1, "C": 1, "D": 2} {
		if computed[k] != want {
			t.Errorf("%s computed %d times, want %d", k, computed[k], want)
		}
	}
}

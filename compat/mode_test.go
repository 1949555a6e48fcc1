package compat

import "testing"

func TestModeNonTransitive(t *testing.T) {
	for _, tc := range []struct{ in, want Mode }{
		{None, None},
		{Backward, Backward},
		{BackwardTransitive, Backward},
		{Forward, Forward},
		{ForwardTransitive, Forward},
		{Full, Full},
		{FullTransitive, Full},
	} {
		if got := tc.in.NonTransitive(); got != tc.want {
			t.Errorf("%s.NonTransitive() = %s, want %s", tc.in, got, tc.want)
		}
		if tc.in.NonTransitive().Transitive() {
			t.Errorf("%s.NonTransitive() is still transitive", tc.in)
		}
	}
}

func TestModeNames(t *testing.T) {
	const want = "NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE"
	if got := ModeNames(); got != want {
		t.Errorf("ModeNames() = %q, want %q", got, want)
	}
	for _, m := range Modes {
		if got, err := ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := ParseMode("sideways"); err == nil || err.Error() != `unknown compatibility mode "sideways" (want one of `+want+`)` {
		t.Errorf("ParseMode(sideways) error = %v", err)
	}
}

package registry_test

import (
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// TestDiffDefaultMode: without a mode, Diff compares in the subject's own
// mode made non-transitive (two versions, not a history), and FULL when
// the subject checks nothing (NONE).
func TestDiffDefaultMode(t *testing.T) {
	t.Parallel()
	const (
		v1 = `{"type":"object","properties":{"a":{"type":"string"}}}`
		v2 = `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}` // old data may lack "a"
	)
	tests := []struct {
		subjectMode compat.Mode
		want        compat.Mode
		rules       []string // direction of each finding
	}{
		{compat.Backward, compat.Backward, []string{"backward"}},
		{compat.BackwardTransitive, compat.Backward, []string{"backward"}},
		{compat.Forward, compat.Forward, nil},
		{compat.ForwardTransitive, compat.Forward, nil},
		{compat.Full, compat.Full, []string{"backward"}},
		{compat.FullTransitive, compat.Full, []string{"backward"}},
		{compat.None, compat.Full, []string{"backward"}},
	}
	for _, tc := range tests {
		svc := newRegistrar(t)
		if _, err := svc.SetConfig(ctx, "S", registry.Config{Mode: compat.None}); err != nil {
			t.Fatal(err)
		}
		publish(t, svc, "S", v1)
		publish(t, svc, "S", v2)
		if _, err := svc.SetConfig(ctx, "S", registry.Config{Mode: tc.subjectMode}); err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Diff(ctx, "S", "1", "2", "")
		if err != nil {
			t.Fatalf("%s: %v", tc.subjectMode, err)
		}
		var dirs []string
		for _, f := range rep.Findings {
			dirs = append(dirs, f.Direction)
		}
		if rep.Mode != tc.want || len(dirs) != len(tc.rules) || rep.Compatible != (len(tc.rules) == 0) {
			t.Errorf("subject mode %s: diff mode %s, findings %v, compatible %v; want %s, %v", tc.subjectMode, rep.Mode, dirs, rep.Compatible, tc.want, tc.rules)
		}
		for i := range dirs {
			if dirs[i] != tc.rules[i] {
				t.Errorf("subject mode %s: finding %d direction %s, want %s", tc.subjectMode, i, dirs[i], tc.rules[i])
			}
		}
	}
}

func TestDiffAndRelationsErrors(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	publish(t, svc, "S", `{"type":"object"}`)
	_, err := svc.Diff(ctx, "S", "1", "1", compat.BackwardTransitive)
	wantCode(t, "transitive mode", err, registry.CodeInvalidCompatibility)
	_, err = svc.Diff(ctx, "S", "1", "1", "SIDEWAYS")
	wantCode(t, "unknown mode", err, registry.CodeInvalidCompatibility)
	_, err = svc.Diff(ctx, "S", "one", "1", "")
	wantCode(t, "bad version", err, registry.CodeInvalidVersion)
	_, err = svc.Diff(ctx, "S", "1", "2", "")
	wantCode(t, "missing version", err, registry.CodeVersionNotFound)
	_, err = svc.Diff(ctx, "T", "1", "1", "")
	wantCode(t, "missing subject", err, registry.CodeSubjectNotFound)
	if rep, err := svc.Diff(ctx, "S", "latest", "1", compat.Full); err != nil || !rep.Compatible || rep.From != 1 || rep.To != 1 || rep.Findings == nil {
		t.Errorf("same version: %+v, %v", rep, err)
	}
	_, err = svc.SubjectRelations(ctx, "")
	wantCode(t, "empty subject", err, registry.CodeInvalidRequest)
	if rels, err := svc.SubjectRelations(ctx, "S"); err != nil || rels == nil || len(rels) != 0 {
		t.Errorf("SubjectRelations of a subject nobody names = %#v, %v", rels, err)
	}
}

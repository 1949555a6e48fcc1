package storetest

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/registry"
)

// modes: a write mode is kept per subject and globally, read back by
// ReadSubject, and removed by a hard delete of its subject.
func modes(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	for _, subject := range []string{"orders", ""} {
		if _, ok, err := s.Mode(ctx, subject); err != nil || ok {
			t.Fatalf("Mode(%q) on an empty store: ok=%v err=%v", subject, ok, err)
		}
	}
	if err := s.SetMode(ctx, "orders", registry.ModeReadOnly); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMode(ctx, "", registry.ModeImport); err != nil {
		t.Fatal(err)
	}
	for subject, want := range map[string]registry.Mode{"orders": registry.ModeReadOnly, "": registry.ModeImport} {
		if got, ok, err := s.Mode(ctx, subject); err != nil || !ok || got != want {
			t.Errorf("Mode(%q) = %q ok=%v err=%v; want %q", subject, got, ok, err, want)
		}
	}
	if _, ok, _ := s.Mode(ctx, "payments"); ok {
		t.Errorf("Mode(payments) is set; subjects must not inherit inside the store")
	}
	st, err := s.ReadSubject(ctx, "orders", "")
	if err != nil || st.Mode != registry.ModeReadOnly || st.GlobalMode != registry.ModeImport {
		t.Errorf("ReadSubject modes = %q, %q (%v); want READONLY, IMPORT", st.Mode, st.GlobalMode, err)
	}
	if st.EffectiveMode() != registry.ModeReadOnly {
		t.Errorf("EffectiveMode = %q, want the subject's READONLY", st.EffectiveMode())
	}
	if err := s.DeleteMode(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteMode of an unset subject mode", s.DeleteMode(ctx, "orders"), registry.ErrSubjectModeNotFound("orders"))
	if st, _ := s.ReadSubject(ctx, "orders", ""); st.EffectiveMode() != registry.ModeImport {
		t.Errorf("EffectiveMode after delete = %q, want the global IMPORT", st.EffectiveMode())
	}
	if err := s.DeleteMode(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMode(ctx, ""); err != nil {
		t.Errorf("deleting an unset global mode: %v, want nil", err)
	}
	if st, _ := s.ReadSubject(ctx, "orders", ""); st.EffectiveMode() != registry.ModeReadWrite {
		t.Errorf("EffectiveMode with nothing set = %q, want READWRITE", st.EffectiveMode())
	}

	// A hard-deleted subject loses its mode, as it loses its config.
	mustAppend(t, s, "gone", 0, schema(t, "gone"))
	if err := s.SetMode(ctx, "gone", registry.ModeReadOnly); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubject(ctx, "gone", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubject(ctx, "gone", true); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Mode(ctx, "gone"); err != nil || ok {
		t.Errorf("Mode(gone) after a hard delete: ok=%v err=%v; want unset", ok, err)
	}
}

func imported(t *testing.T, sch registry.Schema, id int64) registry.Schema {
	sch.ID = id
	return sch
}

// importKeepsIDs: Import stores the version and id it is given, with gaps,
// out of order; re-importing is existing; a taken id or version is refused;
// later appends get ids and versions above the imported ones.
func importKeepsIDs(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	a, b, c := schema(t, "a"), schema(t, "b"), schema(t, "c")
	steps := []struct {
		subject  string
		version  int
		sch      registry.Schema
		existing bool
		err      *registry.Error
	}{
		{"orders", 3, imported(t, b, 40), false, nil},
		{"orders", 1, imported(t, a, 7), false, nil},
		{"orders", 1, imported(t, a, 7), true, nil},                                        // a re-run
		{"audit", 5, imported(t, a, 7), false, nil},                                        // same id, other subject
		{"orders", 1, imported(t, c, 41), false, registry.ErrVersionTaken("orders", 1, 7)}, // version holds another id
		{"orders", 4, imported(t, c, 40), false, registry.ErrIDTaken(40)},                  // id holds another schema
		{"orders", 4, imported(t, b, 12), false, nil},                                      // same schema under a second id
	}
	for _, st := range steps {
		v, existing, err := s.Import(ctx, registry.Version{Subject: st.subject, Version: st.version, SchemaID: st.sch.ID}, st.sch)
		what := "Import " + st.subject
		if st.err != nil {
			wantErr(t, what, err, st.err)
			continue
		}
		if err != nil {
			t.Fatalf("%s v%d id %d: %v", what, st.version, st.sch.ID, err)
		}
		want := registry.Version{Subject: st.subject, Version: st.version, SchemaID: st.sch.ID}
		if v != want || existing != st.existing {
			t.Errorf("%s = %+v existing=%v; want %+v existing=%v", what, v, existing, want, st.existing)
		}
	}
	if got := versionNumbers(t, s, "orders", false); !slices.Equal(got, []int{1, 3, 4}) {
		t.Errorf("orders versions = %v, want [1 3 4]", got)
	}
	for id, want := range map[int64]registry.Schema{7: a, 40: b, 12: b} {
		got, err := s.SchemaByID(ctx, id)
		if err != nil || got.Text != want.Text || got.Fingerprint != want.Fingerprint {
			t.Errorf("SchemaByID(%d) = %q, %v; want %q", id, got.Text, err, want.Text)
		}
	}
	if latest(t, s, "orders") != 4 || latest(t, s, "audit") != 5 {
		t.Errorf("latest = %d, %d; want 4, 5", latest(t, s, "orders"), latest(t, s, "audit"))
	}
	// The next publish continues above both the versions and the ids.
	v := mustAppend(t, s, "orders", 4, schema(t, "d"))
	if v.Version != 5 || v.SchemaID <= 40 {
		t.Errorf("append after import = v%d id %d; want v5 and an id above the imported 40", v.Version, v.SchemaID)
	}
	// A publish of an imported schema reuses its (first) id.
	if v := mustAppend(t, s, "fresh", 0, a); v.SchemaID != 7 {
		t.Errorf("publishing imported schema a got id %d, want 7", v.SchemaID)
	}
	// Imported versions soft-delete like any other, and their references count.
	ref := registry.Reference{Name: "a.json", Subject: "orders", Version: 1}
	r := imported(t, schema(t, "r", ref), 90)
	if _, _, err := s.Import(ctx, registry.Version{Subject: "refs", Version: 2, SchemaID: 90}, r); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.ReferencedBy(ctx, "orders", 1); err != nil || !slices.Equal(ids, []int64{90}) {
		t.Errorf("ReferencedBy(orders, 1) = %v, %v; want [90]", ids, err)
	}
	if err := s.DeleteVersion(ctx, "orders", 3, false); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(t, s, "orders", false); !slices.Equal(got, []int{1, 4, 5}) {
		t.Errorf("orders visible versions = %v, want [1 4 5]", got)
	}
	if v, existing, err := s.Import(ctx, registry.Version{Subject: "orders", Version: 3, SchemaID: 40}, imported(t, b, 40)); err != nil || !existing || !v.Deleted {
		t.Errorf("re-import of a soft-deleted version = %+v existing=%v err=%v; want it, existing, deleted", v, existing, err)
	}
}

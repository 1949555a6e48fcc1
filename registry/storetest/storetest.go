// Package storetest is the conformance suite every registry.Store
// implementation must pass. boltstore and redisstore both call Run, so the
// two backends cannot drift apart in the semantics Service relies on.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/google/go-cmp/cmp"
)

// Run runs the suite. open must return a fresh, empty store for each call
// and arrange its own cleanup (t.Cleanup); subtests run in parallel, each
// with its own store.
//
// Behaviour the suite deliberately leaves open: whether an Append that loses
// the compare-and-set consumes an ID (a gap is fine, reuse is not), and what
// SchemaByID answers for a schema whose every version was hard-deleted.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s registry.Store)
	}{
		{"AppendsContiguous", appendsContiguous},
		{"StaleExpectedRejected", staleExpected},
		{"SameFingerprintSameSubjectReturnsExisting", sameFingerprintSameSubject},
		{"SameFingerprintOtherSubjectReusesID", sameFingerprintOtherSubject},
		{"IDsMonotonicNeverReused", idsNeverReused},
		{"SoftDeleteHidesVersion", softDelete},
		{"HardDeleteRequiresSoftDelete", hardDelete},
		{"DeleteSubject", deleteSubject},
		{"Config", config},
		{"Modes", modes},
		{"ImportKeepsIDs", importKeepsIDs},
		{"ReadSubject", readSubject},
		{"References", references},
		{"VersionsByID", versionsByID},
		{"SubjectsSorted", subjectsSorted},
		{"ConcurrentAppendsStayContiguous", concurrentAppends},
		{"ConcurrentSameSchemaOneID", concurrentSameSchema},
		{"NotFoundCodes", notFoundCodes},
		{"Ping", ping},
		{"Services", services},
		{"ServiceIndexFollowsReplace", serviceIndexFollowsReplace},
		{"ConcurrentServicesIndexed", concurrentServices},
		{"ClaimRule", claimRule},
		{"ConcurrentClaimsOneOwner", concurrentClaims},
		{"ContractHistory", contractHistory},
		{"ServiceVersions", serviceVersions},
		{"EnvironmentsAndDeployments", environmentsAndDeployments},
		{"AuditLog", auditLog},
		{"ConcurrentAudit", concurrentAudit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// schema returns a distinct valid schema per name, fingerprinted as Service
// would.
func schema(t *testing.T, name string, refs ...registry.Reference) registry.Schema {
	t.Helper()
	text := fmt.Sprintf(`{"type":"object","title":%q}`, name)
	fp, err := registry.Fingerprint(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return registry.Schema{Type: registry.SchemaTypeJSON, Text: text, References: refs, Fingerprint: fp}
}

func mustAppend(t *testing.T, s registry.Store, subject string, expected int, sch registry.Schema) registry.Version {
	t.Helper()
	v, existing, err := s.Append(ctxFor(t), subject, expected, sch)
	if err != nil {
		t.Fatalf("Append(%q, %d): %v", subject, expected, err)
	}
	if existing {
		t.Fatalf("Append(%q, %d) = existing, want a new version", subject, expected)
	}
	return v
}

// wantErr fails unless err is the *registry.Error want: the same kind,
// Confluent code and message (the registry's constructors build them, so
// every backend answers the same text).
func wantErr(t *testing.T, what string, err error, want *registry.Error) {
	t.Helper()
	var e *registry.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: err = %v, want %d %q", what, err, want.Code, want.Message)
		return
	}
	if e.Kind != want.Kind || e.Code != want.Code || e.Message != want.Message {
		t.Errorf("%s: err = %v %d %q, want %v %d %q", what, e.Kind, e.Code, e.Message, want.Kind, want.Code, want.Message)
	}
}

func versionNumbers(t *testing.T, s registry.Store, subject string, deleted bool) []int {
	t.Helper()
	vs, err := s.Versions(ctxFor(t), subject, deleted)
	if err != nil {
		t.Fatalf("Versions(%q, %v): %v", subject, deleted, err)
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
		if v.Subject != subject {
			t.Errorf("Versions(%q)[%d].Subject = %q", subject, i, v.Subject)
		}
	}
	return out
}

func latest(t *testing.T, s registry.Store, subject string) int {
	t.Helper()
	n, err := s.Latest(ctxFor(t), subject)
	if err != nil {
		t.Fatalf("Latest(%q): %v", subject, err)
	}
	return n
}

func appendsContiguous(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	if n := latest(t, s, "orders"); n != 0 {
		t.Fatalf("Latest of an unknown subject = %d, want 0", n)
	}
	ids := map[int64]bool{}
	for i := 1; i <= 5; i++ {
		sch := schema(t, fmt.Sprint("orders-", i))
		v := mustAppend(t, s, "orders", i-1, sch)
		if v.Version != i || v.Subject != "orders" || v.Deleted {
			t.Fatalf("append %d = %+v", i, v)
		}
		if ids[v.SchemaID] || v.SchemaID <= 0 {
			t.Fatalf("append %d got id %d, already used or not positive", i, v.SchemaID)
		}
		ids[v.SchemaID] = true
		got, err := s.SchemaByID(ctx, v.SchemaID)
		if err != nil {
			t.Fatal(err)
		}
		want := sch
		want.ID = v.SchemaID
		if d := cmp.Diff(want, got, cmp.Comparer(refsEqual)); d != "" {
			t.Errorf("SchemaByID(%d) (-want +got):\n%s", v.SchemaID, d)
		}
		one, err := s.Version(ctx, "orders", i, false)
		if err != nil || one != v {
			t.Errorf("Version(orders, %d) = %+v, %v; want %+v", i, one, err, v)
		}
	}
	if got := versionNumbers(t, s, "orders", false); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("versions = %v, want 1..5", got)
	}
	if n := latest(t, s, "orders"); n != 5 {
		t.Errorf("Latest = %d, want 5", n)
	}
}

// refsEqual treats nil and empty reference lists alike: a store may not
// round-trip the difference.
func refsEqual(a, b []registry.Reference) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}

func staleExpected(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	mustAppend(t, s, "orders", 0, schema(t, "v1"))
	for _, expected := range []int{0, 2, 7} {
		stale := schema(t, fmt.Sprint("stale-", expected))
		_, _, err := s.Append(ctx, "orders", expected, stale)
		if !errors.Is(err, registry.ErrStale) {
			t.Errorf("Append with expected %d (latest 1): err = %v, want ErrStale", expected, err)
		}
		if _, err := s.FindByFingerprint(ctx, "orders", stale.Fingerprint); err == nil {
			t.Errorf("stale append with expected %d left its schema registered", expected)
		}
	}
	if got := versionNumbers(t, s, "orders", true); !slices.Equal(got, []int{1}) {
		t.Errorf("versions after stale appends = %v, want [1]", got)
	}
	if n := latest(t, s, "orders"); n != 1 {
		t.Errorf("Latest = %d, want 1", n)
	}
	// A stale append to an unknown subject must not create it.
	if _, _, err := s.Append(ctx, "ghost", 3, schema(t, "ghost")); !errors.Is(err, registry.ErrStale) {
		t.Errorf("Append(ghost, expected 3): err = %v, want ErrStale", err)
	}
	subs, err := s.Subjects(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(subs, []string{"orders"}) {
		t.Errorf("Subjects after a stale append to a new subject = %v, want [orders]", subs)
	}
}

func sameFingerprintSameSubject(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	sch := schema(t, "v1")
	first := mustAppend(t, s, "orders", 0, sch)
	mustAppend(t, s, "orders", 1, schema(t, "v2"))
	v, existing, err := s.Append(ctx, "orders", 2, sch)
	if err != nil {
		t.Fatal(err)
	}
	if !existing || v != first {
		t.Errorf("re-append of v1 = %+v existing=%v, want %+v existing=true", v, existing, first)
	}
	if got := versionNumbers(t, s, "orders", true); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("versions = %v, want [1 2]: nothing may be written", got)
	}
	found, err := s.FindByFingerprint(ctx, "orders", sch.Fingerprint)
	if err != nil || found != first {
		t.Errorf("FindByFingerprint = %+v, %v; want %+v", found, err, first)
	}
}

func sameFingerprintOtherSubject(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	sch := schema(t, "shared")
	a := mustAppend(t, s, "a", 0, sch)
	mustAppend(t, s, "b", 0, schema(t, "b-own"))
	b := mustAppend(t, s, "b", 1, sch)
	if b.SchemaID != a.SchemaID || b.Version != 2 {
		t.Errorf("same schema under b = %+v, want version 2 with id %d", b, a.SchemaID)
	}
	got, err := s.SchemaByID(ctx, a.SchemaID)
	if err != nil || got.Text != sch.Text || got.Fingerprint != sch.Fingerprint {
		t.Errorf("SchemaByID = %+v, %v", got, err)
	}
}

func idsNeverReused(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	v1 := mustAppend(t, s, "orders", 0, schema(t, "v1"))
	v2 := mustAppend(t, s, "orders", 1, schema(t, "v2"))
	if v2.SchemaID <= v1.SchemaID {
		t.Fatalf("ids not increasing: %d then %d", v1.SchemaID, v2.SchemaID)
	}
	if err := s.DeleteVersion(ctx, "orders", 2, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, "orders", 2, true); err != nil {
		t.Fatal(err)
	}
	v3 := mustAppend(t, s, "orders", 2, schema(t, "v3"))
	if v3.SchemaID <= v2.SchemaID {
		t.Errorf("after hard delete of id %d a new schema got id %d: ids must never be reused", v2.SchemaID, v3.SchemaID)
	}
	if v3.Version != 3 {
		t.Errorf("version after hard-deleting 2 = %d, want 3: version numbers are never reused", v3.Version)
	}
	if _, err := s.DeleteSubject(ctx, "orders", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubject(ctx, "orders", true); err != nil {
		t.Fatal(err)
	}
	other := mustAppend(t, s, "other", 0, schema(t, "other"))
	if other.SchemaID <= v3.SchemaID {
		t.Errorf("after hard-deleting the subject a new schema got id %d (<= %d)", other.SchemaID, v3.SchemaID)
	}
}

func softDelete(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	var vs []registry.Version
	for i := 1; i <= 3; i++ {
		vs = append(vs, mustAppend(t, s, "orders", i-1, schema(t, fmt.Sprint("v", i))))
	}
	if err := s.DeleteVersion(ctx, "orders", 2, false); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(t, s, "orders", false); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("visible versions = %v, want [1 3]", got)
	}
	all, err := s.Versions(ctx, "orders", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Deleted || !all[1].Deleted || all[2].Deleted || all[1].Version != 2 {
		t.Errorf("Versions(deleted=true) = %+v, want 1..3 with only 2 deleted", all)
	}
	_, err = s.Version(ctx, "orders", 2, false)
	wantErr(t, "Version(2) after soft delete", err, registry.ErrVersionNotFound("orders", 2))
	got, err := s.Version(ctx, "orders", 2, true)
	if err != nil || !got.Deleted || got.SchemaID != vs[1].SchemaID {
		t.Errorf("Version(2, deleted=true) = %+v, %v", got, err)
	}
	wantErr(t, "soft-deleting twice", s.DeleteVersion(ctx, "orders", 2, false), registry.ErrVersionSoftDeleted("orders", 2))
	_, err = s.FindByFingerprint(ctx, "orders", schema(t, "v2").Fingerprint)
	wantErr(t, "FindByFingerprint of a soft-deleted version", err, registry.ErrSchemaNotUnderSubject("orders"))
	byID, err := s.VersionsByID(ctx, vs[1].SchemaID)
	if err != nil || len(byID) != 0 {
		t.Errorf("VersionsByID of a soft-deleted version's schema = %+v, %v; want none", byID, err)
	}
	if n := latest(t, s, "orders"); n != 3 {
		t.Errorf("Latest = %d, want 3", n)
	}
	// Re-registering a soft-deleted schema makes a new version.
	v4, existing, err := s.Append(ctx, "orders", 3, schema(t, "v2"))
	if err != nil || existing || v4.Version != 4 || v4.SchemaID != vs[1].SchemaID {
		t.Errorf("re-append of soft-deleted v2 = %+v existing=%v err=%v; want version 4 with id %d", v4, existing, err, vs[1].SchemaID)
	}
}

func hardDelete(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	for i := 1; i <= 3; i++ {
		mustAppend(t, s, "orders", i-1, schema(t, fmt.Sprint("v", i)))
	}
	wantErr(t, "hard delete without soft delete", s.DeleteVersion(ctx, "orders", 2, true), registry.ErrVersionNotSoftDeleted("orders", 2))
	if got := versionNumbers(t, s, "orders", false); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("a refused hard delete changed the versions: %v", got)
	}
	if err := s.DeleteVersion(ctx, "orders", 2, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, "orders", 2, true); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(t, s, "orders", true); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("versions with deleted after hard delete = %v, want [1 3]", got)
	}
	_, err := s.Version(ctx, "orders", 2, true)
	wantErr(t, "Version(2, deleted=true) after hard delete", err, registry.ErrVersionNotFound("orders", 2))
	wantErr(t, "hard-deleting twice", s.DeleteVersion(ctx, "orders", 2, true), registry.ErrVersionNotFound("orders", 2))
	if n := latest(t, s, "orders"); n != 3 {
		t.Errorf("Latest = %d, want 3", n)
	}
	if v := mustAppend(t, s, "orders", 3, schema(t, "v4")); v.Version != 4 {
		t.Errorf("next version = %d, want 4", v.Version)
	}
}

func deleteSubject(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	for i := 1; i <= 3; i++ {
		mustAppend(t, s, "orders", i-1, schema(t, fmt.Sprint("v", i)))
	}
	mustAppend(t, s, "keep", 0, schema(t, "keep"))
	if err := s.SetConfig(ctx, "orders", registry.Config{Mode: compat.Full}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, "orders", 1, false); err != nil {
		t.Fatal(err)
	}
	_, err := s.DeleteSubject(ctx, "orders", true)
	wantErr(t, "hard-deleting a subject not soft-deleted", err, registry.ErrSubjectNotSoftDeleted("orders"))
	got, err := s.DeleteSubject(ctx, "orders", false)
	if err != nil || !slices.Equal(got, []int{2, 3}) {
		t.Errorf("soft DeleteSubject = %v, %v; want [2 3] (the versions it deleted)", got, err)
	}
	_, err = s.Versions(ctx, "orders", false)
	wantErr(t, "Versions of a soft-deleted subject", err, registry.ErrSubjectNotFound("orders"))
	if got := versionNumbers(t, s, "orders", true); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("Versions(deleted=true) = %v", got)
	}
	subs, err := s.Subjects(ctx, false)
	if err != nil || !slices.Equal(subs, []string{"keep"}) {
		t.Errorf("Subjects = %v, %v; want [keep]", subs, err)
	}
	subs, err = s.Subjects(ctx, true)
	if err != nil || !slices.Equal(subs, []string{"keep", "orders"}) {
		t.Errorf("Subjects(deleted=true) = %v, %v; want [keep orders]", subs, err)
	}
	_, err = s.DeleteSubject(ctx, "orders", false)
	wantErr(t, "soft-deleting a soft-deleted subject", err, registry.ErrSubjectSoftDeleted("orders"))
	got, err = s.DeleteSubject(ctx, "orders", true)
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("hard DeleteSubject = %v, %v; want [1 2 3]", got, err)
	}
	_, err = s.Versions(ctx, "orders", true)
	wantErr(t, "Versions(deleted=true) after hard delete", err, registry.ErrSubjectNotFound("orders"))
	subs, err = s.Subjects(ctx, true)
	if err != nil || !slices.Equal(subs, []string{"keep"}) {
		t.Errorf("Subjects(deleted=true) after hard delete = %v, %v; want [keep]", subs, err)
	}
	if _, ok, err := s.Config(ctx, "orders"); err != nil || ok {
		t.Errorf("config survived hard subject delete: ok=%v err=%v", ok, err)
	}
	_, err = s.DeleteSubject(ctx, "orders", false)
	wantErr(t, "deleting a hard-deleted subject", err, registry.ErrSubjectNotFound("orders"))
	if v := mustAppend(t, s, "orders", latest(t, s, "orders"), schema(t, "again")); v.Version != 4 {
		t.Errorf("first version after hard subject delete = %d, want 4 (numbers are never reused)", v.Version)
	}
	if got := versionNumbers(t, s, "keep", false); !slices.Equal(got, []int{1}) {
		t.Errorf("another subject was touched: %v", got)
	}
}

func config(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	for _, subject := range []string{"orders", ""} {
		if _, ok, err := s.Config(ctx, subject); err != nil || ok {
			t.Fatalf("Config(%q) on an empty store: ok=%v err=%v", subject, ok, err)
		}
	}
	subj := registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient}
	glob := registry.Config{Mode: compat.Forward, Policy: compat.Strict}
	if err := s.SetConfig(ctx, "orders", subj); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConfig(ctx, "", glob); err != nil {
		t.Fatal(err)
	}
	for subject, want := range map[string]registry.Config{"orders": subj, "": glob} {
		got, ok, err := s.Config(ctx, subject)
		if err != nil || !ok || got != want {
			t.Errorf("Config(%q) = %+v ok=%v err=%v; want %+v", subject, got, ok, err, want)
		}
	}
	if _, ok, _ := s.Config(ctx, "payments"); ok {
		t.Errorf("Config(payments) is set; subjects must not inherit inside the store")
	}
	subj.Mode = compat.None
	if err := s.SetConfig(ctx, "orders", subj); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Config(ctx, "orders"); got != subj {
		t.Errorf("overwritten config = %+v, want %+v", got, subj)
	}
	if err := s.DeleteConfig(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Config(ctx, "orders"); err != nil || ok {
		t.Errorf("Config(orders) after delete: ok=%v err=%v", ok, err)
	}
	wantErr(t, "DeleteConfig of an unset subject config", s.DeleteConfig(ctx, "orders"), registry.ErrSubjectConfigNotFound("orders"))
	if err := s.DeleteConfig(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Config(ctx, ""); err != nil || ok {
		t.Errorf("global config after delete: ok=%v err=%v", ok, err)
	}
	if err := s.DeleteConfig(ctx, ""); err != nil {
		t.Errorf("deleting an unset global config: %v, want nil", err)
	}
}

// readSubject checks that the one read publish makes agrees with the
// separate reads it replaces.
func readSubject(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	got, err := s.ReadSubject(ctx, "orders", schema(t, "v1").Fingerprint)
	if err != nil || !cmp.Equal(got, registry.SubjectState{}) {
		t.Fatalf("ReadSubject of an unknown subject = %+v, %v; want the empty state", got, err)
	}
	var vs []registry.Version
	for i := 1; i <= 3; i++ {
		vs = append(vs, mustAppend(t, s, "orders", i-1, schema(t, fmt.Sprint("v", i))))
	}
	if err := s.DeleteVersion(ctx, "orders", 2, false); err != nil {
		t.Fatal(err)
	}
	subj := registry.Config{Mode: compat.Full, Policy: compat.Lenient}
	global := registry.Config{Mode: compat.Forward, Policy: compat.Strict}
	if err := s.SetConfig(ctx, "orders", subj); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConfig(ctx, "", global); err != nil {
		t.Fatal(err)
	}
	deleted := vs[1]
	deleted.Deleted = true
	for _, tc := range []struct {
		name, fingerprint string
		existing          registry.Version
	}{
		{"visible version's fingerprint", schema(t, "v3").Fingerprint, vs[2]},
		{"soft-deleted version's fingerprint", schema(t, "v2").Fingerprint, registry.Version{}},
		{"unknown fingerprint", schema(t, "never").Fingerprint, registry.Version{}},
		{"no fingerprint", "", registry.Version{}},
	} {
		got, err := s.ReadSubject(ctx, "orders", tc.fingerprint)
		want := registry.SubjectState{Latest: 3, Versions: []registry.Version{vs[0], deleted, vs[2]},
			Existing: tc.existing, Config: subj, Global: global}
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("%s: ReadSubject = %+v, %v; want %+v", tc.name, got, err, want)
		}
	}
	if err := s.DeleteVersion(ctx, "orders", 3, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, "orders", 3, true); err != nil {
		t.Fatal(err)
	}
	got, err = s.ReadSubject(ctx, "other", "")
	if err != nil || !cmp.Equal(got, registry.SubjectState{Global: global}) {
		t.Errorf("ReadSubject of a subject without versions or config = %+v, %v; want only the global config", got, err)
	}
	got, err = s.ReadSubject(ctx, "orders", schema(t, "v3").Fingerprint)
	want := registry.SubjectState{Latest: 3, Versions: []registry.Version{vs[0], deleted}, Config: subj, Global: global}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("after a hard delete: ReadSubject = %+v, %v; want %+v (the latest number stays)", got, err, want)
	}
}

func references(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	base := mustAppend(t, s, "base", 0, schema(t, "base"))
	mustAppend(t, s, "base", 1, schema(t, "base-v2"))
	ref := registry.Reference{Name: "base.json", Subject: "base", Version: 1}
	a := mustAppend(t, s, "a", 0, schema(t, "a", ref))
	c := mustAppend(t, s, "c", 0, schema(t, "c", ref, registry.Reference{Name: "b2.json", Subject: "base", Version: 2}))
	got, err := s.SchemaByID(ctx, a.SchemaID)
	if err != nil || !slices.Equal(got.References, []registry.Reference{ref}) {
		t.Errorf("SchemaByID(a).References = %+v, %v", got.References, err)
	}
	ids, err := s.ReferencedBy(ctx, "base", 1)
	if err != nil || !slices.Equal(ids, []int64{a.SchemaID, c.SchemaID}) {
		t.Errorf("ReferencedBy(base, 1) = %v, %v; want [%d %d]", ids, err, a.SchemaID, c.SchemaID)
	}
	ids, err = s.ReferencedBy(ctx, "base", 2)
	if err != nil || !slices.Equal(ids, []int64{c.SchemaID}) {
		t.Errorf("ReferencedBy(base, 2) = %v, %v; want [%d]", ids, err, c.SchemaID)
	}
	ids, err = s.ReferencedBy(ctx, "a", 1)
	if err != nil || len(ids) != 0 {
		t.Errorf("ReferencedBy(a, 1) = %v, %v; want none", ids, err)
	}
	// The same referencing schema under a second subject is one ID.
	mustAppend(t, s, "a2", 0, schema(t, "a", ref))
	// Once every version using schema a is hard-deleted it no longer holds
	// base/1, so base/1 can itself be deleted.
	for _, subj := range []string{"a", "a2"} {
		if err := s.DeleteVersion(ctx, subj, 1, false); err != nil {
			t.Fatal(err)
		}
		ids, _ = s.ReferencedBy(ctx, "base", 1)
		if !slices.Contains(ids, a.SchemaID) {
			t.Errorf("after soft-deleting %s/1, ReferencedBy(base, 1) = %v lost %d: a soft-deleted schema still refers", subj, ids, a.SchemaID)
		}
		if err := s.DeleteVersion(ctx, subj, 1, true); err != nil {
			t.Fatal(err)
		}
	}
	ids, err = s.ReferencedBy(ctx, "base", 1)
	if err != nil || !slices.Equal(ids, []int64{c.SchemaID}) {
		t.Errorf("ReferencedBy(base, 1) after hard-deleting a = %v, %v; want [%d]", ids, err, c.SchemaID)
	}
	_ = base
}

func versionsByID(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	sch := schema(t, "shared")
	mustAppend(t, s, "zeta", 0, sch)
	mustAppend(t, s, "alpha", 0, schema(t, "alpha-own"))
	mustAppend(t, s, "alpha", 1, sch)
	mustAppend(t, s, "mid", 0, sch)
	id := mustAppend(t, s, "beta", 0, sch).SchemaID
	got, err := s.VersionsByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.Version{
		{Subject: "alpha", Version: 2, SchemaID: id},
		{Subject: "beta", Version: 1, SchemaID: id},
		{Subject: "mid", Version: 1, SchemaID: id},
		{Subject: "zeta", Version: 1, SchemaID: id},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("VersionsByID (-want +got):\n%s", d)
	}
	if err := s.DeleteVersion(ctx, "mid", 1, false); err != nil {
		t.Fatal(err)
	}
	got, err = s.VersionsByID(ctx, id)
	if err != nil || len(got) != 3 || got[2].Subject != "zeta" || got[1].Subject != "beta" {
		t.Errorf("VersionsByID after soft-deleting mid/1 = %+v, %v", got, err)
	}
}

func subjectsSorted(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	subs, err := s.Subjects(ctx, false)
	if err != nil || len(subs) != 0 {
		t.Fatalf("Subjects of an empty store = %v, %v", subs, err)
	}
	names := []string{"zeta", "alpha", "Mid", "orders-value", "a b/c{d}"}
	for _, n := range names {
		mustAppend(t, s, n, 0, schema(t, n))
	}
	subs, err = s.Subjects(ctx, false)
	want := slices.Clone(names)
	slices.Sort(want)
	if err != nil || !slices.Equal(subs, want) {
		t.Errorf("Subjects = %q, %v; want %q", subs, err, want)
	}
}

// appendRetrying is what Service does: re-read the latest and retry on
// ErrStale. The bound is far above what 64 writers need.
func appendRetrying(ctx context.Context, s registry.Store, subject string, sch registry.Schema) (registry.Version, error) {
	for attempt := 0; attempt < 10_000; attempt++ {
		n, err := s.Latest(ctx, subject)
		if err != nil {
			return registry.Version{}, err
		}
		v, _, err := s.Append(ctx, subject, n, sch)
		if errors.Is(err, registry.ErrStale) {
			continue
		}
		return v, err
	}
	return registry.Version{}, fmt.Errorf("append to %s: still stale after 10000 attempts", subject)
}

func concurrentAppends(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	ids := make([]int64, n)
	schemas := make([]registry.Schema, n) // built here: t.Fatal must not run in a goroutine
	for i := range n {
		schemas[i] = schema(t, fmt.Sprint("concurrent-", i))
	}
	for i := range n {
		wg.Go(func() {
			v, err := appendRetrying(ctx, s, "orders", schemas[i])
			ids[i] = v.SchemaID
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if got := versionNumbers(t, s, "orders", true); !slices.Equal(got, want) {
		t.Errorf("versions after %d concurrent appends = %v, want 1..%d", n, got, n)
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != n {
		t.Errorf("%d distinct schemas got duplicate ids: %v", n, ids)
	}
}

// concurrentSameSchema registers one new schema under 16 subjects at once:
// the global fingerprint -> ID mapping must not race into two IDs.
func concurrentSameSchema(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	const n = 16
	sch := schema(t, "everywhere")
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := appendRetrying(ctx, s, fmt.Sprint("subject-", i), sch)
			ids[i], errs[i] = v.SchemaID, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("the same schema got ids %v, want one id", ids)
		}
	}
	got, err := s.VersionsByID(ctx, ids[0])
	if err != nil || len(got) != n {
		t.Errorf("VersionsByID = %d versions, %v; want %d", len(got), err, n)
	}
}

func notFoundCodes(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	v := mustAppend(t, s, "orders", 0, schema(t, "v1"))
	unknownFP := schema(t, "never registered").Fingerprint
	_, err := s.Versions(ctx, "nope", false)
	wantErr(t, "Versions(unknown subject)", err, registry.ErrSubjectNotFound("nope"))
	_, err = s.Versions(ctx, "nope", true)
	wantErr(t, "Versions(unknown subject, deleted)", err, registry.ErrSubjectNotFound("nope"))
	_, err = s.Version(ctx, "nope", 1, false)
	wantErr(t, "Version(unknown subject)", err, registry.ErrSubjectNotFound("nope"))
	_, err = s.Version(ctx, "orders", 99, true)
	wantErr(t, "Version(unknown version)", err, registry.ErrVersionNotFound("orders", 99))
	_, err = s.SchemaByID(ctx, v.SchemaID+1000)
	wantErr(t, "SchemaByID(unknown)", err, registry.ErrSchemaNotFound(v.SchemaID+1000))
	_, err = s.VersionsByID(ctx, v.SchemaID+1000)
	wantErr(t, "VersionsByID(unknown)", err, registry.ErrSchemaNotFound(v.SchemaID+1000))
	_, err = s.FindByFingerprint(ctx, "orders", unknownFP)
	wantErr(t, "FindByFingerprint(unknown fingerprint)", err, registry.ErrSchemaNotUnderSubject("orders"))
	_, err = s.FindByFingerprint(ctx, "nope", unknownFP)
	wantErr(t, "FindByFingerprint(unknown subject)", err, registry.ErrSubjectNotFound("nope"))
	wantErr(t, "DeleteVersion(unknown subject)", s.DeleteVersion(ctx, "nope", 1, false), registry.ErrSubjectNotFound("nope"))
	wantErr(t, "DeleteVersion(unknown version)", s.DeleteVersion(ctx, "orders", 99, false), registry.ErrVersionNotFound("orders", 99))
	_, err = s.DeleteSubject(ctx, "nope", false)
	wantErr(t, "DeleteSubject(unknown)", err, registry.ErrSubjectNotFound("nope"))
	if !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
}

func ping(t *testing.T, s registry.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

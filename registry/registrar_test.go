package registry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
)

func newStore(t *testing.T) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newRegistrar(t *testing.T) *registry.Registrar {
	t.Helper()
	return registry.NewRegistrar(newStore(t), registry.Options{})
}

var ctx = context.Background()

func publish(t *testing.T, svc *registry.Registrar, subject, schema string, refs ...registry.Reference) registry.SubjectVersion {
	t.Helper()
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: schema, References: refs})
	if err != nil {
		t.Fatalf("Publish(%s, %s): %v", subject, schema, err)
	}
	return sv
}

func wantCode(t *testing.T, what string, err error, code int) *registry.Error {
	t.Helper()
	var e *registry.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: err = %v, want *registry.Error code %d", what, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: code %d (%s), want %d", what, e.Code, e.Message, code)
	}
	return e
}

func versions(t *testing.T, svc *registry.Registrar, subject string) []int {
	t.Helper()
	vs, err := svc.Versions(ctx, subject, true)
	if err != nil {
		t.Fatalf("Versions(%s): %v", subject, err)
	}
	return vs
}

const (
	objA         = `{"type":"object","properties":{"a":{"type":"string"}}}`
	objARequired = `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`
)

func TestPublishLookupAndGet(t *testing.T) {
	svc := newRegistrar(t)
	v1 := publish(t, svc, "orders", objA)
	if v1.Version.Version != 1 || v1.SchemaID <= 0 || v1.Schema.Text != objA || v1.Schema.Type != registry.SchemaTypeJSON {
		t.Fatalf("first publish = %+v", v1)
	}
	// Lookup ignores key order and whitespace: the fingerprint is canonical.
	reformatted := "{\n  \"properties\": {\"a\": {\"type\": \"string\"}},\n  \"type\": \"object\"\n}"
	got, err := svc.Lookup(ctx, registry.PublishRequest{Subject: "orders", Schema: reformatted}, false)
	if err != nil || got.Version != v1.Version {
		t.Errorf("Lookup(reformatted) = %+v, %v; want %+v", got.Version, err, v1.Version)
	}
	_, err = svc.Lookup(ctx, registry.PublishRequest{Subject: "orders", Schema: objARequired}, false)
	wantCode(t, "Lookup(unregistered schema)", err, registry.CodeSchemaNotFound)
	_, err = svc.Lookup(ctx, registry.PublishRequest{Subject: "nope", Schema: objA}, false)
	wantCode(t, "Lookup(unknown subject)", err, registry.CodeSubjectNotFound)

	for _, v := range []string{"latest", "1", "-1"} {
		sv, err := svc.GetVersion(ctx, "orders", v, false)
		if err != nil || sv.Version != v1.Version || sv.Schema.Text != objA {
			t.Errorf("GetVersion(%s) = %+v, %v", v, sv, err)
		}
	}
	for _, v := range []string{"0", "-2", "abc", "", "1.5"} {
		_, err := svc.GetVersion(ctx, "orders", v, false)
		wantCode(t, "GetVersion("+v+")", err, registry.CodeInvalidVersion)
	}
	_, err = svc.GetVersion(ctx, "orders", "2", false)
	wantCode(t, "GetVersion(2)", err, registry.CodeVersionNotFound)
	_, err = svc.GetVersion(ctx, "nope", "latest", false)
	wantCode(t, "GetVersion(unknown subject)", err, registry.CodeSubjectNotFound)

	sch, err := svc.SchemaByID(ctx, v1.SchemaID)
	if err != nil || sch.Text != objA {
		t.Errorf("SchemaByID = %+v, %v", sch, err)
	}
	_, err = svc.SchemaByID(ctx, v1.SchemaID+100)
	wantCode(t, "SchemaByID(unknown)", err, registry.CodeSchemaNotFound)
	subs, err := svc.Subjects(ctx, false)
	if err != nil || !slices.Equal(subs, []string{"orders"}) {
		t.Errorf("Subjects = %v, %v", subs, err)
	}
}

func TestPublishIdempotent(t *testing.T) {
	svc := newRegistrar(t)
	v1 := publish(t, svc, "orders", objA)
	publish(t, svc, "orders", `{"type":"object","properties":{"a":{"type":["string","null"]}}}`) // latest moves on
	again := publish(t, svc, "orders", ` {"type" : "object", "properties":{"a":{"type":"string"}}} `)
	if again.Version != v1.Version {
		t.Errorf("re-publish = %+v, want the existing %+v", again.Version, v1.Version)
	}
	other := publish(t, svc, "payments", objA)
	if other.SchemaID != v1.SchemaID || other.Version.Version != 1 {
		t.Errorf("same schema under another subject = %+v, want id %d version 1", other.Version, v1.SchemaID)
	}
	byID, err := svc.VersionsByID(ctx, v1.SchemaID)
	if err != nil || len(byID) != 2 || byID[0].Subject != "orders" || byID[1].Subject != "payments" {
		t.Errorf("VersionsByID = %+v, %v", byID, err)
	}
}

func TestPublishIncompatible(t *testing.T) {
	svc := newRegistrar(t)
	publish(t, svc, "orders", objA)
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: objARequired})
	e := wantCode(t, "adding a required property", err, registry.CodeIncompatible)
	if e.Kind != registry.KindIncompatible || !errors.Is(err, registry.ErrIncompatible) {
		t.Errorf("kind = %v, want incompatible", e.Kind)
	}
	if !slices.ContainsFunc(e.Findings, func(f compat.Finding) bool { return f.Rule == "required-property-added" }) {
		t.Errorf("findings %+v lack required-property-added", e.Findings)
	}
	if !strings.Contains(e.Message, `incompatible with an earlier schema for subject "orders"`) || !strings.Contains(e.Message, "required-property-added") {
		t.Errorf("message = %q", e.Message)
	}
	if got := versions(t, svc, "orders"); !slices.Equal(got, []int{1}) {
		t.Errorf("versions after a refused publish = %v, want [1]", got)
	}
}

func TestPublishCompatibleWidening(t *testing.T) {
	svc := newRegistrar(t)
	publish(t, svc, "orders", `{"type":"object","properties":{"a":{"type":"string"}}}`)
	v2 := publish(t, svc, "orders", `{"type":"object","properties":{"a":{"type":["string","null"]}}}`)
	if v2.Version.Version != 2 {
		t.Errorf("widened schema = version %d, want 2", v2.Version.Version)
	}
}

func TestPublishRejectsBadInput(t *testing.T) {
	svc := newRegistrar(t)
	cases := []struct {
		name, schemaType, schema string
		wantIn                   string
	}{
		{"avro", "AVRO", `{"type":"record","name":"x","fields":[]}`, "JSON Schema only"},
		{"protobuf", "PROTOBUF", `syntax = "proto3";`, "JSON Schema only"},
		{"malformed", "", "{\n  \"type\": \"object\",\n  }", "line 3"},
		{"not a schema", "JSON", `{"type":5}`, "Invalid schema"},
		{"file ref", "", `{"$ref":"file:///etc/passwd"}`, "external $ref is not allowed"},
		{"unknown ref", "", `{"$ref":"other.json"}`, "external $ref is not allowed"},
	}
	for _, tc := range cases {
		_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "s", SchemaType: tc.schemaType, Schema: tc.schema})
		e := wantCode(t, tc.name, err, registry.CodeInvalidSchema)
		if e.Kind != registry.KindInvalid || !strings.Contains(e.Message, tc.wantIn) {
			t.Errorf("%s: %v %q, want invalid mentioning %q", tc.name, e.Kind, e.Message, tc.wantIn)
		}
	}
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "s", SchemaType: "json", Schema: objA}); err != nil {
		t.Errorf("schemaType \"json\" (lower case): %v", err)
	}
	if got := versions(t, svc, "s"); !slices.Equal(got, []int{1}) {
		t.Errorf("versions = %v: refused publishes must store nothing", got)
	}
}

func TestReferences(t *testing.T) {
	svc := newRegistrar(t)
	base := publish(t, svc, "customer", `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`)
	ref := registry.Reference{Name: "customer.json", Subject: "customer", Version: 1}
	order := publish(t, svc, "order", `{"type":"object","properties":{"customer":{"$ref":"customer.json"}}}`, ref)
	// References of references are resolved too.
	ref2 := registry.Reference{Name: "order.json", Subject: "order", Version: 1}
	batch := publish(t, svc, "batch", `{"type":"array","items":{"$ref":"order.json"}}`, ref2)

	ids, err := svc.ReferencedBy(ctx, "customer", "1")
	if err != nil || !slices.Equal(ids, []int64{order.SchemaID}) {
		t.Errorf("ReferencedBy(customer, 1) = %v, %v; want [%d]", ids, err, order.SchemaID)
	}
	ids, err = svc.ReferencedBy(ctx, "order", "latest")
	if err != nil || !slices.Equal(ids, []int64{batch.SchemaID}) {
		t.Errorf("ReferencedBy(order, latest) = %v, %v", ids, err)
	}
	got, _ := svc.SchemaByID(ctx, order.SchemaID)
	if !slices.Equal(got.References, []registry.Reference{ref}) {
		t.Errorf("stored references = %+v", got.References)
	}

	// A check that goes through the referenced schema: the customer id
	// becomes an integer, which data written with v1 does not satisfy.
	rep, err := svc.Check(ctx, registry.CheckRequest{Subject: "order", Version: "latest",
		Schema: `{"type":"object","properties":{"customer":{"type":"object","properties":{"id":{"type":"integer"}}}}}`})
	if err != nil || rep.Compatible {
		t.Errorf("check through the reference = %+v, %v; want incompatible", rep, err)
	}

	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "x", Schema: `{"$ref":"missing.json"}`,
		References: []registry.Reference{{Name: "missing.json", Subject: "customer", Version: 9}}})
	e := wantCode(t, "missing reference", err, registry.CodeInvalidSchema)
	if !strings.Contains(e.Message, "missing.json") {
		t.Errorf("message %q does not name the reference", e.Message)
	}

	// A referenced version cannot be deleted, soft or hard.
	_, err = svc.DeleteVersion(ctx, "customer", "1", false)
	if e := wantCode(t, "deleting a referenced version", err, registry.CodeReferenceExists); e.Kind != registry.KindConflict {
		t.Errorf("kind = %v, want conflict", e.Kind)
	}
	_, err = svc.DeleteSubject(ctx, "customer", false)
	wantCode(t, "deleting a referenced subject", err, registry.CodeReferenceExists)
	// Once the referrers are gone it can.
	for _, s := range []string{"batch", "order"} {
		for _, permanent := range []bool{false, true} {
			if _, err := svc.DeleteSubject(ctx, s, permanent); err != nil {
				t.Fatalf("DeleteSubject(%s, %v): %v", s, permanent, err)
			}
		}
	}
	if _, err := svc.DeleteVersion(ctx, "customer", "1", false); err != nil {
		t.Errorf("deleting customer/1 after its referrers: %v", err)
	}
	_ = base
}

// TestLimits: references nested deeper than MaxRefDepth and oversize text
// are refused with 42201, and nothing is stored.
func TestLimits(t *testing.T) {
	svc := registry.NewRegistrar(newStore(t), registry.Options{Limits: compat.Limits{MaxRefDepth: 1, MaxBytes: 200}})
	publish(t, svc, "a", `{"type":"string"}`)
	publish(t, svc, "b", `{"$ref":"a.json"}`, registry.Reference{Name: "a.json", Subject: "a", Version: 1})
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "c", Schema: `{"$ref":"b.json"}`,
		References: []registry.Reference{{Name: "b.json", Subject: "b", Version: 1}}})
	if e := wantCode(t, "references two levels deep with MaxRefDepth 1", err, registry.CodeInvalidSchema); !strings.Contains(e.Message, "deeper than 1") {
		t.Errorf("message = %q", e.Message)
	}
	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "c", Schema: `{"description":"` + strings.Repeat("x", 300) + `"}`})
	if e := wantCode(t, "oversize schema", err, registry.CodeInvalidSchema); !strings.Contains(e.Message, "limit is 200") {
		t.Errorf("message = %q", e.Message)
	}
	if _, err := svc.Versions(ctx, "c", true); registry.ErrorKind(err) != registry.KindNotFound {
		t.Errorf("refused publishes created subject c: %v", err)
	}
}

func TestConfig(t *testing.T) {
	svc := newRegistrar(t)
	cfg, err := svc.GetConfig(ctx, "", false)
	if err != nil || cfg != registry.DefaultConfig || cfg.Mode != compat.Backward {
		t.Errorf("default global config = %+v, %v", cfg, err)
	}
	_, err = svc.GetConfig(ctx, "orders", false)
	wantCode(t, "subject without config", err, registry.CodeSubjectConfigNotFound)
	if cfg, err := svc.GetConfig(ctx, "orders", true); err != nil || cfg != registry.DefaultConfig {
		t.Errorf("subject config defaulting to global = %+v, %v", cfg, err)
	}
	_, err = svc.SetConfig(ctx, "orders", registry.Config{Mode: "SIDEWAYS"})
	wantCode(t, "invalid mode", err, registry.CodeInvalidCompatibility)
	_, err = svc.SetConfig(ctx, "orders", registry.Config{})
	wantCode(t, "empty mode", err, registry.CodeInvalidCompatibility)

	if _, err := svc.SetConfig(ctx, "", registry.Config{Mode: "forward"}); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := svc.GetConfig(ctx, "orders", true); cfg.Mode != compat.Forward {
		t.Errorf("subject inherits global = %+v, want FORWARD", cfg)
	}
	set, err := svc.SetConfig(ctx, "orders", registry.Config{Mode: "none"})
	if err != nil || set.Mode != compat.None {
		t.Fatalf("SetConfig(none) = %+v, %v", set, err)
	}
	// NONE lets the otherwise incompatible change through.
	publish(t, svc, "orders", objA)
	publish(t, svc, "orders", objARequired)
	old, err := svc.DeleteConfig(ctx, "orders")
	if err != nil || old.Mode != compat.None {
		t.Errorf("DeleteConfig = %+v, %v", old, err)
	}
	_, err = svc.DeleteConfig(ctx, "orders")
	wantCode(t, "DeleteConfig twice", err, registry.CodeSubjectConfigNotFound)
	// Back under the global FORWARD: new data must be readable by the old
	// schema; dropping "required" makes the new version write {} that v2
	// rejects.
	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "orders",
		Schema: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}`})
	wantCode(t, "dropping required under the inherited FORWARD", err, registry.CodeIncompatible)
	// Re-publishing v1's schema is idempotent: it returns v1 without a check.
	if sv := publish(t, svc, "orders", objA); sv.Version.Version != 1 {
		t.Errorf("re-publishing v1's schema = version %d, want 1", sv.Version.Version)
	}
	if old, err := svc.DeleteConfig(ctx, ""); err != nil || old.Mode != compat.Forward {
		t.Errorf("DeleteConfig(global) = %+v, %v", old, err)
	}
	if cfg, _ := svc.GetConfig(ctx, "", false); cfg != registry.DefaultConfig {
		t.Errorf("global after delete = %+v, want default", cfg)
	}
}

func TestDeletes(t *testing.T) {
	svc := newRegistrar(t)
	for i := 1; i <= 3; i++ {
		publish(t, svc, "orders", fmt.Sprintf(`{"description":"v%d"}`, i))
	}
	_, err := svc.DeleteVersion(ctx, "orders", "2", true)
	wantCode(t, "hard delete before soft", err, registry.CodeVersionNotSoftDeleted)
	if n, err := svc.DeleteVersion(ctx, "orders", "2", false); err != nil || n != 2 {
		t.Fatalf("soft delete = %d, %v", n, err)
	}
	_, err = svc.GetVersion(ctx, "orders", "2", false)
	wantCode(t, "soft-deleted version", err, registry.CodeVersionNotFound)
	if sv, err := svc.GetVersion(ctx, "orders", "2", true); err != nil || !sv.Deleted {
		t.Errorf("GetVersion(2, deleted) = %+v, %v", sv, err)
	}
	if vs, _ := svc.Versions(ctx, "orders", false); !slices.Equal(vs, []int{1, 3}) {
		t.Errorf("visible versions = %v", vs)
	}
	if n, err := svc.DeleteVersion(ctx, "orders", "2", true); err != nil || n != 2 {
		t.Errorf("hard delete = %d, %v", n, err)
	}
	_, err = svc.DeleteVersion(ctx, "orders", "x", false)
	wantCode(t, "bad version", err, registry.CodeInvalidVersion)
	if n, err := svc.DeleteVersion(ctx, "orders", "latest", false); err != nil || n != 3 {
		t.Errorf("soft delete latest = %d, %v; want 3", n, err)
	}
	_, err = svc.DeleteSubject(ctx, "orders", true)
	wantCode(t, "hard subject delete before soft", err, registry.CodeSubjectNotSoftDeleted)
	if vs, err := svc.DeleteSubject(ctx, "orders", false); err != nil || !slices.Equal(vs, []int{1}) {
		t.Errorf("soft subject delete = %v, %v", vs, err)
	}
	if subs, _ := svc.Subjects(ctx, false); len(subs) != 0 {
		t.Errorf("Subjects after soft delete = %v", subs)
	}
	if subs, _ := svc.Subjects(ctx, true); !slices.Equal(subs, []string{"orders"}) {
		t.Errorf("Subjects(deleted) = %v", subs)
	}
	if vs, err := svc.DeleteSubject(ctx, "orders", true); err != nil || !slices.Equal(vs, []int{1, 3}) {
		t.Errorf("hard subject delete = %v, %v", vs, err)
	}
	_, err = svc.Versions(ctx, "orders", true)
	wantCode(t, "versions after hard delete", err, registry.CodeSubjectNotFound)
	// A re-registered subject starts after the last number ever used.
	if v := publish(t, svc, "orders", `{"description":"again"}`); v.Version.Version != 4 {
		t.Errorf("version after hard delete = %d, want 4", v.Version.Version)
	}
}

func TestCheck(t *testing.T) {
	svc := newRegistrar(t)
	_, err := svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "latest", Schema: objA})
	wantCode(t, "unknown subject", err, registry.CodeSubjectNotFound)
	rep, err := svc.Check(ctx, registry.CheckRequest{Subject: "orders", Schema: objA})
	if err != nil || !rep.Compatible {
		t.Errorf("check of a new subject without version = %+v, %v; want compatible", rep, err)
	}
	publish(t, svc, "orders", objA)
	_, err = svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "0", Schema: objA})
	wantCode(t, "version 0", err, registry.CodeInvalidVersion)
	_, err = svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "7", Schema: objA})
	wantCode(t, "unknown version", err, registry.CodeVersionNotFound)
	_, err = svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "1", SchemaType: "AVRO", Schema: objA})
	wantCode(t, "avro", err, registry.CodeInvalidSchema)

	rep, err = svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "latest", Schema: objARequired})
	if err != nil || rep.Compatible || !slices.ContainsFunc(rep.Findings, func(f compat.Finding) bool { return f.Rule == "required-property-added" }) {
		t.Errorf("check required-added = %+v, %v", rep, err)
	}
	if got := versions(t, svc, "orders"); !slices.Equal(got, []int{1}) {
		t.Errorf("Check wrote: versions %v", got)
	}
	// Verdicts are memoized; a config change must still change the verdict.
	if _, err := svc.SetConfig(ctx, "orders", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	if rep, err := svc.Check(ctx, registry.CheckRequest{Subject: "orders", Version: "latest", Schema: objARequired}); err != nil || !rep.Compatible {
		t.Errorf("same check under NONE = %+v, %v; want compatible", rep, err)
	}
	if _, err := svc.DeleteConfig(ctx, "orders"); err != nil {
		t.Fatal(err)
	}

	// Transitive: v1 string, v2 [string,null], then a proposal of null only
	// is backward-compatible with v2? No: v2 data may be strings. Use a
	// history where only the oldest version conflicts.
	if _, err := svc.SetConfig(ctx, "t", registry.Config{Mode: compat.BackwardTransitive}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetConfig(ctx, "", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	// Build the history under NONE (set on the subject for the setup).
	if _, err := svc.SetConfig(ctx, "t", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	publish(t, svc, "t", `{"type":"integer"}`) // v1
	publish(t, svc, "t", `{"type":"string"}`)  // v2
	if _, err := svc.SetConfig(ctx, "t", registry.Config{Mode: compat.BackwardTransitive}); err != nil {
		t.Fatal(err)
	}
	proposal := `{"type":["string","null"]}` // reads v2 data, not v1's integers
	rep, err = svc.Check(ctx, registry.CheckRequest{Subject: "t", Schema: proposal})
	if err != nil || rep.Compatible {
		t.Fatalf("transitive check over all versions = %+v, %v; want incompatible", rep, err)
	}
	for _, f := range rep.Findings {
		if f.Version != 1 {
			t.Errorf("finding %+v: want it attributed to version 1", f)
		}
	}
	rep, err = svc.Check(ctx, registry.CheckRequest{Subject: "t", Version: "2", Schema: proposal})
	if err != nil || !rep.Compatible {
		t.Errorf("transitive mode against explicit version 2 = %+v, %v; want compatible", rep, err)
	}
	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "t", Schema: proposal})
	wantCode(t, "transitive publish", err, registry.CodeIncompatible)
}

// TestRepeatedCheckCompilesNothing: CI re-checks the same schema on every
// build; after the first check neither the proposal nor the history is
// compiled again.
func TestRepeatedCheckCompilesNothing(t *testing.T) {
	svc := newRegistrar(t)
	publish(t, svc, "orders", objA)
	publish(t, svc, "orders", `{"type":"object","properties":{"a":{"type":["string","null"]}}}`)
	req := registry.CheckRequest{Subject: "orders", Version: "latest", Schema: objARequired}
	if _, err := svc.Check(ctx, req); err != nil {
		t.Fatal(err)
	}
	before := registry.Compiles(svc)
	for range 5 {
		if _, err := svc.Check(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if n := registry.Compiles(svc) - before; n != 0 {
		t.Errorf("repeated checks compiled %d schemas, want 0", n)
	}
	// A reformatted text has the same fingerprint but is validated itself
	// once (a text's own bytes decide its validity, not the cache); its
	// re-checks are hits.
	req.Schema = " " + objARequired + "\n"
	before = registry.Compiles(svc)
	for range 3 {
		if _, err := svc.Check(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if n := registry.Compiles(svc) - before; n != 1 {
		t.Errorf("checks of a reformatted text compiled %d schemas, want 1", n)
	}
	// A publish of an already-checked schema compiles nothing either: the
	// stored history is cached by ID.
	before = registry.Compiles(svc)
	publish(t, svc, "orders", `{"type":"object","properties":{"a":{"type":["string","null","integer"]}}}`)
	if n := registry.Compiles(svc) - before; n != 1 {
		t.Errorf("publishing a new schema compiled %d schemas, want 1 (only the proposal)", n)
	}
}

// TestConcurrentPublishesContiguous: 64 distinct, mutually compatible
// schemas published at once through two Services on one store (two
// "replicas": each has its own per-subject locks, so Append's CAS and the
// ErrStale retry are exercised) land as versions 1..64 with no gap.
func TestConcurrentPublishesContiguous(t *testing.T) {
	st := newStore(t)
	svcs := []*registry.Registrar{registry.NewRegistrar(st, registry.Options{}), registry.NewRegistrar(st, registry.Options{})}
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Annotations only: every version accepts every document, so
			// all are compatible with each other in every direction.
			_, errs[i] = svcs[i%2].Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: fmt.Sprintf(`{"description":"variant %d"}`, i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if got := versions(t, svcs[0], "orders"); !slices.Equal(got, want) {
		t.Errorf("versions = %v, want 1..%d", got, n)
	}
}

// TestConflictingPublishesExactlyOneWins: v1 accepts string|integer; A adds
// boolean, B adds null. Each alone is BACKWARD compatible with v1, neither
// with the other, so when both race exactly one may land. Repeated with a
// fresh subject per trial.
func TestConflictingPublishesExactlyOneWins(t *testing.T) {
	st := newStore(t)
	svcs := []*registry.Registrar{registry.NewRegistrar(st, registry.Options{}), registry.NewRegistrar(st, registry.Options{})}
	const (
		v1 = `{"type":["string","integer"]}`
		a  = `{"type":["string","integer","boolean"]}`
		b  = `{"type":["string","integer","null"]}`
	)
	trials := 100
	if testing.Short() {
		trials = 20
	}
	for trial := range trials {
		subject := fmt.Sprint("race-", trial)
		publish(t, svcs[0], subject, v1)
		var wg sync.WaitGroup
		var errA, errB error
		start := make(chan struct{})
		// Even trials race through one Registrar (its per-subject lock decides),
		// odd trials through two (only Append's compare-and-set decides).
		svcA, svcB := svcs[0], svcs[trial%2]
		wg.Go(func() {
			<-start
			_, errA = svcA.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: a})
		})
		wg.Go(func() {
			<-start
			_, errB = svcB.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: b})
		})
		close(start)
		wg.Wait()
		accepted := 0
		for _, err := range []error{errA, errB} {
			switch {
			case err == nil:
				accepted++
			case registry.ErrorKind(err) != registry.KindIncompatible:
				t.Fatalf("trial %d: unexpected error %v", trial, err)
			}
		}
		if accepted != 1 {
			t.Fatalf("trial %d: %d of two mutually incompatible publishes accepted (A: %v, B: %v)", trial, accepted, errA, errB)
		}
		if got := versions(t, svcs[0], subject); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("trial %d: versions %v, want [1 2]", trial, got)
		}
	}
}

func TestStoreErrorsPassThrough(t *testing.T) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	st.Close()
	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: objA})
	e := wantCode(t, "publish on a closed store", err, registry.CodeStoreError)
	if e.Kind != registry.KindUnavailable {
		t.Errorf("kind = %v, want unavailable", e.Kind)
	}
	if err := svc.Ping(ctx); registry.ErrorKind(err) != registry.KindUnavailable {
		t.Errorf("Ping = %v", err)
	}
}

// TestValidationIndependentOfCache: a text that is invalid on its own bytes
// (a repeated key; a literal with more digits than allowed) is refused
// alike whether or not the compiled schema of its canonical form is
// cached, for publish, check and contracts (issue 14 #5).
func TestValidationIndependentOfCache(t *testing.T) {
	digits := "1." + strings.Repeat("0", 2000)
	for _, tc := range []struct{ name, valid, invalid, want string }{
		{"duplicate key", `{"type":"integer"}`, `{"type":"string","type":"integer"}`, `key "type" appears twice`},
		{"long literal", `{"minimum":1}`, `{"minimum":` + digits + `}`, "digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := newRegistrar(t)
			for _, warm := range []bool{false, true} {
				if warm {
					publish(t, svc, "warm", tc.valid)
					if _, err := svc.Check(ctx, registry.CheckRequest{Subject: "warm", Version: "latest", Schema: tc.valid}); err != nil {
						t.Fatal(err)
					}
				}
				for range 2 { // the second time its own digest is cached too
					_, err := svc.Check(ctx, registry.CheckRequest{Subject: "warm", Schema: tc.invalid})
					if registry.ErrorKind(err) != registry.KindInvalid || !strings.Contains(err.Error(), tc.want) {
						t.Errorf("warm=%v: check = %v, want 422 containing %q", warm, err, tc.want)
					}
					_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "warm", Schema: tc.invalid, SchemaType: "JSON"})
					if registry.ErrorKind(err) != registry.KindInvalid {
						t.Errorf("warm=%v: publish = %v, want 422", warm, err)
					}
				}
			}
		})
	}
}

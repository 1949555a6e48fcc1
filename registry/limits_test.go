package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// TestVersionsPerSubjectLimit: the version after MaxVersions is refused
// (42209, naming the limit); soft-deleted versions still count, hard-deleted
// ones free their slot; other subjects are unaffected.
func TestVersionsPerSubjectLimit(t *testing.T) {
	t.Parallel()
	svc := registry.NewRegistrar(newStore(t), registry.Options{MaxVersions: 3})
	for i := range 3 {
		publish(t, svc, "s", fmt.Sprintf(`{"title":"v%d"}`, i))
	}
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "s", Schema: `{"title":"v3"}`})
	e := wantCode(t, "fourth version", err, registry.CodeLimitExceeded)
	if e.Kind != registry.KindInvalid || !strings.Contains(e.Message, `subject "s" has 3 versions; the limit (max versions per subject) is 3`) {
		t.Errorf("kind %v, message %q", e.Kind, e.Message)
	}
	// Re-publishing an existing version is not a new version.
	if sv := publish(t, svc, "s", `{"title":"v1"}`); sv.Version.Version != 2 {
		t.Errorf("re-publish of v1 answered version %d", sv.Version.Version)
	}
	publish(t, svc, "other", `{"title":"v0"}`)

	if _, err := svc.DeleteVersion(ctx, "s", "1", false); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Publish(ctx, registry.PublishRequest{Subject: "s", Schema: `{"title":"v3"}`})
	wantCode(t, "after a soft delete", err, registry.CodeLimitExceeded)

	if _, err := svc.DeleteVersion(ctx, "s", "1", true); err != nil {
		t.Fatal(err)
	}
	if sv := publish(t, svc, "s", `{"title":"v3"}`); sv.Version.Version != 4 {
		t.Errorf("after a hard delete: version %d, want 4", sv.Version.Version)
	}
	if got := versions(t, svc, "s"); fmt.Sprint(got) != "[2 3 4]" {
		t.Errorf("versions %v", got)
	}
}

// TestSubjectNames: names a URL cannot carry back, or that are not text,
// are refused on publish and on config (42200); nothing is stored.
func TestSubjectNames(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	for _, c := range []struct{ subject, msg string }{
		{"", "must not be empty"},
		{strings.Repeat("x", registry.MaxSubjectLength+1), "1001 bytes; the limit is 1000"},
		{"a\x00b", "control character at byte 1"},
		{"tab\there", "control character"},
		{"bad\xffutf8", "not valid UTF-8"},
		{"..", `".." path segment`},
		{"a/../b", `".." path segment`},
		{"./a", `"." path segment`},
		{"x/../" + strings.Repeat("y", 40_000), "40005 bytes; the limit is 1000"},
		{strings.Repeat("y", 900) + "/..", `"` + strings.Repeat("y", registry.MaxQuote) + `"… (903 bytes) has a ".." path segment`},
	} {
		_, err := svc.Publish(ctx, registry.PublishRequest{Subject: c.subject, Schema: `{}`})
		if e := wantCode(t, fmt.Sprintf("publish %.20q", c.subject), err, registry.CodeInvalidRequest); !strings.Contains(e.Message, c.msg) {
			t.Errorf("publish %.20q: message %q, want %q", c.subject, e.Message, c.msg)
		}
		if c.subject == "" {
			continue // "" is the global config
		}
		_, err = svc.SetConfig(ctx, c.subject, registry.Config{Mode: compat.None})
		wantCode(t, fmt.Sprintf("config %.20q", c.subject), err, registry.CodeInvalidRequest)
		// Everywhere else a subject enters (issue 14 #6): relations of a
		// registered service or a checked manifest name the field.
		for _, kind := range []registry.RelationKind{registry.Produces, registry.Consumes} {
			si := registry.Service{Name: "svc", Relations: []registry.Relation{{Subject: c.subject, Kind: kind}}}
			want := fmt.Sprintf("service svc: subject of %s relation 1: ", kind)
			_, err = svc.RegisterService(ctx, si, false)
			if e := wantCode(t, fmt.Sprintf("service %s %.20q", kind, c.subject), err, registry.CodeInvalidRequest); !strings.Contains(e.Message, want+"subject name") || !strings.Contains(e.Message, c.msg) {
				t.Errorf("service %s %.20q: message %q, want %q and %q", kind, c.subject, e.Message, want, c.msg)
			}
			m := registry.ManifestCheck{Name: "svc", Relations: []registry.ManifestRelation{{Subject: c.subject, Kind: kind, Schema: `{}`}}}
			_, err = svc.CheckManifest(ctx, m)
			if e := wantCode(t, fmt.Sprintf("manifest %s %.20q", kind, c.subject), err, registry.CodeInvalidRequest); !strings.Contains(e.Message, want) {
				t.Errorf("manifest %s %.20q: message %q, want %q", kind, c.subject, e.Message, want)
			}
		}
		_, err = svc.Impact(ctx, c.subject, `{}`)
		wantCode(t, fmt.Sprintf("impact %.20q", c.subject), err, registry.CodeInvalidRequest)
		_, err = svc.Check(ctx, registry.CheckRequest{Subject: c.subject, Schema: `{}`})
		wantCode(t, fmt.Sprintf("check %.20q", c.subject), err, registry.CodeInvalidRequest)
		_, err = svc.ContractVersions(ctx, "svc", c.subject)
		wantCode(t, fmt.Sprintf("contracts %.20q", c.subject), err, registry.CodeInvalidRequest)
		_, err = svc.SubjectRelations(ctx, c.subject)
		wantCode(t, fmt.Sprintf("relations %.20q", c.subject), err, registry.CodeInvalidRequest)
	}
	if services, err := svc.Services(ctx); err != nil || len(services) != 0 {
		t.Errorf("services %v %v, want none stored", services, err)
	}
	for _, ok := range []string{"orders-value", "com.example/Order", "a..b", "ünïcødé", strings.Repeat("x", registry.MaxSubjectLength)} {
		publish(t, svc, ok, `{}`)
	}
	if subjects, err := svc.Subjects(ctx, true); err != nil || len(subjects) != 5 {
		t.Errorf("subjects %q %v, want the 5 valid ones", subjects, err)
	}
}

// TestReferenceCountLimit: a schema pulling in more referenced documents
// than MaxRefs is refused; at the limit it is accepted.
func TestReferenceCountLimit(t *testing.T) {
	t.Parallel()
	svc := registry.NewRegistrar(newStore(t), registry.Options{Limits: compat.Limits{MaxRefs: 2}})
	var refs []registry.Reference
	for i := range 3 {
		publish(t, svc, fmt.Sprintf("r%d", i), `{"type":"string"}`)
		refs = append(refs, registry.Reference{Name: fmt.Sprintf("r%d.json", i), Subject: fmt.Sprintf("r%d", i), Version: 1})
	}
	publish(t, svc, "two", `{"properties":{"a":{"$ref":"r0.json"},"b":{"$ref":"r1.json"}}}`, refs[:2]...)
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "three", References: refs,
		Schema: `{"properties":{"a":{"$ref":"r0.json"},"b":{"$ref":"r1.json"},"c":{"$ref":"r2.json"}}}`})
	if e := wantCode(t, "three references with MaxRefs 2", err, registry.CodeInvalidSchema); !strings.Contains(e.Message, "more than 2 referenced schemas") {
		t.Errorf("message %q", e.Message)
	}
}

// TestSchemaTextNotUTF8: text with bytes that are not UTF-8 is refused
// before anything parses it (a decoder would replace them silently).
func TestSchemaTextNotUTF8(t *testing.T) {
	t.Parallel()
	svc := newRegistrar(t)
	_, err := svc.Publish(ctx, registry.PublishRequest{Subject: "s", Schema: "{\"description\":\"caf\xe9\"}"})
	if e := wantCode(t, "latin-1 text", err, registry.CodeInvalidSchema); !strings.Contains(e.Message, "not valid UTF-8 at byte 19") {
		t.Errorf("message %q", e.Message)
	}
	if off := registry.InvalidUTF8Offset("ok ✓"); off != -1 {
		t.Errorf("InvalidUTF8Offset of valid text = %d", off)
	}
}

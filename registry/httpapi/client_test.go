package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// ignoreFingerprint: the HTTP API does not carry fingerprints.
var ignoreFingerprint = cmpopts.IgnoreFields(registry.Schema{}, "Fingerprint")

// TestClientRoundTrip runs every Registry method through Client → HTTP →
// server → Service and compares with what the Service answers directly.
func TestClientRoundTrip(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := httpapi.NewClient(h.URL)
	svc := h.svc
	same := func(what string, got, want any, opts ...cmp.Option) {
		t.Helper()
		if d := cmp.Diff(want, got, append(opts, ignoreFingerprint, cmpopts.EquateEmpty())...); d != "" {
			t.Errorf("%s: client (-service +client):\n%s", what, d)
		}
	}

	sv1, err := c.Publish(ctx, registry.PublishRequest{Subject: "Address", Schema: `{"type":"object","properties":{"street":{"type":"string"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	if sv1.Version.Version != 1 || sv1.SchemaID != 1 || sv1.Subject != "Address" {
		t.Errorf("publish: %+v", sv1)
	}
	refs := []registry.Reference{{Name: "address.json", Subject: "Address", Version: 1}}
	custReq := registry.PublishRequest{Subject: "Customer", Schema: `{"type":"object","properties":{"address":{"$ref":"address.json"}}}`, References: refs}
	sv2, err := c.Publish(ctx, custReq)
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := svc.GetVersion(ctx, "Customer", "1", false)
	same("publish", sv2, direct)
	again, err := c.Publish(ctx, custReq) // identical: the existing version
	same("republish", again, direct)
	if err != nil {
		t.Fatal(err)
	}

	look, err := c.Lookup(ctx, custReq, false)
	want, _ := svc.Lookup(ctx, custReq, false)
	same("lookup", look, want)
	if err != nil {
		t.Fatal(err)
	}

	rep, err := c.Check(ctx, registry.CheckRequest{Subject: "Address", Version: "latest", Schema: `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}`})
	wantRep, _ := svc.Check(ctx, registry.CheckRequest{Subject: "Address", Version: "latest", Schema: `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}`})
	same("check", rep, wantRep)
	if err != nil || rep.Compatible || len(rep.Findings) == 0 {
		t.Errorf("check: %+v %v: want incompatible with findings", rep, err)
	}
	repAll, err := c.Check(ctx, registry.CheckRequest{Subject: "Address", Schema: sv1.Schema.Text})
	if err != nil || !repAll.Compatible {
		t.Errorf("check against all versions: %+v %v", repAll, err)
	}

	subjects, err := c.Subjects(ctx, false)
	wantSubjects, _ := svc.Subjects(ctx, false)
	same("subjects", subjects, wantSubjects)
	versions, err2 := c.Versions(ctx, "Customer", false)
	same("versions", versions, []int{1})
	gv, err3 := c.GetVersion(ctx, "Customer", "latest", false)
	same("get version", gv, direct)
	sch, err4 := c.SchemaByID(ctx, sv2.SchemaID)
	wantSch, _ := svc.SchemaByID(ctx, sv2.SchemaID)
	same("schema by id", sch, wantSch)
	byID, err5 := c.VersionsByID(ctx, 1)
	wantByID, _ := svc.VersionsByID(ctx, 1)
	same("versions by id", byID, wantByID)
	refBy, err6 := c.ReferencedBy(ctx, "Address", "1")
	same("referenced by", refBy, []int64{sv2.SchemaID})
	if err := errors.Join(err, err2, err3, err4, err5, err6); err != nil {
		t.Fatal(err)
	}

	// The dry run of a manifest (POST /v1/check): the same report as the
	// registrar's, schema texts put back on the items by file name.
	m := registry.ManifestCheck{Name: "crm", Relations: []registry.ManifestRelation{
		{Kind: registry.Produces, Subject: "Address", File: "address.json",
			Schema: `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}`},
		{Kind: registry.Consumes, Subject: "Customer", File: "customer.json",
			Contract: `{"type":"object","properties":{"address":{"type":"object","required":["street"]}}}`},
		{Kind: registry.Sends, Subject: "Invoice", Version: 2},
	}}
	res, err := c.CheckManifest(ctx, m)
	wantRes, _ := svc.CheckManifest(ctx, m)
	same("check manifest", res, wantRes)
	if err != nil || res.Compatible() || len(res.Items) != 3 || res.Items[1].Note != "checked against version 1" ||
		len(res.Items[1].Findings) == 0 || string(res.Items[0].Schema) != m.Relations[0].Schema {
		t.Errorf("check manifest: %+v %v: want Address breaking, the contract broken by Customer v1 (with its reference), Invoice pinned", res, err)
	}

	// Config, policy extension included.
	cfg, err := c.SetConfig(ctx, "Customer", registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient})
	same("set config", cfg, registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient})
	got, err2 := c.GetConfig(ctx, "Customer", false)
	same("get config", got, registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient})
	global, err3 := c.GetConfig(ctx, "", false)
	same("global config", global, registry.DefaultConfig)
	inherited, err4 := c.GetConfig(ctx, "Address", true)
	same("defaultToGlobal", inherited, registry.DefaultConfig)
	removed, err5 := c.DeleteConfig(ctx, "Customer")
	same("delete config", removed, registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient})
	if err := errors.Join(err, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}

	// Deletes: version soft then hard, subject soft then hard.
	if n, err := c.DeleteVersion(ctx, "Customer", "1", false); err != nil || n != 1 {
		t.Fatalf("delete version: %d %v", n, err)
	}
	del, err := c.GetVersion(ctx, "Customer", "1", true)
	if err != nil || !del.Deleted {
		t.Errorf("soft-deleted version read with deleted=true: %+v %v", del, err)
	}
	if n, err := c.DeleteVersion(ctx, "Customer", "1", true); err != nil || n != 1 {
		t.Fatalf("hard delete version: %d %v", n, err)
	}
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "Other", Schema: `{"type":"string"}`}); err != nil {
		t.Fatal(err)
	}
	if vs, err := c.DeleteSubject(ctx, "Other", false); err != nil || !cmp.Equal(vs, []int{1}) {
		t.Fatalf("delete subject: %v %v", vs, err)
	}
	if ss, err := c.Subjects(ctx, true); err != nil || !cmp.Equal(ss, []string{"Address", "Other"}) {
		t.Errorf("subjects with deleted: %v %v", ss, err)
	}
	if vs, err := c.DeleteSubject(ctx, "Other", true); err != nil || !cmp.Equal(vs, []int{1}) {
		t.Fatalf("hard delete subject: %v %v", vs, err)
	}
}

// TestClientErrorKinds: errors keep their kind and Confluent code over
// HTTP, so errors.Is and the CLI's exit codes do not depend on transport.
func TestClientErrorKinds(t *testing.T) {
	h := newHarness(t, func(o *httpapi.Options) { o.MaxBodyBytes = 2048 })
	ctx := context.Background()
	c := httpapi.NewClient(h.URL)
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "Address", Schema: schemaV1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "User", Schema: `{"$ref":"a.json"}`,
		References: []registry.Reference{{Name: "a.json", Subject: "Address", Version: 1}}}); err != nil {
		t.Fatal(err)
	}
	call := map[string]func() error{
		"40401": func() error { _, err := c.Versions(ctx, "nope", false); return err },
		"40402": func() error { _, err := c.GetVersion(ctx, "Address", "9", false); return err },
		"40403": func() error { _, err := c.SchemaByID(ctx, 99); return err },
		"40408": func() error { _, err := c.GetConfig(ctx, "Address", false); return err },
		"42201": func() error {
			_, err := c.Publish(ctx, registry.PublishRequest{Subject: "x", Schema: `{"type":12}`})
			return err
		},
		"42202": func() error { _, err := c.GetVersion(ctx, "Address", "one", false); return err },
		"42203": func() error {
			_, err := c.SetConfig(ctx, "", registry.Config{Mode: "SIDEWAYS"})
			return err
		},
		"42206": func() error { _, err := c.DeleteVersion(ctx, "Address", "1", false); return err },
		"409": func() error {
			_, err := c.Publish(ctx, registry.PublishRequest{Subject: "Address", Schema: schemaRequiredA})
			return err
		},
		"41301": func() error {
			_, err := c.Publish(ctx, registry.PublishRequest{Subject: "x", Schema: `{"title":"` + strings.Repeat("y", 3000) + `"}`})
			return err
		},
	}
	cases := []struct {
		code string
		kind *registry.Error
		num  int
	}{
		{"40401", registry.ErrNotFound, 40401},
		{"40402", registry.ErrNotFound, 40402},
		{"40403", registry.ErrNotFound, 40403},
		{"40408", registry.ErrNotFound, 40408},
		{"42201", registry.ErrInvalid, 42201},
		{"42202", registry.ErrInvalid, 42202},
		{"42203", registry.ErrInvalid, 42203},
		{"42206", registry.ErrConflict, 42206},
		{"409", registry.ErrIncompatible, 409},
		{"41301", registry.ErrTooLarge, 41301},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			err := call[tc.code]()
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v (kind %v), want kind %v", err, registry.ErrorKind(err), tc.kind.Kind)
			}
			var e *registry.Error
			errors.As(err, &e)
			if tc.num == 409 && (len(e.Findings) == 0 || e.Impacted == nil) {
				t.Errorf("409 findings %v impacted %v: want the findings and a list of impacted services (empty: none registered)", e.Findings, e.Impacted)
			}
			if e.Code != tc.num || e.Message == "" {
				t.Errorf("code %d message %q, want code %d and a message", e.Code, e.Message, tc.num)
			}
			if tc.code == "409" && len(e.Findings) == 0 {
				t.Errorf("incompatible error without findings")
			}
		})
	}

	// Store down: 503 → KindUnavailable; back up: works again.
	h.store.down.Store(true)
	_, err := c.Subjects(ctx, false)
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("store down: %v (kind %v), want unavailable", err, registry.ErrorKind(err))
	}
	h.store.down.Store(false)
	if _, err := c.Subjects(ctx, false); err != nil {
		t.Errorf("after recovery: %v", err)
	}

	// A panic on the server: KindInternal with the generic message.
	p := newHarnessWith(t, func(r registry.Registry) registry.Registry { return panickyRegistry{r} })
	_, err = httpapi.NewClient(p.URL).Subjects(ctx, false)
	if !errors.Is(err, registry.ErrInternal) || strings.Contains(err.Error(), "secret") {
		t.Errorf("server panic: %v (kind %v)", err, registry.ErrorKind(err))
	}
}

func TestClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := httpapi.NewClient("http://" + addr)
	_, err = c.Subjects(context.Background(), false)
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("err %v, want unavailable", err)
	}
	if !strings.HasPrefix(err.Error(), "registry unreachable at http://"+addr+": ") {
		t.Errorf("message %q", err.Error())
	}
}

func TestClientTokenAndTimeout(t *testing.T) {
	// The handler runs on the server's goroutines: what it saw is handed
	// over atomically, and the slow answer waits for the client to give up
	// (no sleep to race against the client's deadline).
	var gotAuth atomic.Value
	var slow atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		if slow.Load() {
			<-r.Context().Done() // the client hung up
			return
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.Write([]byte(`["a"]`))
	}))
	defer srv.Close()
	c := httpapi.NewClient(srv.URL, httpapi.WithToken("s3cret"))
	if c.HTTP == nil || c.HTTP == http.DefaultClient || c.HTTP.Timeout == 0 {
		t.Errorf("client must have its own HTTP client with a timeout")
	}
	if ss, err := c.Subjects(context.Background(), false); err != nil || !cmp.Equal(ss, []string{"a"}) {
		t.Fatalf("%v %v", ss, err)
	}
	if got := gotAuth.Load(); got != "Bearer s3cret" {
		t.Errorf("Authorization %q", got)
	}
	// Without a token, no Authorization header.
	if _, err := httpapi.NewClient(srv.URL).Subjects(context.Background(), false); err != nil || gotAuth.Load() != "" {
		t.Errorf("Authorization %q without a token (%v)", gotAuth.Load(), err)
	}
	// A cancelled request is unavailable, not internal.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	slow.Store(true)
	if _, err := c.Subjects(ctx, false); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("timed-out request: %v (kind %v)", err, registry.ErrorKind(err))
	}
}

// A Confluent server that answers a publish with only {"id"}: the client
// asks for the version with a lookup.
func TestClientPublishAgainstIDOnlyServer(t *testing.T) {
	h := newHarness(t)
	idOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/versions") {
			req, _ := http.NewRequest("POST", h.URL+r.URL.Path, r.Body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			w.Write([]byte(`{"id":1}`))
			return
		}
		proxy, _ := http.NewRequest(r.Method, h.URL+r.URL.RequestURI(), r.Body)
		resp, err := http.DefaultClient.Do(proxy)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer idOnly.Close()
	sv, err := httpapi.NewClient(idOnly.URL).Publish(context.Background(), registry.PublishRequest{Subject: "s", Schema: schemaV1})
	if err != nil || sv.Version.Version != 1 || sv.SchemaID != 1 || sv.Schema.Text != schemaV1 {
		t.Errorf("%+v %v", sv, err)
	}
}

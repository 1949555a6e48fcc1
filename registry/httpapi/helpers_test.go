package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// Schemas whose verdicts the compatibility engine decides (BACKWARD: the
// new version must read data written with the old one).
const (
	schemaV1 = `{"type":"object","properties":{"a":{"type":"string"}}}`
	// Adds "required": old data without "a" is rejected.
	schemaRequiredA = `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`
	// Widens "a" to accept null: everything old data holds is still read.
	schemaWidened = `{"type":"object","properties":{"a":{"type":["string","null"]}}}`
)

// harness is a real server (real Service on a temp-dir bbolt store) on a
// loopback listener.
type harness struct {
	t     *testing.T
	URL   string
	store *flakyStore
	svc   *registry.Registrar
	logs  *syncBuffer
	api   *httpapi.Server
}

type harnessOption func(*httpapi.Options)

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarnessWith(t, nil, opts...)
}

// newHarnessWith serves wrap(service) when wrap is set, to inject faults
// at the Registry level.
func newHarnessWith(t *testing.T, wrap func(registry.Registry) registry.Registry, opts ...harnessOption) *harness {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs := &flakyStore{Store: st}
	svc := registry.NewRegistrar(fs, registry.Options{})
	logs := &syncBuffer{}
	o := httpapi.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Ready:  svc.Ping,
	}
	for _, f := range opts {
		f(&o)
	}
	var reg registry.Registry = svc
	if wrap != nil {
		reg = wrap(svc)
	}
	api := httpapi.NewServer(reg, o)
	// Cleanups run last-in first-out: the server stops, then the audit
	// entries of its last writes are stored, then the store closes.
	t.Cleanup(func() { api.Drain(context.Background()) })
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &harness{t: t, URL: srv.URL, store: fs, svc: svc, logs: logs, api: api}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request; body "" sends none. headers are name, value pairs;
// a JSON Content-Type is set for bodies unless given.
func (h *harness) do(method, path, body string, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	given := map[string]bool{} // a header named twice is sent twice
	for i := 0; i+1 < len(headers); i += 2 {
		switch {
		case headers[i] == "Transfer-Encoding": // no Content-Length: the server learns the size by reading
			req.ContentLength = -1
			req.Body = io.NopCloser(rd)
		case headers[i+1] == "":
			req.Header.Del(headers[i])
		case given[headers[i]]:
			req.Header.Add(headers[i], headers[i+1])
		default:
			req.Header.Set(headers[i], headers[i+1])
		}
		given[headers[i]] = true
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// schemaBody is the JSON of a publish/lookup/check request for schema,
// with "schemaType": "JSON" as Confluent's JSON Schema serializer sends it
// (extra pairs of field and JSON value add or replace fields; a null
// schemaType leaves it out in effect).
func schemaBody(schema string, extra ...string) string {
	m := map[string]any{"schema": schema, "schemaType": registry.SchemaTypeJSON}
	for i := 0; i+1 < len(extra); i += 2 {
		var v any
		if err := json.Unmarshal([]byte(extra[i+1]), &v); err != nil {
			panic(err)
		}
		m[extra[i]] = v
	}
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// publish registers schema under subject and returns its id.
func (h *harness) publish(subject, schema string, extra ...string) int64 {
	h.t.Helper()
	r := h.do("POST", "/subjects/"+subject+"/versions", schemaBody(schema, extra...))
	if r.Status != 200 {
		h.t.Fatalf("publish %s: %d %s", subject, r.Status, r.Body)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		h.t.Fatal(err)
	}
	return out.ID
}

// wantJSON asserts the status, the Content-Type and the JSON body.
func wantJSON(t *testing.T, r response, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if d := cmp.Diff(exp, got); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

// wantError asserts a Confluent error answer and returns its message.
func wantError(t *testing.T, r response, status, code int) string {
	t.Helper()
	var e struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error answer is not JSON: %v: %s", err, r.Body)
	}
	if r.Status != status || e.ErrorCode != code {
		t.Errorf("got %d/%d, want %d/%d: %s", r.Status, e.ErrorCode, status, code, r.Body)
	}
	if e.Message == "" {
		t.Errorf("error answer without a message: %s", r.Body)
	}
	return e.Message
}

// flakyStore turns every store call into a KindUnavailable failure while
// down is set, as a Redis store does when its server is unreachable.
type flakyStore struct {
	registry.Store
	down atomic.Bool
}

var errConnRefused = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (s *flakyStore) fail(op string) error {
	if s.down.Load() {
		return registry.Unavailable(op, errConnRefused)
	}
	return nil
}

func (s *flakyStore) Append(ctx context.Context, subject string, expected int, sc registry.Schema) (registry.Version, bool, error) {
	if err := s.fail("append"); err != nil {
		return registry.Version{}, false, err
	}
	return s.Store.Append(ctx, subject, expected, sc)
}

func (s *flakyStore) Latest(ctx context.Context, subject string) (int, error) {
	if err := s.fail("latest"); err != nil {
		return 0, err
	}
	return s.Store.Latest(ctx, subject)
}

func (s *flakyStore) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	if err := s.fail("subjects"); err != nil {
		return nil, err
	}
	return s.Store.Subjects(ctx, deleted)
}

func (s *flakyStore) Versions(ctx context.Context, subject string, deleted bool) ([]registry.Version, error) {
	if err := s.fail("versions"); err != nil {
		return nil, err
	}
	return s.Store.Versions(ctx, subject, deleted)
}

func (s *flakyStore) ReadSubject(ctx context.Context, subject, fp string) (registry.SubjectState, error) {
	if err := s.fail("read subject"); err != nil {
		return registry.SubjectState{}, err
	}
	return s.Store.ReadSubject(ctx, subject, fp)
}

func (s *flakyStore) Version(ctx context.Context, subject string, version int, deleted bool) (registry.Version, error) {
	if err := s.fail("version"); err != nil {
		return registry.Version{}, err
	}
	return s.Store.Version(ctx, subject, version, deleted)
}

func (s *flakyStore) SchemaByID(ctx context.Context, id int64) (registry.Schema, error) {
	if err := s.fail("schema by id"); err != nil {
		return registry.Schema{}, err
	}
	return s.Store.SchemaByID(ctx, id)
}

func (s *flakyStore) VersionsByID(ctx context.Context, id int64) ([]registry.Version, error) {
	if err := s.fail("versions by id"); err != nil {
		return nil, err
	}
	return s.Store.VersionsByID(ctx, id)
}

func (s *flakyStore) FindByFingerprint(ctx context.Context, subject, fp string) (registry.Version, error) {
	if err := s.fail("find by fingerprint"); err != nil {
		return registry.Version{}, err
	}
	return s.Store.FindByFingerprint(ctx, subject, fp)
}

func (s *flakyStore) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) error {
	if err := s.fail("delete version"); err != nil {
		return err
	}
	return s.Store.DeleteVersion(ctx, subject, version, permanent)
}

func (s *flakyStore) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	if err := s.fail("delete subject"); err != nil {
		return nil, err
	}
	return s.Store.DeleteSubject(ctx, subject, permanent)
}

func (s *flakyStore) ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error) {
	if err := s.fail("referenced by"); err != nil {
		return nil, err
	}
	return s.Store.ReferencedBy(ctx, subject, version)
}

func (s *flakyStore) Config(ctx context.Context, subject string) (registry.Config, bool, error) {
	if err := s.fail("config"); err != nil {
		return registry.Config{}, false, err
	}
	return s.Store.Config(ctx, subject)
}

func (s *flakyStore) SetConfig(ctx context.Context, subject string, cfg registry.Config) error {
	if err := s.fail("set config"); err != nil {
		return err
	}
	return s.Store.SetConfig(ctx, subject, cfg)
}

func (s *flakyStore) DeleteConfig(ctx context.Context, subject string) error {
	if err := s.fail("delete config"); err != nil {
		return err
	}
	return s.Store.DeleteConfig(ctx, subject)
}

func (s *flakyStore) Ping(ctx context.Context) error {
	if err := s.fail("ping"); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton/internal/benchcpu"
	"github.com/batonhq/baton/internal/eventschema"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// discardWriter is the cheapest http.ResponseWriter: the benchmarks below
// measure the handler chain, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkReadByID serves GET /schemas/ids/{id} (a 50-property event,
// ~2 KB answer) layer by layer, so each layer's cost shows:
//
//	bare     a plain handler writing the same answer: the floor
//	server   the whole server (router, middleware, metrics), logs off
//	logged   the same with the access log on, as `baton serve` runs
func BenchmarkReadByID(b *testing.B) {
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := registry.NewRegistrar(st, registry.Options{})
	sv, err := svc.Publish(context.Background(), registry.PublishRequest{Subject: "orders", Schema: eventschema.Object(50, "read bench", 0)})
	if err != nil {
		b.Fatal(err)
	}
	path := "/schemas/ids/" + strconv.FormatInt(sv.SchemaID, 10)

	full := httpapi.NewServer(svc, httpapi.Options{})
	logged := httpapi.NewServer(svc, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	// The floor answers exactly what the server answers.
	probe := &discardWriter{h: http.Header{}}
	var body bytes.Buffer
	full.ServeHTTP(&captureWriter{discardWriter: probe, buf: &body}, httptest.NewRequest("GET", path, nil))
	if probe.status != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, probe.status, body.String())
	}
	answer := body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		h.Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(answer)
	})

	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"server", full}, {"logged", logged}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", path, nil)
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					tc.h.ServeHTTP(w, req)
					if w.status != http.StatusOK {
						b.Errorf("status %d", w.status)
						return
					}
				}
			})
		})
	}
}

type captureWriter struct {
	*discardWriter
	buf *bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }

// BenchmarkCompatRepeated: POST /compatibility/subjects/{s}/versions/latest
// with the same 50-property proposal each time (CI re-checking a change),
// through the whole server: the cached-verdict path.
func BenchmarkCompatRepeated(b *testing.B) {
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := registry.NewRegistrar(st, registry.Options{})
	schema := eventschema.Object(50, "compat bench", 0)
	if _, err := svc.Publish(context.Background(), registry.PublishRequest{Subject: "orders", Schema: schema}); err != nil {
		b.Fatal(err)
	}
	srv := httpapi.NewServer(svc, httpapi.Options{})
	body := []byte(schemaBody(schema))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			req := httptest.NewRequest("POST", "/compatibility/subjects/orders/versions/latest", bytes.NewReader(body))
			srv.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// BenchmarkCompatFresh: the same request with a never-seen proposal each
// time, as `baton-load --scenario compat --fresh` sends, through the whole
// server with the access log on, as `baton serve` runs: the compile of
// the proposal plus everything the HTTP layer adds to it. cpu-ms/op over
// compat's BenchmarkProposalCompile/v5-only is the overhead ratio.
func BenchmarkCompatFresh(b *testing.B) {
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := registry.NewRegistrar(st, registry.Options{})
	if _, err := svc.Publish(context.Background(), registry.PublishRequest{Subject: "orders", Schema: eventschema.Object(50, "orders", 0)}); err != nil {
		b.Fatal(err)
	}
	srv := httpapi.NewServer(svc, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	bodies := make([][]byte, b.N) // built before the clock starts, as a client would
	for i := range bodies {
		bodies[i] = []byte(schemaBody(eventschema.Object(50, "orders", int64(i+1))))
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	benchcpu.Report(b)
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			req := httptest.NewRequest("POST", "/compatibility/subjects/orders/versions/latest", bytes.NewReader(bodies[next.Add(1)-1]))
			srv.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

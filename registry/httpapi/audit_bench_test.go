package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

type noAudit struct{}

func (noAudit) AppendAudit(_ context.Context, e registry.AuditEntry) (registry.AuditEntry, error) {
	return e, nil
}

// BenchmarkWriteOverhead: one cheap write (PUT /config/{subject}) through
// the real stack on bbolt, with auth and the audit log (one more fsync'd
// transaction per write) on or off, to show what they cost.
func BenchmarkWriteOverhead(b *testing.B) {
	h, err := auth.HashSecret("bench-secret-0123456789")
	if err != nil {
		b.Fatal(err)
	}
	toks, err := auth.Parse("b.yaml", []byte("tokens:\n  - {name: w, role: write, hash: "+h+"}\n"))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		auth  bool
		audit bool
	}{{"plain", false, false}, {"auth", true, false}, {"audit", false, true}, {"auth+audit", true, true}} {
		b.Run(tc.name, func(b *testing.B) {
			st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			svc := registry.NewRegistrar(st, registry.Options{})
			o := httpapi.Options{Audit: noAudit{}}
			if tc.audit {
				o.Audit = nil // the Service's store
			}
			if tc.auth {
				o.Auth = auth.New(toks, svc)
			}
			srv := httptest.NewServer(httpapi.NewServer(svc, o))
			defer srv.Close()
			for b.Loop() {
				req, _ := http.NewRequest("PUT", srv.URL+"/config/s", strings.NewReader(`{"compatibility":"FULL"}`))
				req.Header.Set("Authorization", "Bearer bench-secret-0123456789")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

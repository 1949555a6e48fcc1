package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonhq/baton/asyncapi"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// registerPair registers producer p of event e (schema schemaV1) and
// consumer c reading it with a contract.
func registerPair(t testing.TB, reg registry.Registry, p, c, e string) {
	t.Helper()
	ctx := context.Background()
	if _, err := reg.RegisterService(ctx, registry.Service{Name: p, Owner: "team-" + p, Relations: []registry.Relation{{Subject: e, Kind: registry.Produces}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Publish(ctx, registry.PublishRequest{Subject: e, Schema: schemaV1}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.RegisterService(ctx, registry.Service{Name: c, Relations: []registry.Relation{{Subject: e, Kind: registry.Consumes, Contract: schemaV1}}}, false); err != nil {
		t.Fatal(err)
	}
}

func TestServiceAsyncAPI(t *testing.T) {
	h := newHarness(t)
	registerPair(t, h.svc, "order", "billing", "OrderPlaced")
	for _, tc := range []struct {
		query, contentType, has string
	}{
		{"", "application/yaml", "asyncapi: 3.0.0"},
		{"?version=2.6.0", "application/yaml", "asyncapi: 2.6.0"},
		{"?format=json", "application/json", `"asyncapi": "3.0.0"`},
		{"?version=2.6.0&format=json", "application/json", `"asyncapi": "2.6.0"`},
	} {
		r := h.do(http.MethodGet, "/v1/services/order/asyncapi"+tc.query, "")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), tc.contentType) || !bytes.Contains(r.Body, []byte(tc.has)) {
			t.Errorf("%s: %d %s\n%s", tc.query, r.Status, r.Header.Get("Content-Type"), r.Body)
			continue
		}
		m, err := asyncapi.Parse("order", r.Body, asyncapi.Options{})
		if err != nil || m.Service != "order" || len(m.Produces) != 1 || m.Produces[0].Subject != "OrderPlaced" {
			t.Errorf("%s: reads back as %+v, %v", tc.query, m, err)
		}
	}
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/services/nobody/asyncapi", http.StatusNotFound, "40420"},
		{"/v1/services/order/asyncapi?version=2.0.0", http.StatusUnprocessableEntity, "42200"},
		{"/v1/services/order/asyncapi?format=xml", http.StatusUnprocessableEntity, "42200"},
		{"/v1/asyncapi?format=yaml", http.StatusUnprocessableEntity, "42200"},
		{"/v1/asyncapi?version=1.0", http.StatusUnprocessableEntity, "42200"},
	} {
		r := h.do(http.MethodGet, tc.path, "")
		if r.Status != tc.status || !bytes.Contains(r.Body, []byte(tc.code)) {
			t.Errorf("%s = %d %s, want %d with error_code %s", tc.path, r.Status, r.Body, tc.status, tc.code)
		}
	}

	// The client fetches the same document.
	c := httpapi.NewClient(h.URL)
	doc, err := c.ExportAsyncAPI(context.Background(), "billing", "2.6.0", "json")
	if err != nil || !bytes.Contains(doc, []byte(`"publish"`)) {
		t.Errorf("client export = %s, %v", doc, err)
	}
	if _, err := c.ExportAsyncAPI(context.Background(), "nobody", "", ""); registry.ErrorKind(err) != registry.KindNotFound {
		t.Errorf("client export of an unknown service: %v", err)
	}
}

func TestEstateAsyncAPI(t *testing.T) {
	h := newHarness(t)
	registerPair(t, h.svc, "order", "billing", "OrderPlaced")
	registerPair(t, h.svc, "stock", "order-view", "StockChanged")
	want := []string{"billing", "order", "order-view", "stock"}

	all, err := httpapi.NewClient(h.URL).ExportEstateAsyncAPI(context.Background(), "2.6.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("estate has %d documents, want %v", len(all), want)
	}
	for _, name := range want {
		m, err := asyncapi.Parse(name, all[name], asyncapi.Options{})
		if err != nil || m.Service != name || !bytes.Contains(all[name], []byte(`"2.6.0"`)) {
			t.Errorf("%s: %v, %v\n%s", name, m, err, all[name])
		}
	}

	r := h.do(http.MethodGet, "/v1/asyncapi?format=zip", "")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if m, err := asyncapi.Parse(f.Name, data, asyncapi.Options{}); err != nil || m.Service+".yaml" != f.Name {
			t.Errorf("%s: %v, %v", f.Name, m, err)
		}
	}
	if fmt.Sprint(names) != "[billing.yaml order.yaml order-view.yaml stock.yaml]" {
		t.Errorf("zip holds %v", names)
	}
}

// BenchmarkEstateAsyncAPI is GET /v1/asyncapi over a 100-service estate:
// 50 producers, each with a consumer reading its event with a contract.
func BenchmarkEstateAsyncAPI(b *testing.B) {
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	reg := registry.NewRegistrar(st, registry.Options{})
	for i := 0; i < 50; i++ {
		registerPair(b, reg, fmt.Sprintf("producer-%02d", i), fmt.Sprintf("consumer-%02d", i), fmt.Sprintf("Event%02d", i))
	}
	srv := httptest.NewServer(httpapi.NewServer(reg, httpapi.Options{Audit: noAudit{}}))
	defer srv.Close()
	for _, format := range []string{"json", "zip"} {
		b.Run(format, func(b *testing.B) {
			var n int
			for b.Loop() {
				resp, err := http.Get(srv.URL + "/v1/asyncapi?format=" + format)
				if err != nil {
					b.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%d %s", resp.StatusCode, data)
				}
				n = len(data)
			}
			b.ReportMetric(float64(n), "bytes/op-answer")
		})
	}
}

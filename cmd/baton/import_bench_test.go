package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/httpapi"
)

// BenchmarkImport10k imports 10,000 schemas over 1,000 subjects (10
// versions each) from one Baton server into another, both over HTTP on
// loopback with bbolt stores, as `baton import` does:
//
//	go test ./cmd/baton -run '^$' -bench Import10k -benchtime 1x
func BenchmarkImport10k(b *testing.B) {
	const subjects, perSubject = 1000, 10
	srcURL := startBenchRegistry(b)
	src := httpapi.NewClient(srcURL)
	ctx := context.Background()
	if _, err := src.SetMode(ctx, "", registry.ModeImport, false); err != nil {
		b.Fatal(err)
	}
	// Seed through IMPORT too (no compatibility check), 16 at a time so
	// bbolt's group commit shares the fsyncs; ids leave gaps of one.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := w; s < subjects; s += 16 {
				for v := 1; v <= perSubject; v++ {
					id := int64(2*(s*perSubject+v) + 1)
					_, err := src.Publish(ctx, registry.PublishRequest{Subject: fmt.Sprintf("topic-%04d-value", s), ID: id, Version: v,
						Schema: fmt.Sprintf(`{"type":"object","title":"s%d v%d","properties":{"a%d":{"type":"string"}}}`, s, v, v)})
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if _, err := src.SetMode(ctx, "", registry.ModeReadWrite, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dst := httpapi.NewClient(startBenchRegistry(b))
		b.StartTimer()
		sum, err := importRegistry(ctx, src, dst, importOptions{Out: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Written != subjects*perSubject || sum.Subjects != subjects {
			b.Fatalf("imported %s", sum)
		}
		b.ReportMetric(float64(sum.Written)/sum.Took.Seconds(), "versions/s")
	}
}

func startBenchRegistry(b *testing.B) string {
	b.Helper()
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{}))
	b.Cleanup(srv.Close)
	return srv.URL
}

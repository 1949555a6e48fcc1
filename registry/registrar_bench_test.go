package registry_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/benchcpu"
	"github.com/batonhq/baton/internal/eventschema"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
)

// wideSchema is a 50-property event, the size the load goals use.
func wideSchema(extra string) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"field%d":{"type":"string","maxLength":%d}`, i, 100+i)
	}
	b.WriteString(`}` + extra + `}`)
	return b.String()
}

// reportCPU adds "cpu-ms/op" (see benchcpu). Call it first; it reports
// when the benchmark ends.
func reportCPU(b *testing.B) { benchcpu.Report(b) }

func cpuTime() time.Duration { return benchcpu.Now() }

// BenchmarkPublishParallel registers a new 8-property schema under a new
// subject from 8 goroutines per core, as `baton-load --scenario register
// -c 8` does: every publish compiles its schema and is an fsynced commit.
func BenchmarkPublishParallel(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	var n atomic.Int64
	reportCPU(b)
	b.SetParallelism(4) // 8 publishers on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			subject := fmt.Sprint("s-", n.Add(1))
			_, err := svc.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: eventschema.Object(8, subject, 0)})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheckRepeated is the CI case: the same proposal checked against
// latest again and again; it must be served from the caches.
func BenchmarkCheckRepeated(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: wideSchema("")}); err != nil {
		b.Fatal(err)
	}
	req := registry.CheckRequest{Subject: "orders", Version: "latest", Schema: wideSchema(`,"required":["field1"]`)}
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Check(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSchemaByID(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: wideSchema("")})
	if err != nil {
		b.Fatal(err)
	}
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.SchemaByID(ctx, sv.SchemaID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func openBenchStore(b *testing.B) (registry.Store, error) {
	st, err := boltstore.Open(b.TempDir(), boltstore.Options{})
	if err == nil {
		b.Cleanup(func() { st.Close() })
	}
	return st, err
}

// BenchmarkCheckFresh checks a never-seen proposal each time, as
// `baton-load --scenario compat --fresh` does: the cost is compiling the
// proposal (history stays cached) plus the engine. The caches fill up and
// evict as they would in a long-running server.
func BenchmarkCheckFresh(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: eventschema.Object(50, "orders", 0)}); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := registry.CheckRequest{Subject: "orders", Version: "latest", Schema: eventschema.Object(50, "orders", n.Add(1))}
			if _, err := svc.Check(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

package registry_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

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

// BenchmarkPublishParallel registers distinct schemas under distinct
// subjects from parallel goroutines (every publish is an fsynced commit).
func BenchmarkPublishParallel(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewService(st, registry.ServiceOptions{})
	var n atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, err := svc.Publish(ctx, registry.PublishRequest{Subject: fmt.Sprint("s-", i), Schema: fmt.Sprintf(`{"description":"%d"}`, i)})
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
	svc := registry.NewService(st, registry.ServiceOptions{})
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: wideSchema("")}); err != nil {
		b.Fatal(err)
	}
	req := registry.CheckRequest{Subject: "orders", Version: "latest", Schema: wideSchema(`,"required":["field1"]`)}
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
	svc := registry.NewService(st, registry.ServiceOptions{})
	sv, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: wideSchema("")})
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkCheckFresh checks a never-seen proposal each time: the cost is
// compiling the proposal (history stays cached) plus the engine.
func BenchmarkCheckFresh(b *testing.B) {
	st, err := openBenchStore(b)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewService(st, registry.ServiceOptions{})
	if _, err := svc.Publish(ctx, registry.PublishRequest{Subject: "orders", Schema: wideSchema("")}); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := registry.CheckRequest{Subject: "orders", Version: "latest", Schema: wideSchema(fmt.Sprintf(`,"description":"%d"`, n.Add(1)))}
			if _, err := svc.Check(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

package redisstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton/internal/testredis"
)

// BenchmarkAppendNewSchema: new schemas to distinct subjects, in parallel,
// against Redis with an fsync-always AOF (the durable configuration).
func BenchmarkAppendNewSchema(b *testing.B) {
	srv := testredis.Start(b, testredis.WithAOF())
	st := openStore(b, srv, freshPrefix())
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(16) // like a server with many requests in flight: fsyncs are shared
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, _, err := st.Append(ctx, fmt.Sprint("bench-", i), 0, testSchema(b, fmt.Sprint("bench-", i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkReads: reads of one schema (served from the immutable cache
// after the first) and of a subject's latest version (always from Redis).
func BenchmarkReads(b *testing.B) {
	srv := testredis.Start(b)
	st := openStore(b, srv, freshPrefix())
	ctx := context.Background()
	v, _, err := st.Append(ctx, "orders", 0, testSchema(b, "orders"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("SchemaByID", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := st.SchemaByID(ctx, v.SchemaID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Version", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := st.Version(ctx, "orders", 1, false); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

package redisstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/redisstore"
	"github.com/batonhq/baton/registry/storetest"
)

var prefixes atomic.Int64

// freshPrefix isolates a test's keys inside a shared server (no FLUSHDB).
func freshPrefix() string { return fmt.Sprintf("test%d", prefixes.Add(1)) }

// openStore opens a store on srv under its own key prefix, closed by t.Cleanup.
func openStore(t testing.TB, srv *testredis.Server, prefix string) *redisstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redisstore.Open(ctx, srv.URL(), redisstore.Options{KeyPrefix: prefix})
	if err != nil {
		t.Fatalf("Open(%s): %v", srv.URL(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	srv := testredis.Start(t)
	storetest.Run(t, func(t *testing.T) registry.Store { return openStore(t, srv, freshPrefix()) })
}

func testSchema(t testing.TB, title string, refs ...registry.Reference) registry.Schema {
	t.Helper()
	text := `{"type":"object","title":"` + title + `"}`
	fp, err := registry.Fingerprint(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return registry.Schema{Type: registry.SchemaTypeJSON, Text: text, References: refs, Fingerprint: fp}
}

// TestConformanceCluster runs the suite through a ClusterClient against a
// one-node cluster: Redis answers CROSSSLOT to any script or transaction
// whose keys span two hash slots, so passing proves every multi-key change
// stays inside one subject's slot.
func TestConformanceCluster(t *testing.T) {
	srv := testredis.Start(t, testredis.WithCluster())
	storetest.Run(t, func(t *testing.T) registry.Store {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := redisstore.Open(ctx, srv.ClusterURL(), redisstore.Options{KeyPrefix: freshPrefix()})
		if err != nil {
			t.Fatalf("Open(%s): %v", srv.ClusterURL(), err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func openOrErr(ctx context.Context, url string) (*redisstore.Store, error) {
	s, err := redisstore.Open(ctx, url, redisstore.Options{KeyPrefix: freshPrefix()})
	if err == nil {
		s.Close()
	}
	return s, err
}

// startShared starts one private redis-server for a test.
func startShared(t *testing.T) *testredis.Server { return testredis.Start(t) }

// TestConformanceSentinel runs the suite through a Sentinel-backed
// FailoverClient (redis+sentinel://): the client asks the sentinel for the
// master, then talks to it.
func TestConformanceSentinel(t *testing.T) {
	master := testredis.Start(t)
	sen := testredis.StartSentinel(t, master)
	storetest.Run(t, func(t *testing.T) registry.Store {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := redisstore.Open(ctx, sen.SentinelURL(), redisstore.Options{KeyPrefix: freshPrefix()})
		if err != nil {
			t.Fatalf("Open(%s): %v", sen.SentinelURL(), err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

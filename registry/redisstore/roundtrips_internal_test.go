package redisstore

import (
	"context"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/storetest"
)

// roundTrips counts what a client sends to Redis and waits for: a command
// or a pipeline (one exchange however many commands it holds).
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestPublishRoundTrips counts the Redis round trips of a publish through
// the registrar: a new version of a subject with history and four
// dependents, then the same schema again (idempotent). The registrar and
// the store are warm (stored versions compiled, scripts loaded). Before
// ReadSubject a new version took 19 round trips and a re-publish 2; what
// remains is mostly Append's allocation of a new schema id, whose steps
// are ordered for crash safety (see doc.go).
func TestPublishRoundTrips(t *testing.T) {
	st := openTestStore(t, testredis.Start(t), "roundtrips")
	ctx := context.Background()
	hook := &roundTrips{}
	st.rdb.AddHook(hook)
	calls := storetest.NewCounting(st)
	reg := registry.NewRegistrar(calls, registry.Options{})
	subject, next := storetest.PublishEstate(t, reg)
	for _, tc := range []struct {
		name          string
		maxRoundTrips int64
		calls         map[string]int
	}{
		{"new version", 12, map[string]int{"ReadSubject": 1, "RelationsBySubject": 1, "Append": 1, "SchemaByID": 1}},
		{"same schema again", 1, map[string]int{"ReadSubject": 1}},
	} {
		hook.n.Store(0)
		calls.Reset()
		if _, err := reg.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: next}); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d round trips, %d store calls %v", tc.name, hook.n.Load(), calls.Total(), calls.Calls())
		if n := hook.n.Load(); n > tc.maxRoundTrips {
			t.Errorf("%s: %d round trips, want at most %d", tc.name, n, tc.maxRoundTrips)
		}
		if got := calls.Calls(); !maps.Equal(got, tc.calls) {
			t.Errorf("%s: store calls %v, want %v", tc.name, got, tc.calls)
		}
	}
}

// openTestStore opens a Store on srv under prefix, closed when the test ends.
func openTestStore(t *testing.T, srv *testredis.Server, prefix string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := Open(ctx, srv.URL(), Options{KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// replicas returns two Services, each over its own Store (its own
// connection pool), sharing one Redis and one key prefix: two `baton serve`
// replicas in one process.
func replicas(t *testing.T) (a, b *registry.Registrar) {
	t.Helper()
	srv := startShared(t)
	prefix := freshPrefix()
	return registry.NewRegistrar(openStore(t, srv, prefix), registry.Options{}),
		registry.NewRegistrar(openStore(t, srv, prefix), registry.Options{})
}

func publish(ctx context.Context, svc *registry.Registrar, subject, schema string) (registry.SubjectVersion, error) {
	return svc.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: schema, SchemaType: registry.SchemaTypeJSON})
}

// TestReplicasConflictingPublishes: under BACKWARD, A and B are each
// compatible with v1 but not with each other. Published at the same instant
// through two replicas, at most one may land, in every one of 100 trials.
func TestReplicasConflictingPublishes(t *testing.T) {
	a, b := replicas(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const (
		v1 = `{"type":["string","integer"]}`
		sA = `{"type":["string","integer","boolean"]}`
		sB = `{"type":["string","integer","null"]}`
	)
	wins := map[string]int{}
	for trial := range 100 {
		subject := fmt.Sprint("conflict-", trial)
		if _, err := publish(ctx, a, subject, v1); err != nil {
			t.Fatalf("trial %d: v1: %v", trial, err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var errA, errB error
		wg.Go(func() { <-start; _, errA = publish(ctx, a, subject, sA) })
		wg.Go(func() { <-start; _, errB = publish(ctx, b, subject, sB) })
		close(start)
		wg.Wait()
		switch {
		case errA == nil && errB == nil:
			t.Fatalf("trial %d: both mutually incompatible publishes were accepted", trial)
		case errA == nil:
			wins["A"]++
		case errB == nil:
			wins["B"]++
		default:
			wins["none"]++
		}
		for name, err := range map[string]error{"A": errA, "B": errB} {
			if err != nil && registry.ErrorKind(err) != registry.KindIncompatible {
				t.Fatalf("trial %d: publish %s failed with %v (kind %v), want KindIncompatible", trial, name, err, registry.ErrorKind(err))
			}
		}
		vs, err := b.Versions(ctx, subject, true)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 - boolInt(errA != nil && errB != nil); !slices.Equal(vs, seq(want)) {
			t.Fatalf("trial %d: versions %v, want %v", trial, vs, seq(want))
		}
	}
	if wins["none"] > 0 {
		t.Errorf("%d trials accepted neither publish; each is compatible with v1, so the first to land must win", wins["none"])
	}
	t.Logf("winners over 100 trials: %v", wins)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// TestReplicasParallelPublishesContiguous: 64 compatible publishes at once,
// split across both replicas, give exactly versions 1..64 with distinct ids.
func TestReplicasParallelPublishesContiguous(t *testing.T) {
	a, b := replicas(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const subject, n = "parallel", 64
	if _, err := a.SetConfig(ctx, subject, registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		svc := a
		if i%2 == 1 {
			svc = b
		}
		wg.Go(func() {
			<-start
			sv, err := publish(ctx, svc, subject, fmt.Sprintf(`{"type":"object","title":"parallel-%d"}`, i))
			ids[i], errs[i] = sv.SchemaID, err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for _, svc := range []*registry.Registrar{a, b} {
		vs, err := svc.Versions(ctx, subject, true)
		if err != nil || !slices.Equal(vs, seq(n)) {
			t.Fatalf("versions = %v, %v; want 1..%d", vs, err, n)
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != n {
		t.Errorf("64 distinct schemas got duplicate ids")
	}
}

// TestTwoStoresRaceOneCAS: two Stores (two replicas' connection pools)
// append different schemas with the same expected version at the same
// instant; exactly one wins and the other gets ErrStale, in every trial.
func TestTwoStoresRaceOneCAS(t *testing.T) {
	srv := startShared(t)
	prefix := freshPrefix()
	stores := []registry.Store{openStore(t, srv, prefix), openStore(t, srv, prefix)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for trial := range 100 {
		subject := fmt.Sprint("cas-", trial)
		if _, _, err := stores[0].Append(ctx, subject, 0, testSchema(t, subject+"-v1")); err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() {
				<-start
				_, _, errs[i] = st.Append(ctx, subject, 1, testSchema(t, fmt.Sprint(subject, "-", i)))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, registry.ErrStale):
				t.Fatalf("trial %d: %v, want nil or ErrStale", trial, err)
			}
		}
		if won != 1 {
			t.Fatalf("trial %d: %d appends with expected=1 succeeded, want exactly 1", trial, won)
		}
		if n, err := stores[1].Latest(ctx, subject); err != nil || n != 2 {
			t.Fatalf("trial %d: Latest = %d, %v; want 2", trial, n, err)
		}
	}
}

// TestReplicasSeeEachOthersWrites: whatever one replica writes, the other
// serves at once; nothing mutable is cached per replica.
func TestReplicasSeeEachOthersWrites(t *testing.T) {
	a, b := replicas(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sv, err := publish(ctx, a, "orders", `{"type":"object","properties":{"id":{"type":"string"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetVersion(ctx, "orders", "latest", false)
	if err != nil || got.SchemaID != sv.SchemaID || got.Schema.Text != sv.Schema.Text {
		t.Fatalf("B's latest of orders = %+v, %v; want %+v", got, err, sv)
	}
	byID, err := b.SchemaByID(ctx, sv.SchemaID)
	if err != nil || byID.Text != sv.Schema.Text {
		t.Fatalf("B.SchemaByID(%d) = %+v, %v", sv.SchemaID, byID, err)
	}
	if subs, err := b.Subjects(ctx, false); err != nil || !slices.Equal(subs, []string{"orders"}) {
		t.Fatalf("B.Subjects = %v, %v", subs, err)
	}
	// B publishes v2; A sees it, and a re-publish of v2 through A is the same version.
	sv2, err := publish(ctx, b, "orders", `{"type":"object","properties":{"id":{"type":["string","integer"]}}}`)
	if err != nil {
		t.Fatal(err)
	}
	again, err := publish(ctx, a, "orders", sv2.Schema.Text)
	if err != nil || again.Version != sv2.Version || again.SchemaID != sv2.SchemaID {
		t.Fatalf("re-publish of B's v2 through A = %+v, %v; want version %d id %d", again.Version, err, sv2.Version.Version, sv2.SchemaID)
	}
	// Config set through A governs B at once.
	if _, err := a.SetConfig(ctx, "orders", registry.Config{Mode: compat.FullTransitive}); err != nil {
		t.Fatal(err)
	}
	cfg, err := b.GetConfig(ctx, "orders", false)
	if err != nil || cfg.Mode != compat.FullTransitive {
		t.Fatalf("B.GetConfig = %+v, %v; want FULL_TRANSITIVE", cfg, err)
	}
	// A soft-deletes v2; B no longer serves it.
	if _, err := a.DeleteVersion(ctx, "orders", "2", false); err != nil {
		t.Fatal(err)
	}
	_, err = b.GetVersion(ctx, "orders", "2", false)
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.CodeVersionNotFound {
		t.Fatalf("B.GetVersion(2) after A deleted it: %v, want 40402", err)
	}
	if vs, err := b.Versions(ctx, "orders", false); err != nil || !slices.Equal(vs, []int{1}) {
		t.Fatalf("B.Versions after A's delete = %v, %v; want [1]", vs, err)
	}
}

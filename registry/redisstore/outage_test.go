package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
)

// failFast bounds how long any call may take while Redis is down.
const failFast = time.Second

// TestRedisKilledMidRun: with an fsync-always AOF, Redis is SIGKILLed while a
// writer appends. Every call fails fast with KindUnavailable while it is
// down; after a restart the same Store (not reopened) works again, and every
// Append acknowledged before the kill is there.
func TestRedisKilledMidRun(t *testing.T) {
	srv := testredis.Start(t, testredis.WithAOF())
	st := openStore(t, srv, freshPrefix())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	type acked struct {
		v registry.Version
		s registry.Schema
	}
	ackedCh := make(chan acked, 10_000)
	writerDone := make(chan error, 1)
	go func() { // one writer: append until the first failure
		defer close(ackedCh)
		for i := 1; i <= 10_000; i++ {
			s := testSchema(t, fmt.Sprint("kill-", i))
			v, existing, err := st.Append(ctx, "orders", i-1, s)
			if err != nil {
				writerDone <- err
				return
			}
			if existing || v.Version != i {
				writerDone <- fmt.Errorf("append %d = %+v existing=%v", i, v, existing)
				return
			}
			ackedCh <- acked{v, s}
		}
		writerDone <- errors.New("the writer never saw Redis go down")
	}()
	// Kill once a few appends are acknowledged, while the writer is running.
	deadline := time.Now().Add(20 * time.Second)
	for len(ackedCh) < 25 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	srv.Kill()

	select {
	case err := <-writerDone:
		if registry.ErrorKind(err) != registry.KindUnavailable {
			t.Fatalf("the writer stopped with %v (kind %v), want KindUnavailable", err, registry.ErrorKind(err))
		}
		var e *registry.Error
		if errors.As(err, &e) && e.Code != registry.CodeStoreError {
			t.Errorf("error code = %d, want %d", e.Code, registry.CodeStoreError)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the writer hung after Redis was killed")
	}
	var all []acked
	for a := range ackedCh {
		all = append(all, a)
	}
	if len(all) < 25 {
		t.Fatalf("only %d appends acknowledged before the kill", len(all))
	}

	// While Redis is down every operation fails fast with KindUnavailable.
	ops := map[string]func() error{
		"Ping":   func() error { return st.Ping(ctx) },
		"Latest": func() error { _, err := st.Latest(ctx, "orders"); return err },
		"Append": func() error {
			_, _, err := st.Append(ctx, "orders", len(all), testSchema(t, "while-down"))
			return err
		},
		"Versions":     func() error { _, err := st.Versions(ctx, "orders", false); return err },
		"Version":      func() error { _, err := st.Version(ctx, "orders", 1, false); return err },
		"Subjects":     func() error { _, err := st.Subjects(ctx, false); return err },
		"SchemaByID":   func() error { _, err := st.SchemaByID(ctx, 1_000_000); return err },
		"VersionsByID": func() error { _, err := st.VersionsByID(ctx, 1_000_000); return err },
		"DeleteVersion": func() error {
			return st.DeleteVersion(ctx, "orders", 1, false)
		},
		"SetConfig": func() error { return st.SetConfig(ctx, "orders", registry.Config{Mode: "FULL"}) },
	}
	for round := 0; round < 3; round++ { // first dials, then the pool's remembered dial error
		for name, op := range ops {
			start := time.Now()
			err := op()
			took := time.Since(start)
			if registry.ErrorKind(err) != registry.KindUnavailable {
				t.Errorf("%s while Redis is down: %v (kind %v), want KindUnavailable", name, err, registry.ErrorKind(err))
			}
			if took > failFast {
				t.Errorf("%s while Redis is down took %v, want < %v", name, took, failFast)
			}
		}
	}

	srv.Restart()
	// The same Store recovers by itself (go-redis redials); bounded wait.
	start := time.Now()
	for {
		err := st.Ping(ctx)
		if err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the store did not recover within 10s of the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("recovered %v after the restart; %d appends acknowledged before the kill", time.Since(start).Round(time.Millisecond), len(all))

	for _, a := range all {
		v, err := st.Version(ctx, "orders", a.v.Version, false)
		if err != nil || v != a.v {
			t.Fatalf("acknowledged %+v after restart: %+v, %v", a.v, v, err)
		}
		s, err := st.SchemaByID(ctx, a.v.SchemaID)
		if err != nil || s.Text != a.s.Text || s.Fingerprint != a.s.Fingerprint {
			t.Fatalf("schema %d after restart: %+v, %v", a.v.SchemaID, s, err)
		}
	}
	// Writes work again; the append in flight at the kill may or may not have
	// landed, so continue from whatever the store says.
	n, err := st.Latest(ctx, "orders")
	if err != nil || n < len(all) {
		t.Fatalf("Latest after restart = %d, %v; want >= %d", n, err, len(all))
	}
	if _, _, err := st.Append(ctx, "orders", n, testSchema(t, "after-restart")); err != nil {
		t.Fatalf("Append after restart: %v", err)
	}
}

// TestOpenFailsFastWhenDown: Open against a Redis that is not there returns
// KindUnavailable quickly instead of hanging.
func TestOpenFailsFastWhenDown(t *testing.T) {
	srv := testredis.Start(t)
	srv.Kill()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := openOrErr(ctx, srv.URL())
	if registry.ErrorKind(err) != registry.KindUnavailable {
		t.Fatalf("Open with Redis down: %v, want KindUnavailable", err)
	}
	if took := time.Since(start); took > failFast {
		t.Errorf("Open with Redis down took %v, want < %v", took, failFast)
	}
}

// TestRedisHungFailsFast: a Redis that accepts connections but never
// answers (SIGSTOP) must not hang callers: the read timeout turns it into
// KindUnavailable within a couple of seconds, and the store recovers once
// Redis answers again.
func TestRedisHungFailsFast(t *testing.T) {
	srv := testredis.Start(t)
	st := openStore(t, srv, freshPrefix())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := st.Append(ctx, "orders", 0, testSchema(t, "before-hang")); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	for _, op := range []string{"Latest", "Append"} {
		start := time.Now()
		var err error
		if op == "Latest" {
			_, err = st.Latest(ctx, "orders")
		} else {
			_, _, err = st.Append(ctx, "orders", 1, testSchema(t, "while-hung"))
		}
		took := time.Since(start)
		if registry.ErrorKind(err) != registry.KindUnavailable {
			t.Errorf("%s against a hung Redis: %v, want KindUnavailable", op, err)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("%s against a hung Redis took %v, want < 1.5s", op, took)
		}
		t.Logf("%s against a hung Redis failed after %v", op, took.Round(time.Millisecond))
	}
	srv.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for st.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the store did not recover within 10s after Redis resumed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	vs, err := st.Versions(ctx, "orders", false)
	if err != nil || len(vs) == 0 {
		t.Fatalf("Versions after the hang: %+v, %v", vs, err)
	}
}

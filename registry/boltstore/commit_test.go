package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openGroupCommit(t *testing.T) (*groupCommit, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &groupCommit{}, db
}

func put(key string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte("v"))
	}
}

func keysIn(t *testing.T, db *bolt.DB) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error { out[string(k)] = true; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond (under g.mu) until it holds, for at most 10s.
func waitFor(t *testing.T, g *groupCommit, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		ok := cond()
		g.mu.Unlock()
		if ok {
			return
		}
	}
	t.Fatalf("after 10s still not %s", what)
}

func committing(t *testing.T, g *groupCommit) {
	waitFor(t, g, "committing", func() bool { return g.leading })
}

func queued(t *testing.T, g *groupCommit, n int) {
	waitFor(t, g, fmt.Sprint(n, " writes queued"), func() bool { return len(g.queue) >= n })
}

// TestGroupCommitSharesCommits: writes that arrive while a commit runs
// are committed together, in one transaction, as soon as it ends; a lone
// write commits at once, alone.
func TestGroupCommitSharesCommits(t *testing.T) {
	t.Parallel()
	g, db := openGroupCommit(t)
	if err := g.do(db, put("alone")); err != nil {
		t.Fatal(err)
	}
	const n = 40
	release := make(chan struct{})
	var mu sync.Mutex
	txOf := map[string]int{}
	record := func(key string, wait bool) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			if wait {
				<-release
			}
			mu.Lock()
			txOf[key] = tx.ID()
			mu.Unlock()
			return put(key)(tx)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	wg.Go(func() { errs <- g.do(db, record("first", true)) })
	committing(t, g)
	for i := range n {
		wg.Go(func() { errs <- g.do(db, record(fmt.Sprint("k", i), false)) })
	}
	queued(t, g, n)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := keysIn(t, db)
	if len(got) != n+2 {
		t.Errorf("%d keys stored, want %d", len(got), n+2)
	}
	tx := txOf["k0"]
	for i := range n {
		if txOf[fmt.Sprint("k", i)] != tx {
			t.Fatalf("the %d queued writes used several transactions: %v", n, txOf)
		}
	}
	if txOf["first"] == tx {
		t.Errorf("queued writes joined the transaction that was already running")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.leading || len(g.queue) != 0 {
		t.Errorf("after the last commit: leading = %v, queue = %d; want idle", g.leading, len(g.queue))
	}
}

// TestGroupCommitFailureIsolated: a write that fails (or panics) gets its
// own error and leaves nothing behind; the writes it was grouped with
// still commit.
func TestGroupCommitFailureIsolated(t *testing.T) {
	t.Parallel()
	g, db := openGroupCommit(t)
	errBad := errors.New("refused")
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		g.do(db, func(tx *bolt.Tx) error { <-release; return put("first")(tx) })
	})
	committing(t, g)
	results := make([]error, 6)
	for i := range results {
		wg.Go(func() {
			key := fmt.Sprint("k", i)
			switch i {
			case 2:
				results[i] = g.do(db, func(tx *bolt.Tx) error {
					if err := put(key)(tx); err != nil {
						return err
					}
					return errBad
				})
			case 4:
				results[i] = g.do(db, func(tx *bolt.Tx) error { put(key)(tx); panic("boom") })
			default:
				results[i] = g.do(db, put(key))
			}
		})
	}
	queued(t, g, len(results))
	close(release)
	wg.Wait()
	got := keysIn(t, db)
	for i, err := range results {
		key := fmt.Sprint("k", i)
		switch i {
		case 2:
			if !errors.Is(err, errBad) || got[key] {
				t.Errorf("failing write: err %v, stored %v; want its own error and nothing stored", err, got[key])
			}
		case 4:
			if err == nil || got[key] {
				t.Errorf("panicking write: err %v, stored %v; want an error and nothing stored", err, got[key])
			}
		default:
			if err != nil || !got[key] {
				t.Errorf("write %d: err %v, stored %v; want committed", i, err, got[key])
			}
		}
	}
}

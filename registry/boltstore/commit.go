package boltstore

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds how many writes share one transaction, so one commit
// (and the memory of its dirty pages) stays small whatever the load.
const maxGroup = 256

// groupCommit runs concurrent writes in shared transactions, one fsync for
// all of them ("group commit"), without waiting for company: a write that
// finds no commit in progress commits at once (alone, if nobody else is
// there); writes that arrive while a commit is in progress queue, and the
// first of them commits the whole queue as soon as that commit is done.
// So at low load a write costs one commit, and under load a commit serves
// everyone who arrived during the previous one. bbolt's own DB.Batch
// instead waits MaxBatchDelay for company and then for the writer lock,
// so a batch holds only the writes of that delay.
//
// Each write is still atomic and durable when it returns nil: its function
// ran in a transaction that committed (with fsync). If one function of a
// group fails, the transaction is rolled back, that function runs again in
// a transaction of its own (its error, or its success, is then its own),
// and the others are retried together. A function may therefore run more
// than once: it must only set its results, never accumulate them.
//
// The zero value is ready to use.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*write
	leading bool // a goroutine is committing (or about to commit) the queue
}

type write struct {
	fn   func(*bolt.Tx) error
	done chan error // buffered: one result, or errLead first
}

// errLead tells a queued write that it now commits the queue.
var errLead = errors.New("boltstore: lead the next group commit")

func (g *groupCommit) do(db *bolt.DB, fn func(*bolt.Tx) error) error {
	w := &write{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.leading {
		g.mu.Unlock()
		if err := <-w.done; err != errLead {
			return err
		}
		g.mu.Lock()
	}
	g.leading = true
	n := min(len(g.queue), maxGroup)
	group := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	g.commit(db, group)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- errLead // it takes over; this write is answered
	} else {
		g.leading = false
		g.queue = nil
	}
	g.mu.Unlock()
	return <-w.done
}

// commit runs group in as few transactions as its failures allow and
// answers every write in it.
func (g *groupCommit) commit(db *bolt.DB, group []*write) {
	for len(group) > 0 {
		failed := -1
		err := db.Update(func(tx *bolt.Tx) error {
			for i, w := range group {
				if err := safeCall(w.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 { // committed, or bbolt failed: the same answer for all
			for _, w := range group {
				w.done <- err
			}
			return
		}
		w := group[failed]
		w.done <- db.Update(func(tx *bolt.Tx) error { return safeCall(w.fn, tx) })
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// safeCall runs fn, turning a panic into an error so that one bad write cannot
// take the other writes of its group (and the server) down.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("boltstore: write panicked: %v", p)
		}
	}()
	return fn(tx)
}

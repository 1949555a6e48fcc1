package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/batonhq/baton/registry"
)

// auditInFlight bounds the audit entries being stored at once; a write
// that finds the queue full waits for room (back-pressure, never a drop).
const auditInFlight = 64

// auditQueue stores audit entries off the request path. A write is
// answered as soon as its own commit is durable; its entry is stored
// moments later, and entries of concurrent writes share one commit through
// the store's group commit. Waiting for the entry inside the request
// doubled the latency of every write (two fsyncs in a row) and cut
// register throughput by a third.
//
// The cost is a window: a kill -9 loses the entries not yet stored (those
// of the last few milliseconds of writes; the writes themselves are
// safe). Drain, called by graceful shutdown before the store closes, and
// GET /v1/audit both wait for what is queued, so nothing is lost on an
// orderly stop and a reader sees the entries of the writes it has seen
// answered.
type auditQueue struct {
	sink AuditLog
	log  *slog.Logger
	room chan struct{} // one token per entry being stored

	mu      sync.Mutex
	pending int           // entries queued and not yet stored
	idle    chan struct{} // closed when pending drops to zero; nil while zero
}

func newAuditQueue(sink AuditLog, log *slog.Logger) *auditQueue {
	return &auditQueue{sink: sink, log: log, room: make(chan struct{}, auditInFlight)}
}

// add queues e; it returns at once unless auditInFlight entries are
// already being stored.
func (q *auditQueue) add(e registry.AuditEntry) {
	q.mu.Lock()
	q.pending++
	q.mu.Unlock()
	q.room <- struct{}{}
	go func() {
		defer q.done()
		ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
		defer cancel()
		if _, err := q.sink.AppendAudit(ctx, e); err != nil {
			attrs := []slog.Attr{slog.String("request_id", e.RequestID), slog.String("who", e.Who),
				slog.String("method", e.Method), slog.String("route", e.Route),
				slog.Int("status", e.Status), slog.String("err", err.Error())}
			if cause := errors.Unwrap(err); cause != nil {
				attrs = append(attrs, slog.String("cause", cause.Error()))
			}
			q.log.LogAttrs(ctx, slog.LevelError, "audit entry not stored", attrs...)
		}
	}()
}

func (q *auditQueue) done() {
	<-q.room
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending--
	if q.pending == 0 && q.idle != nil {
		close(q.idle)
		q.idle = nil
	}
}

// Drain waits until every entry queued so far is stored (or ctx ends).
// Under a steady stream of writes it also waits for the ones that keep
// arriving, so callers bound it with ctx.
func (q *auditQueue) Drain(ctx context.Context) error {
	q.mu.Lock()
	if q.pending == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/registry"
)

func auditEntry(i int) registry.AuditEntry {
	return registry.AuditEntry{
		Time:      time.Date(2026, 11, 23, 12, 0, i, 123456789, time.UTC),
		Who:       fmt.Sprintf("token-%d", i),
		Method:    "POST",
		Route:     "/subjects/{subject}/versions",
		Subject:   fmt.Sprintf("Subject%d", i),
		Version:   i + 1,
		SchemaID:  int64(100 + i),
		Force:     i%2 == 1,
		Status:    409,
		ErrorCode: 409,
		Message:   "breaks consumer ünïcode",
		RequestID: fmt.Sprintf("req-%d", i),
	}
}

// auditLog: entries come back in append order with ascending ids, every
// field intact, and after/limit page through them without gaps or repeats.
func auditLog(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	if got, err := s.Audit(ctx, registry.AuditQuery{}); err != nil || len(got) != 0 {
		t.Fatalf("empty log: Audit = %v, %v; want no entries", got, err)
	}
	var want []registry.AuditEntry
	var last int64
	for i := range 5 {
		e := auditEntry(i)
		id, err := s.AppendAudit(ctx, registry.AuditEntry{ID: 999, Time: e.Time, Who: e.Who, Method: e.Method,
			Route: e.Route, Subject: e.Subject, Version: e.Version, SchemaID: e.SchemaID, Force: e.Force,
			Status: e.Status, ErrorCode: e.ErrorCode, Message: e.Message, RequestID: e.RequestID})
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		if id <= last {
			t.Fatalf("AppendAudit %d: id %d after %d, want ascending", i, id, last)
		}
		last, e.ID = id, id
		want = append(want, e)
	}
	all, err := s.Audit(ctx, registry.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, all); d != "" {
		t.Fatalf("Audit (-want +got):\n%s", d)
	}
	var paged []registry.AuditEntry
	after := int64(0)
	for range 10 {
		page, err := s.Audit(ctx, registry.AuditQuery{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d entries, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	if d := cmp.Diff(want, paged); d != "" {
		t.Fatalf("paged with limit 2 (-want +got):\n%s", d)
	}
	if rest, err := s.Audit(ctx, registry.AuditQuery{After: want[2].ID}); err != nil || len(rest) != 2 || rest[0].ID != want[3].ID {
		t.Fatalf("Audit after %d = %v, %v; want entries %d and %d", want[2].ID, rest, err, want[3].ID, want[4].ID)
	}
}

// concurrentAudit: parallel appends (replicas, concurrent requests) get
// distinct ids and every entry is kept.
func concurrentAudit(t *testing.T, s registry.Store) {
	ctx := ctxFor(t)
	const n = 32
	ids := make([]int64, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			id, err := s.AppendAudit(ctx, auditEntry(i))
			if err != nil {
				errs <- err
				return
			}
			ids[i] = id
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, registry.AuditQuery{Limit: n + 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d entries after %d concurrent appends", len(got), n)
	}
	var gotIDs []int64
	for i, e := range got {
		if i > 0 && e.ID <= got[i-1].ID {
			t.Fatalf("entries out of order: id %d after %d", e.ID, got[i-1].ID)
		}
		gotIDs = append(gotIDs, e.ID)
	}
	slices.Sort(ids)
	if d := cmp.Diff(ids, gotIDs); d != "" {
		t.Fatalf("ids returned by AppendAudit vs stored (-appended +stored):\n%s", d)
	}
}

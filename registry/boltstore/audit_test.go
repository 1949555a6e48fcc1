package boltstore_test

import (
	"context"
	"testing"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
)

// TestAuditRetention: past the cap the oldest entries go, ids keep
// ascending, and a reopened file continues the sequence.
func TestAuditRetention(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.Options{AuditRetention: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if _, err := s.AppendAudit(ctx, registry.AuditEntry{Who: "t", Method: "POST", Status: 200 + i}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Audit(ctx, registry.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].ID != 16 || got[9].ID != 25 || got[0].Status != 215 {
		t.Fatalf("kept %d entries, ids %d..%d; want the newest 10, ids 16..25", len(got), got[0].ID, got[len(got)-1].ID)
	}
	s.Close()
	s = open(t, dir)
	id, err := s.AppendAudit(ctx, registry.AuditEntry{Who: "t"})
	if err != nil || id != 26 {
		t.Fatalf("after reopening: id %d, %v; want 26", id, err)
	}
}

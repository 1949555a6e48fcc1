package redisstore_test

import (
	"context"
	"testing"

	"github.com/batonhq/baton/internal/testredis"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/redisstore"
)

// TestAuditRetention: XADD MAXLEN ~ keeps about the cap (Redis trims whole
// stream nodes of up to 100 entries, so a few more may stay), drops the
// oldest, and ids keep ascending past trimming.
func TestAuditRetention(t *testing.T) {
	srv := testredis.Start(t)
	ctx := context.Background()
	s, err := redisstore.Open(ctx, srv.URL(), redisstore.Options{KeyPrefix: freshPrefix(), AuditRetention: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const n = 500
	for i := range n {
		if _, err := s.AppendAudit(ctx, registry.AuditEntry{Who: "t", Status: i}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Audit(ctx, registry.AuditQuery{Limit: registry.MaxAuditLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 10 || len(got) > 10+100 {
		t.Fatalf("kept %d of %d entries; want about 10 (at most one stream node more)", len(got), n)
	}
	if last := got[len(got)-1]; last.ID != n || last.Status != n-1 {
		t.Fatalf("newest entry = %+v; want id %d", last, n)
	}
	if got[0].ID <= 1 {
		t.Fatalf("oldest entry id %d: nothing was trimmed", got[0].ID)
	}
}

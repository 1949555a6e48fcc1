package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/batonhq/baton/registry"
)

var (
	//go:embed append_audit.lua
	appendAuditLua    string
	appendAuditScript = redis.NewScript(appendAuditLua)
)

// AppendAudit implements registry.Store with append_audit.lua.
func (st *Store) AppendAudit(ctx context.Context, e registry.AuditEntry) (int64, error) {
	e.ID = 0
	raw, err := json.Marshal(e)
	if err != nil {
		return 0, internalErr("append audit entry", err)
	}
	keys := []string{st.k.auditSeq(), st.k.auditLog()}
	id, err := appendAuditScript.Run(ctx, st.rdb, keys, string(raw), st.auditCap).Int64()
	if err != nil {
		return 0, st.fail("append audit entry", err)
	}
	return id, nil
}

// Audit implements registry.Store: XRANGE from the id after q.After.
func (st *Store) Audit(ctx context.Context, q registry.AuditQuery) ([]registry.AuditEntry, error) {
	start := strconv.FormatInt(max(q.After, 0)+1, 10) + "-0"
	msgs, err := st.rdb.XRangeN(ctx, st.k.auditLog(), start, "+", int64(q.EffectiveLimit())).Result()
	if err != nil {
		return nil, st.fail("read audit log", err)
	}
	out := make([]registry.AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		ms, _, _ := strings.Cut(m.ID, "-")
		id, err := strconv.ParseInt(ms, 10, 64)
		raw, ok := m.Values["e"].(string)
		if err != nil || !ok {
			return nil, internalErr("read audit log", fmt.Errorf("malformed audit entry %q", m.ID))
		}
		var e registry.AuditEntry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, internalErr("read audit log", fmt.Errorf("audit entry %s: %v", m.ID, err))
		}
		e.ID = id
		out = append(out, e)
	}
	return out, nil
}

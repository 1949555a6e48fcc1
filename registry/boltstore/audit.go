package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"

	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
)

// bAudit holds the audit log: id(8) -> JSON registry.AuditEntry (without
// its id, which is the key). Ids come from the bucket's sequence, so they
// ascend and are never reused, even after old entries are dropped.
var bAudit = []byte("audit")

// AppendAudit implements registry.Store. The entry commits with its own
// fsync (through group commit), and entries older than the retention cap
// are deleted in the same transaction.
func (s *Store) AppendAudit(ctx context.Context, e registry.AuditEntry) (int64, error) {
	e.ID = 0
	raw, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	var id uint64
	err = s.batch(ctx, "append audit entry", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bAudit)
		if err != nil {
			return err
		}
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(u64(n), raw); err != nil {
			return err
		}
		id = n
		return trimAudit(b, n, s.auditCap)
	})
	return int64(id), err
}

// trimAudit deletes the entries with id <= newest-keep. Each append drops
// at most a few (one, once the log is full), so the loop is short; it is
// bounded by the number of entries anyway.
func trimAudit(b *bolt.Bucket, newest, keep uint64) error {
	if newest <= keep {
		return nil
	}
	oldestKept := newest - keep + 1
	c := b.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < oldestKept; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Audit implements registry.Store.
func (s *Store) Audit(ctx context.Context, q registry.AuditQuery) ([]registry.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, registry.Unavailable("read audit log", err)
	}
	limit := q.EffectiveLimit()
	var out []registry.AuditEntry
	err := s.view("read audit log", func(tx *bolt.Tx) error {
		b := tx.Bucket(bAudit)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(u64(uint64(max(q.After, 0)) + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var e registry.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return corrupt("audit entry %d: %v", binary.BigEndian.Uint64(k), err)
			}
			e.ID = int64(binary.BigEndian.Uint64(k))
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

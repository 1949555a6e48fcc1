package boltstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"

	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
)

// readMode decodes the mode of subject ("" = global); ok is false when
// none is set.
func readMode(tx *bolt.Tx, subject string) (registry.Mode, bool, error) {
	raw := settingBytes(tx, subject, kMode)
	if raw == nil {
		return "", false, nil
	}
	m, err := registry.ParseMode(string(raw))
	if err != nil {
		return "", false, corrupt("mode of %q: %v", subject, err)
	}
	return m, true, nil
}

// Mode implements registry.Store.
func (s *Store) Mode(ctx context.Context, subject string) (registry.Mode, bool, error) {
	var out registry.Mode
	var ok bool
	err := s.view("mode", func(tx *bolt.Tx) error {
		var err error
		out, ok, err = readMode(tx, subject)
		return err
	})
	return out, ok, err
}

// SetMode implements registry.Store.
func (s *Store) SetMode(ctx context.Context, subject string, m registry.Mode) error {
	return s.update(ctx, "set mode", func(tx *bolt.Tx) error {
		if subject == "" {
			return tx.Bucket(bMeta).Put(kMode, []byte(m))
		}
		sb, err := tx.Bucket(bSubjects).CreateBucketIfNotExists([]byte(subject))
		if err != nil {
			return err
		}
		return sb.Put(kMode, []byte(m))
	})
}

// DeleteMode implements registry.Store.
func (s *Store) DeleteMode(ctx context.Context, subject string) error {
	return s.update(ctx, "delete mode", func(tx *bolt.Tx) error {
		if subject == "" {
			return tx.Bucket(bMeta).Delete(kMode)
		}
		sb, _ := subjectBucket(tx, subject)
		if sb == nil || sb.Get(kMode) == nil {
			return registry.ErrSubjectModeNotFound(subject)
		}
		return sb.Delete(kMode)
	})
}

// Import implements registry.Store in one transaction.
func (s *Store) Import(ctx context.Context, v registry.Version, sch registry.Schema) (registry.Version, bool, error) {
	if v.Subject == "" {
		return registry.Version{}, false, registry.ErrEmptySubject()
	}
	if sch.Fingerprint == "" || sch.ID < 1 || v.Version < 1 || v.SchemaID != sch.ID {
		return registry.Version{}, false, &registry.Error{Kind: registry.KindInternal, Code: registry.CodeStoreError,
			Message: "Import: want a fingerprint, an id >= 1 and a version >= 1"}
	}
	subject, n, id := v.Subject, v.Version, sch.ID
	var out registry.Version
	var existing bool
	err := s.batch(ctx, "import", func(tx *bolt.Tx) error {
		out, existing = registry.Version{}, false
		sb, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		for _, e := range vs {
			if e.n != n {
				continue
			}
			if e.rec.ID != id {
				return registry.ErrVersionTaken(subject, n, e.rec.ID)
			}
			out, existing = e.version(subject), true
			return nil
		}
		have, ok, err := getSchema(tx, id)
		if err != nil {
			return err
		}
		if ok && have.Fingerprint != sch.Fingerprint {
			return registry.ErrIDTaken(id)
		}
		if !ok {
			stored := sch
			stored.Type = cmp.Or(sch.Type, registry.SchemaTypeJSON)
			rec, err := encodeSchema(stored)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bSchemas).Put(idKey(id), rec); err != nil {
				return err
			}
			// The first id of a fingerprint stays the one publishes reuse.
			if _, known, err := idByFingerprint(tx, sch.Fingerprint); err != nil {
				return err
			} else if !known {
				if err := tx.Bucket(bFPs).Put([]byte(sch.Fingerprint), idKey(id)); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bMeta)
			if cur := meta.Get(kNextID); cur == nil || (len(cur) == 8 && binary.BigEndian.Uint64(cur) < uint64(id)) {
				if err := meta.Put(kNextID, u64(uint64(id))); err != nil {
					return err
				}
			} else if len(cur) != 8 {
				return corrupt("id counter has %d bytes", len(cur))
			}
		}
		if sb == nil {
			if sb, err = tx.Bucket(bSubjects).CreateBucketIfNotExists([]byte(subject)); err != nil {
				return err
			}
		}
		if vb == nil {
			if vb, err = sb.CreateBucketIfNotExists(kVersion); err != nil {
				return err
			}
		}
		rec, err := json.Marshal(versionRecord{ID: id})
		if err != nil {
			return err
		}
		if err := vb.Put(u32(uint32(n)), rec); err != nil {
			return err
		}
		latest, err := latestOf(sb)
		if err != nil {
			return err
		}
		if n > latest {
			if err := sb.Put(kLatest, u32(uint32(n))); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bByID).Put(byIDKey(id, n, subject), nil); err != nil {
			return err
		}
		for _, r := range sch.References {
			if err := tx.Bucket(bRefs).Put(refsKey(r, id), nil); err != nil {
				return err
			}
		}
		out = registry.Version{Subject: subject, Version: n, SchemaID: id}
		return nil
	})
	return out, existing, err
}

package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
)

// svcIdxKey is subject | 0x00 | service | 0x00 | kind; the value is the
// JSON relation. Service names and kinds never contain 0x00
// (registry.Service.Validate), so the last two 0x00 separate the parts.
func svcIdxKey(subject, service string, kind registry.RelationKind) []byte {
	k := make([]byte, 0, len(subject)+len(service)+len(kind)+2)
	k = append(k, subject...)
	k = append(k, 0)
	if service == "" {
		return k // the prefix of every entry of subject
	}
	k = append(k, service...)
	k = append(k, 0)
	return append(k, kind...)
}

func decodeService(name string, raw []byte) (registry.Service, error) {
	var si registry.Service
	if err := json.Unmarshal(raw, &si); err != nil || si.Name != name {
		return registry.Service{}, corrupt("service %q: %v", name, err)
	}
	return si, nil
}

// PutService implements registry.Store: the claim check, the record and
// its index entries in one transaction (bbolt serialises writers, so no
// other claim lands between the check and the write).
func (s *Store) PutService(ctx context.Context, si registry.Service, writer []string) error {
	raw, err := json.Marshal(si)
	if err != nil {
		return err
	}
	return s.update(ctx, "put service", func(tx *bolt.Tx) error {
		sb, ib := tx.Bucket(bServices), tx.Bucket(bSvcIdx)
		if writer != nil {
			if err := checkClaims(ib, si, writer); err != nil {
				return err
			}
		}
		if old := sb.Get([]byte(si.Name)); old != nil {
			prev, err := decodeService(si.Name, old)
			if err != nil {
				return err
			}
			for _, r := range prev.Relations {
				if err := ib.Delete(svcIdxKey(r.Subject, si.Name, r.Kind)); err != nil {
					return err
				}
			}
		}
		for _, r := range si.Relations {
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := ib.Put(svcIdxKey(r.Subject, si.Name, r.Kind), raw); err != nil {
				return err
			}
		}
		return sb.Put([]byte(si.Name), raw)
	})
}

// checkClaims applies the claim rule of registry.Store.PutService to every
// subject si owns, reading the relation index inside the write transaction.
func checkClaims(ib *bolt.Bucket, si registry.Service, writer []string) error {
	for _, r := range si.Relations {
		if !r.Kind.Owns() {
			continue
		}
		var owners []string
		mine := false
		prefix := svcIdxKey(r.Subject, "", "")
		c := ib.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			service, kind, ok := bytes.Cut(k[len(prefix):], []byte{0})
			if !ok || bytes.IndexByte(kind, 0) >= 0 || !registry.RelationKind(kind).Owns() {
				continue
			}
			owners = append(owners, string(service))
			mine = mine || slices.Contains(writer, string(service))
		}
		if len(owners) > 0 && !mine {
			return registry.ErrClaimedElsewhere(si.Name, r.Subject, owners)
		}
	}
	return nil
}

// GetService implements registry.Store.
func (s *Store) GetService(ctx context.Context, name string) (registry.Service, error) {
	var out registry.Service
	err := s.view("get service", func(tx *bolt.Tx) error {
		raw := tx.Bucket(bServices).Get([]byte(name))
		if raw == nil {
			return registry.ErrServiceNotFound(name)
		}
		var err error
		out, err = decodeService(name, raw)
		return err
	})
	return out, err
}

// Services implements registry.Store (bbolt keys are sorted).
func (s *Store) Services(ctx context.Context) ([]registry.Service, error) {
	out := []registry.Service{}
	err := s.view("list services", func(tx *bolt.Tx) error {
		return tx.Bucket(bServices).ForEach(func(k, v []byte) error {
			si, err := decodeService(string(k), v)
			out = append(out, si)
			return err
		})
	})
	return out, err
}

// relations decodes relation index entries, cached by their bytes (shared
// by every Store of the process: the bytes alone decide the result).
var relations = registry.NewRelationDecoder(32 << 20)

// RelationsBySubject implements registry.Store with a prefix scan of the
// relation index, which holds each relation itself.
func (s *Store) RelationsBySubject(ctx context.Context, subject string) ([]registry.ServiceRelation, error) {
	out := []registry.ServiceRelation{}
	err := s.view("relations by subject", func(tx *bolt.Tx) error {
		prefix := svcIdxKey(subject, "", "")
		c := tx.Bucket(bSvcIdx).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rest := k[len(prefix):]
			sep := bytes.IndexByte(rest, 0)
			if sep < 0 || bytes.IndexByte(rest[sep+1:], 0) >= 0 {
				continue // a longer subject that starts with subject + 0x00
			}
			r, err := relations.Decode(v)
			if err != nil || r.Subject != subject {
				return corrupt("relation index entry %q: %v", k, err)
			}
			out = append(out, registry.ServiceRelation{Service: string(rest[:sep]), Relation: r})
		}
		return nil
	})
	return out, err
}

// DeleteService implements registry.Store.
func (s *Store) DeleteService(ctx context.Context, name string) error {
	return s.update(ctx, "delete service", func(tx *bolt.Tx) error {
		sb, ib := tx.Bucket(bServices), tx.Bucket(bSvcIdx)
		old := sb.Get([]byte(name))
		if old == nil {
			return registry.ErrServiceNotFound(name)
		}
		prev, err := decodeService(name, old)
		if err != nil {
			return err
		}
		for _, r := range prev.Relations {
			if err := ib.Delete(svcIdxKey(r.Subject, name, r.Kind)); err != nil {
				return err
			}
		}
		return sb.Delete([]byte(name))
	})
}

package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"

	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
)

// bContracts holds the contract history; created on first use, so data
// files from before it need no migration.
var bContracts = []byte("contracts")

// contractKey is service | 0x00 | subject | 0x00 | kind | 0x00 | version
// (8 bytes, big-endian), so a prefix scan lists one service's history for
// one subject, sorted by kind, then version. Names never contain 0x00.
func contractKey(service, subject string, kind registry.RelationKind, version int) []byte {
	k := make([]byte, 0, len(service)+len(subject)+len(kind)+11)
	k = append(k, service...)
	k = append(k, 0)
	k = append(k, subject...)
	k = append(k, 0)
	if kind == "" {
		return k // the prefix of every entry of (service, subject)
	}
	k = append(k, kind...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(version))
}

// PutContractVersion implements registry.Store.
func (s *Store) PutContractVersion(ctx context.Context, cv registry.ContractVersion) error {
	raw, err := json.Marshal(cv)
	if err != nil {
		return err
	}
	return s.update(ctx, "put contract version", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bContracts)
		if err != nil {
			return err
		}
		return b.Put(contractKey(cv.Service, cv.Subject, cv.Kind, cv.Version), raw)
	})
}

// ContractVersions implements registry.Store with a prefix scan.
func (s *Store) ContractVersions(ctx context.Context, service, subject string) ([]registry.ContractVersion, error) {
	out := []registry.ContractVersion{}
	err := s.view("list contract versions", func(tx *bolt.Tx) error {
		b := tx.Bucket(bContracts)
		if b == nil {
			return nil // nothing stored yet
		}
		prefix := contractKey(service, subject, "", 0)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var cv registry.ContractVersion
			if err := json.Unmarshal(v, &cv); err != nil {
				return corrupt("contract version %q: %v", k, err)
			}
			if cv.Service != service || cv.Subject != subject {
				continue // a longer subject that starts with subject + 0x00
			}
			out = append(out, cv)
		}
		return nil
	})
	return out, err
}

// Package boltstore is Baton's embedded default registry.Store: one bbolt
// file, fsync on every commit, so a write acknowledged to a client survives
// kill -9. It only persists: registry.Registrar decides everything else.
//
// Bucket layout (all integers big-endian, so byte order is numeric order):
//
//	meta      "next_id" -> uint64, the last schema ID allocated (IDs are never reused)
//	          "config"  -> JSON config of the registry (global)
//	          "mode"    -> write mode of the registry (READWRITE, READONLY, IMPORT)
//	schemas   id(8)     -> JSON schemaRecord header, '\n', then the schema text verbatim
//	                       (no JSON escaping of the text: GET by id is the hottest read);
//	                       kept forever so an ID stays bound to one schema
//	fps       fingerprint -> id(8), global dedupe
//	byid      id(8) | version(4) | subject -> "" (which subject versions use a schema)
//	refs      len(subject)(4) | subject | version(4) | referrer id(8) -> ""
//	          (schemas referencing subject/version; a prefix scan answers ReferencedBy)
//	services  name -> JSON registry.Service (relations with their contracts)
//	svcidx    subject | 0x00 | service name -> "" (relation index: who relates to a subject)
//	subjects  subject -> bucket:
//	            "latest" -> uint32, highest version number ever used (never decreases)
//	            "config" -> JSON config of the subject
//	            "mode"   -> write mode of the subject
//	            "v"      -> bucket: version(4) -> JSON versionRecord
package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the data file created inside a data directory.
const FileName = "baton.db"

var (
	bMeta     = []byte("meta")
	bSchemas  = []byte("schemas")
	bFPs      = []byte("fps")
	bByID     = []byte("byid")
	bRefs     = []byte("refs")
	bSubjects = []byte("subjects")
	bServices = []byte("services")
	bSvcIdx   = []byte("svcidx")

	kNextID  = []byte("next_id")
	kConfig  = []byte("config")
	kMode    = []byte("mode")
	kLatest  = []byte("latest")
	kVersion = []byte("v")
)

// Options tune Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file lock before failing (default 1s): a second server on the same
	// data fails fast with a clear error instead of hanging.
	LockTimeout time.Duration
	// AuditRetention is how many audit entries are kept; older ones are
	// dropped as new ones arrive (default registry.DefaultAuditRetention).
	AuditRetention int
}

// Store is a registry.Store on a bbolt file.
type Store struct {
	db       *bolt.DB
	commits  groupCommit // Appends and audit entries share commits (commit.go)
	path     string
	auditCap uint64
}

var _ registry.Store = (*Store)(nil)

// Open opens (creating if needed) the store at path. If path is a directory,
// or does not exist and has no file extension, it is a data directory and
// the file is path/baton.db.
func Open(path string, opts Options) (*Store, error) {
	file, err := dataFile(path)
	if err != nil {
		return nil, err
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoSync: false})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("data file %s is locked by another baton process (waited %s); stop it or use another --data directory", file, opts.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open data file %s: %w", file, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bSchemas, bFPs, bByID, bRefs, bSubjects, bServices, bSvcIdx} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialize data file %s: %w", file, err)
	}
	if opts.AuditRetention <= 0 {
		opts.AuditRetention = registry.DefaultAuditRetention
	}
	return &Store{db: db, path: file, auditCap: uint64(opts.AuditRetention)}, nil
}

func dataFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("boltstore: empty data path")
	}
	fi, err := os.Stat(path)
	isDir := (err == nil && fi.IsDir()) || (errors.Is(err, os.ErrNotExist) && filepath.Ext(path) == "")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("data path %s: %w", path, err)
	}
	dir, file := filepath.Dir(path), path
	if isDir {
		dir, file = path, filepath.Join(path, FileName)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory %s: %w", dir, err)
	}
	return file, nil
}

// Path returns the data file in use.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	return s.view("ping", func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) == nil {
			return corrupt("meta bucket missing")
		}
		return nil
	})
}

// update runs fn in one write transaction (committed with fsync). Errors
// fn returns on purpose (registry errors, ErrStale) pass through; anything
// else is bbolt failing to write (disk full, read-only, closed) and becomes
// KindUnavailable.
func (s *Store) update(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return registry.Unavailable(op, err)
	}
	return s.wrap(op, s.db.Update(fn))
}

// batch is update through group commit (commit.go): concurrent calls
// share one transaction and one fsync. fn may run more than once, so it
// must only set its results, never accumulate them.
func (s *Store) batch(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return registry.Unavailable(op, err)
	}
	return s.wrap(op, s.commits.do(s.db, fn))
}

func (s *Store) view(op string, fn func(tx *bolt.Tx) error) error {
	return s.wrap(op, s.db.View(fn))
}

func (s *Store) wrap(op string, err error) error {
	var re *registry.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, registry.ErrStale), errors.As(err, &re):
		return err
	}
	e := registry.Unavailable(op, err)
	if why := diskProblem(err); why != "" { // faults.go
		e.Message += ": " + why
	}
	return e
}

func corrupt(format string, args ...any) error {
	return &registry.Error{Kind: registry.KindInternal, Code: registry.CodeStoreError,
		Message: "data file is corrupt: " + fmt.Sprintf(format, args...)}
}

// --- records ---

// schemaRecord is the header of a stored schema; the text follows it.
type schemaRecord struct {
	ID          int64                `json:"id"`
	Type        string               `json:"type"`
	References  []registry.Reference `json:"references,omitempty"`
	Fingerprint string               `json:"fingerprint"`
}

func encodeSchema(s registry.Schema) ([]byte, error) {
	h, err := json.Marshal(schemaRecord{ID: s.ID, Type: s.Type, References: s.References, Fingerprint: s.Fingerprint})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(h)+1+len(s.Text))
	out = append(append(h, '\n'), s.Text...) // json.Marshal never emits a raw newline
	return out, nil
}

func decodeSchema(id int64, v []byte) (registry.Schema, error) {
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		return registry.Schema{}, corrupt("schema %d: no header", id)
	}
	var rec schemaRecord
	if err := json.Unmarshal(v[:i], &rec); err != nil {
		return registry.Schema{}, corrupt("schema %d: %v", id, err)
	}
	if rec.ID != id {
		return registry.Schema{}, corrupt("schema %d is stored with id %d", id, rec.ID)
	}
	return registry.Schema{ID: rec.ID, Type: rec.Type, Text: string(v[i+1:]), References: rec.References, Fingerprint: rec.Fingerprint}, nil
}

type versionRecord struct {
	ID      int64 `json:"id"`
	Deleted bool  `json:"deleted,omitempty"`
}

type configRecord struct {
	Mode   string `json:"mode"`
	Policy string `json:"policy"`
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
func u32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func idKey(id int64) []byte { return u64(uint64(id)) }

func byIDKey(id int64, version int, subject string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 12+len(subject)), uint64(id))
	k = binary.BigEndian.AppendUint32(k, uint32(version))
	return append(k, subject...)
}

func refsPrefix(subject string, version int) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 16+len(subject)), uint32(len(subject)))
	k = append(k, subject...)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}

func refsKey(r registry.Reference, referrer int64) []byte {
	return binary.BigEndian.AppendUint64(refsPrefix(r.Subject, r.Version), uint64(referrer))
}

// subjectBucket returns the subject's bucket and its versions bucket, or
// nils when the subject was never written.
func subjectBucket(tx *bolt.Tx, subject string) (*bolt.Bucket, *bolt.Bucket) {
	if subject == "" {
		return nil, nil
	}
	sb := tx.Bucket(bSubjects).Bucket([]byte(subject))
	if sb == nil {
		return nil, nil
	}
	return sb, sb.Bucket(kVersion)
}

type versionEntry struct {
	n   int
	rec versionRecord
}

// readVersions lists a subject's version records ascending.
func readVersions(vb *bolt.Bucket, subject string) ([]versionEntry, error) {
	if vb == nil {
		return nil, nil
	}
	var out []versionEntry
	err := vb.ForEach(func(k, v []byte) error {
		if len(k) != 4 {
			return corrupt("subject %q has a version key of %d bytes", subject, len(k))
		}
		var rec versionRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return corrupt("subject %q version %d: %v", subject, binary.BigEndian.Uint32(k), err)
		}
		out = append(out, versionEntry{n: int(binary.BigEndian.Uint32(k)), rec: rec})
		return nil
	})
	return out, err
}

func (e versionEntry) version(subject string) registry.Version {
	return registry.Version{Subject: subject, Version: e.n, SchemaID: e.rec.ID, Deleted: e.rec.Deleted}
}

func latestOf(sb *bolt.Bucket) (int, error) {
	if sb == nil {
		return 0, nil
	}
	v := sb.Get(kLatest)
	if v == nil {
		return 0, nil
	}
	if len(v) != 4 {
		return 0, corrupt("latest version counter has %d bytes", len(v))
	}
	return int(binary.BigEndian.Uint32(v)), nil
}

func getSchema(tx *bolt.Tx, id int64) (registry.Schema, bool, error) {
	v := tx.Bucket(bSchemas).Get(idKey(id))
	if v == nil {
		return registry.Schema{}, false, nil
	}
	sch, err := decodeSchema(id, v)
	return sch, err == nil, err
}

func idByFingerprint(tx *bolt.Tx, fp string) (int64, bool, error) {
	v := tx.Bucket(bFPs).Get([]byte(fp))
	if v == nil {
		return 0, false, nil
	}
	if len(v) != 8 {
		return 0, false, corrupt("fingerprint %s maps to a %d-byte id", fp, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), true, nil
}

// findVisible returns the non-deleted version of the subject using id.
func findVisible(vs []versionEntry, id int64) (versionEntry, bool) {
	for _, e := range vs {
		if !e.rec.Deleted && e.rec.ID == id {
			return e, true
		}
	}
	return versionEntry{}, false
}

func anyVisible(vs []versionEntry) bool {
	for _, e := range vs {
		if !e.rec.Deleted {
			return true
		}
	}
	return false
}

// --- Store methods ---

// Append implements registry.Store: everything (existing check, CAS on the
// latest version number, ID allocation or reuse, version, indexes) happens
// in one transaction, so it is atomic and durable when it returns nil.
// Concurrent Appends share a transaction and fsync (see groupCommit).
func (s *Store) Append(ctx context.Context, subject string, expected int, sch registry.Schema) (registry.Version, bool, error) {
	if subject == "" {
		return registry.Version{}, false, registry.ErrEmptySubject()
	}
	if sch.Fingerprint == "" {
		return registry.Version{}, false, &registry.Error{Kind: registry.KindInternal, Code: registry.CodeStoreError, Message: "Append: schema has no fingerprint"}
	}
	var out registry.Version
	var existing bool
	err := s.batch(ctx, "append", func(tx *bolt.Tx) error {
		out, existing = registry.Version{}, false
		sb, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		id, known, err := idByFingerprint(tx, sch.Fingerprint)
		if err != nil {
			return err
		}
		if known {
			if e, ok := findVisible(vs, id); ok {
				out, existing = e.version(subject), true
				return nil
			}
		}
		latest, err := latestOf(sb)
		if err != nil {
			return err
		}
		if latest != expected {
			return registry.ErrStale
		}
		if !known {
			meta := tx.Bucket(bMeta)
			var last uint64
			if v := meta.Get(kNextID); v != nil {
				if len(v) != 8 {
					return corrupt("id counter has %d bytes", len(v))
				}
				last = binary.BigEndian.Uint64(v)
			}
			id = int64(last + 1)
			if err := meta.Put(kNextID, u64(uint64(id))); err != nil {
				return err
			}
			stored := sch
			stored.ID, stored.Type = id, cmp.Or(sch.Type, registry.SchemaTypeJSON)
			rec, err := encodeSchema(stored)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bSchemas).Put(idKey(id), rec); err != nil {
				return err
			}
			if err := tx.Bucket(bFPs).Put([]byte(sch.Fingerprint), idKey(id)); err != nil {
				return err
			}
		}
		if sb == nil {
			if sb, err = tx.Bucket(bSubjects).CreateBucket([]byte(subject)); err != nil {
				return err
			}
		}
		if vb == nil {
			if vb, err = sb.CreateBucketIfNotExists(kVersion); err != nil {
				return err
			}
		}
		n := expected + 1
		rec, err := json.Marshal(versionRecord{ID: id})
		if err != nil {
			return err
		}
		if err := vb.Put(u32(uint32(n)), rec); err != nil {
			return err
		}
		if err := sb.Put(kLatest, u32(uint32(n))); err != nil {
			return err
		}
		if err := tx.Bucket(bByID).Put(byIDKey(id, n, subject), nil); err != nil {
			return err
		}
		// A reused schema may have lost its reference entries when its last
		// version was hard-deleted; writing them again is idempotent.
		stored, _, err := getSchema(tx, id)
		if err != nil {
			return err
		}
		for _, r := range stored.References {
			if err := tx.Bucket(bRefs).Put(refsKey(r, id), nil); err != nil {
				return err
			}
		}
		out = registry.Version{Subject: subject, Version: n, SchemaID: id}
		return nil
	})
	return out, existing, err
}

func (s *Store) Latest(ctx context.Context, subject string) (int, error) {
	var n int
	err := s.view("latest", func(tx *bolt.Tx) error {
		sb, _ := subjectBucket(tx, subject)
		var err error
		n, err = latestOf(sb)
		return err
	})
	return n, err
}

// ReadSubject implements registry.Store in one read transaction.
func (s *Store) ReadSubject(ctx context.Context, subject, fingerprint string) (registry.SubjectState, error) {
	var out registry.SubjectState
	err := s.view("read subject", func(tx *bolt.Tx) error {
		out = registry.SubjectState{}
		sb, vb := subjectBucket(tx, subject)
		var err error
		if out.Latest, err = latestOf(sb); err != nil {
			return err
		}
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		for _, e := range vs {
			out.Versions = append(out.Versions, e.version(subject))
		}
		if fingerprint != "" {
			id, known, err := idByFingerprint(tx, fingerprint)
			if err != nil {
				return err
			}
			if e, ok := findVisible(vs, id); known && ok {
				out.Existing = e.version(subject)
			}
		}
		if subject != "" {
			if out.Config, _, err = readConfig(tx, subject); err != nil {
				return err
			}
		}
		if out.Global, _, err = readConfig(tx, ""); err != nil {
			return err
		}
		if subject != "" {
			if out.Mode, _, err = readMode(tx, subject); err != nil {
				return err
			}
		}
		out.GlobalMode, _, err = readMode(tx, "")
		return err
	})
	return out, err
}

func (s *Store) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	out := []string{}
	err := s.view("subjects", func(tx *bolt.Tx) error {
		c := tx.Bucket(bSubjects).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				return corrupt("subjects bucket holds a value under %q", k)
			}
			_, vb := subjectBucket(tx, string(k))
			vs, err := readVersions(vb, string(k))
			if err != nil {
				return err
			}
			if (deleted && len(vs) > 0) || anyVisible(vs) {
				out = append(out, string(k))
			}
		}
		return nil
	})
	return out, err
}

func (s *Store) Versions(ctx context.Context, subject string, deleted bool) ([]registry.Version, error) {
	var out []registry.Version
	err := s.view("versions", func(tx *bolt.Tx) error {
		_, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		for _, e := range vs {
			if deleted || !e.rec.Deleted {
				out = append(out, e.version(subject))
			}
		}
		if len(out) == 0 {
			return registry.ErrSubjectNotFound(subject)
		}
		return nil
	})
	return out, err
}

func (s *Store) Version(ctx context.Context, subject string, version int, deleted bool) (registry.Version, error) {
	var out registry.Version
	err := s.view("version", func(tx *bolt.Tx) error {
		_, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		if len(vs) == 0 || (!deleted && !anyVisible(vs)) {
			return registry.ErrSubjectNotFound(subject)
		}
		for _, e := range vs {
			if e.n == version && (deleted || !e.rec.Deleted) {
				out = e.version(subject)
				return nil
			}
		}
		return registry.ErrVersionNotFound(subject, version)
	})
	return out, err
}

func (s *Store) SchemaByID(ctx context.Context, id int64) (registry.Schema, error) {
	var out registry.Schema
	err := s.view("schema by id", func(tx *bolt.Tx) error {
		sch, ok, err := getSchema(tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return registry.ErrSchemaNotFound(id)
		}
		out = sch
		return nil
	})
	return out, err
}

func (s *Store) VersionsByID(ctx context.Context, id int64) ([]registry.Version, error) {
	out := []registry.Version{}
	err := s.view("versions by id", func(tx *bolt.Tx) error {
		if _, ok, err := getSchema(tx, id); err != nil {
			return err
		} else if !ok {
			return registry.ErrSchemaNotFound(id)
		}
		prefix := idKey(id)
		c := tx.Bucket(bByID).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) < 12 {
				return corrupt("byid key of %d bytes", len(k))
			}
			n, subject := int(binary.BigEndian.Uint32(k[8:12])), string(k[12:])
			_, vb := subjectBucket(tx, subject)
			if vb == nil {
				continue
			}
			raw := vb.Get(u32(uint32(n)))
			if raw == nil {
				continue
			}
			var rec versionRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				return corrupt("subject %q version %d: %v", subject, n, err)
			}
			if !rec.Deleted && rec.ID == id {
				out = append(out, registry.Version{Subject: subject, Version: n, SchemaID: id})
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out, err
}

func (s *Store) FindByFingerprint(ctx context.Context, subject, fingerprint string) (registry.Version, error) {
	var out registry.Version
	err := s.view("find by fingerprint", func(tx *bolt.Tx) error {
		_, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		if !anyVisible(vs) {
			return registry.ErrSubjectNotFound(subject)
		}
		id, known, err := idByFingerprint(tx, fingerprint)
		if err != nil {
			return err
		}
		if known {
			if e, ok := findVisible(vs, id); ok {
				out = e.version(subject)
				return nil
			}
		}
		return registry.ErrSchemaNotUnderSubject(subject)
	})
	return out, err
}

// hardDelete removes one version and its byid entry; when no version uses
// the schema any more its reference entries go too, so the schemas it
// referenced can be deleted in turn. The schema record and its fingerprint
// stay: the ID remains bound to that schema forever.
func hardDelete(tx *bolt.Tx, vb *bolt.Bucket, subject string, e versionEntry) error {
	if err := vb.Delete(u32(uint32(e.n))); err != nil {
		return err
	}
	byID := tx.Bucket(bByID)
	if err := byID.Delete(byIDKey(e.rec.ID, e.n, subject)); err != nil {
		return err
	}
	prefix := idKey(e.rec.ID)
	if k, _ := byID.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return nil // still used elsewhere
	}
	sch, ok, err := getSchema(tx, e.rec.ID)
	if err != nil || !ok {
		return err
	}
	for _, r := range sch.References {
		if err := tx.Bucket(bRefs).Delete(refsKey(r, e.rec.ID)); err != nil {
			return err
		}
	}
	return nil
}

func putVersion(vb *bolt.Bucket, e versionEntry) error {
	rec, err := json.Marshal(e.rec)
	if err != nil {
		return err
	}
	return vb.Put(u32(uint32(e.n)), rec)
}

func (s *Store) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) error {
	return s.update(ctx, "delete version", func(tx *bolt.Tx) error {
		_, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		if len(vs) == 0 || (!permanent && !anyVisible(vs)) {
			return registry.ErrSubjectNotFound(subject)
		}
		for _, e := range vs {
			if e.n != version {
				continue
			}
			switch {
			case !permanent && e.rec.Deleted:
				return registry.ErrVersionSoftDeleted(subject, version)
			case !permanent:
				e.rec.Deleted = true
				return putVersion(vb, e)
			case !e.rec.Deleted:
				return registry.ErrVersionNotSoftDeleted(subject, version)
			}
			return hardDelete(tx, vb, subject, e)
		}
		return registry.ErrVersionNotFound(subject, version)
	})
}

func (s *Store) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	var out []int
	err := s.update(ctx, "delete subject", func(tx *bolt.Tx) error {
		out = nil
		sb, vb := subjectBucket(tx, subject)
		vs, err := readVersions(vb, subject)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return registry.ErrSubjectNotFound(subject)
		}
		if !permanent {
			for _, e := range vs {
				if !e.rec.Deleted {
					e.rec.Deleted = true
					if err := putVersion(vb, e); err != nil {
						return err
					}
					out = append(out, e.n)
				}
			}
			if len(out) == 0 {
				return registry.ErrSubjectSoftDeleted(subject)
			}
			return nil
		}
		if anyVisible(vs) {
			return registry.ErrSubjectNotSoftDeleted(subject)
		}
		for _, e := range vs {
			if err := hardDelete(tx, vb, subject, e); err != nil {
				return err
			}
			out = append(out, e.n)
		}
		if err := sb.Delete(kMode); err != nil {
			return err
		}
		return sb.Delete(kConfig)
	})
	return out, err
}

func (s *Store) ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error) {
	out := []int64{}
	err := s.view("referenced by", func(tx *bolt.Tx) error {
		prefix := refsPrefix(subject, version)
		c := tx.Bucket(bRefs).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				return corrupt("refs key of %d bytes", len(k))
			}
			out = append(out, int64(binary.BigEndian.Uint64(k[len(prefix):])))
		}
		return nil
	})
	return out, err
}

// settingBytes reads key (kConfig, kMode) of subject ("" = global).
func settingBytes(tx *bolt.Tx, subject string, key []byte) []byte {
	if subject == "" {
		return tx.Bucket(bMeta).Get(key)
	}
	sb, _ := subjectBucket(tx, subject)
	if sb == nil {
		return nil
	}
	return sb.Get(key)
}

func (s *Store) Config(ctx context.Context, subject string) (registry.Config, bool, error) {
	var out registry.Config
	var ok bool
	err := s.view("config", func(tx *bolt.Tx) error {
		var err error
		out, ok, err = readConfig(tx, subject)
		return err
	})
	return out, ok, err
}

// readConfig decodes the config of subject ("" = global); ok is false
// when none is set.
func readConfig(tx *bolt.Tx, subject string) (cfg registry.Config, ok bool, err error) {
	raw := settingBytes(tx, subject, kConfig)
	if raw == nil {
		return registry.Config{}, false, nil
	}
	var rec configRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return registry.Config{}, false, corrupt("config of %q: %v", subject, err)
	}
	mode, err := compat.ParseMode(rec.Mode)
	if err != nil {
		return registry.Config{}, false, corrupt("config of %q: %v", subject, err)
	}
	policy, err := compat.ParsePolicy(rec.Policy)
	if err != nil {
		return registry.Config{}, false, corrupt("config of %q: %v", subject, err)
	}
	return registry.Config{Mode: mode, Policy: policy}, true, nil
}

func (s *Store) SetConfig(ctx context.Context, subject string, cfg registry.Config) error {
	raw, err := json.Marshal(configRecord{Mode: string(cfg.Mode), Policy: cfg.Policy.String()})
	if err != nil {
		return err
	}
	return s.update(ctx, "set config", func(tx *bolt.Tx) error {
		if subject == "" {
			return tx.Bucket(bMeta).Put(kConfig, raw)
		}
		sb, err := tx.Bucket(bSubjects).CreateBucketIfNotExists([]byte(subject))
		if err != nil {
			return err
		}
		return sb.Put(kConfig, raw)
	})
}

func (s *Store) DeleteConfig(ctx context.Context, subject string) error {
	return s.update(ctx, "delete config", func(tx *bolt.Tx) error {
		if subject == "" {
			return tx.Bucket(bMeta).Delete(kConfig)
		}
		sb, _ := subjectBucket(tx, subject)
		if sb == nil || sb.Get(kConfig) == nil {
			return registry.ErrSubjectConfigNotFound(subject)
		}
		return sb.Delete(kConfig)
	})
}

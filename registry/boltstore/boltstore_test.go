package boltstore_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/registry/storetest"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store { return open(t, t.TempDir()) })
}

func testSchema(t *testing.T, title string, refs ...registry.Reference) registry.Schema {
	t.Helper()
	text := `{"type":"object","title":"` + title + `"}`
	fp, err := registry.Fingerprint(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return registry.Schema{Type: registry.SchemaTypeJSON, Text: text, References: refs, Fingerprint: fp}
}

// TestPersistence closes and reopens the file: every kind of record written
// before must be read back, and counters continue where they stopped.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "baton-data")
	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, boltstore.FileName); s.Path() != want {
		t.Errorf("Path = %s, want %s", s.Path(), want)
	}
	base, _, err := s.Append(ctx, "base", 0, testSchema(t, "base"))
	if err != nil {
		t.Fatal(err)
	}
	ref := registry.Reference{Name: "base.json", Subject: "base", Version: 1}
	a, _, err := s.Append(ctx, "a", 0, testSchema(t, "a", ref))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Append(ctx, "a", 1, testSchema(t, "a2")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, "a", 2, false); err != nil {
		t.Fatal(err)
	}
	cfg := registry.Config{Mode: compat.FullTransitive, Policy: compat.Lenient}
	if err := s.SetConfig(ctx, "a", cfg); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConfig(ctx, "", registry.Config{Mode: compat.None}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir)
	if subs, err := s.Subjects(ctx, true); err != nil || !slices.Equal(subs, []string{"a", "base"}) {
		t.Errorf("Subjects = %v, %v", subs, err)
	}
	vs, err := s.Versions(ctx, "a", true)
	if err != nil || len(vs) != 2 || vs[0].SchemaID != a.SchemaID || !vs[1].Deleted {
		t.Errorf("Versions(a) = %+v, %v", vs, err)
	}
	sch, err := s.SchemaByID(ctx, a.SchemaID)
	if err != nil || sch.Text != testSchema(t, "a").Text || !slices.Equal(sch.References, []registry.Reference{ref}) {
		t.Errorf("SchemaByID(a) = %+v, %v", sch, err)
	}
	if got, ok, err := s.Config(ctx, "a"); err != nil || !ok || got != cfg {
		t.Errorf("Config(a) = %+v %v %v", got, ok, err)
	}
	if got, ok, err := s.Config(ctx, ""); err != nil || !ok || got.Mode != compat.None {
		t.Errorf("global Config = %+v %v %v", got, ok, err)
	}
	if ids, err := s.ReferencedBy(ctx, "base", 1); err != nil || !slices.Equal(ids, []int64{a.SchemaID}) {
		t.Errorf("ReferencedBy = %v, %v", ids, err)
	}
	if v, err := s.FindByFingerprint(ctx, "base", testSchema(t, "base").Fingerprint); err != nil || v != base {
		t.Errorf("FindByFingerprint = %+v, %v", v, err)
	}
	next, _, err := s.Append(ctx, "a", 2, testSchema(t, "a3"))
	if err != nil || next.Version != 3 || next.SchemaID <= a.SchemaID+1 {
		t.Errorf("append after reopen = %+v, %v; want version 3 and a fresh id above %d", next, err, a.SchemaID+1)
	}
}

// TestSecondOpenFailsFast: a second server on the same data must fail with
// a clear error within about the lock timeout, not hang or corrupt.
func TestSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	start := time.Now()
	s2, err := boltstore.Open(dir, boltstore.Options{})
	took := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open on a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another baton process") || !strings.Contains(err.Error(), boltstore.FileName) {
		t.Errorf("error = %q, want it to say the file is locked by another baton process", err)
	}
	if took > 3*time.Second {
		t.Errorf("second Open took %s, want about 1s", took)
	}
}

func TestOpenFilePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "nested", "reg.db")
	s := open(t, file)
	if s.Path() != file {
		t.Errorf("Path = %s, want %s", s.Path(), file)
	}
	if _, err := os.Stat(file); err != nil {
		t.Error(err)
	}
}

// TestClosedStoreIsUnavailable: bbolt failures must reach clients as 503 /
// 50001, not as internal errors or panics.
func TestClosedStoreIsUnavailable(t *testing.T) {
	s, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ctx := context.Background()
	_, _, err = s.Append(ctx, "a", 0, testSchema(t, "a"))
	if registry.ErrorKind(err) != registry.KindUnavailable {
		t.Errorf("Append on a closed store: %v (kind %v), want unavailable", err, registry.ErrorKind(err))
	}
	if err := s.Ping(ctx); registry.ErrorKind(err) != registry.KindUnavailable {
		t.Errorf("Ping on a closed store: %v, want unavailable", err)
	}
}

// TestCorruptRecordsAreErrors damages records behind the store's back: every
// read must answer an error naming the damage, never panic.
func TestCorruptRecordsAreErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := s.Append(ctx, "orders", 0, testSchema(t, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetConfig(ctx, "orders", registry.Config{Mode: compat.Full}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		id := binary.BigEndian.AppendUint64(nil, uint64(v.SchemaID))
		if err := tx.Bucket([]byte("schemas")).Put(id, []byte("{not json")); err != nil {
			return err
		}
		sb := tx.Bucket([]byte("subjects")).Bucket([]byte("orders"))
		if err := sb.Put([]byte("config"), []byte(`{"mode":"SIDEWAYS"}`)); err != nil {
			return err
		}
		if err := sb.Put([]byte("latest"), []byte{1}); err != nil {
			return err
		}
		return sb.Bucket([]byte("v")).Put(binary.BigEndian.AppendUint32(nil, 1), []byte("]"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = open(t, dir)
	checks := map[string]error{}
	_, checks["SchemaByID"] = s.SchemaByID(ctx, v.SchemaID)
	_, checks["Versions"] = s.Versions(ctx, "orders", true)
	_, checks["Version"] = s.Version(ctx, "orders", 1, true)
	_, checks["Latest"] = s.Latest(ctx, "orders")
	_, _, checks["Config"] = s.Config(ctx, "orders")
	_, checks["Subjects"] = s.Subjects(ctx, true)
	_, checks["FindByFingerprint"] = s.FindByFingerprint(ctx, "orders", testSchema(t, "v1").Fingerprint)
	_, _, checks["Append"] = s.Append(ctx, "orders", 1, testSchema(t, "v2"))
	for name, err := range checks {
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s on corrupt data: %v, want an error saying the data is corrupt", name, err)
		}
	}
}

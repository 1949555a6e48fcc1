package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/batonhq/baton/internal/testfs"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// faultServer serves st through the real Service and HTTP API.
func faultServer(t *testing.T, st *Store) string {
	t.Helper()
	srv := httptest.NewServer(httpapi.NewServer(registry.NewRegistrar(st, registry.Options{}), httpapi.Options{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// call sends one request and returns the status and the Confluent error
// (zero when the answer is not an error body).
func call(t *testing.T, method, url, body string) (int, int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	json.Unmarshal(data, &e)
	return resp.StatusCode, e.ErrorCode, e.Message
}

func publishBody(schema string) string {
	b, _ := json.Marshal(map[string]string{"schema": schema, "schemaType": "JSON"})
	return string(b)
}

// checkFile reopens the data file read-only and runs bbolt's consistency
// check over every page, then returns the subjects' latest versions.
func checkFile(t *testing.T, file string) map[string]int {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen %s: %v", file, err)
	}
	defer db.Close()
	latest := map[string]int{}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("consistency check: %w", err)
		}
		return tx.Bucket(bSubjects).ForEachBucket(func(k []byte) error {
			n, err := latestOf(tx.Bucket(bSubjects).Bucket(k))
			latest[string(k)] = n
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return latest
}

// TestReadOnlyDataFileIs503: a data file bbolt can only read (here: opened
// with bbolt's ReadOnly option, which refuses every write transaction with
// ErrDatabaseReadOnly, the same path a file system that turned read-only
// takes) answers writes with 503 / 50001 naming the problem, keeps serving
// reads, and is intact afterwards.
func TestReadOnlyDataFileIs503(t *testing.T) {
	_, st := seededStore(t)
	file := st.Path()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	url := faultServer(t, &Store{db: db, path: file})
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/subjects/orders/versions", publishBody(`{"type":"object","title":"v2"}`)},
		{"POST", "/subjects/payments/versions", publishBody(`{"type":"string"}`)},
		{"PUT", "/config/orders", `{"compatibility":"NONE"}`},
		{"DELETE", "/subjects/orders/versions/1", ""},
	} {
		status, code, msg := call(t, w.method, url+w.path, w.body)
		if status != 503 || code != registry.CodeStoreError || !strings.Contains(msg, "the data file "+file+" is read-only") {
			t.Errorf("%s %s: %d %d %q, want 503 50001 naming the read-only file", w.method, w.path, status, code, msg)
		}
	}
	if status, _, _ := call(t, "GET", url+"/subjects/orders/versions/1", ""); status != 200 {
		t.Errorf("read from a read-only file: %d", status)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := checkFile(t, file); len(got) != 1 || got["orders"] != 1 {
		t.Errorf("after refused writes the file holds %v, want orders at version 1", got)
	}
}

// TestFullDiskIs503: the data file lives on a 1 MiB tmpfs that a filler
// file then fills. Publishes fail with 503 / 50001 saying the disk is full,
// reads keep working, the file stays consistent, and once space is freed
// the same server accepts the publish without a restart. Mounting needs
// root (CAP_SYS_ADMIN); elsewhere the test skips and says so.
func TestFullDiskIs503(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	st, err := Open(mnt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	url := faultServer(t, st)
	if status, _, msg := call(t, "POST", url+"/subjects/orders/versions", publishBody(`{"type":"object"}`)); status != 200 {
		t.Fatalf("first publish: %d %s", status, msg)
	}

	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for i := 0; i < 512; i++ { // 2 MiB at most: more than the file system holds
		if _, err = f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs ended with %v, want ENOSPC", err)
	}

	big := publishBody(`{"type":"object","description":"` + strings.Repeat("d", 200_000) + `"}`)
	status, code, msg := call(t, "POST", url+"/subjects/payments/versions", big)
	if status != 503 || code != registry.CodeStoreError || !strings.Contains(msg, "no space left") {
		t.Errorf("publish on a full disk: %d %d %q, want 503 50001 naming the full disk", status, code, msg)
	}
	if status, _, msg := call(t, "GET", url+"/subjects/orders/versions/1", ""); status != 200 {
		t.Errorf("read on a full disk: %d %s", status, msg)
	}
	if status, _, _ := call(t, "GET", url+"/subjects/payments/versions", ""); status != 404 {
		t.Errorf("the refused publish is visible: %d", status)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if status, _, msg := call(t, "POST", url+"/subjects/payments/versions", big); status != 200 {
		t.Errorf("publish after freeing space: %d %s", status, msg)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if got := checkFile(t, st.Path()); len(got) != 2 || got["orders"] != 1 || got["payments"] != 1 {
		t.Errorf("data file holds %v, want orders and payments at version 1", got)
	}
}

// seededStore opens a store in a fresh directory holding one version of
// "orders"; the caller closes it.
func seededStore(t *testing.T) (string, *Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewRegistrar(st, registry.Options{})
	if _, err := svc.Publish(context.Background(), registry.PublishRequest{Subject: "orders", Schema: `{"type":"object"}`}); err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// TestReadOnlyDataFileAtStart: a data file that cannot be opened for
// writing when the store opens (issue 14 #8) is opened read-only instead
// of failing: reads are served, writes answer 503 / 50001 naming the file,
// as on a full disk.
func TestReadOnlyDataFileAtStart(t *testing.T) {
	dir, st := seededStore(t)
	file := st.Path()
	if st.ReadOnly() {
		t.Fatal("a writable file opened read-only")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	testfs.ReadOnly(t, dir, file)

	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open of a read-only data file: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if !st.ReadOnly() {
		t.Error("ReadOnly() = false for a read-only data file")
	}
	url := faultServer(t, st)
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/subjects/orders/versions", publishBody(`{"type":"object","title":"v2"}`)},
		{"PUT", "/config", `{"compatibility":"NONE"}`},
		{"PUT", "/v1/services/shop", `{"events":{"produces":[{"name":"orders"}]}}`},
	} {
		status, code, msg := call(t, w.method, url+w.path, w.body)
		if status != 503 || code != registry.CodeStoreError || !strings.Contains(msg, "the data file "+file+" is read-only") {
			t.Errorf("%s %s: %d %d %q, want 503 50001 naming the read-only file", w.method, w.path, status, code, msg)
		}
	}
	for _, path := range []string{"/subjects/orders/versions/1", "/subjects", "/config", "/readyz"} {
		if status, _, msg := call(t, "GET", url+path, ""); status != 200 {
			t.Errorf("GET %s from a read-only file: %d %s", path, status, msg)
		}
	}
}

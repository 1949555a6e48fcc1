// Package testfs makes file-system faults for tests.
package testfs

import (
	"os"
	"os/exec"
	"testing"
)

// ReadOnly makes dir and file (inside it) unwritable until the test ends:
// by permissions, or for root (whom permissions do not stop) by a
// read-only bind mount of dir. Where neither works the test skips and
// says so.
func ReadOnly(t testing.TB, dir, file string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(file, 0o400); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(file, 0o600) })
		return
	}
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot bind-mount %s read-only (root ignores file permissions): %v %s", dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot remount %s read-only: %v %s", dir, err, out)
	}
}

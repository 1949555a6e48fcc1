package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/eventschema"
)

// costlyPair is eventschema.CostlyWriter against a one-property reader:
// with an unlimited budget its check runs for many minutes.
func costlyPair(t *testing.T) (oldFile, newFile string) {
	dir := t.TempDir()
	oldFile, newFile = filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	writeFile(t, oldFile, eventschema.CostlyWriter())
	writeFile(t, newFile, `{"type":"object","properties":{"p0":{"type":"string"}}}`)
	return oldFile, newFile
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// procCPU is the user+system CPU time of process pid (/proc/PID/stat).
func procCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ 100
}

// TestDiffExitsOnSIGTERM runs the real binary on a pair that would keep it
// busy for minutes: SIGTERM (and SIGINT) make it exit 2 within a second,
// saying it was interrupted.
func TestDiffExitsOnSIGTERM(t *testing.T) {
	bin := buildBaton(t)
	oldFile, newFile := costlyPair(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "diff", oldFile, newFile, "--max-steps", "1000000000000", "--max-memory", "100000000000")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Ready once the process is computing: it has spent CPU.
			deadline := time.Now().Add(30 * time.Second)
			for procCPU(t, cmd.Process.Pid) < 500*time.Millisecond {
				select {
				case err := <-done:
					t.Fatalf("diff ended before the signal (%v): not costly enough for this test\n%s", err, stderr.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("diff used no CPU")
				}
				time.Sleep(10 * time.Millisecond) // polling CPU time, not synchronising
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("diff still runs 10 s after the signal")
			}
			if d := time.Since(sent); d > time.Second {
				t.Errorf("diff exited %v after the signal, want within 1s", d)
			}
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("exit code %d, want 2\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr must say it was interrupted: %q", stderr.String())
			}
		})
	}
}

// TestDiffBudgetFlags: out of budget, diff answers undecidable-complexity
// (exit 1) naming the flag that raises the budget; bad values are usage
// errors.
func TestDiffBudgetFlags(t *testing.T) {
	oldFile, newFile := costlyPair(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--max-steps", "1000"}, 1, "--max-steps"},
		{[]string{"--max-memory", "1000"}, 1, "--max-memory"},
		{[]string{"--max-steps", "0"}, 2, "--max-steps must be a positive"},
		{[]string{"--max-memory", "-1"}, 2, "--max-memory must be a positive"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"diff", oldFile, newFile, "--format", "json"}, tc.args...)
			code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out.String(), errOut.String())
			}
			if tc.code == 1 && !strings.Contains(out.String(), "undecidable-complexity") {
				t.Errorf("want an undecidable-complexity finding:\n%s", out.String())
			}
		})
	}
}

// TestRefFlags: referenced schemas are handed in with --ref or --ref-dir
// (by $id or relative path); a missing one is an error naming its URI and
// the flags.
func TestRefFlags(t *testing.T) {
	dir := t.TempDir()
	// Old and new refer to the same address type, one by $id, one by path.
	writeFile(t, filepath.Join(dir, "defs", "address.json"), `{"type":"object","properties":{"zip":{"type":"string"}},"required":["zip"]}`)
	writeFile(t, filepath.Join(dir, "defs", "money.json"), `{"$id":"https://schemas.example.com/money.json","type":"object","properties":{"cents":{"type":"integer"}}}`)
	writeFile(t, filepath.Join(dir, "money-wide.json"), `{"type":"object","properties":{"cents":{"type":"number"}}}`)
	writeFile(t, filepath.Join(dir, "old.json"), `{"type":"object","properties":{"to":{"$ref":"defs/address.json"},"price":{"$ref":"https://schemas.example.com/money.json"}}}`)
	writeFile(t, filepath.Join(dir, "new.json"), `{"type":"object","properties":{"to":{"$ref":"defs/address.json"},"price":{"$ref":"https://schemas.example.com/money.json"}},"required":["to"]}`)
	writeFile(t, filepath.Join(dir, "doc.json"), `{"to":{"zip":"1000"},"price":{"cents":1.5}}`)
	old, nw, doc := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json"), filepath.Join(dir, "doc.json")
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"diff ref-dir", []string{"diff", old, nw, "--ref-dir", dir}, 1, []string{"required-property-added"}},
		{"diff ref", []string{"diff", old, nw, "--ref", "defs/address.json=" + filepath.Join(dir, "defs", "address.json"),
			"--ref", "https://schemas.example.com/money.json=" + filepath.Join(dir, "defs", "money.json")}, 1, []string{"required-property-added"}},
		{"diff missing", []string{"diff", old, nw, "--ref", "https://schemas.example.com/money.json=" + filepath.Join(dir, "defs", "money.json")}, 2, []string{"external $ref is not allowed: defs/address.json", "--ref defs/address.json=FILE", "--ref-dir"}},
		{"diff bad ref", []string{"diff", old, nw, "--ref", "nofile"}, 2, []string{"--ref wants URI=FILE"}},
		{"validate ref-dir", []string{"validate", filepath.Join(dir, "old.json"), doc, "--ref-dir", dir}, 1, []string{"invalid", "/price/cents"}},
		// --ref overrides what a directory would give: a wider money type.
		{"validate ref", []string{"validate", old, doc, "--ref", "defs/address.json=" + filepath.Join(dir, "defs", "address.json"),
			"--ref", "https://schemas.example.com/money.json=" + filepath.Join(dir, "money-wide.json")}, 0, []string{"valid"}},
		{"validate missing", []string{"validate", old, doc, "--ref", "https://schemas.example.com/money.json=" + filepath.Join(dir, "defs", "money.json")}, 2, []string{"defs/address.json", "--ref"}},
	}
	// The "missing" cases hand in money.json so that address.json is the
	// one missing reference: which of two missing ones the compiler meets
	// first follows map order.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			got := out.String() + errOut.String()
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

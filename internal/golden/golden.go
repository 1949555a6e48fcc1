// Package golden compares test output with files checked into testdata.
//
// There is one -update flag for the whole test binary (a second
// flag.Bool("update") in the same binary would panic), so every golden
// test goes through Assert.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from current output")

// Updating reports whether the test binary runs with -update.
func Updating() bool { return *update }

// Assert fails t unless got equals the contents of the file at path
// (line endings normalized to \n). With -update it first writes got to path.
// On a mismatch it prints a unified diff (-want +got) and the command that
// rewrites the file.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v\nto create it, review the output and run:\n\t%s\noutput was:\n%s", err, updateCommand(t), got)
		return
	}
	w, g := normalize(want), normalize(got)
	if bytes.Equal(w, g) {
		return
	}
	t.Errorf("golden file %s does not match (-want +got):\n%s\nif the new output is right, review it and run:\n\t%s",
		path, Diff(string(w), string(g)), updateCommand(t))
}

func normalize(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

func updateCommand(t testing.TB) string {
	name := t.Name()
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[:i]
	}
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return fmt.Sprintf("(cd %s && go test -run '^%s$' -update .)", dir, name)
}

// maxDiffCells bounds the LCS table; beyond it Diff reports the first
// differing line only.
const maxDiffCells = 4_000_000

// Diff returns a unified-style line diff of want and got with three lines
// of context: "-" lines only in want, "+" lines only in got.
func Diff(want, got string) string {
	a, b := splitLines(want), splitLines(got)
	if len(a)*len(b) > maxDiffCells {
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				return fmt.Sprintf("first difference at line %d:\n-%s\n+%s\n", i+1, a[i], b[i])
			}
		}
		return fmt.Sprintf("want has %d lines, got has %d lines\n", len(a), len(b))
	}
	// lcs[i][j] = length of the longest common subsequence of a[i:], b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte // ' ', '-', '+'
		text string
		ai   int // 1-based line in a (for ' ' and '-')
		bi   int // 1-based line in b (for ' ' and '+')
	}
	var ops []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, line{' ', a[i], i + 1, j + 1})
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, line{'+', b[j], i, j + 1})
			j++
		default:
			ops = append(ops, line{'-', a[i], i + 1, j})
			i++
		}
	}
	const context = 3
	var out strings.Builder
	for k := 0; k < len(ops); {
		if ops[k].op == ' ' {
			k++
			continue
		}
		start := max(0, k-context)
		end := k
		// Extend the hunk while changes are within 2*context lines of each other.
		for end < len(ops) {
			if ops[end].op != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].op == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(len(ops), end+context)
				break
			}
			end = run
		}
		fmt.Fprintf(&out, "@@ want line %d, got line %d @@\n", max(1, ops[start].ai), max(1, ops[start].bi))
		for _, l := range ops[start:end] {
			out.WriteByte(l.op)
			out.WriteString(l.text)
			out.WriteByte('\n')
		}
		k = end
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

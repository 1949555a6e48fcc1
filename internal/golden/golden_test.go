package golden

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	want := "0\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	got := "0\na\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n"
	d := Diff(want, got)
	for _, line := range []string{"-d", "+D", "+k", " c", " e"} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if strings.Contains(d, " 0\n") {
		t.Errorf("diff shows more than 3 lines of context:\n%s", d)
	}
	if Diff("x\n", "x\n") != "" {
		t.Errorf("equal inputs gave a diff")
	}
}

func TestAssertMatches(t *testing.T) {
	if Updating() {
		t.Skip("-update rewrites files; nothing to compare")
	}
	Assert(t, "testdata/hello.golden", []byte("hello\r\nworld\n"))
}

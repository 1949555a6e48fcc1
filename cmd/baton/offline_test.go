package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitEnv keeps the test's git runs away from the user's configuration.
var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=Baton Test", "GIT_AUTHOR_EMAIL=test@example.com",
	"GIT_COMMITTER_NAME=Baton Test", "GIT_COMMITTER_EMAIL=test@example.com",
}

func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Baton Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), gitEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// exampleRepo is a git repository in a temporary directory holding a copy
// of examples/<dirs...> committed as "v1"; the test is skipped without git.
func exampleRepo(t *testing.T, dirs ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found on PATH: offline check needs git")
	}
	src, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "examples"}, dirs...)...))
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	gitT(t, repo, "init", "-q")
	gitT(t, repo, "add", ".")
	gitT(t, repo, "commit", "-q", "-m", "v1")
	return repo
}

// TestCheckAgainstGit is the offline end-to-end test: a git repository
// with examples/choreography committed as v1, the order service's
// OrderPlaced replaced by a v2, and the commands the GitHub action and
// the GitLab template run, with --against git:HEAD instead of a registry.
func TestCheckAgainstGit(t *testing.T) {
	repo := exampleRepo(t, "choreography")

	manifest := filepath.Join(repo, "order", "baton.yaml")
	schema := filepath.Join(repo, "order", "schemas", "order-placed.json")
	const base = "git:HEAD:order/schemas/order-placed.json"
	noEnv := map[string]string{}

	// Unchanged working tree: compatible.
	if code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD", manifest); code != 0 {
		t.Fatalf("unchanged tree: exit %d\n%s%s", code, out, errOut)
	}

	for _, tc := range []struct {
		name, v2 string
		code     int
	}{
		{"breaking", "order-placed.rename-customer.json", 1},
		{"safe", "order-placed.add-coupon.json", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v2, err := os.ReadFile(filepath.Join(repo, "v2", tc.v2)) // the copy of examples/choreography/v2
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(schema, v2, 0o644); err != nil {
				t.Fatal(err)
			}
			breaking := tc.code == 1

			// Out of budget: undecidable-complexity naming check's flag.
			code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "json", "--max-memory", "1", manifest)
			if code != 1 || !strings.Contains(out, "undecidable-complexity") || !strings.Contains(out, "--max-memory") {
				t.Errorf("--max-memory 1: exit %d, want 1 with undecidable-complexity naming --max-memory\n%s%s", code, out, errOut)
			}

			// The action's verdict run: annotations on the schema's lines.
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "github", "--fail-on", "breaking", manifest)
			if code != tc.code {
				t.Fatalf("github: exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if n := checkAnnotations(t, out, schema); (n > 0) != breaking {
				t.Errorf("github: %d annotations, breaking=%v\n%s", n, breaking, out)
			}
			if breaking && !strings.Contains(out, "::error file="+schema) {
				t.Errorf("github: no error annotation on %s\n%s", schema, out)
			}

			// The action's report run: markdown, --fail-on none exits 0.
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "markdown", "--fail-on", "none", manifest)
			if code != 0 {
				t.Fatalf("markdown --fail-on none: exit %d\n%s%s", code, out, errOut)
			}
			if breaking && (!strings.Contains(out, "OrderPlaced") || !strings.Contains(out, "required-property-added") || !strings.Contains(out, "breaking")) {
				t.Errorf("markdown does not report OrderPlaced's renamed required property\n%s", out)
			}
			if !breaking && !strings.Contains(out, "compatible") {
				t.Errorf("markdown does not say compatible\n%s", out)
			}
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "markdown", manifest)
			if code != tc.code {
				t.Errorf("markdown: exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}

			// The GitLab template: junit, parsed back.
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "junit", "--fail-on", "breaking", manifest)
			if code != tc.code {
				t.Fatalf("junit: exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			tests, failures := checkJUnit(t, out)
			wantFailures := 0
			if breaking {
				wantFailures = 1
			}
			if tests != 1 || failures != wantFailures {
				t.Errorf("junit: %d tests, %d failures; want 1, %d\n%s", tests, failures, wantFailures, out)
			}
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "text", "--fail-on", "none", manifest)
			if code != 0 || !strings.Contains(out, "checked against "+base) {
				t.Errorf("text --fail-on none: exit %d\n%s%s", code, out, errOut)
			}

			// json names the base as git:REF:path.
			code, out, errOut = runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "json", manifest)
			if code != tc.code || !strings.Contains(out, `"compatible": `+map[bool]string{true: "false", false: "true"}[breaking]) {
				t.Errorf("json: exit %d\n%s%s", code, out, errOut)
			}
		})
	}

	// The breaking v2 is compatible the other way round only if it is:
	// --mode forward (old readers read new data) still breaks on a rename.
	v2, err := os.ReadFile(filepath.Join(repo, "v2", "order-placed.rename-customer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(schema, v2, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD", "--mode", "forward", manifest); code != 1 {
		t.Errorf("--mode forward: exit %d, want 1\n%s%s", code, out, errOut)
	}

	// A schema that is not at the ref is new: reported, not failed.
	gitT(t, repo, "rm", "-q", "--cached", "order/schemas/order-placed.json")
	gitT(t, repo, "commit", "-q", "-m", "drop")
	code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD", "--format", "json", manifest)
	if code != 0 || !strings.Contains(out, "new schema") {
		t.Errorf("schema missing at ref: exit %d, want 0 and a note\n%s%s", code, out, errOut)
	}
	// ... while at HEAD~1 it is still there and the rename breaks.
	if code, out, errOut := runEnv(t, noEnv, "check", "--against", "git:HEAD~1", manifest); code != 1 {
		t.Errorf("against HEAD~1: exit %d, want 1\n%s%s", code, out, errOut)
	}

	// Errors: exit 2 with a clear message.
	notRepo := t.TempDir()
	if err := os.CopyFS(notRepo, os.DirFS(filepath.Join("..", "..", "examples", "choreography"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--against", "git:HEAD", filepath.Join(notRepo, "order", "baton.yaml")}, "not inside a git working tree"},
		{[]string{"check", "--against", "git:no-such-branch", manifest}, "unknown git ref"},
		{[]string{"check", "--against", "git:--output=/tmp/x", manifest}, "invalid git ref"},
		{[]string{"check", "--against", "HEAD", manifest}, "git:REF"},
		{[]string{"check", "--against", "git:HEAD", "--registry", "http://127.0.0.1:1", manifest}, "mutually exclusive"},
		{[]string{"check", "--mode", "forward", manifest}, "--mode needs --against"},
		{[]string{"check", "--against", "git:HEAD", "--mode", "sideways", manifest}, "--mode"},
		{[]string{"check", "--against", "git:HEAD", "--format", "xml", manifest}, "--format"},
		{[]string{"check", "--against", "git:HEAD", "--fail-on", "sometimes", manifest}, "--fail-on"},
	} {
		code, out, errOut := runEnv(t, noEnv, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v = %d, want 2 and %q\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
}

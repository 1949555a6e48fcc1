// Package ci_test checks the CI integrations in this directory: the GitHub
// Action, the GitLab template and the pre-commit hooks parse as YAML, have
// the keys their hosts require, and their shell scripts behave (exit codes,
// reports written, token never printed) when run against a stub or the real
// baton binary.
package ci_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type action struct {
	Name        string
	Description string
	Author      string
	Branding    struct{ Icon, Color string }
	Inputs      map[string]struct {
		Description string
		Required    bool
		Default     *string
	}
	Outputs map[string]struct{ Description, Value string }
	Runs    struct {
		Using string
		Steps []step
	}
}

type step struct {
	ID    string
	Name  string
	If    string
	Uses  string
	Shell string
	Run   string
	Env   map[string]string
	With  map[string]string
}

func readYAML(t *testing.T, path string, v any) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

func loadAction(t *testing.T) action {
	var a action
	readYAML(t, "github/action.yml", &a)
	return a
}

func TestGitHubAction(t *testing.T) {
	a := loadAction(t)
	if a.Name == "" || a.Description == "" || a.Runs.Using != "composite" {
		t.Fatalf("name=%q description=%q runs.using=%q", a.Name, a.Description, a.Runs.Using)
	}
	wantDefaults := map[string]string{
		"manifest": "baton.yaml", "registry": "", "token": "", "fail-on": "breaking",
		"format": "markdown", "publish-on-default-branch": "false",
	}
	for name, def := range wantDefaults {
		in, ok := a.Inputs[name]
		if !ok {
			t.Errorf("input %q missing", name)
			continue
		}
		if in.Description == "" || in.Default == nil || *in.Default != def {
			t.Errorf("input %q: description %q, default %v, want default %q", name, in.Description, in.Default, def)
		}
	}
	for _, o := range []string{"report", "exit-code"} {
		if a.Outputs[o].Value == "" {
			t.Errorf("output %q missing", o)
		}
	}

	var setupGo, install, check, publish *step
	for i := range a.Runs.Steps {
		s := &a.Runs.Steps[i]
		switch {
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			setupGo = s
		case strings.Contains(s.Run, "go install \"github.com/batonhq/baton/cmd/baton@"):
			install = s
		case strings.Contains(s.Run, "baton check"):
			check = s
		case strings.Contains(s.Run, "baton publish"):
			publish = s
		}
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %q: composite run steps need shell", s.Name)
		}
		// Inputs reach scripts through env only: ${{ }} inside run: is
		// expanded before the shell sees it (script injection).
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q interpolates an expression into its script", s.Name)
		}
		if regexp.MustCompile(`(echo|printf)[^\n]*BATON_TOKEN|set -x|set -[a-z]*x`).MatchString(s.Run) {
			t.Errorf("step %q may print the token", s.Name)
		}
		for k, v := range s.Env {
			if strings.Contains(v, "inputs.token") && k != "BATON_TOKEN" {
				t.Errorf("step %q passes the token as %s", s.Name, k)
			}
		}
	}
	if setupGo == nil || install == nil || check == nil || publish == nil {
		t.Fatalf("steps: setup-go %v, install %v, check %v, publish %v", setupGo != nil, install != nil, check != nil, publish != nil)
	}
	if install.Env["ACTION_REF"] != "${{ github.action_ref }}" {
		t.Errorf("install does not use the action's ref: %v", install.Env)
	}
	for _, s := range []*step{check, publish} {
		if s.Env["BATON_TOKEN"] != "${{ inputs.token }}" || s.Env["BATON_MANIFEST"] != "${{ inputs.manifest }}" {
			t.Errorf("step %q env %v", s.Name, s.Env)
		}
	}
	for _, s := range []string{"--format github", `--format "$BATON_FORMAT"`, `--fail-on "$BATON_FAIL_ON"`, "GITHUB_STEP_SUMMARY"} {
		if !strings.Contains(check.Run, s) {
			t.Errorf("check step lacks %q", s)
		}
	}
	for _, s := range []string{"inputs.publish-on-default-branch == 'true'", "github.event.repository.default_branch"} {
		if !strings.Contains(publish.If, s) {
			t.Errorf("publish step condition %q lacks %q", publish.If, s)
		}
	}
}

type gitlabJob struct {
	Extends      string
	Image        string
	Stage        string
	Needs        []string
	Variables    map[string]string
	BeforeScript []string `yaml:"before_script"`
	Script       []string
	Rules        []struct{ If string }
	Artifacts    struct {
		When     string
		ExpireIn string `yaml:"expire_in"`
		Paths    []string
		Reports  struct{ Junit string }
	}
}

func loadGitLab(t *testing.T) (map[string]string, map[string]gitlabJob) {
	var doc map[string]yaml.Node
	readYAML(t, "gitlab/baton.gitlab-ci.yml", &doc)
	vars := map[string]string{}
	jobs := map[string]gitlabJob{}
	for k, n := range doc {
		if k == "variables" {
			if err := n.Decode(&vars); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var j gitlabJob
		if err := n.Decode(&j); err != nil {
			t.Fatalf("job %s: %v", k, err)
		}
		jobs[k] = j
	}
	return vars, jobs
}

func TestGitLabTemplate(t *testing.T) {
	vars, jobs := loadGitLab(t)
	for k, v := range map[string]string{"BATON_MANIFEST": "baton.yaml", "BATON_FAIL_ON": "breaking", "BATON_PUBLISH_ON_DEFAULT_BRANCH": "false"} {
		if vars[k] != v {
			t.Errorf("variable %s = %q, want %q", k, vars[k], v)
		}
	}
	for _, secret := range []string{"BATON_TOKEN", "BATON_REGISTRY"} {
		if _, ok := vars[secret]; ok {
			t.Errorf("the template sets %s; it must come from the project's CI/CD variables", secret)
		}
	}
	base, ok := jobs[".baton"]
	if !ok || base.Image == "" || len(base.BeforeScript) == 0 || !strings.Contains(base.BeforeScript[0], "go install \"github.com/batonhq/baton/cmd/baton@${BATON_VERSION}\"") {
		t.Fatalf(".baton: %+v", base)
	}
	check, ok := jobs["baton-check"]
	if !ok || check.Extends != ".baton" || check.Stage == "" {
		t.Fatalf("baton-check: %+v", check)
	}
	script := strings.Join(check.Script, "\n")
	if !strings.Contains(script, "--format junit") || !strings.Contains(script, "> baton-report.xml") {
		t.Errorf("baton-check script does not write the junit report:\n%s", script)
	}
	if check.Artifacts.Reports.Junit != "baton-report.xml" || check.Artifacts.When != "always" {
		t.Errorf("baton-check artifacts: %+v", check.Artifacts)
	}
	pub, ok := jobs["baton-publish"]
	if !ok || pub.Extends != ".baton" || len(pub.Rules) != 1 || !strings.Contains(pub.Rules[0].If, "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH") ||
		!strings.Contains(strings.Join(pub.Script, "\n"), "baton publish") {
		t.Errorf("baton-publish: %+v", pub)
	}
	for name, j := range jobs {
		for _, l := range append(j.BeforeScript, j.Script...) {
			if strings.Contains(l, "BATON_TOKEN") {
				t.Errorf("job %s mentions the token in its script: %s", name, l)
			}
		}
	}
}

type hook struct {
	ID            string
	Name          string
	Description   string
	Language      string
	Entry         string
	Args          []string
	PassFilenames *bool `yaml:"pass_filenames"`
	Files         string
	Types         []string
}

func TestPreCommitHooks(t *testing.T) {
	var hooks []hook
	readYAML(t, "pre-commit/.pre-commit-hooks.yaml", &hooks)
	ids := map[string]hook{}
	for _, h := range hooks {
		if h.ID == "" || h.Name == "" || h.Entry == "" || h.Language == "" {
			t.Errorf("hook %+v lacks a required key (id, name, entry, language)", h)
		}
		if _, err := regexp.Compile(h.Files); err != nil {
			t.Errorf("hook %s: files: %v", h.ID, err)
		}
		ids[h.ID] = h
	}
	if d := ids["baton-diff"]; !strings.Contains(d.Entry, "baton diff") {
		t.Errorf("baton-diff entry %q", d.Entry)
	}
	if c := ids["baton-check"]; c.Entry != "baton check" || c.PassFilenames == nil || *c.PassFilenames {
		t.Errorf("baton-check: %+v", c)
	}
}

// TestREADMESnippets: every yaml block of ci/README.md parses, and the
// README documents each integration.
func TestREADMESnippets(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 3 {
		t.Fatalf("%d yaml snippets, want one each for GitHub, GitLab and pre-commit", len(blocks))
	}
	for i, b := range blocks {
		var v any
		if err := yaml.Unmarshal([]byte(b[1]), &v); err != nil {
			t.Errorf("snippet %d does not parse: %v\n%s", i, err, b[1])
		}
	}
	for _, s := range []string{"batonhq/baton/ci/github@", "ci/gitlab/baton.gitlab-ci.yml", "repo: local", "BATON_TOKEN", "BATON_REGISTRY", "NO_COLOR"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("README lacks %q", s)
		}
	}
}

// stubBaton writes a `baton` that logs its arguments and environment to
// $STUB_LOG, prints "report <format>" and exits with $STUB_EXIT_<FORMAT>.
func stubBaton(t *testing.T, dir string) {
	t.Helper()
	script := `#!/bin/sh
printf '%s\n' "$*" >> "$STUB_LOG"
printf 'token=%s registry=%s\n' "$BATON_TOKEN" "$BATON_REGISTRY" >> "$STUB_LOG"
fmt=text; prev=
for a in "$@"; do [ "$prev" = --format ] && fmt=$a; prev=$a; done
echo "report $fmt"
eval "exit \${STUB_EXIT_$fmt:-0}"
`
	if err := os.WriteFile(filepath.Join(dir, "baton"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func needShell(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the CI scripts are POSIX shell")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
}

// TestGitHubCheckScript runs the action's check step with a stub baton:
// the verdict is the github run's exit code, the markdown report lands in
// the job summary, a usage/registry error (2) stops before the report, and
// the token reaches baton only through the environment.
func TestGitHubCheckScript(t *testing.T) {
	needShell(t)
	var check step
	for _, s := range loadAction(t).Runs.Steps {
		if s.ID == "check" {
			check = s
		}
	}
	if check.Run == "" {
		t.Fatal("no step with id check")
	}
	for _, tt := range []struct {
		name         string
		githubExit   string
		wantExit     int
		wantSummary  bool
		fmt, failOn  string
		wantInOutput string
	}{
		{"compatible", "0", 0, true, "markdown", "breaking", "exit-code=0"},
		{"breaking", "1", 1, true, "markdown", "breaking", "exit-code=1"},
		{"registry unreachable", "2", 2, false, "markdown", "breaking", "exit-code=2"},
		{"junit report, no summary", "1", 1, false, "junit", "warning", "exit-code=1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			stubBaton(t, dir)
			summary, output, log := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output"), filepath.Join(dir, "log")
			cmd := exec.Command("bash", "-c", check.Run)
			cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"),
				"RUNNER_TEMP="+dir, "GITHUB_STEP_SUMMARY="+summary, "GITHUB_OUTPUT="+output, "STUB_LOG="+log,
				"STUB_EXIT_github="+tt.githubExit, "BATON_MANIFEST=baton.yaml", "BATON_FAIL_ON="+tt.failOn,
				"BATON_FORMAT="+tt.fmt, "INPUT_REGISTRY=https://registry.example", "BATON_TOKEN=s3cr3t-token")
			out, code := combinedOutput(t, cmd)
			if code != tt.wantExit {
				t.Fatalf("exit %d, want %d\n%s", code, tt.wantExit, out)
			}
			if strings.Contains(string(out), "s3cr3t-token") {
				t.Errorf("the token was printed:\n%s", out)
			}
			calls := readOr(t, log)
			if !strings.Contains(calls, "check --format github --fail-on "+tt.failOn+" baton.yaml") ||
				!strings.Contains(calls, "token=s3cr3t-token registry=https://registry.example") {
				t.Errorf("baton calls:\n%s", calls)
			}
			gotSummary := readOr(t, summary)
			if tt.wantSummary != (gotSummary == "report markdown\n") {
				t.Errorf("summary %q (want written: %v)", gotSummary, tt.wantSummary)
			}
			outputs := readOr(t, output)
			if !strings.Contains(outputs, tt.wantInOutput) || !strings.Contains(outputs, "report="+dir+"/baton-report."+tt.fmt) {
				t.Errorf("outputs:\n%s", outputs)
			}
			if tt.wantExit < 2 && readOr(t, filepath.Join(dir, "baton-report."+tt.fmt)) != "report "+tt.fmt+"\n" {
				t.Errorf("report file not written")
			}
		})
	}
}

func readOr(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// buildBaton builds the real CLI into dir.
func buildBaton(t *testing.T, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the baton binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "baton"), "../cmd/baton")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

func git(t *testing.T, repo string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPreCommitDiffHook runs the baton-diff hook's entry, exactly as
// pre-commit would (entry + staged file names, from the repository root),
// with the real baton in a temporary git repository: v1 committed, then the
// breaking v2 (exit 1, report names the rule) and the compatible v2 (exit 0).
// A new file without a HEAD version is skipped.
func TestPreCommitDiffHook(t *testing.T) {
	needShell(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	var hooks []hook
	readYAML(t, "pre-commit/.pre-commit-hooks.yaml", &hooks)
	var entry, files string
	for _, h := range hooks {
		if h.ID == "baton-diff" {
			entry, files = h.Entry, h.Files
		}
	}
	bin := t.TempDir()
	buildBaton(t, bin)
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	const schema = "schemas/order.json"
	if !regexp.MustCompile(files).MatchString(schema) {
		t.Fatalf("files pattern %q does not select %s", files, schema)
	}
	copyFile(t, "../cmd/baton/testdata/order-v1.json", filepath.Join(repo, schema))
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "v1")
	copyFile(t, "../cmd/baton/testdata/order-v1.json", filepath.Join(repo, "schemas/new.json"))

	for _, tt := range []struct {
		v2   string
		want int
		out  []string
	}{
		{"order-v2-breaking.json", 1, []string{"maximum-decreased", "incompatible (backward): 4 breaking change(s)"}},
		{"order-v2-compatible.json", 0, []string{"compatible (backward)"}},
	} {
		t.Run(tt.v2, func(t *testing.T) {
			copyFile(t, "../cmd/baton/testdata/"+tt.v2, filepath.Join(repo, schema))
			cmd := exec.Command("sh", "-c", entry+` "$@"`, "pre-commit", schema, "schemas/new.json")
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1")
			out, code := combinedOutput(t, cmd)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\n%s", code, tt.want, out)
			}
			for _, s := range tt.out {
				if !strings.Contains(string(out), s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			if strings.Count(string(out), "(backward)") != 1 {
				t.Errorf("want exactly one diff (the new file has no HEAD version):\n%s", out)
			}
		})
	}
}

// combinedOutput runs cmd and returns its output and exit code; a command
// that could not run at all fails the test.
func combinedOutput(t *testing.T, cmd *exec.Cmd) ([]byte, int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out, ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out, 0
}

// TestDeploySteps: the GitHub action and the GitLab template gain
// can-i-deploy (gated on an environment; exit 1 blocks, 2 is an error)
// and record-deployment (only after can-i-deploy, only when asked), both
// with the version publish records by default and the token in the
// environment only.
func TestDeploySteps(t *testing.T) {
	a := loadAction(t)
	for name, def := range map[string]string{"environment": "", "service": "", "service-version": "", "record-deployment": "false"} {
		in, ok := a.Inputs[name]
		if !ok || in.Default == nil || *in.Default != def || in.Description == "" {
			t.Errorf("input %q: %+v", name, in)
		}
	}
	var can, rec *step
	for i := range a.Runs.Steps {
		s := &a.Runs.Steps[i]
		switch {
		case strings.Contains(s.Run, "baton can-i-deploy"):
			can = s
		case strings.Contains(s.Run, "baton record-deployment"):
			rec = s
		}
	}
	if can == nil || rec == nil {
		t.Fatalf("steps: can-i-deploy %v, record-deployment %v", can != nil, rec != nil)
	}
	if can.If != "inputs.environment != ''" || !strings.Contains(rec.If, "inputs.record-deployment == 'true'") || !strings.Contains(rec.If, "inputs.environment != ''") {
		t.Errorf("conditions: can-i-deploy %q, record-deployment %q", can.If, rec.If)
	}
	for _, s := range []*step{can, rec} {
		if s.Env["BATON_TOKEN"] != "${{ inputs.token }}" || s.Env["BATON_ENVIRONMENT"] != "${{ inputs.environment }}" || !strings.Contains(s.Run, "git rev-parse --short HEAD") {
			t.Errorf("step %q: env %v", s.Name, s.Env)
		}
	}
	if !strings.Contains(can.Run, `--to "$BATON_ENVIRONMENT" --format github`) || !strings.Contains(can.Run, `if [ "$rc" -ge 2 ]; then exit "$rc"; fi`) {
		t.Errorf("can-i-deploy script:\n%s", can.Run)
	}
	if !strings.Contains(rec.Run, `--env "$BATON_ENVIRONMENT"`) {
		t.Errorf("record-deployment script:\n%s", rec.Run)
	}

	vars, jobs := loadGitLab(t)
	for k, v := range map[string]string{"BATON_ENVIRONMENT": "", "BATON_SERVICE": "", "BATON_RECORD_DEPLOYMENT": "false"} {
		if got, ok := vars[k]; !ok || got != v {
			t.Errorf("variable %s = %q, want %q", k, got, v)
		}
	}
	gcan, ok1 := jobs["baton-can-i-deploy"]
	grec, ok2 := jobs["baton-record-deployment"]
	if !ok1 || !ok2 {
		t.Fatalf("jobs: can-i-deploy %v, record-deployment %v", ok1, ok2)
	}
	if len(gcan.Rules) != 1 || !strings.Contains(gcan.Rules[0].If, `$BATON_ENVIRONMENT != ""`) || gcan.Artifacts.Reports.Junit != "baton-deploy.xml" {
		t.Errorf("baton-can-i-deploy: %+v", gcan)
	}
	if len(grec.Needs) != 1 || grec.Needs[0] != "baton-can-i-deploy" || len(grec.Rules) != 1 || !strings.Contains(grec.Rules[0].If, `$BATON_RECORD_DEPLOYMENT == "true"`) {
		t.Errorf("baton-record-deployment: %+v", grec)
	}
	if !strings.Contains(strings.Join(gcan.Script, "\n"), "baton can-i-deploy --service") || !strings.Contains(strings.Join(grec.Script, "\n"), "baton record-deployment --service") {
		t.Errorf("scripts: %v / %v", gcan.Script, grec.Script)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/asyncapi"
	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/boltstore"
	"github.com/batonhq/baton/report"
)

// Offline mode: `baton check --against git:REF` compares each schema the
// manifest owns with its version at a git ref, without a registry. Git is
// only ever asked about local objects (rev-parse, cat-file, show); nothing
// here fetches.

// gitTimeout bounds every git invocation.
const gitTimeout = 30 * time.Second

// parseAgainst reads the --against value: "git:REF".
func parseAgainst(s string) (ref string, err error) {
	ref, ok := strings.CutPrefix(s, "git:")
	if !ok || ref == "" {
		return "", usagef("--against must be git:REF (e.g. git:HEAD, git:origin/main), not %q", s)
	}
	if strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, "\x00\n") {
		return "", usagef("--against: invalid git ref %q", ref)
	}
	return ref, nil
}

// gitRepo is the git repository holding the manifest.
type gitRepo struct {
	root string // the working tree's top level
}

// runGit runs git with args in dir and returns its standard output; stderr
// is folded into the error.
func runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	// Never prompt, never fetch missing objects of a partial clone.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_NO_LAZY_FETCH=1", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("git %s: timed out after %s", args[0], gitTimeout)
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, errors.New("--against git:REF needs the git binary on PATH")
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &gitError{msg: msg, err: err}
	}
	return stdout.Bytes(), nil
}

type gitError struct {
	msg string
	err error
}

func (e *gitError) Error() string { return e.msg }
func (e *gitError) Unwrap() error { return e.err }

// openGitRepo finds the repository containing dir and checks that ref
// names a commit in it.
func openGitRepo(ctx context.Context, dir, ref string) (*gitRepo, error) {
	out, err := runGit(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return nil, fmt.Errorf("--against git:%s: %s is not inside a git working tree (%s)", ref, dir, ge.msg)
		}
		return nil, err
	}
	root := strings.TrimSpace(string(out))
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if _, err := runGit(ctx, root, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}"); err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return nil, fmt.Errorf("--against git:%s: unknown git ref %q in %s", ref, ref, root)
		}
		return nil, err
	}
	return &gitRepo{root: root}, nil
}

// rel is path relative to the repository root, slash-separated, as git
// names it in REF:path.
func (g *gitRepo) rel(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	rel, err := filepath.Rel(g.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the git repository %s", path, g.root)
	}
	return filepath.ToSlash(rel), nil
}

// show returns the content of rel at ref; ok is false when the file does
// not exist there.
func (g *gitRepo) show(ctx context.Context, ref, rel string) (data []byte, ok bool, err error) {
	obj := ref + ":" + rel
	if _, err := runGit(ctx, g.root, "cat-file", "-e", obj); err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return nil, false, nil
		}
		return nil, false, err
	}
	data, err = runGit(ctx, g.root, "cat-file", "blob", obj)
	if err != nil {
		return nil, false, fmt.Errorf("git show %s: %w", obj, err)
	}
	if len(data) > manifest.MaxFileSize {
		return nil, false, fmt.Errorf("%s is larger than %d bytes", obj, manifest.MaxFileSize)
	}
	return data, true, nil
}

// checkAgainstGit is `baton check --against git:REF`: the registry's own
// check (CheckManifest), run on a throwaway registry in a temporary
// directory whose only versions are the manifest's owned schemas as they
// are at REF, in mode with policy. One item per owned schema, pointing at
// the working tree's file and at REF's as its base.
func checkAgainstGit(ctx context.Context, e env, m *manifest.Manifest, ref string, mode compat.Mode, policy compat.Policy, format, failOn string, budget *budgetFlags) error {
	repo, err := openGitRepo(ctx, filepath.Dir(m.File), ref)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "baton-against-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	reg := registry.NewRegistrar(st, registry.Options{MaxCheckSteps: budget.steps, MaxCheckMemory: budget.memory,
		CheckStepsFlag: "--max-steps", CheckMemoryFlag: "--max-memory"})
	if _, err := reg.SetConfig(ctx, "", registry.Config{Mode: mode, Policy: policy}); err != nil {
		return err
	}
	mc := registry.ManifestCheck{Name: m.Service, Owner: m.Owner}
	var docBases map[string]gitBase // an AsyncAPI document's owned payloads at ref, by subject
	if data, err := manifest.ReadFile(m.File); err == nil && asyncapi.Is(data) {
		if docBases, err = asyncAPIBasesAt(ctx, repo, m, ref); err != nil {
			return err
		}
	}
	var bases []gitBase // per owned schema, in mc's order
	for _, g := range ownedGroups(m) {
		for _, o := range g.owned {
			b, err := baseAt(ctx, repo, m, ref, o)
			if docBases != nil {
				b, err = docBases[o.Subject], nil
				if !b.exists {
					b.rel = o.Subject + " in " + b.rel
				}
			}
			if err == nil && b.exists {
				_, err = reg.Publish(ctx, registry.PublishRequest{Subject: o.Subject, Schema: string(b.text)})
				if err != nil {
					err = fmt.Errorf("%s: %w", b.file, err)
				}
			}
			if err != nil {
				return fmt.Errorf("%s: %s (%s): %w", m.File, o.Subject, o.Schema, err)
			}
			bases = append(bases, b)
			mc.Relations = append(mc.Relations, registry.ManifestRelation{Kind: g.kind, Subject: o.Subject, Name: o.Name,
				Schema: o.Text, File: manifestPath(m, o.Schema)})
		}
	}
	res, err := reg.CheckManifest(ctx, mc)
	if err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	if len(res.Items) != len(bases) { // nothing consumes them in a registry of its own
		return fmt.Errorf("%s: checked %d schemas, got %d results", m.File, len(bases), len(res.Items))
	}
	for i, b := range bases {
		it := &res.Items[i]
		it.BaseFile = b.file
		if !b.exists {
			it.Note = "new schema: " + b.rel + " does not exist at git:" + ref
			continue
		}
		it.Base, it.Note = b.text, "checked against "+b.file
	}
	return render(e, format, failOn, res)
}

// gitBase is an owned schema as it is at a git ref.
type gitBase struct {
	file   string // "git:REF:path"
	rel    string // path relative to the repository root
	text   []byte
	exists bool // false: the file does not exist at REF
}

// baseAt reads owned schema o at ref.
func baseAt(ctx context.Context, repo *gitRepo, m *manifest.Manifest, ref string, o manifest.Owned) (gitBase, error) {
	path := o.Path
	if path == "" {
		path = manifestPath(m, o.Schema)
	}
	rel, err := repo.rel(path)
	if err != nil {
		return gitBase{}, err
	}
	b := gitBase{file: "git:" + ref + ":" + rel, rel: rel}
	b.text, b.exists, err = repo.show(ctx, ref, rel)
	return b, err
}

// asyncAPIBasesAt reads the AsyncAPI document m as it is at ref (its
// $refs to local files read at ref too) and returns its owned payloads by
// subject; a subject missing there has a base that does not exist.
func asyncAPIBasesAt(ctx context.Context, repo *gitRepo, m *manifest.Manifest, ref string) (map[string]gitBase, error) {
	rel, err := repo.rel(m.File)
	if err != nil {
		return nil, err
	}
	bases := map[string]gitBase{}
	for _, g := range ownedGroups(m) {
		for _, o := range g.owned {
			bases[o.Subject] = gitBase{file: "git:" + ref + ":" + rel, rel: rel}
		}
	}
	data, ok, err := repo.show(ctx, ref, rel)
	if err != nil || !ok {
		return bases, err
	}
	old, err := asyncapi.Parse(rel, data, asyncapi.Options{ReadFile: func(from, name string) (string, []byte, error) {
		p := path.Join(path.Dir(from), name)
		if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(name) {
			return "", nil, fmt.Errorf("%q leads outside the git repository", name)
		}
		data, ok, err := repo.show(ctx, ref, p)
		if err == nil && !ok {
			err = fmt.Errorf("%s does not exist at git:%s", p, ref)
		}
		return p, data, err
	}})
	if err != nil {
		return nil, fmt.Errorf("%s at git:%s: %w", rel, ref, err)
	}
	for _, g := range ownedGroups(old) {
		for _, o := range g.owned {
			if _, ours := bases[o.Subject]; ours {
				bases[o.Subject] = gitBase{file: "git:" + ref + ":" + path.Join(path.Dir(rel), o.Schema), rel: rel, text: []byte(o.Text), exists: true}
			}
		}
	}
	return bases, nil
}

// cmdCheckOffline validates the flags of `check --against` and runs it.
func cmdCheckOffline(ctx context.Context, e env, pos []string, registryURL, format, failOn, root, against, modeFlag string, budget *budgetFlags) error {
	if against == "" {
		return usagef("--mode needs --against git:REF (with a registry the subject's own mode applies)")
	}
	if registryURL != "" {
		return usagef("--against and --registry are mutually exclusive: --against checks offline against a git ref")
	}
	ref, err := parseAgainst(against)
	if err != nil {
		return err
	}
	mode := compat.Backward
	if modeFlag != "" {
		mode, err = compat.ParseMode(modeFlag)
		if err != nil || mode.Transitive() || mode == compat.None {
			return usagef("--mode must be backward, forward or full, not %q", modeFlag)
		}
	}
	if !slices.Contains(report.Formats, format) {
		return usagef("--format must be one of %s, not %q", strings.Join(report.Formats, ", "), format)
	}
	if _, err := report.ParseFailOn(failOn); err != nil {
		return usageError{err.Error()}
	}
	m, err := loadManifest(pos, root)
	if err != nil {
		return err
	}
	return checkAgainstGit(ctx, e, m, ref, mode, compat.Strict, format, failOn, budget)
}

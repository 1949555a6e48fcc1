package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// `baton import` takes over a Confluent-compatible registry: every subject,
// version (soft-deleted ones as soft-deleted), schema id, reference and
// compatibility setting is written into Baton in IMPORT mode with the same
// ids and version numbers, so every schema id that Kafka messages already
// carry resolves to the same text. It is idempotent: the destination keeps
// what a previous (possibly interrupted) run wrote, the server refuses any
// id or version that holds something else, and a re-run only writes what
// is missing.

func cmdImport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "import", "--from URL [--from-token T] [--subjects REGEX] [--dry-run] [--registry URL] [--token T]")
	from := fs.String("from", "", "URL of the source registry (Confluent-compatible); user:secret@ sends Basic credentials")
	fromToken := fs.String("from-token", "", "bearer token for the source registry")
	subjects := fs.String("subjects", "", "import only subjects matching this regular expression (and the versions they reference)")
	dryRun := fs.Bool("dry-run", false, "read both registries and print what would be imported; write nothing")
	rf := addRegistryFlags(fs, "text")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("import takes no arguments, got %q", pos)
	}
	if *from == "" {
		return usagef("no source: give --from URL of the registry to import")
	}
	var filter *regexp.Regexp
	if *subjects != "" {
		if filter, err = regexp.Compile(*subjects); err != nil {
			return usagef("--subjects: %v", err)
		}
	}
	dst, err := rf.client(e, "text")
	if err != nil {
		return err
	}
	var srcOpts []httpapi.ClientOption
	if *fromToken != "" {
		srcOpts = append(srcOpts, httpapi.WithToken(*fromToken))
	}
	src := httpapi.NewClient(*from, srcOpts...)
	var progress io.Writer
	if e.isTerminal(e.stderr) {
		progress = e.stderr
	}
	sum, err := importRegistry(ctx, src, dst, importOptions{Subjects: filter, DryRun: *dryRun, Out: e.stdout, Progress: progress})
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d version(s) could not be imported (listed above); fix them and run the same command again", sum.Failed)
	}
	return nil
}

type importOptions struct {
	Subjects *regexp.Regexp // nil: every subject
	DryRun   bool
	Out      io.Writer // report lines and the summary
	Progress io.Writer // nil: no progress line (not a terminal)
	// afterWrite, when set, is called after each version written (tests
	// interrupt an import here).
	afterWrite func(n int)
	// workers bounds the writes in flight (0: importWorkers); tests use 1
	// to stop after exactly n writes.
	workers int
}

// importSummary is what an import did (or, dry, would do).
type importSummary struct {
	Subjects, Versions, IDs int
	Written, Present        int // versions newly written, versions already there
	SoftDeleted, Configs    int
	Skipped, Failed         int
	Took                    time.Duration
}

// sourceVersion is one version read from the source registry.
type sourceVersion struct {
	registry.SubjectVersion
	deleted    bool
	byRef      bool   // not selected, imported because a selected one references it
	skip, fail string // why it is not imported
}

func (v *sourceVersion) key() string { return versionKey(v.Subject, v.Version.Version) }

func versionKey(subject string, version int) string {
	return subject + "\x00" + strconv.Itoa(version)
}

func (v *sourceVersion) String() string {
	return fmt.Sprintf("%s version %d (id %d)", v.Subject, v.Version.Version, v.SchemaID)
}

func importRegistry(ctx context.Context, src, dst registry.Registry, o importOptions) (importSummary, error) {
	start := time.Now()
	var sum importSummary
	out := o.Out
	plan, configs, global, err := readSource(ctx, src, o.Subjects)
	if err != nil {
		return sum, fmt.Errorf("read source registry: %w", err)
	}
	order := importOrder(plan)
	ids := map[int64]bool{}
	subjects := map[string]bool{}
	for _, v := range order {
		if v.skip != "" {
			sum.Skipped++
			fmt.Fprintf(out, "skip %s: %s\n", v, v.skip)
			continue
		}
		if v.byRef {
			fmt.Fprintf(out, "include %s: a selected version references it\n", v)
		}
		sum.Versions++
		ids[v.SchemaID] = true
		subjects[v.Subject] = true
	}
	sum.Subjects, sum.IDs = len(subjects), len(ids)

	// What a previous run left: those versions are re-sent (the server
	// answers them without writing, and refuses them if they hold another
	// id), but counted as present.
	present := map[string]bool{}
	visible := map[string]bool{}
	names := sortedKeys(subjects)
	var mu sync.Mutex
	err = parallel(ctx, 0, len(names), func(i int) error {
		return listVersions(ctx, dst, names[i], &mu, present, visible)
	})
	if err != nil {
		return sum, fmt.Errorf("read destination registry: %w", err)
	}
	if o.DryRun {
		for _, v := range order {
			if v.skip != "" {
				continue
			}
			if present[v.key()] {
				sum.Present++
			}
			if v.deleted && (!present[v.key()] || visible[v.key()]) {
				sum.SoftDeleted++
			}
		}
		sum.Written = sum.Versions - sum.Present
		sum.Configs = len(configs)
		if global != nil {
			sum.Configs++
		}
		sum.Took = time.Since(start)
		fmt.Fprintf(out, "dry run: would import %s\n", sum)
		return sum, nil
	}

	// Global IMPORT with force: the destination may hold what an earlier
	// run imported; force is safe because every import is refused if its
	// id or version holds anything else.
	if m, err := dst.GetMode(ctx, "", false); err != nil {
		return sum, fmt.Errorf("read destination mode: %w", err)
	} else if m != registry.ModeImport {
		if _, err := dst.SetMode(ctx, "", registry.ModeImport, true); err != nil {
			return sum, fmt.Errorf("set destination to IMPORT mode: %w", err)
		}
	}
	failed := map[string]bool{}
	var done atomic.Int64
	for _, group := range levels(order, plan) {
		// Within a group no version references another, so they go
		// concurrently; the group's outcome is reported in order.
		err := parallel(ctx, o.workers, len(group), func(i int) error {
			v := group[i]
			if v.skip != "" {
				return nil
			}
			if bad := failedRef(v, failed); bad != "" { // failed is only written between groups
				v.fail = "references " + bad + ", which was not imported"
				return nil
			}
			_, err := dst.Publish(ctx, registry.PublishRequest{
				Subject: v.Subject, Schema: v.Schema.Text, SchemaType: registry.SchemaTypeJSON,
				References: v.Schema.References, ID: v.SchemaID, Version: v.Version.Version})
			if err != nil {
				if k := registry.ErrorKind(err); k == registry.KindUnavailable || k == registry.KindInternal || k == registry.KindUnauthorized || k == registry.KindForbidden {
					return fmt.Errorf("import %s: %w", v, err)
				}
				v.fail = err.Error()
				return nil
			}
			n := done.Add(1)
			if o.Progress != nil {
				mu.Lock()
				fmt.Fprintf(o.Progress, "\rimporting: %d/%d versions", n, sum.Versions)
				mu.Unlock()
			}
			if o.afterWrite != nil {
				o.afterWrite(int(n))
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		for _, v := range group {
			switch {
			case v.skip != "":
			case v.fail != "":
				failed[v.key()] = true
				sum.Failed++
				fmt.Fprintf(out, "FAILED %s: %s\n", v, v.fail)
			case present[v.key()]:
				sum.Present++
			default:
				sum.Written++
				visible[v.key()] = true
			}
		}
	}
	if o.Progress != nil && done.Load() > 0 {
		fmt.Fprintln(o.Progress)
	}
	// Soft deletes last, referrers first: every version had to be visible
	// while the versions referencing it were imported.
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		if !v.deleted || v.skip != "" || failed[v.key()] || !visible[v.key()] {
			continue
		}
		if _, err := dst.DeleteVersion(ctx, v.Subject, strconv.Itoa(v.Version.Version), false); err != nil {
			if k := registry.ErrorKind(err); k == registry.KindUnavailable || k == registry.KindInternal {
				return sum, fmt.Errorf("soft-delete %s: %w", v, err)
			}
			sum.Failed++
			fmt.Fprintf(out, "FAILED soft-delete of %s: %v\n", v, err)
			continue
		}
		sum.SoftDeleted++
	}
	for _, s := range sortedKeys(configs) {
		if _, err := dst.SetConfig(ctx, s, configs[s]); err != nil {
			return sum, fmt.Errorf("set compatibility of %s: %w", s, err)
		}
		sum.Configs++
	}
	if global != nil {
		if _, err := dst.SetConfig(ctx, "", *global); err != nil {
			return sum, fmt.Errorf("set global compatibility: %w", err)
		}
		sum.Configs++
	}
	if _, err := dst.SetMode(ctx, "", registry.ModeReadWrite, false); err != nil {
		return sum, fmt.Errorf("set destination back to READWRITE: %w", err)
	}
	sum.Took = time.Since(start)
	fmt.Fprintf(out, "imported %s\n", sum)
	return sum, nil
}

// importWorkers is how many requests an import keeps in flight: the
// destination's store shares one commit (one fsync) among concurrent
// writes, so writing one version at a time would pay a whole fsync each
// (10,000 versions: 115 s one at a time, 30 s with 16, 19 s with 64).
const importWorkers = 64

// parallel runs fn(0..n-1) on workers (0: importWorkers) goroutines and returns the
// first error (the others stop taking work).
func parallel(parent context.Context, workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	for range min(cmp.Or(workers, importWorkers), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err // an interruption, not the requests it made fail
	}
	return first
}

// levels groups order (references first) so that a version's references
// are all in earlier groups: each group can be written concurrently.
func levels(order []*sourceVersion, plan map[string]*sourceVersion) [][]*sourceVersion {
	level := map[string]int{}
	var out [][]*sourceVersion
	for _, v := range order { // references come first in order
		l := 0
		for _, r := range v.Schema.References {
			if dep := plan[versionKey(r.Subject, r.Version)]; dep != nil && dep != v {
				l = max(l, level[dep.key()]+1)
			}
		}
		level[v.key()] = l
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], v)
	}
	return out
}

func (s importSummary) String() string {
	return fmt.Sprintf("%d subjects, %d versions (%d written, %d already there, %d soft-deleted), %d schema ids, %d compatibility settings; %d skipped, %d failed; took %s",
		s.Subjects, s.Versions, s.Written, s.Present, s.SoftDeleted, s.IDs, s.Configs, s.Skipped, s.Failed, s.Took.Round(time.Millisecond))
}

// failedRef names a reference of v that failed to import, if any.
func failedRef(v *sourceVersion, failed map[string]bool) string {
	for _, r := range v.Schema.References {
		if failed[versionKey(r.Subject, r.Version)] {
			return fmt.Sprintf("%s version %d", r.Subject, r.Version)
		}
	}
	return ""
}

// listVersions notes which versions of subject the destination has
// (present) and which of them are visible.
func listVersions(ctx context.Context, reg registry.Registry, subject string, mu *sync.Mutex, present, visible map[string]bool) error {
	for _, deleted := range []bool{true, false} {
		vs, err := reg.Versions(ctx, subject, deleted)
		if registry.ErrorKind(err) == registry.KindNotFound {
			continue
		}
		if err != nil {
			return err
		}
		mu.Lock()
		for _, n := range vs {
			if deleted {
				present[versionKey(subject, n)] = true
			} else {
				visible[versionKey(subject, n)] = true
			}
		}
		mu.Unlock()
	}
	return nil
}

// readSource reads the selected subjects' versions (soft-deleted ones
// included), the versions they reference, and the compatibility settings.
func readSource(ctx context.Context, src registry.Registry, filter *regexp.Regexp) (map[string]*sourceVersion, map[string]registry.Config, *registry.Config, error) {
	all, err := src.Subjects(ctx, true)
	if err != nil {
		return nil, nil, nil, err
	}
	plan := map[string]*sourceVersion{}
	configs := map[string]registry.Config{}
	visibleOf := map[string]map[int]bool{}
	// visibleIn lists a subject's visible versions once: Confluent marks
	// soft-deleted versions only by leaving them out of that list.
	visibleIn := func(subject string) (map[int]bool, error) {
		if m, ok := visibleOf[subject]; ok {
			return m, nil
		}
		m := map[int]bool{}
		vs, err := src.Versions(ctx, subject, false)
		if err != nil && registry.ErrorKind(err) != registry.KindNotFound {
			return nil, err
		}
		for _, n := range vs {
			m[n] = true
		}
		visibleOf[subject] = m
		return m, nil
	}
	load := func(subject string, n int, byRef bool) (*sourceVersion, error) {
		if v, ok := plan[versionKey(subject, n)]; ok {
			return v, nil
		}
		sv, err := src.GetVersion(ctx, subject, strconv.Itoa(n), true)
		if err != nil {
			return nil, fmt.Errorf("%s version %d: %w", subject, n, err)
		}
		vis, err := visibleIn(subject)
		if err != nil {
			return nil, err
		}
		sv.Subject, sv.Version.Version = subject, n
		v := newSourceVersion(sv, !vis[n], byRef)
		plan[v.key()] = v
		return v, nil
	}
	var selected []string
	for _, s := range all {
		if filter == nil || filter.MatchString(s) {
			selected = append(selected, s)
		}
	}
	// One subject per worker: its version lists, each version, its config.
	type subjectRead struct {
		versions []registry.SubjectVersion
		visible  map[int]bool
		cfg      *registry.Config
	}
	reads := make([]subjectRead, len(selected))
	err = parallel(ctx, 0, len(selected), func(i int) error {
		s := selected[i]
		ns, err := src.Versions(ctx, s, true)
		if err != nil {
			return fmt.Errorf("versions of %s: %w", s, err)
		}
		vis, err := src.Versions(ctx, s, false)
		if err != nil && registry.ErrorKind(err) != registry.KindNotFound {
			return fmt.Errorf("versions of %s: %w", s, err)
		}
		r := subjectRead{visible: map[int]bool{}}
		for _, n := range vis {
			r.visible[n] = true
		}
		for _, n := range ns {
			sv, err := src.GetVersion(ctx, s, strconv.Itoa(n), true)
			if err != nil {
				return fmt.Errorf("%s version %d: %w", s, n, err)
			}
			sv.Subject, sv.Version.Version = s, n
			r.versions = append(r.versions, sv)
		}
		cfg, err := src.GetConfig(ctx, s, false)
		switch {
		case err == nil:
			r.cfg = &cfg
		case registry.ErrorKind(err) != registry.KindNotFound:
			return fmt.Errorf("compatibility of %s: %w", s, err)
		}
		reads[i] = r
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	var queue []*sourceVersion
	for i, s := range selected {
		r := reads[i]
		visibleOf[s] = r.visible
		for _, sv := range r.versions {
			v := newSourceVersion(sv, !r.visible[sv.Version.Version], false)
			plan[v.key()] = v
			queue = append(queue, v)
		}
		if r.cfg != nil {
			configs[s] = *r.cfg
		}
	}
	// References outside the selection come along: an id must resolve
	// with the references it was registered with.
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, r := range v.Schema.References {
			if _, ok := plan[versionKey(r.Subject, r.Version)]; ok {
				continue
			}
			dep, err := load(r.Subject, r.Version, true)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("reference %q of %s: %w", r.Name, v, err)
			}
			queue = append(queue, dep)
		}
	}
	// A version whose reference is skipped cannot be imported either.
	for changed := true; changed; {
		changed = false
		for _, v := range plan {
			if v.skip != "" {
				continue
			}
			for _, r := range v.Schema.References {
				if dep := plan[versionKey(r.Subject, r.Version)]; dep != nil && dep.skip != "" {
					v.skip = fmt.Sprintf("references %s, which is skipped", dep)
					changed = true
					break
				}
			}
		}
	}
	var global *registry.Config
	if cfg, err := src.GetConfig(ctx, "", false); err == nil {
		global = &cfg
	} else if registry.ErrorKind(err) != registry.KindNotFound {
		return nil, nil, nil, fmt.Errorf("global compatibility: %w", err)
	}
	return plan, configs, global, nil
}

func newSourceVersion(sv registry.SubjectVersion, deleted, byRef bool) *sourceVersion {
	v := &sourceVersion{SubjectVersion: sv, deleted: deleted, byRef: byRef}
	if !strings.EqualFold(sv.Schema.Type, registry.SchemaTypeJSON) {
		v.skip = fmt.Sprintf("schemaType %s; Baton registers JSON Schema only", sv.Schema.Type)
	}
	return v
}

// importOrder puts every version after the versions it references, and
// otherwise in id order (the order the source registered them in), so a
// reference always exists when its referrer is imported.
func importOrder(plan map[string]*sourceVersion) []*sourceVersion {
	vs := make([]*sourceVersion, 0, len(plan))
	for _, v := range plan {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b *sourceVersion) int {
		return cmp.Or(cmp.Compare(a.SchemaID, b.SchemaID), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Version.Version, b.Version.Version))
	})
	out := make([]*sourceVersion, 0, len(vs))
	state := map[string]int{} // 1: on the path, 2: placed
	var visit func(v *sourceVersion)
	visit = func(v *sourceVersion) {
		if state[v.key()] != 0 { // placed, or a cycle (a source cannot hold one; import it once)
			return
		}
		state[v.key()] = 1
		for _, r := range v.Schema.References {
			if dep := plan[versionKey(r.Subject, r.Version)]; dep != nil {
				visit(dep)
			}
		}
		state[v.key()] = 2
		out = append(out, v)
	}
	for _, v := range vs {
		visit(v)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

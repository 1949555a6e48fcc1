package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/compat"
)

// Options configure a Registrar. Zero values are sensible defaults.
type Options struct {
	Limits    compat.Limits // schema loading limits; zero fields: compat.DefaultLimits
	CacheSize int           // entries kept per cache; 0: DefaultCacheSize
	// CacheBytes bounds the estimated heap of each cache of compiled
	// schemas (stored by id, proposals by fingerprint); 0: DefaultCacheBytes.
	CacheBytes int64
	Logger     *slog.Logger // nil: discard
	Now        Clock        // nil: time.Now

	// MaxVersions bounds the versions per subject; 0: DefaultMaxVersions.
	MaxVersions int
}

// DefaultConfig is the registry's configuration when nothing is set:
// Confluent's default BACKWARD, with STRICT open-model handling.
var DefaultConfig = Config{Mode: compat.Backward, Policy: compat.Strict}

// maxPublishAttempts bounds the re-read/re-check loop when another replica
// keeps winning the compare-and-set. Inside one process the per-subject lock
// makes a retry rare, so 16 losses in a row means heavy cross-replica
// contention and the client should retry later.
const maxPublishAttempts = 16

// lockStripes is the number of per-subject publish mutexes. Subjects hash
// onto stripes; two subjects sharing one only serialize, never deadlock.
const lockStripes = 256

// Registrar holds every registry rule: schema types, references, fingerprint
// dedupe, compatibility modes, and Confluent's delete semantics. It is safe
// for concurrent use.
type Registrar struct {
	store  Store
	limits compat.Limits
	log    *slog.Logger
	now    Clock
	cache  *schemaCache

	// maxVersions bounds the versions of one subject (see limits.go).
	maxVersions int
	// locks serialize publishes per subject inside this process so that
	// concurrent publishes queue instead of losing Append's compare-and-set
	// and retrying; across replicas correctness comes from the CAS itself.
	locks [lockStripes]sync.Mutex
	// compiles counts schema compilations, so tests can prove that a
	// repeated check is served from the caches.
	compiles atomic.Int64
}

var _ Registry = (*Registrar)(nil)

// NewRegistrar returns a Registrar over store.
func NewRegistrar(store Store, opts Options) *Registrar {
	opts.Limits = opts.Limits.WithDefaults()
	if opts.MaxVersions <= 0 {
		opts.MaxVersions = DefaultMaxVersions
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Registrar{store: store, limits: opts.Limits, maxVersions: opts.MaxVersions, log: opts.Logger, now: opts.Now, cache: newSchemaCache(opts.CacheSize, opts.CacheBytes)}
}

// Ping reports whether the store is reachable (for /readyz).
func (s *Registrar) Ping(ctx context.Context) error { return s.fail(s.store.Ping(ctx)) }

// fail normalizes errors leaving the Registrar: registry errors (store
// failures included, already KindUnavailable) pass through, anything else
// becomes KindInternal so internals are logged but never shown.
func (s *Registrar) fail(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindUnavailable, Code: CodeStoreError, Message: "request cancelled or timed out", Err: err}
	}
	return &Error{Kind: KindInternal, Code: CodeStoreError, Message: "internal error", Err: err}
}

func (s *Registrar) lockFor(subject string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(subject))
	return &s.locks[h.Sum32()%lockStripes]
}

// checkType accepts "" and "JSON" in any case.
func checkType(t string) error {
	if t == "" || strings.EqualFold(t, SchemaTypeJSON) {
		return nil
	}
	return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema type %q: Baton registers JSON Schema only (schemaType \"JSON\" or omitted)", t)
}

// latestVersion marks "latest" (and Confluent's -1) after parsing.
const latestVersion = -1

// parseVersion reads "latest", -1 or a positive int (42202 otherwise).
func parseVersion(v string) (int, error) {
	if v == "latest" {
		return latestVersion, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 || n < -1 {
		return 0, Errorf(KindInvalid, CodeInvalidVersion, "The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", v)
	}
	return n, nil
}

// resolveVersion returns the version record v names ("latest": the highest
// version visible with the given deleted flag).
func (s *Registrar) resolveVersion(ctx context.Context, subject string, n int, deleted bool) (Version, error) {
	if n != latestVersion {
		return s.store.Version(ctx, subject, n, deleted)
	}
	vs, err := s.store.Versions(ctx, subject, deleted)
	if err != nil {
		return Version{}, err
	}
	if len(vs) == 0 { // stores answer 40401 already; keep the rule here too
		return Version{}, Errorf(KindNotFound, CodeSubjectNotFound, "Subject '%s' not found.", subject)
	}
	return vs[len(vs)-1], nil
}

// resolveRefs checks that every reference exists and, when texts is
// non-nil, collects the referenced documents (and theirs, recursively) as
// compile resources. allowDeleted is true when compiling an already stored
// schema whose references may since have been soft-deleted.
func (s *Registrar) resolveRefs(ctx context.Context, refs []Reference, allowDeleted bool, res *[]compat.Resource, seen map[string]string, depth int) error {
	if len(refs) == 0 {
		return nil
	}
	if depth > s.limits.MaxRefDepth {
		return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: references nest deeper than %d levels", s.limits.MaxRefDepth)
	}
	for _, r := range refs {
		if r.Name == "" || r.Subject == "" || r.Version < 1 {
			return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: reference %q must have a name, a subject and a version >= 1 (got subject %q, version %d)", r.Name, r.Subject, r.Version)
		}
		v, err := s.store.Version(ctx, r.Subject, r.Version, allowDeleted)
		if err != nil {
			if ErrorKind(err) == KindNotFound {
				return &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Err: err,
					Message: fmt.Sprintf("Invalid schema: reference %q to subject %q version %d does not exist", r.Name, r.Subject, r.Version)}
			}
			return err
		}
		if res == nil {
			continue
		}
		target := r.Subject + "\x00" + strconv.Itoa(r.Version)
		if prev, ok := seen[r.Name]; ok {
			if prev != target {
				return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: reference name %q names two different schemas", r.Name)
			}
			continue // already collected, with its own references
		}
		if len(seen) >= s.limits.MaxRefs {
			return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: more than %d referenced schemas", s.limits.MaxRefs)
		}
		seen[r.Name] = target
		sch, err := s.schemaByID(ctx, v.SchemaID)
		if err != nil {
			return err
		}
		*res = append(*res, compat.Resource{Name: r.Name, Schema: []byte(sch.Text)})
		if err := s.resolveRefs(ctx, sch.References, true, res, seen, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// fingerprint is Fingerprint behind a cache keyed by a digest of the exact
// submitted bytes: CI sends the same text every build, and hashing it is far
// cheaper than re-parsing it into canonical form. On a miss it also returns
// the decoded document, so that compiling it does not decode it again.
func (s *Registrar) fingerprint(text string, refs []Reference) (string, any, error) {
	key := rawKey(text, refs)
	if fp, ok := s.cache.rawFP.Get(key); ok {
		return fp, nil, nil
	}
	doc, err := compat.DecodeJSON([]byte(text))
	if err != nil {
		return "", nil, invalidJSON(err)
	}
	fp := fingerprintValue(doc, len(text), refs)
	s.cache.rawFP.Add(key, fp)
	return fp, doc, nil
}

// rawKey is the digest of a text exactly as submitted, with its references.
func rawKey(text string, refs []Reference) [32]byte {
	h := sha256.New()
	h.Write([]byte(text))
	for _, r := range refs {
		// Quoted fields keep boundaries unambiguous.
		h.Write([]byte("\x00" + strconv.Quote(r.Name) + strconv.Quote(r.Subject) + strconv.Itoa(r.Version)))
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// schemaByID reads a stored schema through the cache: records never change
// once written (IDs are never rebound), so a hit is always current.
func (s *Registrar) schemaByID(ctx context.Context, id int64) (Schema, error) {
	if sch, ok := s.cache.schemas.Get(id); ok {
		sch.References = slices.Clone(sch.References) // callers must not alias the cache
		return sch, nil
	}
	sch, err := s.store.SchemaByID(ctx, id)
	if err != nil {
		return Schema{}, err
	}
	cached := sch
	cached.References = slices.Clone(sch.References)
	s.cache.schemas.Add(id, cached)
	return sch, nil
}

// compileProposed validates the type, fingerprints and compiles a proposed
// schema. Its references must exist (checked even on a cache hit: the cache
// must not make a missing reference acceptable). Nothing is written.
func (s *Registrar) compileProposed(ctx context.Context, subject, schemaType, text string, refs []Reference) (*compat.Schema, string, error) {
	if err := checkType(schemaType); err != nil {
		return nil, "", err
	}
	if err := checkText(text); err != nil {
		return nil, "", err
	}
	// Refuse oversize text before canonicalizing it (Compile would refuse it
	// too, but only after the fingerprint had parsed all of it).
	if max := cmp.Or(s.limits.MaxBytes, compat.DefaultLimits.MaxBytes); len(text) > max {
		return nil, "", Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: document is %d bytes; the limit is %d", len(text), max)
	}
	fp, doc, err := s.fingerprint(text, refs)
	if err != nil {
		// Past 10,000 levels the decoder stops with its own message; name
		// the depth limit instead (only failures pay for this scan).
		if lerr := compat.CheckSize([]byte(text), subject, s.limits); lerr != nil {
			return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + lerr.Error(), Err: lerr}
		}
		return nil, "", err
	}
	if c, ok := s.cache.byFP.Get(fp); ok {
		if err := s.resolveRefs(ctx, refs, false, nil, nil, 1); err != nil {
			return nil, "", err
		}
		return c, fp, nil
	}
	var res []compat.Resource
	if err := s.resolveRefs(ctx, refs, false, &res, map[string]string{}, 1); err != nil {
		return nil, "", err
	}
	data := []byte(text)
	if doc == nil { // the text was seen before, but its compiled form was evicted
		if doc, err = compat.DecodeJSON(data); err != nil {
			return nil, "", invalidJSON(err)
		}
	}
	s.compiles.Add(1)
	c, err := compat.CompileValue(data, doc, compat.LoadOptions{Source: subject, Resources: res, Limits: s.limits})
	if err != nil {
		var le *compat.LoadError
		if errors.As(err, &le) {
			return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + le.Error(), Err: err}
		}
		return nil, "", &Error{Kind: KindInvalid, Code: CodeInvalidSchema, Message: "Invalid schema: " + err.Error(), Err: err}
	}
	s.cache.byFP.Add(fp, c)
	return c, fp, nil
}

// compiledByID returns the compiled form of a stored schema, compiling it at
// most once per cache lifetime.
func (s *Registrar) compiledByID(ctx context.Context, id int64) (*compat.Schema, error) {
	if c, ok := s.cache.byID.Get(id); ok {
		return c, nil
	}
	sch, err := s.schemaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c, ok := s.cache.byFP.Get(sch.Fingerprint); ok && sch.Fingerprint != "" {
		s.cache.byID.Add(id, c)
		return c, nil
	}
	var res []compat.Resource
	if err := s.resolveRefs(ctx, sch.References, true, &res, map[string]string{}, 1); err != nil {
		return nil, err
	}
	s.compiles.Add(1)
	// Stored schemas were valid when registered; no size limits here so a
	// later, stricter limit cannot make history unreadable.
	c, err := compat.Compile([]byte(sch.Text), compat.LoadOptions{Source: fmt.Sprintf("schema id %d", id), Resources: res,
		Limits: compat.HistoryLimits})
	if err != nil {
		return nil, &Error{Kind: KindInternal, Code: CodeStoreError, Message: fmt.Sprintf("stored schema %d no longer compiles", id), Err: err}
	}
	s.cache.byID.Add(id, c)
	if sch.Fingerprint != "" {
		s.cache.byFP.Add(sch.Fingerprint, c)
	}
	return c, nil
}

// effectiveConfig resolves subject config, else global, else DefaultConfig.
func (s *Registrar) effectiveConfig(ctx context.Context, subject string) (Config, error) {
	for _, name := range []string{subject, ""} {
		cfg, ok, err := s.store.Config(ctx, name)
		if err != nil {
			return Config{}, err
		}
		if ok && cfg.Mode != "" {
			return cfg, nil
		}
		if name == "" {
			break
		}
	}
	return DefaultConfig, nil
}

// history returns the non-deleted versions a check in mode must compare
// against (every one for transitive modes, else the latest), compiled.
func (s *Registrar) history(ctx context.Context, subject string, mode compat.Mode) ([]Version, []*compat.Schema, error) {
	if mode == compat.None {
		return nil, nil, nil
	}
	vs, err := s.store.Versions(ctx, subject, false)
	if err != nil {
		if ErrorKind(err) == KindNotFound {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	if !mode.Transitive() && len(vs) > 1 {
		vs = vs[len(vs)-1:]
	}
	out := make([]*compat.Schema, len(vs))
	for i, v := range vs {
		if out[i], err = s.compiledByID(ctx, v.SchemaID); err != nil {
			return nil, nil, err
		}
	}
	return vs, out, nil
}

// check runs the mode over the given history and rewrites each finding's
// Version from a position in the slice to the real version number. Verdicts
// are memoized by (mode, policy, proposal fingerprint, version:id list):
// CI re-checks the same schema on every build and that must cost nothing.
func (s *Registrar) check(mode compat.Mode, cfg Config, vs []Version, hist []*compat.Schema, proposed *compat.Schema, fp string) compat.Report {
	key := reportKey(mode, cfg.Policy, fp, vs)
	if rep, ok := s.cache.reports.Get(key); ok {
		rep.Findings = slices.Clone(rep.Findings) // callers must not alias the cache
		return rep
	}
	rep := compat.CheckMode(mode, hist, proposed, compat.Options{Policy: cfg.Policy})
	for i := range rep.Findings {
		if p := rep.Findings[i].Version; p >= 1 && p <= len(vs) {
			rep.Findings[i].Version = vs[p-1].Version
		}
	}
	if rep.Findings == nil {
		rep.Findings = []compat.Finding{}
	}
	s.cache.reports.Add(key, compat.Report{Compatible: rep.Compatible, Findings: slices.Clone(rep.Findings)})
	return rep
}

func reportKey(mode compat.Mode, policy compat.Policy, fp string, vs []Version) string {
	var b strings.Builder
	b.Grow(len(mode) + len(fp) + 8 + 16*len(vs))
	b.WriteString(string(mode))
	b.WriteByte('|')
	b.WriteString(policy.String())
	b.WriteByte('|')
	b.WriteString(fp)
	for _, v := range vs {
		b.WriteByte('|')
		b.WriteString(strconv.Itoa(v.Version))
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(v.SchemaID, 10))
	}
	return b.String()
}

// incompatible builds the 409 Confluent clients expect, one line per finding.
func incompatible(subject string, rep compat.Report) *Error {
	var lines []string
	for _, f := range rep.Findings {
		if f.Breaking {
			lines = append(lines, findingLine(f))
		}
	}
	if len(lines) == 0 { // incompatible without a breaking finding: show them all
		for _, f := range rep.Findings {
			lines = append(lines, findingLine(f))
		}
	}
	return &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: rep.Findings,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]", subject, strings.Join(lines, "\n"))}
}

func findingLine(f compat.Finding) string {
	path := f.Path
	if path == "" {
		path = "/"
	}
	var where []string
	if f.Direction != "" {
		where = append(where, f.Direction)
	}
	if f.Version > 0 {
		where = append(where, "version "+strconv.Itoa(f.Version))
	}
	ctx := ""
	if len(where) > 0 {
		ctx = " (" + strings.Join(where, ", ") + ")"
	}
	return fmt.Sprintf("%s at %s%s: %s", f.Rule, path, ctx, f.Message)
}

// Publish checks req against the subject's history and registers it. An
// identical schema (same fingerprint) returns the existing version without
// a check. Nothing is written on any error.
func (s *Registrar) Publish(ctx context.Context, req PublishRequest) (SubjectVersion, error) {
	sv, err := s.publish(ctx, req)
	return sv, s.fail(err)
}

func (s *Registrar) publish(ctx context.Context, req PublishRequest) (SubjectVersion, error) {
	if err := checkSubject(req.Subject); err != nil {
		return SubjectVersion{}, err
	}
	start := s.now()
	proposed, fp, err := s.compileProposed(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return SubjectVersion{}, err
	}
	mu := s.lockFor(req.Subject)
	mu.Lock()
	defer mu.Unlock()
	for attempt := 1; attempt <= maxPublishAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return SubjectVersion{}, err
		}
		latest, err := s.store.Latest(ctx, req.Subject)
		if err != nil {
			return SubjectVersion{}, err
		}
		if v, err := s.store.FindByFingerprint(ctx, req.Subject, fp); err == nil {
			return s.join(ctx, v)
		} else if ErrorKind(err) != KindNotFound {
			return SubjectVersion{}, err
		}
		if err := s.checkVersionLimit(ctx, req.Subject, latest); err != nil {
			return SubjectVersion{}, err
		}
		cfg, err := s.effectiveConfig(ctx, req.Subject)
		if err != nil {
			return SubjectVersion{}, err
		}
		vs, hist, err := s.history(ctx, req.Subject, cfg.Mode)
		if err != nil {
			return SubjectVersion{}, err
		}
		if rep := s.check(cfg.Mode, cfg, vs, hist, proposed, fp); !rep.Compatible {
			return SubjectVersion{}, incompatible(req.Subject, rep)
		}
		forced, err := s.checkDependents(ctx, req, cfg, proposed, fp)
		if err != nil {
			return SubjectVersion{}, err
		}
		v, existing, err := s.store.Append(ctx, req.Subject, latest, Schema{
			Type: SchemaTypeJSON, Text: req.Schema, References: req.References, Fingerprint: fp})
		if errors.Is(err, ErrStale) {
			s.log.Debug("publish lost a race; re-checking", "subject", req.Subject, "attempt", attempt)
			continue
		}
		if err != nil {
			return SubjectVersion{}, err
		}
		sv, err := s.join(ctx, v)
		if err != nil {
			return SubjectVersion{}, err
		}
		if !existing {
			s.cache.byID.Add(v.SchemaID, proposed)
			s.log.Info("schema registered", "subject", req.Subject, "version", v.Version, "id", v.SchemaID,
				"mode", string(cfg.Mode), "took", s.now().Sub(start))
			if forced != nil {
				sv.Forced = forced
				s.log.Warn("forced publish breaks registered services", "subject", req.Subject, "impacted", strings.Join(impactedNames(forced.Impacted), ", "),
					"overridden", forced.Overridden, "version", v.Version, "id", v.SchemaID)
			}
		}
		return sv, nil
	}
	return SubjectVersion{}, &Error{Kind: KindUnavailable, Code: CodeStoreError,
		Message: fmt.Sprintf("subject %q changed %d times while publishing; retry", req.Subject, maxPublishAttempts)}
}

// join attaches the stored schema to a version.
func (s *Registrar) join(ctx context.Context, v Version) (SubjectVersion, error) {
	sch, err := s.schemaByID(ctx, v.SchemaID)
	if err != nil {
		return SubjectVersion{}, err
	}
	return SubjectVersion{Version: v, Schema: sch}, nil
}

// Lookup finds the version of req.Subject that holds req's schema.
func (s *Registrar) Lookup(ctx context.Context, req PublishRequest, deleted bool) (SubjectVersion, error) {
	sv, err := s.lookup(ctx, req, deleted)
	return sv, s.fail(err)
}

func (s *Registrar) lookup(ctx context.Context, req PublishRequest, deleted bool) (SubjectVersion, error) {
	if err := checkType(req.SchemaType); err != nil {
		return SubjectVersion{}, err
	}
	fp, _, err := s.fingerprint(req.Schema, req.References)
	if err != nil {
		return SubjectVersion{}, err
	}
	v, err := s.store.FindByFingerprint(ctx, req.Subject, fp)
	if err == nil {
		return s.join(ctx, v)
	}
	if !deleted || ErrorKind(err) != KindNotFound {
		return SubjectVersion{}, err
	}
	// deleted=true: soft-deleted versions count too. The store indexes only
	// visible versions by fingerprint, so scan (rare, admin-only path).
	vs, verr := s.store.Versions(ctx, req.Subject, true)
	if verr != nil {
		return SubjectVersion{}, verr
	}
	for i := len(vs) - 1; i >= 0; i-- {
		sch, serr := s.schemaByID(ctx, vs[i].SchemaID)
		if serr != nil {
			return SubjectVersion{}, serr
		}
		if sch.Fingerprint == fp {
			return SubjectVersion{Version: vs[i], Schema: sch}, nil
		}
	}
	return SubjectVersion{}, err
}

// Check reports whether req.Schema could be registered, without writing.
// Version "" checks every version the mode covers; "latest" or N checks that
// one version in the mode's direction(s).
func (s *Registrar) Check(ctx context.Context, req CheckRequest) (compat.Report, error) {
	rep, err := s.checkReq(ctx, req)
	return rep, s.fail(err)
}

func (s *Registrar) checkReq(ctx context.Context, req CheckRequest) (compat.Report, error) {
	n := 0
	if req.Version != "" {
		var err error
		if n, err = parseVersion(req.Version); err != nil {
			return compat.Report{}, err
		}
	}
	cfg, err := s.effectiveConfig(ctx, req.Subject)
	if err != nil {
		return compat.Report{}, err
	}
	var vs []Version
	if n != 0 {
		v, err := s.resolveVersion(ctx, req.Subject, n, false)
		if err != nil {
			return compat.Report{}, err
		}
		vs = []Version{v}
	}
	proposed, fp, err := s.compileProposed(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return compat.Report{}, err
	}
	mode := cfg.Mode
	var hist []*compat.Schema
	if n != 0 {
		// One explicit version: compare with just it, in the mode's
		// direction(s); the transitive part does not apply.
		mode = compat.Mode(strings.TrimSuffix(string(mode), "_TRANSITIVE"))
		if mode != compat.None {
			c, err := s.compiledByID(ctx, vs[0].SchemaID)
			if err != nil {
				return compat.Report{}, err
			}
			hist = []*compat.Schema{c}
		}
	} else if vs, hist, err = s.history(ctx, req.Subject, mode); err != nil {
		return compat.Report{}, err
	}
	rep := s.check(mode, cfg, vs, hist, proposed, fp)
	if n != 0 && cfg.Mode.Transitive() {
		for i := range rep.Findings {
			rep.Findings[i].Version = vs[0].Version
		}
	}
	return rep, nil
}

// Subjects lists subject names, sorted.
func (s *Registrar) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	out, err := s.store.Subjects(ctx, deleted)
	if out == nil && err == nil {
		out = []string{}
	}
	return out, s.fail(err)
}

// Versions lists a subject's version numbers, ascending.
func (s *Registrar) Versions(ctx context.Context, subject string, deleted bool) ([]int, error) {
	vs, err := s.store.Versions(ctx, subject, deleted)
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out, nil
}

// GetVersion returns one version with its schema ("latest", -1 or N).
func (s *Registrar) GetVersion(ctx context.Context, subject, version string, deleted bool) (SubjectVersion, error) {
	n, err := parseVersion(version)
	if err != nil {
		return SubjectVersion{}, err
	}
	v, err := s.resolveVersion(ctx, subject, n, deleted)
	if err != nil {
		return SubjectVersion{}, s.fail(err)
	}
	sv, err := s.join(ctx, v)
	return sv, s.fail(err)
}

// SchemaByID returns a schema by its global ID (40403 if unknown). It reads
// the store, not the record cache, so that a store outage is reported (503)
// rather than masked and each backend's answer for hard-deleted schemas
// holds; the cache serves internal reads that follow a store read.
func (s *Registrar) SchemaByID(ctx context.Context, id int64) (Schema, error) {
	sch, err := s.store.SchemaByID(ctx, id)
	return sch, s.fail(err)
}

// VersionsByID lists the subject versions that use schema id.
func (s *Registrar) VersionsByID(ctx context.Context, id int64) ([]Version, error) {
	vs, err := s.store.VersionsByID(ctx, id)
	if vs == nil && err == nil {
		vs = []Version{}
	}
	return vs, s.fail(err)
}

// referenced refuses to delete a version other schemas still reference
// (Confluent 42206), so references never dangle.
func (s *Registrar) referenced(ctx context.Context, subject string, version int) error {
	ids, err := s.store.ReferencedBy(ctx, subject, version)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		return &Error{Kind: KindConflict, Code: CodeReferenceExists,
			Message: fmt.Sprintf("One or more references exist to the schema {subject=%s, version=%d}: schema ids %v", subject, version, ids)}
	}
	return nil
}

// DeleteSubject soft-deletes a subject, or hard-deletes a soft-deleted one.
func (s *Registrar) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	vs, err := s.store.Versions(ctx, subject, true)
	if err != nil {
		return nil, s.fail(err)
	}
	for _, v := range vs {
		if err := s.referenced(ctx, subject, v.Version); err != nil {
			return nil, s.fail(err)
		}
	}
	// Hold the publish lock so a concurrent publish in this process cannot
	// check against versions that are disappearing.
	mu := s.lockFor(subject)
	mu.Lock()
	defer mu.Unlock()
	out, err := s.store.DeleteSubject(ctx, subject, permanent)
	if err == nil {
		s.log.Info("subject deleted", "subject", subject, "permanent", permanent, "versions", out)
	}
	return out, s.fail(err)
}

// DeleteVersion soft-deletes a version, or hard-deletes a soft-deleted one.
// "latest" names the latest visible version for a soft delete and the latest
// one including soft-deleted for a hard delete, as in Confluent.
func (s *Registrar) DeleteVersion(ctx context.Context, subject, version string, permanent bool) (int, error) {
	n, err := parseVersion(version)
	if err != nil {
		return 0, err
	}
	v, err := s.resolveVersion(ctx, subject, n, permanent)
	if err != nil {
		return 0, s.fail(err)
	}
	if err := s.referenced(ctx, subject, v.Version); err != nil {
		return 0, s.fail(err)
	}
	mu := s.lockFor(subject)
	mu.Lock()
	defer mu.Unlock()
	if err := s.store.DeleteVersion(ctx, subject, v.Version, permanent); err != nil {
		return 0, s.fail(err)
	}
	s.log.Info("version deleted", "subject", subject, "version", v.Version, "permanent", permanent)
	return v.Version, nil
}

// ReferencedBy lists the IDs of schemas that reference subject/version.
func (s *Registrar) ReferencedBy(ctx context.Context, subject, version string) ([]int64, error) {
	n, err := parseVersion(version)
	if err != nil {
		return nil, err
	}
	v, err := s.resolveVersion(ctx, subject, n, true)
	if err != nil {
		return nil, s.fail(err)
	}
	ids, err := s.store.ReferencedBy(ctx, subject, v.Version)
	if ids == nil && err == nil {
		ids = []int64{}
	}
	return ids, s.fail(err)
}

// GetConfig returns the subject's config ("" = global, falling back to the
// default). A subject without its own config answers 40408 unless
// defaultToGlobal.
func (s *Registrar) GetConfig(ctx context.Context, subject string, defaultToGlobal bool) (Config, error) {
	if subject != "" {
		cfg, ok, err := s.store.Config(ctx, subject)
		if err != nil {
			return Config{}, s.fail(err)
		}
		if ok && cfg.Mode != "" {
			return cfg, nil
		}
		if !defaultToGlobal {
			return Config{}, Errorf(KindNotFound, CodeSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", subject)
		}
	}
	cfg, ok, err := s.store.Config(ctx, "")
	if err != nil {
		return Config{}, s.fail(err)
	}
	if !ok || cfg.Mode == "" {
		return DefaultConfig, nil
	}
	return cfg, nil
}

// SetConfig validates and stores a subject's (or the global) config.
func (s *Registrar) SetConfig(ctx context.Context, subject string, cfg Config) (Config, error) {
	m, err := compat.ParseMode(string(cfg.Mode))
	if err != nil || cfg.Mode == "" {
		return Config{}, Errorf(KindInvalid, CodeInvalidCompatibility, "Invalid compatibility level %q: want one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE", cfg.Mode)
	}
	if cfg.Policy != compat.Strict && cfg.Policy != compat.Lenient {
		return Config{}, Errorf(KindInvalid, CodeInvalidCompatibility, "Invalid compatibility policy %d: want strict or lenient", cfg.Policy)
	}
	cfg.Mode = m
	if subject != "" {
		if err := checkSubject(subject); err != nil {
			return Config{}, err
		}
	}
	if err := s.store.SetConfig(ctx, subject, cfg); err != nil {
		return Config{}, s.fail(err)
	}
	s.log.Info("config set", "subject", subject, "mode", string(cfg.Mode), "policy", cfg.Policy.String())
	return cfg, nil
}

// DeleteConfig removes a subject's (or the global) config and returns what
// was removed (for the global config, the default if none was set).
func (s *Registrar) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	old, err := s.GetConfig(ctx, subject, false)
	if err != nil {
		return Config{}, err
	}
	if err := s.store.DeleteConfig(ctx, subject); err != nil {
		return Config{}, s.fail(err)
	}
	return old, nil
}

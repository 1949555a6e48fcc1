package registry

import (
	"cmp"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
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
	// MaxNamedVersions bounds the service versions can-i-deploy, plan and
	// impact in an environment keep decoded that no cached environment
	// deploys (the ones checks name; least recently used go first);
	// deployed versions always stay. 0: DefaultMaxNamedVersions.
	MaxNamedVersions int

	// MaxCheckSteps and MaxCheckMemory are the budget of one compatibility
	// check (compat.Options); 0: compat.DefaultMaxSteps and
	// compat.DefaultMaxMemory.
	MaxCheckSteps  int
	MaxCheckMemory int64
	// CheckStepsFlag and CheckMemoryFlag name the settings that raise the
	// budget in undecidable-complexity findings; "": baton serve's
	// --max-check-steps and --max-check-memory.
	CheckStepsFlag, CheckMemoryFlag string
}

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
	// snapshots caches recorded service versions (deployments.go).
	snapshots *snapshotCache

	// maxVersions bounds the versions of one subject (see limits.go).
	maxVersions int
	// planChecks bounds the checks of one plan (maxPlanChecks; tests lower it).
	planChecks int
	// checkOpts is the budget of every check (policy set per check); its
	// complexity findings name the serve flags that raise it.
	checkOpts compat.Options
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
	checkOpts := compat.Options{MaxSteps: opts.MaxCheckSteps, MaxMemory: opts.MaxCheckMemory,
		StepsFlag: cmp.Or(opts.CheckStepsFlag, "--max-check-steps"), MemoryFlag: cmp.Or(opts.CheckMemoryFlag, "--max-check-memory")}
	return &Registrar{store: store, limits: opts.Limits, maxVersions: opts.MaxVersions, planChecks: maxPlanChecks, checkOpts: checkOpts, log: opts.Logger, now: opts.Now, cache: newSchemaCache(opts.CacheSize, opts.CacheBytes),
		snapshots: newSnapshotCache(opts.MaxNamedVersions)}
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

// nonNil is s, or an empty slice for nil: lists are answered as [] when
// empty, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

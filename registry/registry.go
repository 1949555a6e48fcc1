// Package registry holds Baton's domain: subjects, versions, schemas,
// compatibility modes, the Store interface that persistence adapters
// implement, and Registrar, the only place where registry rules live.
package registry

import (
	"context"
	"time"

	"github.com/batonhq/baton/compat"
)

// SchemaTypeJSON is the only schema type Baton registers.
const SchemaTypeJSON = "JSON"

// Reference names another registered schema that a schema may $ref
// (Confluent "references"): Name is what the $ref uses.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Schema is an immutable registered schema. The same schema text (by
// canonical fingerprint, references included) has one global ID.
type Schema struct {
	ID          int64
	Type        string // always SchemaTypeJSON
	Text        string // the schema as first registered
	References  []Reference
	Fingerprint string // hex SHA-256 of the canonical form, see Fingerprint
}

// Version is one version of a subject.
type Version struct {
	Subject  string
	Version  int
	SchemaID int64
	Deleted  bool // soft-deleted: hidden unless asked for
}

// SubjectVersion is a version joined with its schema, as the API returns it.
type SubjectVersion struct {
	Version
	Schema Schema
	// Forced is set when this publish went ahead with force although it
	// breaks registered services (nil otherwise, and on an idempotent
	// re-publish, which breaks nothing new).
	Forced *Override
}

// Override records a forced publish: the registered services it overrode
// (the impact a publish without force is refused with), with findings.
type Override struct {
	Overridden int               `json:"overridden"` // len(Impacted)
	Impacted   []ImpactedService `json:"impacted"`
}

// Config is the compatibility configuration of a subject or of the registry
// ("" subject). Mode "" means "not set here, inherit".
type Config struct {
	Mode   compat.Mode
	Policy compat.Policy
}

// ImpactedService is a service that a proposed change breaks (used by the
// impact analysis and in incompatible-publish errors).
type ImpactedService struct {
	Service  string           `json:"service"`
	Role     RelationKind     `json:"role"` // consumes | sends
	Findings []compat.Finding `json:"findings"`
}

// SubjectState is what a check or a publish needs to know about a subject,
// read at once (Store.ReadSubject).
type SubjectState struct {
	// Latest is the highest version number the subject ever used (0:
	// none), the expected value of the Append that publishes after it.
	Latest int
	// Versions lists every version that exists, soft-deleted ones
	// included, ascending.
	Versions []Version
	// Existing is the visible version that holds the fingerprint asked
	// for; Version 0 when there is none.
	Existing Version
	// Config is the subject's own config and Global the registry's; Mode
	// "" means not set.
	Config, Global Config
	// Mode is the subject's own write mode and GlobalMode the registry's;
	// "" means not set (see EffectiveMode).
	Mode, GlobalMode Mode
}

// Visible returns the versions that are not soft-deleted, ascending.
func (st SubjectState) Visible() []Version {
	out := make([]Version, 0, len(st.Versions))
	for _, v := range st.Versions {
		if !v.Deleted {
			out = append(out, v)
		}
	}
	return out
}

// LatestVisible returns the newest version that is not soft-deleted; ok is
// false when there is none.
func (st SubjectState) LatestVisible() (v Version, ok bool) {
	for i := len(st.Versions) - 1; i >= 0; i-- {
		if !st.Versions[i].Deleted {
			return st.Versions[i], true
		}
	}
	return Version{}, false
}

// Find returns version n (soft-deleted or not); ok is false when the
// subject has no such version.
func (st SubjectState) Find(n int) (v Version, ok bool) {
	for _, v := range st.Versions {
		if v.Version == n {
			return v, true
		}
	}
	return Version{}, false
}

// Effective returns the config that applies to the subject: its own, else
// the global one, else DefaultConfig.
func (st SubjectState) Effective() Config {
	switch {
	case st.Config.Mode != "":
		return st.Config
	case st.Global.Mode != "":
		return st.Global
	}
	return DefaultConfig
}

// Store persists the registry. It never decides compatibility: Registrar does.
// Implementations: boltstore (embedded), redisstore (distributed). Every
// implementation passes registry/storetest.
//
// Errors: store failures are returned as *Error of KindUnavailable (see
// Unavailable); lookups of missing things return ErrNotFound kinds with the
// Confluent code named on each method.
type Store interface {
	// Append registers s under subject as version expected+1 iff the highest
	// version number ever used by the subject (soft- or hard-deleted ones
	// included, so numbers are never reused) is still expected (0: none).
	// If s's fingerprint is already registered globally, its existing ID is
	// reused; otherwise a new global ID (never reused) is allocated.
	// If a non-deleted version of subject already has s's fingerprint, that
	// version is returned and nothing is written (existing=true).
	// If the subject moved on, returns ErrStale and writes nothing.
	// The write is durable when Append returns nil.
	Append(ctx context.Context, subject string, expected int, s Schema) (v Version, existing bool, err error)

	// Import stores version v.Version of v.Subject holding schema s with
	// its own id s.ID (IMPORT mode), atomically: the id must be unused or
	// hold a schema of the same fingerprint (else ErrIDTaken), the version
	// unused or hold s.ID (then nothing is written: existing=true; another
	// id: ErrVersionTaken). The subject's latest version number becomes at
	// least v.Version and the id counter at least s.ID, so versions and ids
	// allocated later never collide with imported ones. Gaps stay gaps. The
	// global fingerprint index keeps an earlier id of the same schema.
	Import(ctx context.Context, v Version, s Schema) (out Version, existing bool, err error)

	// Latest returns the highest version number ever used by subject (0 if
	// none), the value Append's expected must match.
	Latest(ctx context.Context, subject string) (int, error)

	// ReadSubject returns in one read (one bbolt transaction, one Redis
	// pipeline) what checking or publishing a schema under subject needs:
	// the latest version number, every version (soft-deleted ones too),
	// the visible version holding fingerprint (none for ""), and the
	// subject's and the global config and mode. A subject never written is an empty
	// state, not an error.
	ReadSubject(ctx context.Context, subject, fingerprint string) (SubjectState, error)

	// Subjects lists subject names, sorted; deleted=true includes subjects
	// whose versions are all soft-deleted.
	Subjects(ctx context.Context, deleted bool) ([]string, error)

	// Versions lists the subject's versions in ascending order; soft-deleted
	// ones only if deleted=true. Unknown subject (or nothing visible): 40401.
	Versions(ctx context.Context, subject string, deleted bool) ([]Version, error)

	// Version returns one version; deleted=true also finds soft-deleted ones.
	// Unknown subject: 40401; unknown version: 40402.
	Version(ctx context.Context, subject string, version int, deleted bool) (Version, error)

	// SchemaByID returns a schema by global ID. Unknown: 40403.
	SchemaByID(ctx context.Context, id int64) (Schema, error)

	// VersionsByID lists the subject versions (non-deleted) that use schema
	// id, sorted by subject then version. Unknown id: 40403.
	VersionsByID(ctx context.Context, id int64) ([]Version, error)

	// FindByFingerprint returns the non-deleted version of subject holding a
	// schema with this fingerprint. None: 40403 (subject exists) or 40401.
	FindByFingerprint(ctx context.Context, subject, fingerprint string) (Version, error)

	// DeleteVersion soft-deletes (permanent=false) a visible version, or
	// hard-deletes (permanent=true) a version that is already soft-deleted
	// (Confluent: 40407 otherwise). A schema whose last version disappears
	// keeps its ID reserved forever.
	DeleteVersion(ctx context.Context, subject string, version int, permanent bool) error

	// DeleteSubject soft- or hard-deletes every version of subject and
	// returns the version numbers affected. Hard delete requires a prior soft
	// delete (40405 otherwise) and also removes the subject's config.
	DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error)

	// ReferencedBy returns the IDs of schemas whose references name
	// subject/version, ascending.
	ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error)

	// Config returns the config set for subject ("" = global). Not set:
	// ok=false.
	Config(ctx context.Context, subject string) (cfg Config, ok bool, err error)
	SetConfig(ctx context.Context, subject string, cfg Config) error
	// DeleteConfig removes a subject's (or the global) config. Not set: 40408
	// for a subject; the global config silently returns to defaults.
	DeleteConfig(ctx context.Context, subject string) error

	// Mode returns the write mode set for subject ("" = global). Not set:
	// ok=false.
	Mode(ctx context.Context, subject string) (m Mode, ok bool, err error)
	SetMode(ctx context.Context, subject string, m Mode) error
	// DeleteMode removes a subject's (or the global) mode. Not set: 40409
	// for a subject; the global mode silently returns to READWRITE.
	DeleteMode(ctx context.Context, subject string) error

	// PutService stores si (already validated, relations sorted), replacing
	// any earlier record of the same name, and re-indexes its relations by
	// subject, atomically: a reader sees the old or the new record and index.
	// writer is nil for an unrestricted writer; otherwise the services the
	// writer's token writes for, and every subject si owns must, in the same
	// atomic step as the write, be owned by nobody or by one of them (the
	// authorizer's claim rule, repeated where no concurrent claim can slip
	// in between): else ErrClaimedElsewhere and nothing is written.
	PutService(ctx context.Context, si Service, writer []string) error
	// GetService returns a service. Unknown: CodeServiceNotFound.
	GetService(ctx context.Context, name string) (Service, error)
	// Services lists every service, sorted by name.
	Services(ctx context.Context) ([]Service, error)
	// RelationsBySubject lists every relation to subject, sorted by service
	// then kind (the relation index: impact reads only these entries, not
	// the services' whole records).
	RelationsBySubject(ctx context.Context, subject string) ([]ServiceRelation, error)
	// DeleteService removes a service and its index entries. Unknown:
	// CodeServiceNotFound.
	DeleteService(ctx context.Context, name string) error

	// The history of services' contracts (contracts.go).
	ContractStore
	// Service versions, environments and deployments (deploy.go).
	DeployStore

	// AppendAudit appends e (ID ignored) to the audit log and returns the
	// id it got: ascending, never reused. The log keeps a bounded number of
	// the newest entries (registry.DefaultAuditRetention unless configured).
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// Audit returns up to q.Limit entries with ID > q.After, ascending.
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	// Ping reports whether the store is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Clock is injected so tests can pin time.
type Clock func() time.Time

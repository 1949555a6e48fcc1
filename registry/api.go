package registry

import (
	"context"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/report"
)

// PublishRequest registers a schema under a subject (POST /subjects/{s}/versions).
type PublishRequest struct {
	Subject    string
	Schema     string
	SchemaType string // "" or "JSON"; AVRO and PROTOBUF are refused (42201)
	References []Reference
	// Force publishes even when registered consumers or senders would break
	// (the subject's own compatibility mode still applies); it is recorded.
	Force bool
	// ID and Version, when set, import the schema with this id as this
	// version (0: the next one), as Confluent's IMPORT mode does: only
	// accepted when the subject (or the registry) is in IMPORT mode, and
	// not checked for compatibility.
	ID      int64
	Version int
}

// CheckRequest asks whether a schema could be registered
// (POST /compatibility/subjects/{s}/versions/{v}).
type CheckRequest struct {
	Subject    string
	Version    string // "latest", a number, or "" for every version the mode covers
	Schema     string
	SchemaType string
	References []Reference
}

// Explorer holds the read-only views the web UI's message page uses (issue
// #8), implemented in explore.go and by httpapi.Client.
type Explorer interface {
	// Diff compares two stored versions of subject ("latest" or a number)
	// in mode (BACKWARD, FORWARD, FULL; "" = the subject's own mode made
	// non-transitive, FULL for NONE): findings with witnesses.
	Diff(ctx context.Context, subject, from, to string, mode compat.Mode) (DiffReport, error)
	// SubjectRelations lists every service's relation to subject with its
	// contract, sorted by service (empty when no service names it).
	SubjectRelations(ctx context.Context, subject string) ([]ServiceRelation, error)
}

// Registry is the set of operations Baton offers. *Registrar implements it
// over a Store; httpapi.Client implements it over HTTP, so the CLI and tests
// work the same against either. Errors are *Error with Confluent codes.
type Registry interface {
	Explorer // read-only views for the web UI

	// Publish checks and registers; an identical schema returns the existing
	// version. Incompatible: KindIncompatible (409) with Findings.
	Publish(ctx context.Context, req PublishRequest) (SubjectVersion, error)
	// Lookup finds the version of subject holding this schema. Unknown
	// subject 40401; not registered under it 40403.
	Lookup(ctx context.Context, req PublishRequest, deleted bool) (SubjectVersion, error)
	// Check reports compatibility without writing. Unknown subject with an
	// explicit version: 40401; unknown version: 40402.
	Check(ctx context.Context, req CheckRequest) (compat.Report, error)

	Subjects(ctx context.Context, deleted bool) ([]string, error)
	Versions(ctx context.Context, subject string, deleted bool) ([]int, error)
	// GetVersion accepts "latest" or a number (42202 if neither).
	GetVersion(ctx context.Context, subject, version string, deleted bool) (SubjectVersion, error)
	SchemaByID(ctx context.Context, id int64) (Schema, error)
	// VersionsByID lists the subject/versions that use schema id.
	VersionsByID(ctx context.Context, id int64) ([]Version, error)
	DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error)
	DeleteVersion(ctx context.Context, subject, version string, permanent bool) (int, error)
	ReferencedBy(ctx context.Context, subject, version string) ([]int64, error)

	// GetConfig returns the subject's config ("" = global); with
	// defaultToGlobal a subject without its own config gets the global one.
	// Subject without config and defaultToGlobal=false: 40408.
	GetConfig(ctx context.Context, subject string, defaultToGlobal bool) (Config, error)
	SetConfig(ctx context.Context, subject string, cfg Config) (Config, error)
	// DeleteConfig returns the config that was removed.
	DeleteConfig(ctx context.Context, subject string) (Config, error)

	// GetMode returns the subject's write mode ("" = global); with
	// defaultToGlobal a subject without its own mode gets the global one.
	// Subject without mode and defaultToGlobal=false: 40409.
	GetMode(ctx context.Context, subject string, defaultToGlobal bool) (Mode, error)
	// SetMode sets it; entering IMPORT where schemas exist needs force
	// (42205 otherwise). Unknown mode: 42204.
	SetMode(ctx context.Context, subject string, m Mode, force bool) (Mode, error)
	// DeleteMode removes a subject's own mode and returns it.
	DeleteMode(ctx context.Context, subject string) (Mode, error)

	// RegisterService stores a service's relations from its manifest
	// (idempotent); a new or changed contract that the message's current
	// schema does not satisfy is KindIncompatible (409) unless force.
	// Invalid names or contracts: KindInvalid.
	RegisterService(ctx context.Context, si Service, force bool) (Service, error)
	// GetService returns a service (CodeServiceNotFound if unknown).
	GetService(ctx context.Context, name string) (Service, error)
	// Services lists every service, sorted by name.
	Services(ctx context.Context) ([]Service, error)
	// DeleteService removes a service (CodeServiceNotFound if unknown).
	DeleteService(ctx context.Context, name string) error
	// ContractVersions lists the history of service's contracts for
	// subject (each change of a contract's text is a version), sorted by
	// kind, then version. Unknown service: CodeServiceNotFound.
	ContractVersions(ctx context.Context, service, subject string) ([]ContractVersion, error)
	// CheckManifest is the dry run of publishing a service's manifest: what
	// registering the service and publishing its schemas would decide, as
	// a report (one item per owned schema, per consumer or sender it would
	// break or keep, per contract), without writing. Invalid input:
	// KindInvalid, as for the publish.
	CheckManifest(ctx context.Context, m ManifestCheck) (report.Result, error)
	// Impact reports which services a proposed version of subject breaks
	// and which are safe, without writing.
	Impact(ctx context.Context, subject, schema string) (ImpactReport, error)
	// Graph returns services, messages and their relations.
	Graph(ctx context.Context) (Graph, error)
	// GraphIn returns the graph as deployed in env: the deployed service
	// versions and what they relate to (see Registrar.GraphIn).
	GraphIn(ctx context.Context, env string) (Graph, error)
	// Audit returns a page of the audit log of writes (oldest first).
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	Deployer // service versions, environments, deployments (deployments.go)
}

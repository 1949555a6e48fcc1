package registry

import (
	"context"
	"time"
)

// Deploy safety (issue #16): what runs where, recorded so that "can I
// deploy this version of my service to this environment now?" is answered
// by the contract rule against exactly the versions deployed there.

// ServiceVersion is an immutable snapshot of a service at one version of
// its code (typically a git sha): its relations as they were when that
// version was published. For produces and handles, Relation.Version is the
// subject version the publish registered (SchemaID its schema); for consumes
// and sends, the contract (text, fingerprint, contract version) or, without
// one, the message version it reads or writes.
type ServiceVersion struct {
	Service   string            `json:"service"`
	Version   string            `json:"version"`
	Branch    string            `json:"branch,omitempty"`
	CreatedAt time.Time         `json:"createdAt"` // UTC
	Relations []VersionRelation `json:"relations"`
}

// VersionRelation is one relation of a service version.
type VersionRelation struct {
	Relation
	SchemaID int64 `json:"schemaId,omitempty"` // owned: the id of subject version Relation.Version
}

// sameContent reports whether two snapshots record the same code: the
// same owned schemas, contracts and pins. What the registry derives (the
// version an unpinned dependent without a contract resolved to, contract
// numbering) is not content: re-publishing the same commit after another
// service published a message it reads is the same version. Re-recording
// the same content is idempotent (the first snapshot, branch and time are
// kept).
func (sv ServiceVersion) sameContent(o ServiceVersion) bool {
	if len(sv.Relations) != len(o.Relations) {
		return false
	}
	for i, r := range sv.Relations {
		q := o.Relations[i]
		if r.Subject != q.Subject || r.Kind != q.Kind || r.SchemaID != q.SchemaID ||
			r.ContractFingerprint != q.ContractFingerprint || r.Pinned != q.Pinned || r.Pinned && r.Version != q.Version {
			return false
		}
	}
	return true
}

// Environment is a place services are deployed to (dev, staging, prod).
type Environment struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"` // UTC
}

// Deployment records that Service at Version runs in Env since DeployedAt.
type Deployment struct {
	Service    string    `json:"service"`
	Version    string    `json:"version"`
	Env        string    `json:"environment"`
	DeployedAt time.Time `json:"deployedAt"` // UTC
}

// ServiceRef names a service at a version.
type ServiceRef struct {
	Service string `json:"service"`
	Version string `json:"version"`
}

func (r ServiceRef) String() string { return r.Service + "@" + r.Version }

// DeployStore keeps service versions, environments and deployments (part
// of Store). Service versions are kept when their service is deleted:
// deployments still name them.
type DeployStore interface {
	// PutServiceVersion stores sv under (Service, Version). When one is
	// stored already, replace=false keeps it and returns it with
	// created=false; replace=true overwrites it and moves
	// ServiceVersionRewrites on, so caches of snapshots know to drop them.
	PutServiceVersion(ctx context.Context, sv ServiceVersion, replace bool) (stored ServiceVersion, created bool, err error)
	// GetServiceVersion returns one. Unknown: CodeServiceVersionNotFound.
	GetServiceVersion(ctx context.Context, service, version string) (ServiceVersion, error)
	// ServiceVersions lists a service's versions, oldest first (by
	// CreatedAt, then Version); none: an empty list.
	ServiceVersions(ctx context.Context, service string) ([]ServiceVersion, error)
	// ServiceVersionRewrites counts the overwrites of stored versions.
	ServiceVersionRewrites(ctx context.Context) (int64, error)

	// PutEnvironment stores e unless it exists (then created=false and the
	// stored one is kept).
	PutEnvironment(ctx context.Context, e Environment) (created bool, err error)
	// GetEnvironment returns one. Unknown: CodeEnvironmentNotFound.
	GetEnvironment(ctx context.Context, name string) (Environment, error)
	// Environments lists every environment, sorted by name.
	Environments(ctx context.Context) ([]Environment, error)

	// PutDeployment records d in d.Env (unknown: CodeEnvironmentNotFound),
	// atomically replacing every other deployment of d.Service there
	// unless keep.
	PutDeployment(ctx context.Context, d Deployment, keep bool) error
	// DeleteDeployments removes service's deployments in env (of version
	// only, unless ""), returning them. Unknown env:
	// CodeEnvironmentNotFound; nothing to remove: CodeDeploymentNotFound.
	DeleteDeployments(ctx context.Context, env, service, version string) ([]Deployment, error)
	// Deployments lists env's deployments sorted by service, then version.
	// Unknown env: CodeEnvironmentNotFound.
	Deployments(ctx context.Context, env string) ([]Deployment, error)
	// DeploymentsGeneration moves on with every change of env's
	// deployments, written with the change (0: none yet, or no such
	// environment), so readers may cache the list.
	DeploymentsGeneration(ctx context.Context, env string) (int64, error)
}

// Baton's own codes for deploy records (Confluent has none).
const (
	CodeServiceVersionNotFound = 40421
	CodeEnvironmentNotFound    = 40422
	CodeDeploymentNotFound     = 40423
	CodeServiceVersionConflict = 40901
)

// ErrServiceVersionNotFound: the service has no such recorded version. 40421.
func ErrServiceVersionNotFound(service, version string) *Error {
	return Errorf(KindNotFound, CodeServiceVersionNotFound, "Version '%s' of service '%s' not found.", version, service)
}

// ErrEnvironmentNotFound: no environment has this name. 40422.
func ErrEnvironmentNotFound(name string) *Error {
	return Errorf(KindNotFound, CodeEnvironmentNotFound, "Environment '%s' not found.", name)
}

// ErrDeploymentNotFound: nothing of the service (at the version) is deployed there. 40423.
func ErrDeploymentNotFound(env, service, version string) *Error {
	if version != "" {
		service += "@" + version
	}
	return Errorf(KindNotFound, CodeDeploymentNotFound, "Service '%s' is not deployed in environment '%s'.", service, env)
}

// ValidVersion limits service versions to what a URL segment, a Redis
// field and a bbolt key part carry without ambiguity: 1 to 128 bytes, no
// control characters and no '/'.
func ValidVersion(v string) bool {
	if len(v) == 0 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f || c == '/' {
			return false
		}
	}
	return true
}

func checkServiceName(name string) error {
	if !ValidName(name) {
		return Errorf(KindInvalid, CodeInvalidRequest, "invalid service name %q: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128", name)
	}
	return nil
}

func checkEnvName(name string) error {
	if !ValidName(name) {
		return Errorf(KindInvalid, CodeInvalidRequest, "invalid environment name %q: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128", name)
	}
	return nil
}

func checkVersionString(service, v string) error {
	if !ValidVersion(v) {
		return Errorf(KindInvalid, CodeInvalidRequest, "invalid version %q of service %s: 1 to 128 bytes, no control characters or '/'", v, service)
	}
	return nil
}

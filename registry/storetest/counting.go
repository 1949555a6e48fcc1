package storetest

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/batonhq/baton/registry"
)

// Counting is a registry.Store that counts the calls made to the store it
// wraps, by method name. Every call of a bbolt store is one transaction and
// every call of the Redis store at least one round trip, so the counts show
// what an operation costs the store (see the round-trip tests of publish).
//
// It forwards to the wrapped store field by field rather than embedding it,
// so a method added to registry.Store does not compile here until it is
// counted too.
type Counting struct {
	inner registry.Store
	mu    sync.Mutex
	calls map[string]int
}

var _ registry.Store = (*Counting)(nil)

// NewCounting wraps s.
func NewCounting(s registry.Store) *Counting {
	return &Counting{inner: s, calls: map[string]int{}}
}

func (c *Counting) count(method string) {
	c.mu.Lock()
	c.calls[method]++
	c.mu.Unlock()
}

// Calls returns the calls counted since the last Reset, by method.
func (c *Counting) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Total returns how many calls were counted since the last Reset.
func (c *Counting) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.calls {
		n += k
	}
	return n
}

// Reset sets every count back to zero.
func (c *Counting) Reset() {
	c.mu.Lock()
	clear(c.calls)
	c.mu.Unlock()
}

func (c *Counting) Append(ctx context.Context, subject string, expected int, s registry.Schema) (registry.Version, bool, error) {
	c.count("Append")
	return c.inner.Append(ctx, subject, expected, s)
}

func (c *Counting) Import(ctx context.Context, v registry.Version, s registry.Schema) (registry.Version, bool, error) {
	c.count("Import")
	return c.inner.Import(ctx, v, s)
}

func (c *Counting) Mode(ctx context.Context, subject string) (registry.Mode, bool, error) {
	c.count("Mode")
	return c.inner.Mode(ctx, subject)
}

func (c *Counting) SetMode(ctx context.Context, subject string, m registry.Mode) error {
	c.count("SetMode")
	return c.inner.SetMode(ctx, subject, m)
}

func (c *Counting) DeleteMode(ctx context.Context, subject string) error {
	c.count("DeleteMode")
	return c.inner.DeleteMode(ctx, subject)
}

func (c *Counting) Latest(ctx context.Context, subject string) (int, error) {
	c.count("Latest")
	return c.inner.Latest(ctx, subject)
}

func (c *Counting) ReadSubject(ctx context.Context, subject, fingerprint string) (registry.SubjectState, error) {
	c.count("ReadSubject")
	return c.inner.ReadSubject(ctx, subject, fingerprint)
}

func (c *Counting) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	c.count("Subjects")
	return c.inner.Subjects(ctx, deleted)
}

func (c *Counting) Versions(ctx context.Context, subject string, deleted bool) ([]registry.Version, error) {
	c.count("Versions")
	return c.inner.Versions(ctx, subject, deleted)
}

func (c *Counting) Version(ctx context.Context, subject string, version int, deleted bool) (registry.Version, error) {
	c.count("Version")
	return c.inner.Version(ctx, subject, version, deleted)
}

func (c *Counting) SchemaByID(ctx context.Context, id int64) (registry.Schema, error) {
	c.count("SchemaByID")
	return c.inner.SchemaByID(ctx, id)
}

func (c *Counting) VersionsByID(ctx context.Context, id int64) ([]registry.Version, error) {
	c.count("VersionsByID")
	return c.inner.VersionsByID(ctx, id)
}

func (c *Counting) FindByFingerprint(ctx context.Context, subject, fingerprint string) (registry.Version, error) {
	c.count("FindByFingerprint")
	return c.inner.FindByFingerprint(ctx, subject, fingerprint)
}

func (c *Counting) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) error {
	c.count("DeleteVersion")
	return c.inner.DeleteVersion(ctx, subject, version, permanent)
}

func (c *Counting) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	c.count("DeleteSubject")
	return c.inner.DeleteSubject(ctx, subject, permanent)
}

func (c *Counting) ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error) {
	c.count("ReferencedBy")
	return c.inner.ReferencedBy(ctx, subject, version)
}

func (c *Counting) Config(ctx context.Context, subject string) (registry.Config, bool, error) {
	c.count("Config")
	return c.inner.Config(ctx, subject)
}

func (c *Counting) SetConfig(ctx context.Context, subject string, cfg registry.Config) error {
	c.count("SetConfig")
	return c.inner.SetConfig(ctx, subject, cfg)
}

func (c *Counting) DeleteConfig(ctx context.Context, subject string) error {
	c.count("DeleteConfig")
	return c.inner.DeleteConfig(ctx, subject)
}

func (c *Counting) PutService(ctx context.Context, s registry.Service, writer []string) error {
	c.count("PutService")
	return c.inner.PutService(ctx, s, writer)
}

func (c *Counting) GetService(ctx context.Context, name string) (registry.Service, error) {
	c.count("GetService")
	return c.inner.GetService(ctx, name)
}

func (c *Counting) Services(ctx context.Context) ([]registry.Service, error) {
	c.count("Services")
	return c.inner.Services(ctx)
}

func (c *Counting) RelationsBySubject(ctx context.Context, subject string) ([]registry.ServiceRelation, error) {
	c.count("RelationsBySubject")
	return c.inner.RelationsBySubject(ctx, subject)
}

func (c *Counting) DeleteService(ctx context.Context, name string) error {
	c.count("DeleteService")
	return c.inner.DeleteService(ctx, name)
}

func (c *Counting) PutContractVersion(ctx context.Context, cv registry.ContractVersion) error {
	c.count("PutContractVersion")
	return c.inner.PutContractVersion(ctx, cv)
}

func (c *Counting) ContractVersions(ctx context.Context, service, subject string) ([]registry.ContractVersion, error) {
	c.count("ContractVersions")
	return c.inner.ContractVersions(ctx, service, subject)
}

func (c *Counting) AppendAudit(ctx context.Context, e registry.AuditEntry) (int64, error) {
	c.count("AppendAudit")
	return c.inner.AppendAudit(ctx, e)
}

func (c *Counting) Audit(ctx context.Context, q registry.AuditQuery) ([]registry.AuditEntry, error) {
	c.count("Audit")
	return c.inner.Audit(ctx, q)
}

func (c *Counting) Ping(ctx context.Context) error {
	c.count("Ping")
	return c.inner.Ping(ctx)
}

// Close closes the wrapped store (not counted).
func (c *Counting) Close() error { return c.inner.Close() }

// PublishEstate prepares, through reg, the publish whose store round trips
// the tests of both backends count: subject OrderPlaced with two versions,
// its producer, a consumer with a contract, one pinned to version 1 and one
// reading the version current when it registered. It returns the subject
// and a third version that differs from the others only in its title, so it
// is compatible with the history and breaks none of them.
func PublishEstate(t testing.TB, reg *registry.Registrar) (subject, next string) {
	t.Helper()
	ctx := context.Background()
	const (
		v1 = `{"title":"v1","type":"object","properties":{"id":{"type":"string"},"total":{"type":"number"}},"required":["id"]}`
		v2 = `{"title":"v2","type":"object","properties":{"id":{"type":"string"},"total":{"type":"number"}},"required":["id"]}`
		v3 = `{"title":"v3","type":"object","properties":{"id":{"type":"string"},"total":{"type":"number"}},"required":["id"]}`

		readsID = `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`
	)
	subject = "OrderPlaced"
	register := func(name string, rels ...registry.Relation) {
		t.Helper()
		if _, err := reg.RegisterService(ctx, registry.Service{Name: name, Relations: rels}, false); err != nil {
			t.Fatalf("RegisterService(%s): %v", name, err)
		}
	}
	publish := func(text string) {
		t.Helper()
		if _, err := reg.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: text}); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	register("order", registry.Relation{Subject: subject, Kind: registry.Produces})
	publish(v1)
	register("audit", registry.Relation{Subject: subject, Kind: registry.Consumes, Version: 1})
	publish(v2)
	register("payment", registry.Relation{Subject: subject, Kind: registry.Consumes, Contract: readsID})
	register("shipping", registry.Relation{Subject: subject, Kind: registry.Consumes})
	return subject, v3
}

func (c *Counting) PutServiceVersion(ctx context.Context, sv registry.ServiceVersion, replace bool) (registry.ServiceVersion, bool, error) {
	c.count("PutServiceVersion")
	return c.inner.PutServiceVersion(ctx, sv, replace)
}

func (c *Counting) GetServiceVersion(ctx context.Context, service, version string) (registry.ServiceVersion, error) {
	c.count("GetServiceVersion")
	return c.inner.GetServiceVersion(ctx, service, version)
}

func (c *Counting) ServiceVersions(ctx context.Context, service string) ([]registry.ServiceVersion, error) {
	c.count("ServiceVersions")
	return c.inner.ServiceVersions(ctx, service)
}

func (c *Counting) ServiceVersionRewrites(ctx context.Context) (int64, error) {
	c.count("ServiceVersionRewrites")
	return c.inner.ServiceVersionRewrites(ctx)
}

func (c *Counting) PutEnvironment(ctx context.Context, e registry.Environment) (bool, error) {
	c.count("PutEnvironment")
	return c.inner.PutEnvironment(ctx, e)
}

func (c *Counting) GetEnvironment(ctx context.Context, name string) (registry.Environment, error) {
	c.count("GetEnvironment")
	return c.inner.GetEnvironment(ctx, name)
}

func (c *Counting) Environments(ctx context.Context) ([]registry.Environment, error) {
	c.count("Environments")
	return c.inner.Environments(ctx)
}

func (c *Counting) PutDeployment(ctx context.Context, d registry.Deployment, keep bool) error {
	c.count("PutDeployment")
	return c.inner.PutDeployment(ctx, d, keep)
}

func (c *Counting) DeleteDeployments(ctx context.Context, env, service, version string) ([]registry.Deployment, error) {
	c.count("DeleteDeployments")
	return c.inner.DeleteDeployments(ctx, env, service, version)
}

func (c *Counting) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	c.count("Deployments")
	return c.inner.Deployments(ctx, env)
}

func (c *Counting) DeploymentsGeneration(ctx context.Context, env string) (int64, error) {
	c.count("DeploymentsGeneration")
	return c.inner.DeploymentsGeneration(ctx, env)
}

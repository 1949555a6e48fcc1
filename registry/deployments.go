package registry

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/batonhq/baton/compat"
)

// Deployer is the deploy-safety part of Registry (issue #16): service
// versions, environments, deployments, can-i-deploy and plan.
type Deployer interface {
	// RecordServiceVersion snapshots the registered service as version
	// req.Version. The same content again is idempotent (the stored one is
	// returned); different content is KindConflict (409, 40901) unless
	// req.Force. Unknown service: CodeServiceNotFound.
	RecordServiceVersion(ctx context.Context, req RecordVersionRequest) (ServiceVersion, error)
	// ListServiceVersions lists a service's recorded versions, oldest
	// first (also after the service was deleted); none: an empty list.
	ListServiceVersions(ctx context.Context, service string) ([]ServiceVersion, error)
	// GetServiceVersion returns one (CodeServiceVersionNotFound).
	GetServiceVersion(ctx context.Context, service, version string) (ServiceVersion, error)
	// CreateEnvironment creates an environment (idempotent).
	CreateEnvironment(ctx context.Context, name string) (Environment, error)
	// GetEnvironment returns one (CodeEnvironmentNotFound).
	GetEnvironment(ctx context.Context, name string) (Environment, error)
	// ListEnvironments lists environments by name.
	ListEnvironments(ctx context.Context) ([]Environment, error)
	// RecordDeployment records that ref runs in env, replacing the
	// service's other versions there unless keep. The version must be
	// recorded (CodeServiceVersionNotFound).
	RecordDeployment(ctx context.Context, env string, ref ServiceRef, keep bool) (Deployment, error)
	// RecordUndeployment removes service (at version, or every version
	// when "") from env and returns what it removed.
	RecordUndeployment(ctx context.Context, env, service, version string) ([]Deployment, error)
	// ListDeployments lists env's deployments by service, then version.
	ListDeployments(ctx context.Context, env string) ([]Deployment, error)
	// CanIDeploy checks the named versions against env as it would be with
	// them deployed (see Registrar.CanIDeploy).
	CanIDeploy(ctx context.Context, env string, refs []ServiceRef) (DeployReport, error)
	// Plan orders single-service deploys of refs so that every
	// intermediate state of env is deployable (see Registrar.Plan).
	Plan(ctx context.Context, env string, refs []ServiceRef) (DeployPlan, error)
	// ImpactIn is Impact against what env runs (see Registrar.ImpactIn).
	ImpactIn(ctx context.Context, env, subject, schema string) (ImpactReport, error)
}

var _ Deployer = (*Registrar)(nil)

// RecordVersionRequest asks to snapshot a service as a version.
type RecordVersionRequest struct {
	Service string `json:"-"`
	Version string `json:"-"`
	Branch  string `json:"branch,omitempty"`
	// Subjects maps an owned subject to the version its publish
	// registered (an identical schema is an older version); an owned
	// subject missing here is snapshotted at its latest visible version.
	Subjects map[string]int `json:"subjects,omitempty"`
	Force    bool           `json:"force,omitempty"`
}

// DeployReport is can-i-deploy's answer.
type DeployReport struct {
	Deployable  bool         `json:"deployable"`
	Environment string       `json:"environment"`
	Services    []ServiceRef `json:"services"`
	Items       []DeployItem `json:"items"`
}

// DeployItem is one relation of a named service checked against one
// deployed version of its counterpart (or, with no counterpart, a note that
// nothing deployed relates to the message). Changes are the contract
// rule's findings, with witnesses.
type DeployItem struct {
	Subject            string           `json:"subject"`
	Service            string           `json:"service"`
	Version            string           `json:"version"`
	Counterpart        string           `json:"counterpart,omitempty"`
	CounterpartVersion string           `json:"counterpartVersion,omitempty"`
	Role               RelationKind     `json:"role"`
	Compatible         bool             `json:"compatible"`
	Changes            []compat.Finding `json:"changes"`
	Note               string           `json:"note,omitempty"`
}

// DeployPlan is plan's answer: Steps in order when Possible; otherwise
// Blocked says why no order exists.
type DeployPlan struct {
	Possible    bool         `json:"possible"`
	Environment string       `json:"environment"`
	Steps       []ServiceRef `json:"steps"`
	Blocked     *PlanBlock   `json:"blocked,omitempty"`
}

// PlanBlock explains an impossible plan: the named versions that wait on
// each other (Cycle, empty when a version is blocked by something the plan
// does not deploy), the failing checks that block them, and a summary.
type PlanBlock struct {
	Cycle     []ServiceRef `json:"cycle"`
	Witnesses []DeployItem `json:"witnesses"`
	Message   string       `json:"message"`
}

// RecordServiceVersion implements Deployer.
func (s *Registrar) RecordServiceVersion(ctx context.Context, req RecordVersionRequest) (ServiceVersion, error) {
	out, err := s.recordServiceVersion(ctx, req)
	return out, s.fail(err)
}

func (s *Registrar) recordServiceVersion(ctx context.Context, req RecordVersionRequest) (ServiceVersion, error) {
	if err := checkServiceName(req.Service); err != nil {
		return ServiceVersion{}, err
	}
	if err := checkVersionString(req.Service, req.Version); err != nil {
		return ServiceVersion{}, err
	}
	if len(req.Branch) > 256 {
		return ServiceVersion{}, Errorf(KindInvalid, CodeInvalidRequest, "branch of %s@%s is longer than 256 bytes", req.Service, req.Version)
	}
	si, err := s.store.GetService(ctx, req.Service)
	if err != nil {
		return ServiceVersion{}, err
	}
	sv := ServiceVersion{Service: si.Name, Version: req.Version, Branch: req.Branch, CreatedAt: s.now().UTC(),
		Relations: make([]VersionRelation, 0, len(si.Relations))}
	for subject := range req.Subjects {
		if !slices.ContainsFunc(si.Relations, func(r Relation) bool { return r.Subject == subject && r.Kind.Owns() }) {
			return ServiceVersion{}, Errorf(KindInvalid, CodeInvalidRequest, "service %s does not produce or handle %s: subjects names only owned messages", si.Name, subject)
		}
	}
	for _, r := range si.Relations {
		vr := VersionRelation{Relation: r}
		if r.Kind.Owns() {
			st, err := s.store.ReadSubject(ctx, r.Subject, "")
			if err != nil {
				return ServiceVersion{}, err
			}
			v, ok := st.LatestVisible()
			if n, named := req.Subjects[r.Subject]; named {
				if v, ok = st.Find(n); !ok {
					return ServiceVersion{}, ErrVersionNotFound(r.Subject, n)
				}
			}
			if ok {
				vr.Version, vr.SchemaID = v.Version, v.SchemaID
			}
		}
		sv.Relations = append(sv.Relations, vr)
	}
	stored, created, err := s.store.PutServiceVersion(ctx, sv, false)
	if err != nil || created || stored.sameContent(sv) {
		return stored, err
	}
	if !req.Force {
		return ServiceVersion{}, Errorf(KindConflict, CodeServiceVersionConflict,
			"version %s of service %s is recorded with other content (recorded %s): versions are immutable; publish a new version or use force", req.Version, req.Service, stored.CreatedAt.Format("2006-01-02T15:04:05Z"))
	}
	s.log.Warn("forced service version rewrite", "service", req.Service, "version", req.Version)
	stored, _, err = s.store.PutServiceVersion(ctx, sv, true)
	s.forgetSnapshots()
	return stored, err
}

// ListServiceVersions implements Deployer.
func (s *Registrar) ListServiceVersions(ctx context.Context, service string) ([]ServiceVersion, error) {
	if err := checkServiceName(service); err != nil {
		return nil, err
	}
	out, err := s.store.ServiceVersions(ctx, service)
	return nonNil(out), s.fail(err)
}

// GetServiceVersion implements Deployer.
func (s *Registrar) GetServiceVersion(ctx context.Context, service, version string) (ServiceVersion, error) {
	if err := checkServiceName(service); err != nil {
		return ServiceVersion{}, err
	}
	sv, err := s.store.GetServiceVersion(ctx, service, version)
	return sv, s.fail(err)
}

// CreateEnvironment implements Deployer.
func (s *Registrar) CreateEnvironment(ctx context.Context, name string) (Environment, error) {
	if err := checkEnvName(name); err != nil {
		return Environment{}, err
	}
	if _, err := s.store.PutEnvironment(ctx, Environment{Name: name, CreatedAt: s.now().UTC()}); err != nil {
		return Environment{}, s.fail(err)
	}
	e, err := s.store.GetEnvironment(ctx, name)
	return e, s.fail(err)
}

// GetEnvironment implements Deployer.
func (s *Registrar) GetEnvironment(ctx context.Context, name string) (Environment, error) {
	if err := checkEnvName(name); err != nil {
		return Environment{}, err
	}
	e, err := s.store.GetEnvironment(ctx, name)
	return e, s.fail(err)
}

// ListEnvironments implements Deployer.
func (s *Registrar) ListEnvironments(ctx context.Context) ([]Environment, error) {
	out, err := s.store.Environments(ctx)
	return nonNil(out), s.fail(err)
}

// RecordDeployment implements Deployer.
func (s *Registrar) RecordDeployment(ctx context.Context, env string, ref ServiceRef, keep bool) (Deployment, error) {
	if err := s.checkRef(env, ref); err != nil {
		return Deployment{}, err
	}
	if _, err := s.store.GetServiceVersion(ctx, ref.Service, ref.Version); err != nil {
		return Deployment{}, s.fail(err)
	}
	d := Deployment{Service: ref.Service, Version: ref.Version, Env: env, DeployedAt: s.now().UTC()}
	if err := s.store.PutDeployment(ctx, d, keep); err != nil {
		return Deployment{}, s.fail(err)
	}
	s.log.Info("deployment recorded", "environment", env, "service", ref.Service, "version", ref.Version, "keep", keep)
	return d, nil
}

func (s *Registrar) checkRef(env string, ref ServiceRef) error {
	if err := checkEnvName(env); err != nil {
		return err
	}
	if err := checkServiceName(ref.Service); err != nil {
		return err
	}
	return checkVersionString(ref.Service, ref.Version)
}

// RecordUndeployment implements Deployer.
func (s *Registrar) RecordUndeployment(ctx context.Context, env, service, version string) ([]Deployment, error) {
	if err := checkEnvName(env); err != nil {
		return nil, err
	}
	if err := checkServiceName(service); err != nil {
		return nil, err
	}
	if version != "" {
		if err := checkVersionString(service, version); err != nil {
			return nil, err
		}
	}
	out, err := s.store.DeleteDeployments(ctx, env, service, version)
	if err == nil {
		s.log.Info("undeployment recorded", "environment", env, "service", service, "version", version)
	}
	return out, s.fail(err)
}

// ListDeployments implements Deployer.
func (s *Registrar) ListDeployments(ctx context.Context, env string) ([]Deployment, error) {
	if err := checkEnvName(env); err != nil {
		return nil, err
	}
	out, err := s.store.Deployments(ctx, env)
	return nonNil(out), s.fail(err)
}

// --- can-i-deploy ---

// DefaultMaxNamedVersions bounds the snapshot cache's named versions
// (see snapshotCache) when Options.MaxNamedVersions is zero: CI asks
// can-i-deploy for every commit, and each asks about a new version.
const DefaultMaxNamedVersions = 4096

// snapshotCache keeps decoded service versions and, over them, an index
// of their relations by subject. Recorded versions are immutable but for
// forced rewrites, which move Store.ServiceVersionRewrites: a replica that
// sees the count move drops everything. So a warm can-i-deploy over an
// environment of 10,000 services reads one deployment list and looks at
// the relations to the named versions' messages only, not at 200,000
// relations.
//
// Its memory is bounded: a version deployed in a cached environment (or
// in an environment state a request in flight still reads) stays, since
// every warm answer needs it, and so does a version a request in flight
// uses; every other version (named in a check, not deployed) is evictable,
// and beyond maxNamed of them the least recently used one goes, from byRef
// and from bySubject. A request holds what it uses through a lease.
type snapshotCache struct {
	mu        sync.RWMutex
	epoch     int64
	maxNamed  int
	byRef     map[ServiceRef]*cachedVersion
	bySubject map[string][]counterpart
	// envs holds each environment's deployments as last read, with the
	// store's generation of them (DeploymentsGeneration) and whether all
	// their snapshots are loaded; retired, the replaced ones that leases
	// still read.
	envs    map[string]*envState
	retired map[*envState]bool
	// named lists the evictable versions (ServiceRef values), most
	// recently used first.
	named *list.List
	// resets counts reset calls, so that a request can tell that the
	// versions it looked at were dropped under it.
	resets int64
}

// cachedVersion is one decoded version with its place in the cache.
type cachedVersion struct {
	sv    *ServiceVersion
	users int           // leases using it now
	el    *list.Element // its place in named; nil while deployed or in use
}

type envState struct {
	gen    int64
	base   map[string][]string
	loaded bool
	users  int // leases reading it
}

// counterpart is one relation of a recorded version.
type counterpart struct {
	ref ServiceRef
	rel *VersionRelation
}

func newSnapshotCache(maxNamed int) *snapshotCache {
	if maxNamed <= 0 {
		maxNamed = DefaultMaxNamedVersions
	}
	c := &snapshotCache{maxNamed: maxNamed}
	c.reset(0)
	return c
}

func (c *snapshotCache) reset(epoch int64) {
	c.epoch = epoch
	c.resets++
	c.byRef = map[ServiceRef]*cachedVersion{}
	c.bySubject = map[string][]counterpart{}
	c.envs = map[string]*envState{}
	c.retired = map[*envState]bool{}
	c.named = list.New()
}

// add caches sv (unless a version by that ref already is) and returns its
// entry. Callers hold mu and call trim when done.
func (c *snapshotCache) add(sv *ServiceVersion) *cachedVersion {
	ref := ServiceRef{sv.Service, sv.Version}
	if e, ok := c.byRef[ref]; ok {
		return e
	}
	e := &cachedVersion{sv: sv}
	c.byRef[ref] = e
	for i := range sv.Relations {
		rel := &sv.Relations[i]
		c.bySubject[rel.Subject] = append(c.bySubject[rel.Subject], counterpart{ref, rel})
	}
	c.settle(ref)
	return e
}

// deployed reports whether an environment state in the cache or in use
// deploys ref.
func (c *snapshotCache) deployed(ref ServiceRef) bool {
	for _, es := range c.envs {
		if slices.Contains(es.base[ref.Service], ref.Version) {
			return true
		}
	}
	for es := range c.retired {
		if slices.Contains(es.base[ref.Service], ref.Version) {
			return true
		}
	}
	return false
}

// settle makes ref's entry evictable (the most recently used) when
// nothing holds it any more.
func (c *snapshotCache) settle(ref ServiceRef) {
	e, ok := c.byRef[ref]
	if !ok || e.users > 0 || e.el != nil || c.deployed(ref) {
		return
	}
	e.el = c.named.PushFront(ref)
}

// hold takes e off the evictable list.
func (c *snapshotCache) hold(e *cachedVersion) {
	if e.el != nil {
		c.named.Remove(e.el)
		e.el = nil
	}
}

// trim evicts the least recently used evictable versions beyond maxNamed.
func (c *snapshotCache) trim() {
	for c.named.Len() > c.maxNamed {
		ref := c.named.Remove(c.named.Back()).(ServiceRef)
		e := c.byRef[ref]
		delete(c.byRef, ref)
		for _, rel := range e.sv.Relations {
			cps, ok := c.bySubject[rel.Subject]
			if !ok {
				continue // a second relation to one subject: done already
			}
			if cps = slices.DeleteFunc(cps, func(cp counterpart) bool { return cp.ref == ref }); len(cps) > 0 {
				c.bySubject[rel.Subject] = cps
			} else {
				delete(c.bySubject, rel.Subject)
			}
		}
	}
}

// install makes es env's current state: its versions stop being
// evictable, and the replaced state's versions become evictable once no
// lease reads it.
func (c *snapshotCache) install(env string, es *envState) {
	old := c.envs[env]
	c.envs[env] = es
	for svc, versions := range es.base {
		for _, v := range versions {
			if e, ok := c.byRef[ServiceRef{svc, v}]; ok {
				c.hold(e)
			}
		}
	}
	if old == nil {
		return
	}
	if old.users > 0 {
		c.retired[old] = true
		return
	}
	c.settleEnv(old)
}

// settleEnv settles the versions of an environment state no one reads.
func (c *snapshotCache) settleEnv(es *envState) {
	for svc, versions := range es.base {
		for _, v := range versions {
			c.settle(ServiceRef{svc, v})
		}
	}
	c.trim()
}

// lease is one request's hold on the cache: the versions it fetched with
// snapshot and the environment states it read with deployedState stay
// cached until release. A lease belongs to one goroutine.
type lease struct {
	c      *snapshotCache
	resets int64
	pinned map[ServiceRef]*cachedVersion
	envs   []*envState
}

func (c *snapshotCache) lease() *lease {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return &lease{c: c, resets: c.resets, pinned: map[ServiceRef]*cachedVersion{}}
}

// pin holds e for l.
func (l *lease) pin(ref ServiceRef, e *cachedVersion) {
	l.c.hold(e)
	e.users++
	l.pinned[ref] = e
}

// release gives back what l holds and reports whether the cache was reset
// meanwhile (what l saw may be gone from the index).
func (l *lease) release() (reset bool) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for ref, e := range l.pinned {
		if c.byRef[ref] != e {
			continue // dropped by a reset
		}
		if e.users--; e.users == 0 {
			c.settle(ref)
		}
	}
	for _, es := range l.envs {
		if es.users--; es.users == 0 && c.retired[es] {
			delete(c.retired, es)
			c.settleEnv(es)
		}
	}
	c.trim()
	return c.resets != l.resets
}

// maxLeaseAttempts bounds the retries of a check whose snapshots were
// dropped under it by a forced rewrite.
const maxLeaseAttempts = 3

// withLease runs check with a lease, again when a forced rewrite dropped
// the snapshots while it ran (its answer could have missed versions).
func (s *Registrar) withLease(check func(l *lease) error) error {
	for range maxLeaseAttempts {
		l := s.snapshots.lease()
		err := check(l)
		if !l.release() {
			return err
		}
	}
	return Errorf(KindUnavailable, CodeStoreError, "service versions were force-rewritten %d times while this check ran: try again", maxLeaseAttempts)
}

// syncSnapshots drops every snapshot when a writer rewrote one.
func (s *Registrar) syncSnapshots(ctx context.Context) error {
	n, err := s.store.ServiceVersionRewrites(ctx)
	if err != nil {
		return err
	}
	c := s.snapshots
	c.mu.Lock()
	defer c.mu.Unlock()
	if n != c.epoch {
		c.reset(n)
	}
	return nil
}

// forgetSnapshots drops every snapshot after this process rewrote one.
func (s *Registrar) forgetSnapshots() {
	c := s.snapshots
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(c.epoch)
}

// snapshot returns ref's recorded version and holds it for l.
func (s *Registrar) snapshot(ctx context.Context, l *lease, ref ServiceRef) (*ServiceVersion, error) {
	if e, ok := l.pinned[ref]; ok {
		return e.sv, nil
	}
	c := s.snapshots
	c.mu.Lock()
	e, ok := c.byRef[ref]
	if ok {
		l.pin(ref, e)
	}
	c.mu.Unlock()
	if ok {
		return e.sv, nil
	}
	stored, err := s.store.GetServiceVersion(ctx, ref.Service, ref.Version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e = c.add(&stored)
	l.pin(ref, e)
	c.trim()
	return e.sv, nil
}

// loadTarget makes sure every version of t is in the cache (the
// environment's deployments only once per generation). The deployed ones
// stay while l reads t.env; t's named ones (over) l holds.
func (s *Registrar) loadTarget(ctx context.Context, l *lease, t target) error {
	var missing []ServiceRef
	c := s.snapshots
	c.mu.RLock()
	if !t.env.loaded {
		for svc, versions := range t.env.base {
			for _, v := range versions {
				if _, ok := c.byRef[ServiceRef{svc, v}]; !ok {
					missing = append(missing, ServiceRef{svc, v})
				}
			}
		}
	}
	c.mu.RUnlock()
	for _, ref := range missing {
		stored, err := s.store.GetServiceVersion(ctx, ref.Service, ref.Version)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.add(&stored)
		c.mu.Unlock()
	}
	for svc, versions := range t.over {
		for _, v := range versions {
			if _, err := s.snapshot(ctx, l, ServiceRef{svc, v}); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	t.env.loaded = true // every version of base is cached now (a reset replaces env)
	c.mu.Unlock()
	return nil
}

// counterparts lists the relations to subject of the versions in t,
// sorted by service, then version.
func (s *Registrar) counterparts(subject string, t target) []counterpart {
	c := s.snapshots
	c.mu.RLock()
	var out []counterpart
	for _, cp := range c.bySubject[subject] {
		if slices.Contains(t.versions(cp.ref.Service), cp.ref.Version) {
			out = append(out, cp)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].ref.Service != out[j].ref.Service {
			return out[i].ref.Service < out[j].ref.Service
		}
		return out[i].ref.Version < out[j].ref.Version
	})
	return out
}

// target is an environment as it would be: its deployments (env.base,
// shared and never changed) with some services' versions replaced (over).
type target struct {
	env  *envState
	over map[string][]string
}

func (t target) versions(service string) []string {
	if v, ok := t.over[service]; ok {
		return v
	}
	return t.env.base[service]
}

// deployedState reads env's deployments (CodeEnvironmentNotFound if
// unknown), from the cache while the store's generation of them has not
// moved, and l reads that state until released. The generation is read
// first: a change racing the read only makes the next request read again.
func (s *Registrar) deployedState(ctx context.Context, l *lease, env string) (target, error) {
	gen, err := s.store.DeploymentsGeneration(ctx, env)
	if err != nil {
		return target{}, err
	}
	c := s.snapshots
	c.mu.Lock()
	es, ok := c.envs[env]
	if ok && gen > 0 && es.gen == gen {
		es.users++
		l.envs = append(l.envs, es)
		c.mu.Unlock()
		return target{env: es}, nil
	}
	c.mu.Unlock()
	ds, err := s.store.Deployments(ctx, env)
	if err != nil {
		return target{}, err
	}
	es = &envState{gen: gen, base: make(map[string][]string, len(ds))}
	for _, d := range ds {
		es.base[d.Service] = append(es.base[d.Service], d.Version)
	}
	c.mu.Lock()
	c.install(env, es)
	es.users++
	l.envs = append(l.envs, es)
	c.mu.Unlock()
	return target{env: es}, nil
}

func (t target) with(refs []ServiceRef) target {
	out := target{env: t.env, over: make(map[string][]string, len(t.over)+len(refs))}
	for k, v := range t.over {
		out.over[k] = v
	}
	for _, r := range refs {
		out.over[r.Service] = nil
	}
	for _, r := range refs {
		out.over[r.Service] = append(out.over[r.Service], r.Version)
	}
	return out
}

// checkRefs validates the named versions: env exists, each is recorded and
// names a service once.
func (s *Registrar) checkRefs(ctx context.Context, l *lease, env string, refs []ServiceRef) error {
	if err := checkEnvName(env); err != nil {
		return err
	}
	if len(refs) == 0 {
		return Errorf(KindInvalid, CodeInvalidRequest, "name at least one service and version to deploy")
	}
	seen := map[string]bool{}
	for i, r := range refs {
		if err := s.checkRef(env, r); err != nil {
			return Errorf(KindInvalid, CodeInvalidRequest, "services/%d: %s", i, err.Error())
		}
		if seen[r.Service] {
			return Errorf(KindInvalid, CodeInvalidRequest, "services/%d: service %s is named twice", i, r.Service)
		}
		seen[r.Service] = true
		if _, err := s.snapshot(ctx, l, r); err != nil {
			return err
		}
	}
	return nil
}

// CanIDeploy checks the named versions against env as it would be with
// them deployed: env's deployments with each named service's versions
// replaced by the named one. Every relation of every named version is held
// to the contract rule against every deployed version of its counterpart:
// an event it produces against each deployed consumer's contract, an event
// it consumes against each deployed producer's schema, a command it sends
// against each deployed handler's schema, a command it handles against
// each deployed sender's contract. A message with nothing deployed on the
// other side is a note. Unknown environment, service or version: not found.
func (s *Registrar) CanIDeploy(ctx context.Context, env string, refs []ServiceRef) (DeployReport, error) {
	rep, err := s.canIDeploy(ctx, env, refs)
	return rep, s.fail(err)
}

func (s *Registrar) canIDeploy(ctx context.Context, env string, refs []ServiceRef) (DeployReport, error) {
	if err := s.syncSnapshots(ctx); err != nil {
		return DeployReport{}, err
	}
	var rep DeployReport
	err := s.withLease(func(l *lease) error {
		if err := s.checkRefs(ctx, l, env, refs); err != nil {
			return err
		}
		base, err := s.deployedState(ctx, l, env)
		if err != nil {
			return err
		}
		rep, err = s.checkTarget(ctx, l, env, base.with(refs), refs)
		return err
	})
	return rep, err
}

// checkTarget checks refs in target state t.
func (s *Registrar) checkTarget(ctx context.Context, l *lease, env string, t target, refs []ServiceRef) (DeployReport, error) {
	rep := DeployReport{Deployable: true, Environment: env, Services: slices.Clone(refs), Items: []DeployItem{}}
	named := make([]*ServiceVersion, len(refs))
	for i, r := range refs {
		sv, err := s.snapshot(ctx, l, r)
		if err != nil {
			return DeployReport{}, err
		}
		named[i] = sv
	}
	if err := s.loadTarget(ctx, l, t); err != nil {
		return DeployReport{}, err
	}
	subjects := map[string][]counterpart{}
	for _, sv := range named {
		for _, rel := range sv.Relations {
			if _, ok := subjects[rel.Subject]; !ok {
				subjects[rel.Subject] = s.counterparts(rel.Subject, t)
			}
		}
	}
	configs := map[string]Config{}
	seen := map[string]bool{} // a pair of named versions is checked once
	for i, sv := range named {
		self := refs[i]
		for ri := range sv.Relations {
			rel := &sv.Relations[ri]
			found := false
			for _, c := range subjects[rel.Subject] {
				if !pairs(rel.Kind, c.rel.Kind) {
					continue
				}
				found = true
				key := rel.Subject + "\x00" + self.String() + "\x00" + c.ref.String()
				if rel.Kind.Owns() {
					key = rel.Subject + "\x00" + c.ref.String() + "\x00" + self.String()
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				it, err := s.checkPair(ctx, configs, self, rel, c)
				if err != nil {
					return DeployReport{}, err
				}
				rep.Deployable = rep.Deployable && it.Compatible
				rep.Items = append(rep.Items, it)
			}
			if !found {
				rep.Items = append(rep.Items, DeployItem{Subject: rel.Subject, Service: self.Service, Version: self.Version, Role: rel.Kind,
					Compatible: true, Changes: []compat.Finding{}, Note: fmt.Sprintf("nothing deployed in %s %s %s", env, counterRole(rel.Kind), rel.Subject)})
			}
		}
	}
	return rep, nil
}

// pairs reports whether relation kinds a and b face each other: producer
// and consumer of an event, handler and sender of a command.
func pairs(a, b RelationKind) bool {
	switch a {
	case Produces:
		return b == Consumes
	case Consumes:
		return b == Produces
	case Handles:
		return b == Sends
	case Sends:
		return b == Handles
	}
	return false
}

// counterRole is the relation a counterpart of kind k has, in words.
func counterRole(k RelationKind) string {
	switch k {
	case Produces:
		return "consumes"
	case Consumes:
		return "produces"
	case Handles:
		return "sends"
	}
	return "handles"
}

// checkPair holds the named version's relation rel against counterpart c
// with the contract rule: the owner's registered schema is the message,
// the dependent's contract (or the version it reads or writes) the other
// side.
func (s *Registrar) checkPair(ctx context.Context, configs map[string]Config, self ServiceRef, rel *VersionRelation, c counterpart) (DeployItem, error) {
	it := DeployItem{Subject: rel.Subject, Service: self.Service, Version: self.Version, Counterpart: c.ref.Service,
		CounterpartVersion: c.ref.Version, Role: rel.Kind, Compatible: true, Changes: []compat.Finding{}}
	owner, dep := rel, c.rel
	ownerRef := self
	if !rel.Kind.Owns() {
		owner, dep, ownerRef = c.rel, rel, c.ref
	}
	if owner.SchemaID == 0 {
		it.Note = fmt.Sprintf("%s had no registered version of %s", ownerRef, rel.Subject)
		return it, nil
	}
	cfg, ok := configs[rel.Subject]
	if !ok {
		st, err := s.store.ReadSubject(ctx, rel.Subject, "")
		if err != nil {
			return it, err
		}
		cfg = st.Effective()
		configs[rel.Subject] = cfg
	}
	msg, err := s.compiledByID(ctx, owner.SchemaID)
	if err != nil {
		return it, err
	}
	var d *compat.Schema
	var dkey string
	switch {
	case dep.Contract != "":
		if d, err = s.compiledContract(dep.Relation); err != nil {
			return it, err
		}
		dkey = dep.ContractFingerprint
	case dep.Version > 0:
		v, err := s.store.Version(ctx, rel.Subject, dep.Version, true)
		if err != nil {
			return it, err
		}
		if d, err = s.compiledByID(ctx, v.SchemaID); err != nil {
			return it, err
		}
		dkey = fmt.Sprintf("id:%d", v.SchemaID)
	default:
		it.Note = "no contract and no pinned version to check"
		return it, nil
	}
	r, checked, err := s.contractRule(ctx, dep.Kind, msg, fmt.Sprintf("id:%d", owner.SchemaID), d, dkey, cfg)
	if err != nil {
		return it, err
	}
	if !checked {
		it.Note = fmt.Sprintf("not checked: the compatibility mode of %s is NONE", rel.Subject)
		return it, nil
	}
	it.Compatible = r.Compatible
	it.Changes = withDirection(r.Findings, rel.Kind.deployDirection())
	if !r.Compatible {
		return it, nil
	}
	it.Note = fmt.Sprintf("%s version %d", rel.Subject, owner.Version)
	return it, nil
}

// deployDirection is the direction of a deploy check seen from the named
// version's relation: an owner's schema is the message (FromMessage of
// the dependent's kind), a dependent's is its contract.
func (k RelationKind) deployDirection() Direction {
	switch k {
	case Produces:
		return Consumes.FromMessage()
	case Handles:
		return Sends.FromMessage()
	}
	return k.FromContract()
}

// --- plan ---

// Plan orders single-service deploys of refs so that env is deployable
// after every step (each step checked as CanIDeploy checks it). It first
// checks each named version against env as it is: a version broken by a
// deployed version the plan does not replace, or named versions that each
// break the deployed version of the next one's service (a cycle), prove
// that no order exists, and Blocked says so with the failing checks as
// witnesses. Otherwise it searches the orders depth first, skipping
// states already found to be dead ends, within maxPlanChecks checks.
func (s *Registrar) Plan(ctx context.Context, env string, refs []ServiceRef) (DeployPlan, error) {
	p, err := s.plan(ctx, env, refs)
	return p, s.fail(err)
}

// maxPlanServices bounds a plan: the search visits up to 2^n states.
const maxPlanServices = 16

// maxPlanChecks bounds the single-service checks one plan runs. An order
// found without backtracking takes at most n(n+1)/2 = 136 checks for 16
// services; the search backtracks only when a step it took leads to a
// dead end, which the first checks did not prove.
const maxPlanChecks = 2048

func (s *Registrar) plan(ctx context.Context, env string, refs []ServiceRef) (DeployPlan, error) {
	if len(refs) > maxPlanServices {
		return DeployPlan{}, Errorf(KindInvalid, CodeInvalidRequest,
			"a plan orders at most %d services, not %d: split them into plans of at most %d, keeping services whose messages relate in the same plan, and deploy one plan's steps before planning the next",
			maxPlanServices, len(refs), maxPlanServices)
	}
	if err := s.syncSnapshots(ctx); err != nil {
		return DeployPlan{}, err
	}
	var out DeployPlan
	err := s.withLease(func(l *lease) error {
		var err error
		out, err = s.planWith(ctx, l, env, refs)
		return err
	})
	return out, err
}

func (s *Registrar) planWith(ctx context.Context, l *lease, env string, refs []ServiceRef) (DeployPlan, error) {
	if err := s.checkRefs(ctx, l, env, refs); err != nil {
		return DeployPlan{}, err
	}
	base, err := s.deployedState(ctx, l, env)
	if err != nil {
		return DeployPlan{}, err
	}
	out := DeployPlan{Environment: env, Steps: []ServiceRef{}}
	stateOf := func(mask uint32) target {
		var done []ServiceRef
		for i, r := range refs {
			if mask&(1<<i) != 0 {
				done = append(done, r)
			}
		}
		return base.with(done)
	}
	// check runs one step: refs[i] deployed next in state mask.
	checks := 0
	check := func(mask uint32, i int) (DeployReport, error) {
		if err := ctx.Err(); err != nil {
			return DeployReport{}, err
		}
		if checks++; checks > s.planChecks {
			return DeployReport{}, Errorf(KindInvalid, CodeInvalidRequest,
				"plan gave up after %d checks without finding an order for the %d services or proving there is none: plan fewer services at once (keep services whose messages relate in the same plan)",
				s.planChecks, len(refs))
		}
		return s.checkTarget(ctx, l, env, stateOf(mask).with(refs[i:i+1]), refs[i:i+1])
	}
	// From the current state, each named version is blocked by failing
	// checks; a cycle of them, or a version blocked from outside the
	// plan, needs no search.
	blockers := make([][]DeployItem, len(refs))
	ok := make(map[uint64]bool, len(refs)) // (state, next) -> deployable
	for i := range refs {
		rep, err := check(0, i)
		if err != nil {
			return DeployPlan{}, err
		}
		ok[uint64(i)] = rep.Deployable
		for _, it := range rep.Items {
			if !it.Compatible {
				blockers[i] = append(blockers[i], it)
			}
		}
	}
	if block, proven := explainBlock(env, refs, blockers); proven {
		out.Blocked = block
		return out, nil
	}
	full := uint32(1)<<len(refs) - 1
	dead := map[uint32]bool{}
	var order []int
	var search func(mask uint32) (bool, error)
	search = func(mask uint32) (bool, error) {
		if mask == full {
			return true, nil
		}
		if dead[mask] {
			return false, nil
		}
		for i := range refs {
			if mask&(1<<i) != 0 {
				continue
			}
			key := uint64(mask)<<32 | uint64(i)
			good, known := ok[key]
			if !known {
				rep, err := check(mask, i)
				if err != nil {
					return false, err
				}
				good = rep.Deployable
				ok[key] = good
			}
			if !good {
				continue
			}
			order = append(order, i)
			found, err := search(mask | 1<<i)
			if err != nil || found {
				return found, err
			}
			order = order[:len(order)-1]
		}
		dead[mask] = true
		return false, nil
	}
	found, err := search(0)
	if err != nil {
		return DeployPlan{}, err
	}
	if !found {
		out.Blocked, _ = explainBlock(env, refs, blockers)
		return out, nil
	}
	out.Possible = true
	for _, i := range order {
		out.Steps = append(out.Steps, refs[i])
	}
	return out, nil
}

// explainBlock finds a cycle of named versions that each break the
// currently deployed version of the next one's service, or else a version
// blocked by a deployed version the plan does not replace. Either proves
// that no order exists (proven): a failing check against a version stays
// failing until that version is replaced, which for a version outside the
// plan is never and inside a cycle is always too late. blockers[i] are
// refs[i]'s failing checks against env as it is.
func explainBlock(env string, refs []ServiceRef, blockers [][]DeployItem) (block *PlanBlock, proven bool) {
	index := map[string]int{}
	for i, r := range refs {
		index[r.Service] = i
	}
	edge := func(i int) (int, DeployItem, bool) {
		for _, it := range blockers[i] {
			if j, ok := index[it.Counterpart]; ok && j != i {
				return j, it, true
			}
		}
		return 0, DeployItem{}, false
	}
	for start := range refs {
		if len(blockers[start]) == 0 {
			continue
		}
		pos := map[int]int{}
		var path []int
		var items []DeployItem
		for i := start; ; {
			if p, ok := pos[i]; ok {
				cycle := make([]ServiceRef, 0, len(path)-p)
				for _, k := range path[p:] {
					cycle = append(cycle, refs[k])
				}
				w := items[p:]
				return &PlanBlock{Cycle: cycle, Witnesses: w, Message: blockMessage(env, refs, w, true)}, true
			}
			j, it, ok := edge(i)
			if !ok {
				break
			}
			pos[i] = len(path)
			path = append(path, i)
			items = append(items, it)
			i = j
		}
	}
	// No cycle: some version is blocked by something outside the plan.
	for i := range refs {
		if _, _, ok := edge(i); !ok && len(blockers[i]) > 0 {
			w := blockers[i][:1]
			return &PlanBlock{Cycle: []ServiceRef{}, Witnesses: w, Message: blockMessage(env, refs, w, false)}, true
		}
	}
	var w []DeployItem
	for _, b := range blockers {
		w = append(w, b...)
	}
	return &PlanBlock{Cycle: []ServiceRef{}, Witnesses: w, Message: "no order of single-service deploys keeps " + env + " deployable"}, false
}

// blockMessage says in words why no order exists, e.g. "OrderPlaced:
// orders@b2 breaks notification@a1 (…); the plan deploys notification@b2 —
// no order works: publish a bridging version".
func blockMessage(env string, refs []ServiceRef, witnesses []DeployItem, cycle bool) string {
	var parts []string
	for _, it := range witnesses {
		why := ""
		for _, f := range it.Changes {
			if f.Breaking {
				why = " (" + f.Message + ")"
				break
			}
		}
		next := ""
		for _, r := range refs {
			if r.Service == it.Counterpart {
				next = "; the plan deploys " + r.String()
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s@%s breaks %s@%s%s%s", it.Subject, it.Service, it.Version, it.Counterpart, it.CounterpartVersion, why, next))
	}
	msg := strings.Join(parts, "; ")
	if cycle {
		return msg + " — each waits for the other, so no order of single-service deploys keeps " + env + " deployable: publish a bridging version that works with both"
	}
	return msg + " — that version is deployed in " + env + " and not in the plan: deploy a compatible version of it first"
}

// --- impact in an environment ---

// ImpactIn is Impact as deployed in env: which deployed versions of the
// subject's consumers and senders a proposed version breaks, each checked
// with its recorded contract (or the version it reads or writes). Services
// are named "service@version"; several live versions of one service are
// each checked. Unknown environment: CodeEnvironmentNotFound.
func (s *Registrar) ImpactIn(ctx context.Context, env, subject, schemaText string) (ImpactReport, error) {
	rep, err := s.impactIn(ctx, env, subject, schemaText)
	return rep, s.fail(err)
}

func (s *Registrar) impactIn(ctx context.Context, env, subject, schemaText string) (ImpactReport, error) {
	if subject == "" {
		return ImpactReport{}, ErrEmptySubject()
	}
	if err := checkEnvName(env); err != nil {
		return ImpactReport{}, err
	}
	p, err := s.propose(ctx, subject, SchemaTypeJSON, schemaText, nil)
	if err != nil {
		return ImpactReport{}, err
	}
	if err := s.syncSnapshots(ctx); err != nil {
		return ImpactReport{}, err
	}
	var cps []counterpart
	err = s.withLease(func(l *lease) error {
		t, err := s.deployedState(ctx, l, env)
		if err != nil {
			return err
		}
		if err := s.loadTarget(ctx, l, t); err != nil {
			return err
		}
		cps = s.counterparts(subject, t)
		return nil
	})
	if err != nil {
		return ImpactReport{}, err
	}
	st, err := s.store.ReadSubject(ctx, subject, "")
	if err != nil {
		return ImpactReport{}, err
	}
	policy := st.Effective().Policy
	out := ImpactReport{Subject: subject, Impacted: []ImpactedService{}, Safe: []SafeService{}}
	var kinds []RelationKind
	for _, c := range cps {
		kinds = append(kinds, c.rel.Kind)
		if c.rel.Kind.Owns() {
			continue
		}
		name := c.ref.String()
		var d *compat.Schema
		var dkey string
		switch {
		case c.rel.Contract != "":
			if d, err = s.compiledContract(c.rel.Relation); err != nil {
				return ImpactReport{}, err
			}
			dkey = c.rel.ContractFingerprint
		case c.rel.Version > 0:
			v, err := s.store.Version(ctx, subject, c.rel.Version, true)
			if err != nil {
				return ImpactReport{}, err
			}
			if d, err = s.compiledByID(ctx, v.SchemaID); err != nil {
				return ImpactReport{}, err
			}
			dkey = fmt.Sprintf("id:%d", v.SchemaID)
		default:
			out.Safe = append(out.Safe, SafeService{Service: name, Role: c.rel.Kind, Reason: "it has no contract and no version of " + subject + " to compare with"})
			continue
		}
		r, err := s.dependentCheck(ctx, c.rel.Kind, p.schema, p.fp, d, dkey, policy, false)
		if err != nil {
			return ImpactReport{}, err
		}
		if !r.Compatible {
			out.Impacted = append(out.Impacted, ImpactedService{Service: name, Role: c.rel.Kind, Findings: r.Findings})
			continue
		}
		out.Safe = append(out.Safe, SafeService{Service: name, Role: c.rel.Kind, Reason: safeReason(c.rel.Relation, d, c.rel.Version, nil)})
	}
	out.Kind = messageKindOf(kinds)
	return out, nil
}

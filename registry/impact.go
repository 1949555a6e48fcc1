package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/batonhq/baton/compat"
)

// SafeService is a related service that a proposed change does not break,
// with the reason in words.
type SafeService struct {
	Service string `json:"service"`
	Role    string `json:"role"` // consumes | sends
	Reason  string `json:"reason"`
}

// ImpactReport answers "if this message changes, who breaks?".
type ImpactReport struct {
	Subject  string            `json:"subject"`
	Kind     MessageKind       `json:"kind,omitempty"` // "" when no service relates to the subject
	Impacted []ImpactedService `json:"impacted"`
	Safe     []SafeService     `json:"safe"`
}

// Breaking reports whether any service is impacted.
func (r ImpactReport) Breaking() bool { return len(r.Impacted) > 0 }

// RegisterService validates and stores a service's relations, as declared
// in its manifest. For consumes and sends, Relation.Contract is the
// contract text (or "" with an optional pinned Version). Re-registering the
// same service is idempotent: contract versions only move when a contract's
// text changes, and an unpinned consumer keeps the version it registered
// against.
//
// A new or changed contract is checked against the message's current
// schema (consumer-driven contract testing): a consumer contract must
// accept everything the current schema allows, and the current schema must
// accept everything a sender contract writes; otherwise KindIncompatible
// (409) with the findings, unless force.
func (s *Registrar) RegisterService(ctx context.Context, si Service, force bool) (Service, error) {
	out, err := s.registerService(ctx, si, force)
	return out, s.fail(err)
}

func (s *Registrar) registerService(ctx context.Context, si Service, force bool) (Service, error) {
	si.Relations = slices.Clone(si.Relations)
	if err := si.Validate(); err != nil {
		return Service{}, err
	}
	prev := map[string]Relation{}
	if old, err := s.store.GetService(ctx, si.Name); err == nil {
		for _, r := range old.Relations {
			prev[string(r.Kind)+"\x00"+r.Subject] = r
		}
	} else if ErrorKind(err) != KindNotFound {
		return Service{}, err
	}
	var record []Relation // contract versions to add to the history
	for i := range si.Relations {
		r := &si.Relations[i]
		old, had := prev[string(r.Kind)+"\x00"+r.Subject]
		r.ContractFingerprint, r.ContractVersion, r.Pinned = "", 0, false
		if r.Kind.Owns() {
			r.Version = 0
			continue
		}
		if r.Contract != "" {
			c, fp, err := s.compileProposed(ctx, r.Subject, SchemaTypeJSON, r.Contract, nil)
			if err != nil {
				return Service{}, contractError(si.Name, *r, err)
			}
			r.ContractFingerprint, r.Version = fp, 0
			hist, err := s.store.ContractVersions(ctx, si.Name, r.Subject)
			if err != nil {
				return Service{}, err
			}
			var isNew bool
			r.ContractVersion, isNew = contractVersion(hist, *r, fp, old, had)
			if !had || old.ContractFingerprint != fp {
				if err := s.checkContract(ctx, si.Name, *r, c, fp, force); err != nil {
					return Service{}, err
				}
			}
			if isNew {
				record = append(record, *r)
			}
			continue
		}
		if r.Version > 0 {
			r.Pinned = true
			// A pin to a version the subject never had is a typo; a subject
			// with no version yet may be published later.
			if _, err := s.store.Version(ctx, r.Subject, r.Version, true); err != nil {
				var e *Error
				if errors.As(err, &e) && e.Code == CodeVersionNotFound {
					return Service{}, Errorf(KindInvalid, CodeInvalidVersion, "service %s %s %s version %d: the subject has no such version", si.Name, r.Kind, r.Subject, r.Version)
				}
				if ErrorKind(err) != KindNotFound {
					return Service{}, err
				}
			}
			continue
		}
		if had && old.Contract == "" && !old.Pinned && old.Version > 0 {
			r.Version = old.Version // the version current when it first registered
			continue
		}
		latest, err := s.latestVisible(ctx, r.Subject)
		if err != nil {
			return Service{}, err
		}
		r.Version = latest.Version // 0 if the message has no version yet
	}
	// History first: the service never names a contract version that the
	// history lacks.
	for _, r := range record {
		if err := s.recordContract(ctx, si.Name, r); err != nil {
			return Service{}, err
		}
	}
	if err := s.store.PutService(ctx, si); err != nil {
		return Service{}, err
	}
	s.log.Info("service registered", "service", si.Name, "relations", len(si.Relations))
	return si, nil
}

func contractError(service string, r Relation, err error) error {
	if e, ok := err.(*Error); ok && e.Kind == KindInvalid {
		return &Error{Kind: KindInvalid, Code: e.Code, Err: err,
			Message: fmt.Sprintf("service %s: contract for %s %s: %s", service, r.Kind, r.Subject, e.Message)}
	}
	return err
}

// latestVisible returns the latest non-deleted version of subject, or a
// zero Version if there is none.
func (s *Registrar) latestVisible(ctx context.Context, subject string) (Version, error) {
	vs, err := s.store.Versions(ctx, subject, false)
	if ErrorKind(err) == KindNotFound || (err == nil && len(vs) == 0) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, err
	}
	return vs[len(vs)-1], nil
}

// checkContract is the consumer-driven direction: a new contract against
// the message's current schema.
func (s *Registrar) checkContract(ctx context.Context, service string, r Relation, c *compat.Schema, fp string, force bool) error {
	latest, err := s.latestVisible(ctx, r.Subject)
	if err != nil || latest.Version == 0 {
		return err // nothing published yet: nothing to hold the contract against
	}
	cfg, err := s.effectiveConfig(ctx, r.Subject)
	if err != nil || cfg.Mode == compat.None {
		return err
	}
	cur, err := s.compiledByID(ctx, latest.SchemaID)
	if err != nil {
		return err
	}
	var rep compat.Report
	var what string
	if r.Kind == Consumes {
		rep = s.pairCheck(cur, c, fmt.Sprintf("id:%d", latest.SchemaID), fp, cfg.Policy, true)
		what = fmt.Sprintf("the contract of %s relies on what %s version %d does not guarantee", service, r.Subject, latest.Version)
	} else {
		rep = s.pairCheck(c, cur, fp, fmt.Sprintf("id:%d", latest.SchemaID), cfg.Policy, true)
		what = fmt.Sprintf("%s would send commands that %s version %d rejects", service, r.Subject, latest.Version)
	}
	if rep.Compatible {
		return nil
	}
	if force {
		s.log.Warn("forced contract registration", "service", service, "subject", r.Subject, "kind", string(r.Kind), "findings", len(rep.Findings))
		return nil
	}
	e := incompatible(r.Subject, rep)
	e.Message = what + ": " + strings.TrimPrefix(e.Message, fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %q, ", r.Subject))
	e.Impacted = []ImpactedService{{Service: service, Role: string(r.Kind), Findings: rep.Findings}}
	return e
}

// pairCheck runs compat.Check(writer, reader) memoized by the two schemas'
// identities (fingerprints or "id:N"); compiled schemas and verdicts are
// immutable, so the memo is never stale. With memo false (a proposal seen
// for the first time, whose verdicts are not kept) the memo is skipped.
func (s *Registrar) pairCheck(writer, reader *compat.Schema, wkey, rkey string, policy compat.Policy, memo bool) compat.Report {
	var key string
	if memo {
		key = "pair|" + policy.String() + "|" + wkey + "|" + rkey
		if rep, ok := s.cache.reports.Get(key); ok {
			rep.Findings = slices.Clone(rep.Findings)
			return rep
		}
	}
	rep := compat.Check(writer, reader, compat.Options{Policy: policy})
	if rep.Findings == nil {
		rep.Findings = []compat.Finding{}
	}
	if memo {
		s.cache.reports.Add(key, compat.Report{Compatible: rep.Compatible, Findings: slices.Clone(rep.Findings)})
	}
	return rep
}

// compiledContract compiles a stored contract, at most once per cache
// lifetime (keyed by its fingerprint).
func (s *Registrar) compiledContract(r Relation) (*compat.Schema, error) {
	if c, ok := s.cache.byFP.Get(r.ContractFingerprint); ok && r.ContractFingerprint != "" {
		return c, nil
	}
	s.compiles.Add(1)
	c, err := compat.Compile([]byte(r.Contract), compat.LoadOptions{Source: "contract for " + r.Subject,
		Limits: compat.HistoryLimits}) // accepted earlier: a lowered limit must not lock it out
	if err != nil {
		return nil, &Error{Kind: KindInternal, Code: CodeStoreError, Message: "stored contract for " + r.Subject + " no longer compiles", Err: err}
	}
	if r.ContractFingerprint != "" {
		s.cache.byFP.Add(r.ContractFingerprint, c)
	}
	return c, nil
}

// Impact reports which registered services a proposed new version of
// subject would break. Event (a service produces subject): consumer C is
// impacted iff the proposal writes something C's reader contract rejects.
// Command (a service handles subject): sender S is impacted iff S's writer
// contract writes something the proposal rejects. A consumer or sender
// without a contract is checked against the version it pinned, else the
// one current when it registered, else the latest. Nothing is written.
func (s *Registrar) Impact(ctx context.Context, subject, schemaText string) (ImpactReport, error) {
	if subject == "" {
		return ImpactReport{}, Errorf(KindInvalid, CodeInvalidRequest, "subject name must not be empty")
	}
	proposed, fp, err := s.compileProposed(ctx, subject, SchemaTypeJSON, schemaText, nil)
	if err != nil {
		return ImpactReport{}, s.fail(err)
	}
	cfg, err := s.effectiveConfig(ctx, subject)
	if err != nil {
		return ImpactReport{}, s.fail(err)
	}
	rep, err := s.impact(ctx, subject, proposed, fp, schemaText, cfg.Policy)
	return rep, s.fail(err)
}

// dependent is one consumes/sends relation to check.
type dependent struct {
	service string
	rel     *Relation // into the relations read from the store
}

func (s *Registrar) impact(ctx context.Context, subject string, proposed *compat.Schema, fp, text string, policy compat.Policy) (ImpactReport, error) {
	out := ImpactReport{Subject: subject, Impacted: []ImpactedService{}, Safe: []SafeService{}}
	related, err := s.store.RelationsBySubject(ctx, subject)
	if err != nil {
		return ImpactReport{}, err
	}
	deps := make([]dependent, 0, len(related))
	kinds := map[MessageKind]bool{}
	owner := MessageKind("")
	for i := range related {
		sr := &related[i]
		r := &sr.Relation
		if r.Subject != subject {
			continue
		}
		kinds[r.Kind.MessageKind()] = true
		if r.Kind.Owns() {
			owner = r.Kind.MessageKind()
		} else {
			deps = append(deps, dependent{sr.Service, r})
		}
	}
	switch {
	case owner != "":
		out.Kind = owner
	case kinds[Event] && !kinds[Command]:
		out.Kind = Event
	case kinds[Command] && !kinds[Event]:
		out.Kind = Command
	}
	if len(deps) == 0 {
		return out, nil
	}
	latest, err := s.latestVisible(ctx, subject)
	if err != nil {
		return ImpactReport{}, err
	}
	var removed []string // top-level properties the proposal drops, for reasons
	if latest.Version > 0 {
		if sch, err := s.schemaByID(ctx, latest.SchemaID); err == nil {
			removed = without(s.topProps(sch.Fingerprint, sch.Text), s.topProps(fp, text))
		}
	}

	// Resolve every dependent's schema first (store reads, compiles), then
	// run the checks in parallel: they are pure.
	type job struct {
		dep     dependent
		c       *compat.Schema
		key     string
		version int // > 0 when checked against a stored version
		skip    string
	}
	jobs := make([]job, len(deps))
	for i, d := range deps {
		j := job{dep: d}
		switch {
		case d.rel.Contract != "":
			if j.c, err = s.compiledContract(*d.rel); err != nil {
				return ImpactReport{}, err
			}
			j.key = d.rel.ContractFingerprint
		default:
			v := Version{}
			if d.rel.Version > 0 {
				if v, err = s.store.Version(ctx, subject, d.rel.Version, true); err != nil && ErrorKind(err) != KindNotFound {
					return ImpactReport{}, err
				}
			}
			if v.Version == 0 {
				v = latest
			}
			if v.Version == 0 {
				j.skip = "it has no contract and no version of " + subject + " is registered to compare with"
				break
			}
			if j.c, err = s.compiledByID(ctx, v.SchemaID); err != nil {
				return ImpactReport{}, err
			}
			j.key, j.version = fmt.Sprintf("id:%d", v.SchemaID), v.Version
		}
		jobs[i] = j
	}
	// Shortcut, sound by transitivity of inclusion: if the proposal only
	// narrows what the current version writes (event: L(N) ⊆ L(cur)) or only
	// widens what it reads (command: L(cur) ⊆ L(N)), a dependent whose
	// contract holds against the current version (a memoized verdict) holds
	// against the proposal too. Only the others need a check of their own,
	// so a safe change to a message with many dependents costs one check.
	var cur *compat.Schema
	curKey := ""
	viaCurrent := map[RelationKind]bool{}
	if latest.Version > 0 {
		if cur, err = s.compiledByID(ctx, latest.SchemaID); err != nil {
			return ImpactReport{}, err
		}
		curKey = fmt.Sprintf("id:%d", latest.SchemaID)
		for _, d := range deps {
			if _, done := viaCurrent[d.rel.Kind]; done {
				continue
			}
			if d.rel.Kind == Consumes {
				viaCurrent[Consumes] = s.pairCheck(proposed, cur, fp, curKey, policy, true).Compatible
			} else {
				viaCurrent[Sends] = s.pairCheck(cur, proposed, curKey, fp, policy, true).Compatible
			}
		}
	}
	// Dependents with the same contract (or no contract and the same
	// version) get the same verdict: check each distinct pair once.
	src := make([]int, len(jobs)) // the job whose verdict job i takes
	var uniq []int
	type pair struct {
		kind RelationKind
		key  string
	}
	first := make(map[pair]int, len(jobs))
	for i, j := range jobs {
		if j.skip != "" {
			continue
		}
		k := pair{j.dep.rel.Kind, j.key}
		if f, ok := first[k]; ok {
			src[i] = f
			continue
		}
		first[k], src[i] = i, i
		uniq = append(uniq, i)
	}
	// Keep the proposal's pair verdicts only when it comes again.
	_, again := s.cache.impacted.Get(policy.String() + "|" + fp)
	if !again {
		s.cache.impacted.Add(policy.String()+"|"+fp, struct{}{})
	}
	verdict := func(i int) compat.Report {
		j := jobs[i]
		if viaCurrent[j.dep.rel.Kind] && j.key != curKey {
			var base compat.Report
			if j.dep.rel.Kind == Consumes {
				base = s.pairCheck(cur, j.c, curKey, j.key, policy, true)
			} else {
				base = s.pairCheck(j.c, cur, j.key, curKey, policy, true)
			}
			if base.Compatible {
				return compat.Report{Compatible: true}
			}
		}
		if j.dep.rel.Kind == Consumes { // the proposal writes, the consumer reads
			return s.pairCheck(proposed, j.c, fp, j.key, policy, again)
		} // the sender writes, the proposal reads
		return s.pairCheck(j.c, proposed, j.key, fp, policy, again)
	}
	// The checks are pure and independent: one worker per core takes the
	// next unchecked pair (the caller's goroutine is one of them), and the
	// first verdict stored for a pair is kept.
	results := make([]atomic.Pointer[compat.Report], len(jobs))
	settle := func(i int) {
		if results[i].Load() == nil {
			rep := verdict(i)
			results[i].CompareAndSwap(nil, &rep)
		}
	}
	var next atomic.Int64
	work := func() {
		for n := next.Add(1) - 1; n < int64(len(uniq)); n = next.Add(1) - 1 {
			settle(uniq[n])
		}
	}
	for range min(runtime.GOMAXPROCS(0), len(uniq)) - 1 {
		go work()
	}
	work()
	// Every pair is taken. A pair another worker has not finished yet (on a
	// busy machine the OS may park its thread for milliseconds) is checked
	// here again rather than waited for; the worker's late verdict is the
	// same and is dropped.
	for _, i := range uniq {
		settle(i)
	}
	reports := make([]compat.Report, len(jobs))
	for i, j := range jobs {
		switch {
		case j.skip != "":
		case src[i] == i:
			reports[i] = *results[i].Load()
		default:
			reports[i] = *results[src[i]].Load()
			reports[i].Findings = slices.Clone(reports[i].Findings)
		}
	}

	out.Safe = make([]SafeService, 0, len(jobs))
	for i, j := range jobs {
		role := string(j.dep.rel.Kind)
		if j.skip != "" {
			out.Safe = append(out.Safe, SafeService{Service: j.dep.service, Role: role, Reason: j.skip})
			continue
		}
		if !reports[i].Compatible {
			out.Impacted = append(out.Impacted, ImpactedService{Service: j.dep.service, Role: role, Findings: reports[i].Findings})
			continue
		}
		out.Safe = append(out.Safe, SafeService{Service: j.dep.service, Role: role, Reason: s.safeReason(*j.dep.rel, j.version, removed)})
	}
	sort.SliceStable(out.Impacted, func(a, b int) bool { return out.Impacted[a].Service < out.Impacted[b].Service })
	sort.SliceStable(out.Safe, func(a, b int) bool { return out.Safe[a].Service < out.Safe[b].Service })
	return out, nil
}

func (s *Registrar) safeReason(r Relation, version int, removed []string) string {
	if r.Contract == "" {
		if r.Kind == Consumes {
			return fmt.Sprintf("it reads version %d (no contract), which accepts everything the new schema allows", version)
		}
		return fmt.Sprintf("it sends version %d (no contract), which the new schema accepts", version)
	}
	if r.Kind == Sends {
		return "the new schema accepts everything its writer contract sends"
	}
	if len(removed) > 0 {
		read := s.topProps(r.ContractFingerprint, r.Contract)
		var unread []string
		for _, p := range removed {
			if !slices.Contains(read, p) {
				unread = append(unread, "`"+p+"`")
			}
		}
		if len(unread) == len(removed) {
			return "its contract does not read " + strings.Join(unread, ", ")
		}
	}
	return "its contract accepts every document the new schema allows"
}

// topProps lists a schema's top-level property names, sorted, memoized by
// fingerprint (used only to explain why a service is safe).
func (s *Registrar) topProps(fp, text string) []string {
	if fp != "" {
		if ps, ok := s.cache.props.Get(fp); ok {
			return ps
		}
	}
	var doc struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal([]byte(text), &doc) // not an object with properties: none
	ps := make([]string, 0, len(doc.Properties))
	for p := range doc.Properties {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	if fp != "" {
		s.cache.props.Add(fp, ps)
	}
	return ps
}

// without returns the elements of a not in b (both sorted).
func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// GetService returns a registered service (40420 if unknown).
func (s *Registrar) GetService(ctx context.Context, name string) (Service, error) {
	si, err := s.store.GetService(ctx, name)
	return si, s.fail(err)
}

// Services lists every registered service, sorted by name.
func (s *Registrar) Services(ctx context.Context) ([]Service, error) {
	out, err := s.store.Services(ctx)
	if out == nil && err == nil {
		out = []Service{}
	}
	return out, s.fail(err)
}

// DeleteService removes a service and its relations (40420 if unknown).
func (s *Registrar) DeleteService(ctx context.Context, name string) error {
	err := s.store.DeleteService(ctx, name)
	if err == nil {
		s.log.Info("service deleted", "service", name)
	}
	return s.fail(err)
}

// checkDependents refuses a publish that breaks a registered consumer or
// sender of the subject (409 listing them, with findings and witnesses),
// unless the subject's mode is NONE or the request forces it. A forced
// publish that breaks someone returns the override (nil otherwise), which
// the caller logs once the version is stored.
func (s *Registrar) checkDependents(ctx context.Context, req PublishRequest, cfg Config, proposed *compat.Schema, fp string) (*Override, error) {
	if cfg.Mode == compat.None {
		return nil, nil
	}
	rep, err := s.impact(ctx, req.Subject, proposed, fp, req.Schema, cfg.Policy)
	if err != nil || !rep.Breaking() {
		return nil, err
	}
	if req.Force {
		return &Override{Overridden: len(rep.Impacted), Impacted: rep.Impacted}, nil
	}
	names := impactedNames(rep.Impacted)
	var findings []compat.Finding
	var lines []string
	for _, is := range rep.Impacted {
		findings = append(findings, is.Findings...)
		for _, f := range is.Findings {
			lines = append(lines, is.Service+": "+findingLine(f))
		}
	}
	return nil, &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: findings, Impacted: rep.Impacted,
		Message: fmt.Sprintf("Schema being registered for subject %q breaks registered services: %s; details: [%s]",
			req.Subject, strings.Join(names, ", "), strings.Join(lines, "\n"))}
}

// impactedNames lists "service (role)" per impacted service.
func impactedNames(is []ImpactedService) []string {
	names := make([]string, len(is))
	for i, s := range is {
		names[i] = s.Service + " (" + s.Role + ")"
	}
	return names
}

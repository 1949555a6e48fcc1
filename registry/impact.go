package registry

import (
	"context"
	"fmt"
	"maps"
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
	Service string       `json:"service"`
	Role    RelationKind `json:"role"` // consumes | sends
	Reason  string       `json:"reason"`
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

// Impact reports which registered services a proposed new version of
// subject would break. Event (a service produces subject): consumer C is
// impacted iff the proposal writes something C's reader contract rejects.
// Command (a service handles subject): sender S is impacted iff S's writer
// contract writes something the proposal rejects. A consumer or sender
// without a contract is checked against the version it pinned, else the
// one current when it registered, else the latest. Nothing is written.
func (s *Registrar) Impact(ctx context.Context, subject, schemaText string) (ImpactReport, error) {
	if err := checkSubject(subject); err != nil {
		return ImpactReport{}, err
	}
	p, err := s.propose(ctx, subject, SchemaTypeJSON, schemaText, nil)
	if err != nil {
		return ImpactReport{}, s.fail(err)
	}
	st, err := s.store.ReadSubject(ctx, subject, "")
	if err != nil {
		return ImpactReport{}, s.fail(err)
	}
	rep, err := s.impact(ctx, p, st, st.Effective().Policy)
	return rep, s.fail(err)
}

// dependent is one consumes/sends relation to check.
type dependent struct {
	service string
	rel     *Relation // into the relations read from the store
}

// impact checks proposal p against every consumer and sender of its
// subject, whose state st says which version is current and which versions
// pinned ones read.
func (s *Registrar) impact(ctx context.Context, p proposal, st SubjectState, policy compat.Policy) (ImpactReport, error) {
	subject, proposed, fp := p.subject, p.schema, p.fp
	out := ImpactReport{Subject: subject, Impacted: []ImpactedService{}, Safe: []SafeService{}}
	related, err := s.store.RelationsBySubject(ctx, subject)
	if err != nil {
		return ImpactReport{}, err
	}
	deps := make([]dependent, 0, len(related))
	var kinds []RelationKind
	for i := range related {
		sr := &related[i]
		r := &sr.Relation
		if r.Subject != subject {
			continue
		}
		kinds = append(kinds, r.Kind)
		if !r.Kind.Owns() {
			deps = append(deps, dependent{sr.Service, r})
		}
	}
	out.Kind = messageKindOf(kinds)
	if len(deps) == 0 {
		return out, nil
	}
	latest, _ := st.LatestVisible() // Version 0: none
	var cur *compat.Schema
	curKey := ""
	var removed []string // top-level properties the proposal drops, for reasons
	if latest.Version > 0 {
		var err error
		if cur, err = s.compiledByID(ctx, latest.SchemaID); err != nil {
			return ImpactReport{}, err
		}
		curKey = fmt.Sprintf("id:%d", latest.SchemaID)
		removed = without(topProps(cur), topProps(proposed))
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
			v, _ := st.Find(d.rel.Version) // soft-deleted too: it is what the dependent reads
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
	viaCurrent := map[RelationKind]bool{}
	if cur != nil {
		for _, d := range deps {
			if _, done := viaCurrent[d.rel.Kind]; !done {
				// The proposal against the current version, as if that were the dependent.
				rep, err := s.dependentCheck(ctx, d.rel.Kind, proposed, fp, cur, curKey, policy, true)
				if err != nil {
					return ImpactReport{}, err
				}
				viaCurrent[d.rel.Kind] = rep.Compatible
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
	type outcome struct {
		rep compat.Report
		err error // only the request's context ends a check with an error
	}
	verdict := func(i int) outcome {
		j := jobs[i]
		kind := j.dep.rel.Kind
		if viaCurrent[kind] && j.key != curKey {
			rep, err := s.dependentCheck(ctx, kind, cur, curKey, j.c, j.key, policy, true)
			if err != nil {
				return outcome{err: err}
			}
			if rep.Compatible {
				return outcome{rep: compat.Report{Compatible: true}}
			}
		}
		rep, err := s.dependentCheck(ctx, kind, proposed, fp, j.c, j.key, policy, again)
		return outcome{rep, err}
	}
	// The checks are pure and independent: one worker per core takes the
	// next unchecked pair (the caller's goroutine is one of them), and the
	// first verdict stored for a pair is kept.
	results := make([]atomic.Pointer[outcome], len(jobs))
	settle := func(i int) {
		if results[i].Load() == nil {
			o := verdict(i)
			results[i].CompareAndSwap(nil, &o)
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
		if err := results[i].Load().err; err != nil {
			return ImpactReport{}, err
		}
	}
	reports := make([]compat.Report, len(jobs))
	for i, j := range jobs {
		switch {
		case j.skip != "":
		case src[i] == i:
			reports[i] = results[i].Load().rep
		default:
			reports[i] = results[src[i]].Load().rep
			reports[i].Findings = slices.Clone(reports[i].Findings)
		}
	}

	out.Safe = make([]SafeService, 0, len(jobs))
	for i, j := range jobs {
		role := j.dep.rel.Kind
		if j.skip != "" {
			out.Safe = append(out.Safe, SafeService{Service: j.dep.service, Role: role, Reason: j.skip})
			continue
		}
		if !reports[i].Compatible {
			out.Impacted = append(out.Impacted, ImpactedService{Service: j.dep.service, Role: role, Findings: reports[i].Findings})
			continue
		}
		out.Safe = append(out.Safe, SafeService{Service: j.dep.service, Role: role, Reason: safeReason(*j.dep.rel, j.c, j.version, removed)})
	}
	sort.SliceStable(out.Impacted, func(a, b int) bool { return out.Impacted[a].Service < out.Impacted[b].Service })
	sort.SliceStable(out.Safe, func(a, b int) bool { return out.Safe[a].Service < out.Safe[b].Service })
	return out, nil
}

// safeReason says why dependent r, checked against schema c (its contract
// or the version it reads), is safe.
func safeReason(r Relation, c *compat.Schema, version int, removed []string) string {
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
		read := topProps(c)
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

// topProps lists the top-level property names of a compiled schema,
// sorted (used only to explain why a service is safe).
func topProps(c *compat.Schema) []string {
	return slices.Sorted(maps.Keys(c.Compiled().Properties))
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

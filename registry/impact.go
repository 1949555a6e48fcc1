package registry

import (
	"context"
	"encoding/json"
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

// Impact reports which registered services a proposed new version of
// subject would break. Event (a service produces subject): consumer C is
// impacted iff the proposal writes something C's reader contract rejects.
// Command (a service handles subject): sender S is impacted iff S's writer
// contract writes something the proposal rejects. A consumer or sender
// without a contract is checked against the version it pinned, else the
// one current when it registered, else the latest. Nothing is written.
func (s *Registrar) Impact(ctx context.Context, subject, schemaText string) (ImpactReport, error) {
	if subject == "" {
		return ImpactReport{}, ErrEmptySubject()
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

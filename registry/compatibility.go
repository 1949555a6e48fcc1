package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/report"
)

// Check reports whether req.Schema could be registered, without writing.
// Version "" checks every version the mode covers; "latest" or N checks that
// one version in the mode's direction(s).
func (s *Registrar) Check(ctx context.Context, req CheckRequest) (compat.Report, error) {
	rep, err := s.checkReq(ctx, req)
	return rep, s.fail(err)
}

func (s *Registrar) checkReq(ctx context.Context, req CheckRequest) (compat.Report, error) {
	if err := checkSubject(req.Subject); err != nil {
		return compat.Report{}, err
	}
	n := 0
	if req.Version != "" {
		var err error
		if n, err = parseVersion(req.Version); err != nil {
			return compat.Report{}, err
		}
	}
	st, err := s.store.ReadSubject(ctx, req.Subject, "")
	if err != nil {
		return compat.Report{}, err
	}
	var against Version
	if n != 0 {
		if against, err = visibleVersion(req.Subject, st, n); err != nil {
			return compat.Report{}, err
		}
	}
	p, err := s.propose(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return compat.Report{}, err
	}
	if n == 0 {
		_, rep, err := s.historyVerdict(ctx, p, st)
		return rep, err
	}
	// One explicit version: compare with just it, in the mode's
	// direction(s); the transitive part does not apply.
	cfg := st.Effective()
	mode := cfg.Mode.NonTransitive()
	var hist []*compat.Schema
	if mode != compat.None {
		c, err := s.compiledByID(ctx, against.SchemaID)
		if err != nil {
			return compat.Report{}, err
		}
		hist = []*compat.Schema{c}
	}
	rep, err := s.check(ctx, mode, cfg, []Version{against}, hist, p.schema, p.fp)
	if err != nil {
		return compat.Report{}, err
	}
	if cfg.Mode.Transitive() {
		for i := range rep.Findings {
			rep.Findings[i].Version = against.Version
		}
	}
	return rep, nil
}

// historyVerdict checks a proposal against the subject's history as its
// mode asks (every visible version for transitive modes, else the latest;
// nothing under NONE): the check a publish must pass first, and the first
// item of its dry run. Findings carry the version they were found against.
func (s *Registrar) historyVerdict(ctx context.Context, p proposal, st SubjectState) (Config, compat.Report, error) {
	cfg := st.Effective()
	vs, hist, err := s.history(ctx, st, cfg.Mode)
	if err != nil {
		return Config{}, compat.Report{}, err
	}
	rep, err := s.check(ctx, cfg.Mode, cfg, vs, hist, p.schema, p.fp)
	return cfg, rep, err
}

// history returns the visible versions a check in mode must compare
// against (every one for transitive modes, else the latest), compiled.
func (s *Registrar) history(ctx context.Context, st SubjectState, mode compat.Mode) ([]Version, []*compat.Schema, error) {
	if mode == compat.None {
		return nil, nil, nil
	}
	vs := st.Visible()
	if !mode.Transitive() && len(vs) > 1 {
		vs = vs[len(vs)-1:]
	}
	out := make([]*compat.Schema, len(vs))
	for i, v := range vs {
		var err error
		if out[i], err = s.compiledByID(ctx, v.SchemaID); err != nil {
			return nil, nil, err
		}
	}
	return vs, out, nil
}

// checkOptions is the check budget under policy.
func (s *Registrar) checkOptions(policy compat.Policy) compat.Options {
	o := s.checkOpts
	o.Policy = policy
	return o
}

// check runs the mode over the given history and rewrites each finding's
// Version from a position in the slice to the real version number. Verdicts
// are memoized by (mode, policy, proposal fingerprint, version:id list):
// CI re-checks the same schema on every build and that must cost nothing.
// The check runs under ctx (the request's): when the client hangs up it
// stops, and nothing is memoized.
func (s *Registrar) check(ctx context.Context, mode compat.Mode, cfg Config, vs []Version, hist []*compat.Schema, proposed *compat.Schema, fp string) (compat.Report, error) {
	key := reportKey(mode, cfg.Policy, fp, vs)
	if rep, ok := s.cache.reports.Get(key); ok {
		rep.Findings = slices.Clone(rep.Findings) // callers must not alias the cache
		return rep, nil
	}
	rep, err := compat.CheckModeContext(ctx, mode, hist, proposed, s.checkOptions(cfg.Policy))
	if err != nil {
		return compat.Report{}, err
	}
	for i := range rep.Findings {
		if p := rep.Findings[i].Version; p >= 1 && p <= len(vs) {
			rep.Findings[i].Version = vs[p-1].Version
		}
	}
	if rep.Findings == nil {
		rep.Findings = []compat.Finding{}
	}
	s.cache.reports.Add(key, compat.Report{Compatible: rep.Compatible, Findings: slices.Clone(rep.Findings)})
	return rep, nil
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

// incompatible builds the 409 Confluent clients expect, one line per
// breaking finding (every finding when none is breaking).
func incompatible(subject string, rep compat.Report) *Error {
	return &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: rep.Findings,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %s, details: [%s]", Quote(subject), findingLines(rep.Findings, ""))}
}

// findingLines lists findings one per line (report.FindingLine), each
// after prefix: the breaking ones, or every one when none is breaking.
func findingLines(fs []compat.Finding, prefix string) string {
	var lines []string
	for _, f := range fs {
		if f.Breaking {
			lines = append(lines, prefix+report.FindingLine(f))
		}
	}
	if len(lines) == 0 {
		for _, f := range fs {
			lines = append(lines, prefix+report.FindingLine(f))
		}
	}
	return strings.Join(lines, "\n")
}

// pairCheck runs compat.Check(writer, reader) memoized by the two schemas'
// identities (fingerprints or "id:N"); compiled schemas and verdicts are
// immutable, so the memo is never stale. With memo false (a proposal seen
// for the first time, whose verdicts are not kept) the memo is skipped.
func (s *Registrar) pairCheck(ctx context.Context, writer, reader *compat.Schema, wkey, rkey string, policy compat.Policy, memo bool) (compat.Report, error) {
	var key string
	if memo {
		key = "pair|" + policy.String() + "|" + wkey + "|" + rkey
		if rep, ok := s.cache.reports.Get(key); ok {
			rep.Findings = slices.Clone(rep.Findings)
			return rep, nil
		}
	}
	rep, err := compat.CheckContext(ctx, writer, reader, s.checkOptions(policy))
	if err != nil {
		return compat.Report{}, err
	}
	if rep.Findings == nil {
		rep.Findings = []compat.Finding{}
	}
	if memo {
		s.cache.reports.Add(key, compat.Report{Compatible: rep.Compatible, Findings: slices.Clone(rep.Findings)})
	}
	return rep, nil
}

// dependentCheck is the check of a dependent of kind (a consumer or a
// sender) against a message schema, oriented by the consumer/sender rule
// (orient), memoized as pairCheck.
func (s *Registrar) dependentCheck(ctx context.Context, kind RelationKind, message *compat.Schema, messageKey string, dependent *compat.Schema, dependentKey string, policy compat.Policy, memo bool) (compat.Report, error) {
	w, r := orient(kind, message, dependent)
	wk, rk := orient(kind, messageKey, dependentKey)
	return s.pairCheck(ctx, w, r, wk, rk, policy, memo)
}

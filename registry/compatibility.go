package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/compat"
)

// Check reports whether req.Schema could be registered, without writing.
// Version "" checks every version the mode covers; "latest" or N checks that
// one version in the mode's direction(s).
func (s *Registrar) Check(ctx context.Context, req CheckRequest) (compat.Report, error) {
	rep, err := s.checkReq(ctx, req)
	return rep, s.fail(err)
}

func (s *Registrar) checkReq(ctx context.Context, req CheckRequest) (compat.Report, error) {
	n := 0
	if req.Version != "" {
		var err error
		if n, err = parseVersion(req.Version); err != nil {
			return compat.Report{}, err
		}
	}
	cfg, err := s.effectiveConfig(ctx, req.Subject)
	if err != nil {
		return compat.Report{}, err
	}
	var vs []Version
	if n != 0 {
		v, err := s.resolveVersion(ctx, req.Subject, n, false)
		if err != nil {
			return compat.Report{}, err
		}
		vs = []Version{v}
	}
	proposed, fp, err := s.compileProposed(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return compat.Report{}, err
	}
	mode := cfg.Mode
	var hist []*compat.Schema
	if n != 0 {
		// One explicit version: compare with just it, in the mode's
		// direction(s); the transitive part does not apply.
		mode = mode.NonTransitive()
		if mode != compat.None {
			c, err := s.compiledByID(ctx, vs[0].SchemaID)
			if err != nil {
				return compat.Report{}, err
			}
			hist = []*compat.Schema{c}
		}
	} else if vs, hist, err = s.history(ctx, req.Subject, mode); err != nil {
		return compat.Report{}, err
	}
	rep := s.check(mode, cfg, vs, hist, proposed, fp)
	if n != 0 && cfg.Mode.Transitive() {
		for i := range rep.Findings {
			rep.Findings[i].Version = vs[0].Version
		}
	}
	return rep, nil
}

// history returns the non-deleted versions a check in mode must compare
// against (every one for transitive modes, else the latest), compiled.
func (s *Registrar) history(ctx context.Context, subject string, mode compat.Mode) ([]Version, []*compat.Schema, error) {
	if mode == compat.None {
		return nil, nil, nil
	}
	vs, err := s.store.Versions(ctx, subject, false)
	if err != nil {
		if ErrorKind(err) == KindNotFound {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	if !mode.Transitive() && len(vs) > 1 {
		vs = vs[len(vs)-1:]
	}
	out := make([]*compat.Schema, len(vs))
	for i, v := range vs {
		if out[i], err = s.compiledByID(ctx, v.SchemaID); err != nil {
			return nil, nil, err
		}
	}
	return vs, out, nil
}

// check runs the mode over the given history and rewrites each finding's
// Version from a position in the slice to the real version number. Verdicts
// are memoized by (mode, policy, proposal fingerprint, version:id list):
// CI re-checks the same schema on every build and that must cost nothing.
func (s *Registrar) check(mode compat.Mode, cfg Config, vs []Version, hist []*compat.Schema, proposed *compat.Schema, fp string) compat.Report {
	key := reportKey(mode, cfg.Policy, fp, vs)
	if rep, ok := s.cache.reports.Get(key); ok {
		rep.Findings = slices.Clone(rep.Findings) // callers must not alias the cache
		return rep
	}
	rep := compat.CheckMode(mode, hist, proposed, compat.Options{Policy: cfg.Policy})
	for i := range rep.Findings {
		if p := rep.Findings[i].Version; p >= 1 && p <= len(vs) {
			rep.Findings[i].Version = vs[p-1].Version
		}
	}
	if rep.Findings == nil {
		rep.Findings = []compat.Finding{}
	}
	s.cache.reports.Add(key, compat.Report{Compatible: rep.Compatible, Findings: slices.Clone(rep.Findings)})
	return rep
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

// incompatible builds the 409 Confluent clients expect, one line per finding.
func incompatible(subject string, rep compat.Report) *Error {
	var lines []string
	for _, f := range rep.Findings {
		if f.Breaking {
			lines = append(lines, findingLine(f))
		}
	}
	if len(lines) == 0 { // incompatible without a breaking finding: show them all
		for _, f := range rep.Findings {
			lines = append(lines, findingLine(f))
		}
	}
	return &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: rep.Findings,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]", subject, strings.Join(lines, "\n"))}
}

func findingLine(f compat.Finding) string {
	path := f.Path
	if path == "" {
		path = "/"
	}
	var where []string
	if f.Direction != "" {
		where = append(where, f.Direction)
	}
	if f.Version > 0 {
		where = append(where, "version "+strconv.Itoa(f.Version))
	}
	ctx := ""
	if len(where) > 0 {
		ctx = " (" + strings.Join(where, ", ") + ")"
	}
	return fmt.Sprintf("%s at %s%s: %s", f.Rule, path, ctx, f.Message)
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

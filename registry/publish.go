package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/batonhq/baton/compat"
)

// Publish checks req against the subject's history and registers it. An
// identical schema (same fingerprint) returns the existing version without
// a check. Nothing is written on any error.
func (s *Registrar) Publish(ctx context.Context, req PublishRequest) (SubjectVersion, error) {
	sv, err := s.publish(ctx, req)
	return sv, s.fail(err)
}

func (s *Registrar) publish(ctx context.Context, req PublishRequest) (SubjectVersion, error) {
	if err := checkSubject(req.Subject); err != nil {
		return SubjectVersion{}, err
	}
	if req.ID != 0 || req.Version != 0 {
		return s.publishImport(ctx, req)
	}
	start := s.now()
	p, err := s.propose(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return SubjectVersion{}, err
	}
	mu := s.lockFor(req.Subject)
	mu.Lock()
	defer mu.Unlock()
	for attempt := 1; attempt <= maxPublishAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return SubjectVersion{}, err
		}
		// One read per attempt: the latest number the Append below is
		// conditional on, the versions to check against, the configs.
		st, err := s.store.ReadSubject(ctx, req.Subject, p.fp)
		if err != nil {
			return SubjectVersion{}, err
		}
		if err := checkPublishMode(req.Subject, st.EffectiveMode(), false); err != nil {
			return SubjectVersion{}, err
		}
		if st.Existing.Version > 0 {
			return s.join(ctx, st.Existing)
		}
		if err := s.checkVersionLimit(req.Subject, st); err != nil {
			return SubjectVersion{}, err
		}
		cfg, rep, err := s.historyVerdict(ctx, p, st)
		if err != nil {
			return SubjectVersion{}, err
		}
		if !rep.Compatible {
			return SubjectVersion{}, incompatible(req.Subject, rep)
		}
		deps, err := s.dependentsVerdict(ctx, p, st, cfg)
		if err != nil {
			return SubjectVersion{}, err
		}
		forced, err := overrideOrRefuse(req, deps)
		if err != nil {
			return SubjectVersion{}, err
		}
		v, existing, err := s.store.Append(ctx, req.Subject, st.Latest, Schema{
			Type: SchemaTypeJSON, Text: req.Schema, References: req.References, Fingerprint: p.fp})
		if errors.Is(err, ErrStale) {
			s.log.Debug("publish lost a race; re-checking", "subject", req.Subject, "attempt", attempt)
			continue
		}
		if err != nil {
			return SubjectVersion{}, err
		}
		sv, err := s.join(ctx, v)
		if err != nil {
			return SubjectVersion{}, err
		}
		if !existing {
			s.cache.byID.Add(v.SchemaID, p.schema)
			s.log.Info("schema registered", "subject", req.Subject, "version", v.Version, "id", v.SchemaID,
				"mode", string(cfg.Mode), "took", s.now().Sub(start))
			if forced != nil {
				sv.Forced = forced
				s.log.Warn("forced publish breaks registered services", "subject", req.Subject, "impacted", strings.Join(impactedNames(forced.Impacted), ", "),
					"overridden", forced.Overridden, "version", v.Version, "id", v.SchemaID)
			}
		}
		return sv, nil
	}
	return SubjectVersion{}, &Error{Kind: KindUnavailable, Code: CodeStoreError,
		Message: fmt.Sprintf("subject %s changed %d times while publishing; retry", Quote(req.Subject), maxPublishAttempts)}
}

// join attaches the stored schema to a version.
func (s *Registrar) join(ctx context.Context, v Version) (SubjectVersion, error) {
	sch, err := s.schemaByID(ctx, v.SchemaID)
	if err != nil {
		return SubjectVersion{}, err
	}
	return SubjectVersion{Version: v, Schema: sch}, nil
}

// Lookup finds the version of req.Subject that holds req's schema.
func (s *Registrar) Lookup(ctx context.Context, req PublishRequest, deleted bool) (SubjectVersion, error) {
	sv, err := s.lookup(ctx, req, deleted)
	return sv, s.fail(err)
}

func (s *Registrar) lookup(ctx context.Context, req PublishRequest, deleted bool) (SubjectVersion, error) {
	if err := checkType(req.SchemaType); err != nil {
		return SubjectVersion{}, err
	}
	tp, err := s.fingerprint(req.Schema, req.References)
	if err != nil {
		return SubjectVersion{}, err
	}
	fp := tp.fp
	v, err := s.store.FindByFingerprint(ctx, req.Subject, fp)
	if err == nil {
		return s.join(ctx, v)
	}
	if !deleted || ErrorKind(err) != KindNotFound {
		return SubjectVersion{}, err
	}
	// deleted=true: soft-deleted versions count too. The store indexes only
	// visible versions by fingerprint, so scan (rare, admin-only path).
	vs, verr := s.store.Versions(ctx, req.Subject, true)
	if verr != nil {
		return SubjectVersion{}, verr
	}
	for i := len(vs) - 1; i >= 0; i-- {
		sch, serr := s.schemaByID(ctx, vs[i].SchemaID)
		if serr != nil {
			return SubjectVersion{}, serr
		}
		if sch.Fingerprint == fp {
			return SubjectVersion{Version: vs[i], Schema: sch}, nil
		}
	}
	return SubjectVersion{}, err
}

// dependentsVerdict checks a proposal against the subject's registered
// consumers and senders (see impact), the check a publish that passed its
// history must pass next. Under mode NONE nothing is checked: nil.
func (s *Registrar) dependentsVerdict(ctx context.Context, p proposal, st SubjectState, cfg Config) (*ImpactReport, error) {
	if cfg.Mode == compat.None {
		return nil, nil
	}
	rep, err := s.impact(ctx, p, st, cfg.Policy)
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// overrideOrRefuse decides a publish whose dependents verdict is rep: a
// change that breaks a registered consumer or sender is refused (409
// listing them, with findings and witnesses) unless the request forces it;
// a forced one returns the override (nil when nothing breaks), which the
// caller logs once the version is stored.
func overrideOrRefuse(req PublishRequest, rep *ImpactReport) (*Override, error) {
	if rep == nil || !rep.Breaking() {
		return nil, nil
	}
	if req.Force {
		return &Override{Overridden: len(rep.Impacted), Impacted: rep.Impacted}, nil
	}
	var findings []compat.Finding
	var lines []string
	for _, is := range rep.Impacted {
		findings = append(findings, is.Findings...)
		lines = append(lines, findingLines(is.Findings, is.Service+": "))
	}
	return nil, &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: findings, Impacted: rep.Impacted,
		Message: fmt.Sprintf("Schema being registered for subject %s breaks registered services: %s; details: [%s]",
			Quote(req.Subject), strings.Join(impactedNames(rep.Impacted), ", "), strings.Join(lines, "\n"))}
}

// impactedNames lists "service (role)" per impacted service.
func impactedNames(is []ImpactedService) []string {
	names := make([]string, len(is))
	for i, s := range is {
		names[i] = s.Service + " (" + string(s.Role) + ")"
	}
	return names
}

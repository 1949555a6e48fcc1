package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/compat"
)

// ContractVersion is one version of a service's contract for a message:
// the first contract text a service registers for a (kind, subject) is
// version 1, and every change of the text (by fingerprint) makes the next
// version. Re-registering an unchanged contract adds nothing.
type ContractVersion struct {
	Service     string       `json:"service"`
	Subject     string       `json:"subject"`
	Kind        RelationKind `json:"kind"` // consumes | sends
	Version     int          `json:"version"`
	Contract    string       `json:"contract"`
	Fingerprint string       `json:"fingerprint"`
	Registered  time.Time    `json:"registered"` // UTC
}

// ContractStore keeps the history of contracts (part of Store).
type ContractStore interface {
	// PutContractVersion stores cv, replacing an entry with the same
	// service, subject, kind and version (a registration that failed after
	// storing its contract version is retried under the same number).
	// Entries stay when the service or the relation is removed, so a
	// service that registers again continues its numbering.
	PutContractVersion(ctx context.Context, cv ContractVersion) error
	// ContractVersions lists service's contract versions for subject,
	// sorted by kind, then version; none: an empty list.
	ContractVersions(ctx context.Context, service, subject string) ([]ContractVersion, error)
}

// contractVersion numbers contract text fp of relation r from the stored
// history of (service, r.Subject) and the relation as it was (old, had),
// and reports whether that version still has to be stored. The number
// moves on from the relation's current version (so a registration that
// failed after storing its contract version reuses the number) or, for a
// new relation, from the newest stored one (a service registered again
// continues its history). Relations registered before history was kept
// have a number but no entry: their current text is stored under it.
func contractVersion(hist []ContractVersion, r Relation, fp string, old Relation, had bool) (version int, isNew bool) {
	last := ContractVersion{}
	stored := func(v int) bool {
		for _, cv := range hist {
			if cv.Kind == r.Kind && cv.Version == v && cv.Fingerprint == fp {
				return true
			}
		}
		return false
	}
	for _, cv := range hist {
		if cv.Kind == r.Kind && cv.Version > last.Version {
			last = cv
		}
	}
	n := last.Version
	if had && old.Contract != "" {
		n = max(old.ContractVersion, 1)
		if old.ContractFingerprint == fp {
			return n, !stored(n)
		}
	}
	if n > 0 && last.Version == n && last.Fingerprint == fp {
		return n, false // the text of the newest stored version again
	}
	return n + 1, true
}

// recordContract stores the contract version of r (already numbered).
func (s *Registrar) recordContract(ctx context.Context, service string, r Relation) error {
	return s.store.PutContractVersion(ctx, ContractVersion{Service: service, Subject: r.Subject, Kind: r.Kind,
		Version: r.ContractVersion, Contract: r.Contract, Fingerprint: r.ContractFingerprint, Registered: s.now().UTC()})
}

// ContractVersions lists the versions of service's contracts for subject,
// oldest first per kind. Unknown service: CodeServiceNotFound; a subject
// the service never had a contract for: an empty list.
func (s *Registrar) ContractVersions(ctx context.Context, service, subject string) ([]ContractVersion, error) {
	if !ValidName(service) {
		return nil, Errorf(KindInvalid, CodeInvalidRequest, "invalid service name %s", Quote(service))
	}
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	if _, err := s.store.GetService(ctx, service); err != nil {
		return nil, s.fail(err)
	}
	out, err := s.store.ContractVersions(ctx, service, subject)
	return nonNil(out), s.fail(err)
}

// contractVerdict is what the contract rule found for one contract.
type contractVerdict struct {
	against Version     // the message version checked against; Version 0: none is published
	mode    compat.Mode // the message's mode; under NONE nothing is checked
	report  compat.Report
}

// checked reports whether the contract was held against a schema.
func (v contractVerdict) checked() bool { return v.against.Version > 0 && v.mode != compat.None }

// breaks reports whether the contract fails the rule.
func (v contractVerdict) breaks() bool { return v.checked() && !v.report.Compatible }

// checkContract is the contract rule of consumer-driven contract testing,
// and the one place it lives: RegisterService refuses a new or changed
// contract that fails it, CheckManifest reports it, and so will deployment
// checks. A consumer's reader contract must accept every document the
// message's current schema allows (the schema writes, the contract reads);
// a sender's writer contract must write only what the current schema
// accepts (the contract writes, the schema reads): orient. The message's
// policy applies; under its mode NONE, or before it has a visible version,
// nothing is checked. The current schema is compiled with its references.
func (s *Registrar) checkContract(ctx context.Context, kind RelationKind, subject string, c *compat.Schema, fp string) (contractVerdict, error) {
	st, err := s.store.ReadSubject(ctx, subject, "")
	if err != nil {
		return contractVerdict{}, err
	}
	latest, _ := st.LatestVisible()
	cfg := st.Effective()
	v := contractVerdict{against: latest, mode: cfg.Mode}
	if !v.checked() {
		return v, nil
	}
	cur, err := s.compiledByID(ctx, latest.SchemaID)
	if err != nil {
		return contractVerdict{}, err
	}
	if v.report, _, err = s.contractRule(ctx, kind, cur, fmt.Sprintf("id:%d", latest.SchemaID), c, fp, cfg); err != nil {
		return contractVerdict{}, err
	}
	return v, nil
}

// contractRule holds a dependent's schema (contract, or the message
// version it reads or writes) of kind against one message schema under the
// message's config: the rule itself, shared by registration (checkContract)
// and deployment checks (CanIDeploy), memoized. Under mode NONE nothing is
// checked (checked=false).
func (s *Registrar) contractRule(ctx context.Context, kind RelationKind, message *compat.Schema, messageKey string, dependent *compat.Schema, dependentKey string, cfg Config) (rep compat.Report, checked bool, err error) {
	if cfg.Mode == compat.None {
		return compat.Report{Compatible: true, Findings: []compat.Finding{}}, false, nil
	}
	rep, err = s.dependentCheck(ctx, kind, message, messageKey, dependent, dependentKey, cfg.Policy, true)
	return rep, err == nil, err
}

// refusal is the 409 of a registration of service whose contract (kind,
// subject) fails the rule: what it relies on that the message does not
// guarantee, with findings.
func (v contractVerdict) refusal(service string, kind RelationKind, subject string) *Error {
	what := fmt.Sprintf("the contract of %s relies on what %s version %d does not guarantee", service, subject, v.against.Version)
	if kind == Sends {
		what = fmt.Sprintf("%s would send commands that %s version %d rejects", service, subject, v.against.Version)
	}
	return &Error{Kind: KindIncompatible, Code: CodeIncompatible, Findings: v.report.Findings,
		Impacted: []ImpactedService{{Service: service, Role: kind, Findings: v.report.Findings}},
		Message:  fmt.Sprintf("%s: details: [%s]", what, findingLines(v.report.Findings, ""))}
}

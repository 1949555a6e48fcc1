package registry

import (
	"context"
	"fmt"
	"strings"
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
		return nil, Errorf(KindInvalid, CodeInvalidRequest, "invalid service name %q", service)
	}
	if subject == "" {
		return nil, ErrEmptySubject()
	}
	if _, err := s.store.GetService(ctx, service); err != nil {
		return nil, s.fail(err)
	}
	out, err := s.store.ContractVersions(ctx, service, subject)
	if out == nil && err == nil {
		out = []ContractVersion{}
	}
	return out, s.fail(err)
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

package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// MessageKind says which pattern a message belongs to.
type MessageKind string

const (
	Event   MessageKind = "event"   // choreography: a producer announces, consumers react
	Command MessageKind = "command" // orchestration: a sender asks one handler
)

// RelationKind is how a service relates to a message.
type RelationKind string

const (
	Produces RelationKind = "produces" // owns an event's schema
	Consumes RelationKind = "consumes" // reads an event (reader contract)
	Handles  RelationKind = "handles"  // owns a command's schema
	Sends    RelationKind = "sends"    // writes a command (writer contract)
)

// Owns reports whether the relation makes the service the message's owner
// (the one that publishes its schema versions).
func (k RelationKind) Owns() bool { return k == Produces || k == Handles }

// MessageKind returns the kind of message the relation applies to.
func (k RelationKind) MessageKind() MessageKind {
	if k == Produces || k == Consumes {
		return Event
	}
	return Command
}

// Relation ties a service to a message subject. For consumes and sends,
// Contract is the service's reader (consumes) or writer (sends) schema; a
// relation without one is checked against message version Version (the one
// pinned in the manifest, else the one current when the service registered;
// 0 when the message had no version yet). ContractVersion is the number of
// the contract's text in the service's contract history (1 for the first
// one; see ContractVersion and Registrar.ContractVersions).
type Relation struct {
	Subject             string       `json:"subject"`
	Name                string       `json:"name,omitempty"` // message name in the manifest ("" = Subject)
	Kind                RelationKind `json:"kind"`
	Contract            string       `json:"contract,omitempty"`
	ContractFingerprint string       `json:"contractFingerprint,omitempty"`
	ContractVersion     int          `json:"contractVersion,omitempty"`
	Version             int          `json:"version,omitempty"`
	Pinned              bool         `json:"pinned,omitempty"` // Version came from the manifest
}

// ServiceRelation is one entry of the relation index: a service's
// relation to a subject.
type ServiceRelation struct {
	Service  string   `json:"service"`
	Relation Relation `json:"relation"`
}

// Service is a registered service (a microservice, as its manifest
// declares it): its name, owner and relations to messages.
type Service struct {
	Name      string     `json:"name"`
	Owner     string     `json:"owner,omitempty"`
	Relations []Relation `json:"relations"`
}

// ValidName limits service and message names to what works in URLs, Redis
// keys and graph ids without escaping surprises: [A-Za-z0-9][A-Za-z0-9._-]*,
// at most 128 bytes. (A regexp with {0,127} costs milliseconds to compile at
// every start of the CLI.)
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// Validate checks names, kinds and duplicates, and sorts the relations by
// (kind, subject) so that equal services compare and store equal.
func (si *Service) Validate() error {
	if !ValidName(si.Name) {
		return Errorf(KindInvalid, CodeInvalidRequest, "invalid service name %q: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128", si.Name)
	}
	seen := map[string]bool{}
	for _, r := range si.Relations {
		switch r.Kind {
		case Produces, Consumes, Handles, Sends:
		default:
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s: relation kind %q is not produces, consumes, handles or sends", si.Name, r.Kind)
		}
		if r.Subject == "" {
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s: a %s relation has no subject", si.Name, r.Kind)
		}
		if r.Kind.Owns() && r.Contract != "" {
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s %s %s: an owned message has a schema, not a contract", si.Name, r.Kind, r.Subject)
		}
		if r.Version < 0 {
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s: version of %s must not be negative", si.Name, r.Subject)
		}
		key := string(r.Kind) + "\x00" + r.Subject
		if seen[key] {
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s %s %s twice", si.Name, r.Kind, r.Subject)
		}
		seen[key] = true
	}
	if si.Relations == nil {
		si.Relations = []Relation{}
	}
	sort.Slice(si.Relations, func(i, j int) bool {
		a, b := si.Relations[i], si.Relations[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Subject < b.Subject
	})
	return nil
}

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

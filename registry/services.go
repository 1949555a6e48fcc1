package registry

import (
	"context"
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

// messageKindOf infers a message's kind from the kinds of the relations
// that name it: the owners' (produces: event, handles: command), else the
// one all relations agree on; "" when they disagree or there are none.
func messageKindOf(kinds []RelationKind) MessageKind {
	for _, owners := range []bool{true, false} {
		var k MessageKind
		for _, rk := range kinds {
			switch {
			case rk.Owns() != owners:
			case k == "":
				k = rk.MessageKind()
			case k != rk.MessageKind():
				return ""
			}
		}
		if k != "" {
			return k
		}
	}
	return ""
}

// Direction is which way data flows in a check, seen from one of its two
// schemas (the one a report item points at): backward, it reads what the
// other writes; forward, the other reads what it writes. Findings and
// report items carry it as a string.
type Direction string

const (
	DirectionBackward Direction = "backward"
	DirectionForward  Direction = "forward"
)

// FromMessage is the direction of a dependent's check seen from the
// message's schema: a consumer reads what it writes (forward); a sender
// writes what it reads (backward).
func (k RelationKind) FromMessage() Direction {
	if k == Sends {
		return DirectionBackward
	}
	return DirectionForward
}

// FromContract is the same check seen from the dependent's contract: a
// consumer's contract reads (backward), a sender's writes (forward).
func (k RelationKind) FromContract() Direction {
	if k == Sends {
		return DirectionForward
	}
	return DirectionBackward
}

// orient is the consumer/sender rule: which of a message's schema and a
// dependent's schema (contract or pinned version) is the writer and which
// the reader of the dependent's check. A consumer reads what the message
// writes; a sender writes what the message reads.
func orient[T any](k RelationKind, message, dependent T) (writer, reader T) {
	if k == Sends {
		return dependent, message
	}
	return message, dependent
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
		return Errorf(KindInvalid, CodeInvalidRequest, "invalid service name %s: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128", Quote(si.Name))
	}
	seen := map[string]bool{}
	for i, r := range si.Relations {
		switch r.Kind {
		case Produces, Consumes, Handles, Sends:
		default:
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s: relation kind %s is not produces, consumes, handles or sends", si.Name, Quote(string(r.Kind)))
		}
		if r.Subject == "" {
			return Errorf(KindInvalid, CodeInvalidRequest, "service %s: a %s relation has no subject", si.Name, r.Kind)
		}
		// A subject a relation names is the key of the relation index and
		// a URL path segment of the message page, as a published one is.
		if err := checkSubjectField(fmt.Sprintf("service %s: subject of %s relation %d", si.Name, r.Kind, i+1), r.Subject); err != nil {
			return err
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
	plan, err := s.planService(ctx, si)
	if err != nil {
		return Service{}, err
	}
	for _, r := range plan.service.Relations {
		v := plan.contracts[relationKey(r.Kind, r.Subject)]
		if !v.breaks() {
			continue
		}
		if !force {
			return Service{}, v.refusal(si.Name, r.Kind, r.Subject)
		}
		s.log.Warn("forced contract registration", "service", si.Name, "subject", r.Subject, "kind", string(r.Kind), "findings", len(v.report.Findings))
	}
	// History first: the service never names a contract version that the
	// history lacks.
	for _, r := range plan.record {
		if err := s.recordContract(ctx, si.Name, r); err != nil {
			return Service{}, err
		}
	}
	if err := s.store.PutService(ctx, plan.service, writerOf(ctx)); err != nil {
		return Service{}, err
	}
	s.log.Info("service registered", "service", si.Name, "relations", len(plan.service.Relations))
	return plan.service, nil
}

// servicePlan is a service prepared for registering: the record
// RegisterService stores and what it must check first, computed without
// writing, so that a dry run (CheckManifest) decides as the registration.
type servicePlan struct {
	service Service    // validated; relations sorted, contracts fingerprinted and numbered, versions resolved
	record  []Relation // contract versions the history lacks (stored before the service)
	// contracts holds the contract rule's verdict for every new or changed
	// contract, by relationKey; unchanged contracts are not checked again.
	contracts map[string]contractVerdict
	// previous is the service as registered before (by relationKey).
	previous map[string]Relation
}

func relationKey(k RelationKind, subject string) string { return string(k) + "\x00" + subject }

// planService validates si and prepares its relations as RegisterService
// stores them. For consumes and sends, Relation.Contract is the contract
// text (or "" with an optional pinned Version).
func (s *Registrar) planService(ctx context.Context, si Service) (servicePlan, error) {
	si.Relations = slices.Clone(si.Relations)
	if err := si.Validate(); err != nil {
		return servicePlan{}, err
	}
	plan := servicePlan{contracts: map[string]contractVerdict{}, previous: map[string]Relation{}}
	if old, err := s.store.GetService(ctx, si.Name); err == nil {
		for _, r := range old.Relations {
			plan.previous[relationKey(r.Kind, r.Subject)] = r
		}
	} else if ErrorKind(err) != KindNotFound {
		return servicePlan{}, err
	}
	for i := range si.Relations {
		r := &si.Relations[i]
		old, had := plan.previous[relationKey(r.Kind, r.Subject)]
		r.ContractFingerprint, r.ContractVersion, r.Pinned = "", 0, false
		if r.Kind.Owns() {
			r.Version = 0
			continue
		}
		if r.Contract != "" {
			c, fp, err := s.compileProposed(ctx, r.Subject, SchemaTypeJSON, r.Contract, nil)
			if err != nil {
				return servicePlan{}, relationError(si.Name, r.Kind, r.Subject, "contract", err)
			}
			r.ContractFingerprint, r.Version = fp, 0
			hist, err := s.store.ContractVersions(ctx, si.Name, r.Subject)
			if err != nil {
				return servicePlan{}, err
			}
			var isNew bool
			r.ContractVersion, isNew = contractVersion(hist, *r, fp, old, had)
			if !had || old.ContractFingerprint != fp {
				v, err := s.checkContract(ctx, r.Kind, r.Subject, c, fp)
				if err != nil {
					return servicePlan{}, err
				}
				plan.contracts[relationKey(r.Kind, r.Subject)] = v
			}
			if isNew {
				plan.record = append(plan.record, *r)
			}
			continue
		}
		if r.Version > 0 {
			r.Pinned = true
			// A pin to a version the subject never had is a typo; a subject
			// with no version yet may be published later.
			st, err := s.store.ReadSubject(ctx, r.Subject, "")
			if err != nil {
				return servicePlan{}, err
			}
			if _, ok := st.Find(r.Version); !ok && len(st.Versions) > 0 {
				return servicePlan{}, Errorf(KindInvalid, CodeInvalidVersion, "service %s %s %s version %d: the subject has no such version", si.Name, r.Kind, r.Subject, r.Version)
			}
			continue
		}
		if had && old.Contract == "" && !old.Pinned && old.Version > 0 {
			r.Version = old.Version // the version current when it first registered
			continue
		}
		st, err := s.store.ReadSubject(ctx, r.Subject, "")
		if err != nil {
			return servicePlan{}, err
		}
		latest, _ := st.LatestVisible()
		r.Version = latest.Version // 0 if the message has no version yet
	}
	plan.service = si
	return plan, nil
}

// relationError names the service, relation and file (what: "schema" or
// "contract") in an error about invalid input; others pass as they are.
func relationError(service string, kind RelationKind, subject, what string, err error) error {
	if e, ok := err.(*Error); ok && e.Kind == KindInvalid {
		return &Error{Kind: KindInvalid, Code: e.Code, Err: err,
			Message: fmt.Sprintf("service %s: %s for %s %s: %s", service, what, kind, subject, e.Message)}
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
	return nonNil(out), s.fail(err)
}

// DeleteService removes a service and its relations (40420 if unknown).
func (s *Registrar) DeleteService(ctx context.Context, name string) error {
	err := s.store.DeleteService(ctx, name)
	if err == nil {
		s.log.Info("service deleted", "service", name)
	}
	return s.fail(err)
}

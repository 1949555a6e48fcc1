package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/report"
)

// The dry run of a manifest: everything publishing it would check, decided
// by the same code that decides the publish, and nothing written.

// ManifestCheck is a service's manifest (baton.yaml) in registry terms,
// with the texts of the files it names: what CheckManifest checks and what
// publishing the manifest registers (Service, then one version per owned
// schema).
type ManifestCheck struct {
	Name      string // the service
	Owner     string
	Relations []ManifestRelation
}

// ManifestRelation is one message of a manifest.
type ManifestRelation struct {
	Kind    RelationKind
	Subject string
	Name    string // the message's name in the manifest ("" = Subject)
	// Schema and References are the proposed schema of an owned message
	// (produces, handles).
	Schema     string
	References []Reference
	// Contract is a consumer's or sender's contract text ("" = none);
	// Version pins the message version a dependent without a contract
	// reads or writes (0 = the one current when it registers).
	Contract string
	Version  int
	// File names where Schema or Contract came from, as the user wrote it
	// (e.g. a path relative to the manifest); report items carry it as
	// their schemaFile.
	File string
}

// Service is the service publishing the manifest registers: its relations,
// without the owned schemas, which are published as subject versions.
func (m ManifestCheck) Service() Service {
	si := Service{Name: m.Name, Owner: m.Owner, Relations: make([]Relation, 0, len(m.Relations))}
	for _, r := range m.Relations {
		rel := Relation{Subject: r.Subject, Name: r.Name, Kind: r.Kind}
		if !r.Kind.Owns() {
			rel.Contract, rel.Version = r.Contract, r.Version
		}
		si.Relations = append(si.Relations, rel)
	}
	return si
}

// checkOrder is the order of a check's items: each owned schema (produced
// events, then handled commands) with the dependents it would break or
// keep, then each contract (consumed events, then sent commands); in
// manifest order within a kind.
var checkOrder = []RelationKind{Produces, Handles, Consumes, Sends}

// CheckManifest is the dry run of publishing a manifest: it decides what
// RegisterService and Publish would decide, with the same code, and writes
// nothing. The result has one item per owned schema (its check against the
// subject's history, in the subject's mode), one per registered consumer
// or sender of it (impacted, with findings and witnesses, or safe, with
// the reason), and one per consumed or sent message (its contract against
// the message's current schema). It fails (exit 1 in the CLI) exactly when
// publishing would be refused as incompatible; publishing without force
// changes nothing for a schema already registered (that version is named)
// or an unchanged contract, so neither is checked again. Invalid input is
// KindInvalid, as it would be for the publish.
func (s *Registrar) CheckManifest(ctx context.Context, m ManifestCheck) (report.Result, error) {
	res, err := s.checkManifest(ctx, m)
	return res, s.fail(err)
}

func (s *Registrar) checkManifest(ctx context.Context, m ManifestCheck) (report.Result, error) {
	plan, err := s.planService(ctx, m.Service())
	if err != nil {
		return report.Result{}, err
	}
	res := report.Result{Command: "check", Items: []report.Item{}}
	for _, kind := range checkOrder {
		for _, r := range m.Relations {
			if r.Kind != kind {
				continue
			}
			var items []report.Item
			if kind.Owns() {
				items, err = s.checkOwned(ctx, m.Name, r)
			} else {
				items, err = s.checkDependency(ctx, plan, r)
			}
			if err != nil {
				return report.Result{}, err
			}
			res.Items = append(res.Items, items...)
		}
	}
	res.Mode = report.CombinedMode(res.Items)
	return res, nil
}

// checkOwned is the publish of an owned schema, dry: its item (the history
// check) and the items of the dependents it would break or keep.
func (s *Registrar) checkOwned(ctx context.Context, service string, r ManifestRelation) ([]report.Item, error) {
	if err := checkSubject(r.Subject); err != nil {
		return nil, err
	}
	p, err := s.propose(ctx, r.Subject, SchemaTypeJSON, r.Schema, r.References)
	if err != nil {
		return nil, relationError(service, r.Kind, r.Subject, "schema", err)
	}
	st, err := s.store.ReadSubject(ctx, r.Subject, p.fp)
	if err != nil {
		return nil, err
	}
	cfg := st.Effective()
	it := report.Item{Subject: r.Subject, Service: service, Role: string(r.Kind), Mode: strings.ToLower(string(cfg.Mode)),
		SchemaFile: r.File, Schema: []byte(r.Schema)}
	if st.Existing.Version > 0 {
		it.Note = fmt.Sprintf("version %d already holds this schema: publishing it changes nothing", st.Existing.Version)
		return []report.Item{it}, nil
	}
	if err := s.checkVersionLimit(r.Subject, st); err != nil {
		return nil, err
	}
	_, hist, err := s.historyVerdict(ctx, p, st)
	if err != nil {
		return nil, err
	}
	it.Findings = hist.Findings
	if _, ok := st.LatestVisible(); !ok {
		it.Note = "new subject: no version is registered yet"
	}
	deps, err := s.dependentsVerdict(ctx, p, st, cfg)
	if err != nil {
		return nil, err
	}
	if deps == nil {
		it.Note = "compatibility mode NONE: publishing checks neither earlier versions nor consumers and senders"
		return []report.Item{it}, nil
	}
	return append([]report.Item{it}, deps.Items(r.File, []byte(r.Schema))...), nil
}

// checkDependency is the registration of a consumed or sent message's
// contract, dry: one item, pointing at the contract file. Its findings are
// in the contract for a consumer (the reader: backward) and at its writer
// side for a sender (forward).
func (s *Registrar) checkDependency(ctx context.Context, plan servicePlan, r ManifestRelation) ([]report.Item, error) {
	dir := r.Kind.FromContract()
	it := report.Item{Subject: r.Subject, Service: plan.service.Name, Role: string(r.Kind), Mode: string(dir)}
	key := relationKey(r.Kind, r.Subject)
	if r.Contract == "" {
		it.Note = "no contract"
		if r.Version > 0 {
			it.Note = fmt.Sprintf("no contract; pinned to version %d", r.Version)
		}
		return []report.Item{it}, nil
	}
	it.SchemaFile, it.Schema = r.File, []byte(r.Contract)
	v, checked := plan.contracts[key]
	switch {
	case !checked:
		i := slices.IndexFunc(plan.service.Relations, func(rel Relation) bool { return relationKey(rel.Kind, rel.Subject) == key })
		it.Note = fmt.Sprintf("unchanged since contract version %d: publishing it changes nothing", plan.service.Relations[i].ContractVersion)
	case v.against.Version == 0:
		it.Note = "no version of " + r.Subject + " is registered yet"
	case v.mode == compat.None:
		it.Note = fmt.Sprintf("not checked: the compatibility mode of %s is NONE", r.Subject)
	default:
		it.BaseFile = fmt.Sprintf("registry:%s@%d", r.Subject, v.against.Version)
		it.Findings = withDirection(v.report.Findings, dir)
		it.Note = fmt.Sprintf("checked against version %d", v.against.Version)
	}
	return []report.Item{it}, nil
}

// Items turns an impact report on a proposed schema (its file and text)
// into one report item per impacted or safe service, as `baton impact` and
// the dependents of a manifest check show them.
func (r ImpactReport) Items(schemaFile string, schema []byte) []report.Item {
	var items []report.Item
	for _, is := range r.Impacted {
		dir := is.Role.FromMessage()
		items = append(items, report.Item{Subject: r.Subject, Service: is.Service, Role: string(is.Role), Mode: string(dir),
			SchemaFile: schemaFile, Schema: schema, Findings: withDirection(is.Findings, dir)})
	}
	for _, s := range r.Safe {
		items = append(items, report.Item{Subject: r.Subject, Service: s.Service, Role: string(s.Role), Mode: string(s.Role.FromMessage()),
			SchemaFile: schemaFile, Schema: schema, Note: s.Reason})
	}
	return items
}

// withDirection sets the direction of findings that carry none (a check of
// one pair), so a report knows which schema a finding's path points into.
func withDirection(fs []compat.Finding, dir Direction) []compat.Finding {
	out := make([]compat.Finding, len(fs))
	for i, f := range fs {
		if f.Direction == "" {
			f.Direction = string(dir)
		}
		out[i] = f
	}
	return out
}

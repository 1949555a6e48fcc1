package registry

import (
	"context"
	"errors"
)

// ServiceExport is what exporting a service (as AsyncAPI, issue 17) needs
// from the registry: the service and, per relation, the message's kind,
// owner, version and the payload to show.
type ServiceExport struct {
	Service  Service
	Messages []ExportedMessage // in the service's relation order
}

// ExportedMessage is one relation of an exported service with its payload:
// the latest registered schema for what the service owns (produces,
// handles), its contract for what it depends on (consumes, sends), or none
// for a dependency without a contract.
type ExportedMessage struct {
	Relation Relation
	Kind     MessageKind
	Owner    string // the service that produces or handles the message ("" if none is registered)
	// Version is the message's registered version the payload or the
	// relation stands for: the latest one for an owner, the one a
	// contract-less dependency is checked against, the latest for a
	// contract (0 when the subject has no version).
	Version int
	Payload string
}

// ExportService gathers one service for export; an unknown service is
// CodeServiceNotFound.
func ExportService(ctx context.Context, r Registry, name string) (ServiceExport, error) {
	si, err := r.GetService(ctx, name)
	if err != nil {
		return ServiceExport{}, err
	}
	all, err := r.Services(ctx)
	if err != nil {
		return ServiceExport{}, err
	}
	return exportOne(ctx, r, si, ownersOf(all), map[string]SubjectVersion{})
}

// ExportServices gathers every service for export, sorted by name; the
// latest version of each subject is read once.
func ExportServices(ctx context.Context, r Registry) ([]ServiceExport, error) {
	all, err := r.Services(ctx)
	if err != nil {
		return nil, err
	}
	owners := ownersOf(all)
	latest := map[string]SubjectVersion{}
	out := make([]ServiceExport, 0, len(all))
	for _, si := range all {
		se, err := exportOne(ctx, r, si, owners, latest)
		if err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, nil
}

// ownersOf maps each owned subject to its owner service.
func ownersOf(all []Service) map[string]string {
	owners := map[string]string{}
	for _, s := range all {
		for _, rel := range s.Relations {
			if rel.Kind.Owns() {
				owners[rel.Subject] = s.Name
			}
		}
	}
	return owners
}

func exportOne(ctx context.Context, r Registry, si Service, owners map[string]string, latest map[string]SubjectVersion) (ServiceExport, error) {
	se := ServiceExport{Service: si}
	for _, rel := range si.Relations {
		m := ExportedMessage{Relation: rel, Kind: rel.Kind.MessageKind(), Owner: owners[rel.Subject]}
		sv, ok := latest[rel.Subject]
		if !ok {
			var err error
			sv, err = r.GetVersion(ctx, rel.Subject, "latest", false)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return ServiceExport{}, err
			}
			latest[rel.Subject] = sv
		}
		switch {
		case rel.Kind.Owns():
			m.Version, m.Payload = sv.Version.Version, sv.Schema.Text
		case rel.Contract != "":
			m.Version, m.Payload = sv.Version.Version, rel.Contract
		default:
			m.Version = rel.Version
		}
		se.Messages = append(se.Messages, m)
	}
	return se, nil
}

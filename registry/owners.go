package registry

import (
	"context"
	"slices"
)

// SubjectOwners returns the registered services that own subject (produce
// the event or handle the command), sorted, and whether the subject ever
// had a version (soft- or hard-deleted ones included). The auth package
// decides with it which restricted write tokens may write the subject.
func (s *Registrar) SubjectOwners(ctx context.Context, subject string) ([]string, bool, error) {
	rels, err := s.store.RelationsBySubject(ctx, subject)
	if err != nil {
		return nil, false, s.fail(err)
	}
	var owners []string
	for _, r := range rels {
		if r.Relation.Kind.Owns() && !slices.Contains(owners, r.Service) {
			owners = append(owners, r.Service)
		}
	}
	slices.Sort(owners)
	latest, err := s.store.Latest(ctx, subject)
	if err != nil {
		return nil, false, s.fail(err)
	}
	return owners, latest > 0, nil
}

type writerKey struct{}

// WithWriter marks ctx as a request by a restricted writer that writes for
// services (the HTTP layer sets it from the token). RegisterService passes
// them to Store.PutService, which repeats the claim rule atomically with
// the write: the authorizer's check alone reads owners before the write,
// so two restricted writers claiming one unowned message at once could
// both pass it.
func WithWriter(ctx context.Context, services []string) context.Context {
	return context.WithValue(ctx, writerKey{}, slices.Clone(services))
}

// writerOf returns the services WithWriter set; nil for an unrestricted
// writer (CLI against a local store, unrestricted and admin tokens).
func writerOf(ctx context.Context) []string {
	w, _ := ctx.Value(writerKey{}).([]string)
	return w
}

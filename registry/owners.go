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

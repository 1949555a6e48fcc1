package registry

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// latestVersion marks "latest" (and Confluent's -1) after parsing.
const latestVersion = -1

// parseVersion reads "latest", -1 or a positive int (42202 otherwise).
func parseVersion(v string) (int, error) {
	if v == "latest" {
		return latestVersion, nil
	}
	// Confluent's range: versions are Java ints, so 2^31 is not a version
	// that happens to be missing (404) but an invalid one (422).
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 || n < -1 || n > math.MaxInt32 {
		return 0, Errorf(KindInvalid, CodeInvalidVersion, "The specified version %s is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\" (or -1)", Quote(v))
	}
	return n, nil
}

// resolveVersion returns the version record v names ("latest": the highest
// version visible with the given deleted flag).
func (s *Registrar) resolveVersion(ctx context.Context, subject string, n int, deleted bool) (Version, error) {
	if n != latestVersion {
		return s.store.Version(ctx, subject, n, deleted)
	}
	vs, err := s.store.Versions(ctx, subject, deleted)
	if err != nil {
		return Version{}, err
	}
	if len(vs) == 0 { // stores answer 40401 already; keep the rule here too
		return Version{}, ErrSubjectNotFound(subject)
	}
	return vs[len(vs)-1], nil
}

// visibleVersion finds version n ("latest": latestVersion) among the
// visible versions of st, answering as the stores do when it is missing.
func visibleVersion(subject string, st SubjectState, n int) (Version, error) {
	latest, ok := st.LatestVisible()
	if !ok {
		return Version{}, ErrSubjectNotFound(subject)
	}
	if n == latestVersion {
		return latest, nil
	}
	if v, ok := st.Find(n); ok && !v.Deleted {
		return v, nil
	}
	return Version{}, ErrVersionNotFound(subject, n)
}

// Subjects lists subject names, sorted.
func (s *Registrar) Subjects(ctx context.Context, deleted bool) ([]string, error) {
	out, err := s.store.Subjects(ctx, deleted)
	return nonNil(out), s.fail(err)
}

// Versions lists a subject's version numbers, ascending.
func (s *Registrar) Versions(ctx context.Context, subject string, deleted bool) ([]int, error) {
	vs, err := s.store.Versions(ctx, subject, deleted)
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out, nil
}

// GetVersion returns one version with its schema ("latest", -1 or N).
func (s *Registrar) GetVersion(ctx context.Context, subject, version string, deleted bool) (SubjectVersion, error) {
	n, err := parseVersion(version)
	if err != nil {
		return SubjectVersion{}, err
	}
	v, err := s.resolveVersion(ctx, subject, n, deleted)
	if err != nil {
		return SubjectVersion{}, s.fail(err)
	}
	sv, err := s.join(ctx, v)
	return sv, s.fail(err)
}

// SchemaByID returns a schema by its global ID (40403 if unknown). It reads
// the store, not the record cache, so that a store outage is reported (503)
// rather than masked and each backend's answer for hard-deleted schemas
// holds; the cache serves internal reads that follow a store read. (The
// HTTP server keeps each id's encoded answer once it has one, see
// httpapi/bodycache.go: both stores keep a schema record forever.)
func (s *Registrar) SchemaByID(ctx context.Context, id int64) (Schema, error) {
	sch, err := s.store.SchemaByID(ctx, id)
	return sch, s.fail(err)
}

// VersionsByID lists the subject versions that use schema id.
func (s *Registrar) VersionsByID(ctx context.Context, id int64) ([]Version, error) {
	vs, err := s.store.VersionsByID(ctx, id)
	return nonNil(vs), s.fail(err)
}

// referenced refuses to delete a version other schemas still reference
// (Confluent 42206), so references never dangle.
func (s *Registrar) referenced(ctx context.Context, subject string, version int) error {
	ids, err := s.store.ReferencedBy(ctx, subject, version)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		return &Error{Kind: KindConflict, Code: CodeReferenceExists,
			Message: fmt.Sprintf("One or more references exist to the schema {subject=%s, version=%d}: schema ids %v", subject, version, ids)}
	}
	return nil
}

// DeleteSubject soft-deletes a subject, or hard-deletes a soft-deleted one.
func (s *Registrar) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	if err := s.writable(ctx, subject); err != nil {
		return nil, s.fail(err)
	}
	vs, err := s.store.Versions(ctx, subject, true)
	if err != nil {
		return nil, s.fail(err)
	}
	for _, v := range vs {
		if err := s.referenced(ctx, subject, v.Version); err != nil {
			return nil, s.fail(err)
		}
	}
	// Hold the publish lock so a concurrent publish in this process cannot
	// check against versions that are disappearing.
	mu := s.lockFor(subject)
	mu.Lock()
	defer mu.Unlock()
	out, err := s.store.DeleteSubject(ctx, subject, permanent)
	if err == nil {
		s.log.Info("subject deleted", "subject", subject, "permanent", permanent, "versions", out)
	}
	return out, s.fail(err)
}

// DeleteVersion soft-deletes a version, or hard-deletes a soft-deleted one.
// "latest" names the latest visible version for a soft delete and the latest
// one including soft-deleted for a hard delete, as in Confluent.
func (s *Registrar) DeleteVersion(ctx context.Context, subject, version string, permanent bool) (int, error) {
	n, err := parseVersion(version)
	if err != nil {
		return 0, err
	}
	if err := s.writable(ctx, subject); err != nil {
		return 0, s.fail(err)
	}
	v, err := s.resolveVersion(ctx, subject, n, permanent)
	if err != nil {
		return 0, s.fail(err)
	}
	if err := s.referenced(ctx, subject, v.Version); err != nil {
		return 0, s.fail(err)
	}
	mu := s.lockFor(subject)
	mu.Lock()
	defer mu.Unlock()
	if err := s.store.DeleteVersion(ctx, subject, v.Version, permanent); err != nil {
		return 0, s.fail(err)
	}
	s.log.Info("version deleted", "subject", subject, "version", v.Version, "permanent", permanent)
	return v.Version, nil
}

// ReferencedBy lists the IDs of schemas that reference subject/version.
func (s *Registrar) ReferencedBy(ctx context.Context, subject, version string) ([]int64, error) {
	n, err := parseVersion(version)
	if err != nil {
		return nil, err
	}
	v, err := s.resolveVersion(ctx, subject, n, true)
	if err != nil {
		return nil, s.fail(err)
	}
	ids, err := s.store.ReferencedBy(ctx, subject, v.Version)
	return nonNil(ids), s.fail(err)
}

package registry

import (
	"context"
	"slices"

	"github.com/batonhq/baton/compat"
)

// Read-only views for exploring the estate (the web UI's message page):
// what changed between two versions of a message, and who relates to it.

// DiffReport compares two stored versions of a subject: Findings are what a
// reader of one version may reject in data written with the other, in the
// directions Mode covers ("backward": To reads From's data; "forward":
// From reads To's data), each with its witness when one was confirmed.
type DiffReport struct {
	Subject    string           `json:"subject"`
	From       int              `json:"from"`
	To         int              `json:"to"`
	Mode       compat.Mode      `json:"mode"`
	Compatible bool             `json:"compatible"`
	Findings   []compat.Finding `json:"findings"`
}

// Diff compares versions from and to ("latest" or a number) of subject.
// Mode "" means the subject's effective mode made non-transitive (two
// versions are compared, not a history), and FULL when that mode is NONE,
// so a diff always shows what changed. A transitive mode or NONE is
// refused (42203); an unknown subject is 40401, an unknown or deleted
// version 40402, a malformed one 42202. Nothing is written.
func (s *Registrar) Diff(ctx context.Context, subject, from, to string, mode compat.Mode) (DiffReport, error) {
	rep, err := s.diff(ctx, subject, from, to, mode)
	return rep, s.fail(err)
}

func (s *Registrar) diff(ctx context.Context, subject, from, to string, mode compat.Mode) (DiffReport, error) {
	if mode != "" && !slices.Contains([]compat.Mode{compat.Backward, compat.Forward, compat.Full}, mode) {
		return DiffReport{}, Errorf(KindInvalid, CodeInvalidCompatibility, "diff mode must be BACKWARD, FORWARD or FULL, not %s: a diff compares two versions", Quote(string(mode)))
	}
	st, err := s.store.ReadSubject(ctx, subject, "")
	if err != nil {
		return DiffReport{}, err
	}
	cfg := st.Effective()
	if mode == "" {
		mode = cfg.Mode.NonTransitive()
		if mode == compat.None {
			mode = compat.Full // a diff always shows what changed
		}
	}
	var vs [2]Version
	var cs [2]*compat.Schema
	for i, v := range []string{from, to} {
		n, err := parseVersion(v)
		if err != nil {
			return DiffReport{}, err
		}
		if vs[i], err = visibleVersion(subject, st, n); err != nil {
			return DiffReport{}, err
		}
		if cs[i], err = s.compiledByID(ctx, vs[i].SchemaID); err != nil {
			return DiffReport{}, err
		}
	}
	rep, err := compat.CheckModeContext(ctx, mode, cs[:1], cs[1], s.checkOptions(cfg.Policy))
	if err != nil {
		return DiffReport{}, err
	}
	return DiffReport{Subject: subject, From: vs[0].Version, To: vs[1].Version, Mode: mode,
		Compatible: rep.Compatible, Findings: rep.Findings}, nil
}

// SubjectRelations lists every service's relation to subject (producers,
// consumers, handlers, senders, with their contracts), sorted by service.
// A subject no service names has none: an empty list, not an error, since
// a message may be published before any service declares it.
func (s *Registrar) SubjectRelations(ctx context.Context, subject string) ([]ServiceRelation, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	related, err := s.store.RelationsBySubject(ctx, subject)
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]ServiceRelation, 0, len(related))
	for _, sr := range related {
		if sr.Relation.Subject == subject {
			out = append(out, sr)
		}
	}
	return out, nil
}

package registry

import (
	"context"
	"strings"
)

// Mode is a subject's or the registry's write mode, as Confluent has them.
// It is not the compatibility mode (compat.Mode, set by /config): it decides
// which writes are accepted at all.
type Mode string

const (
	// ModeReadWrite is the default: publishes are checked and get new ids.
	ModeReadWrite Mode = "READWRITE"
	// ModeReadOnly refuses every schema write (publish, delete) with 42205.
	ModeReadOnly Mode = "READONLY"
	// ModeImport accepts only publishes that carry their id (and version),
	// which are kept and not checked for compatibility: how a registry is
	// taken over from another one with every id its messages carry.
	ModeImport Mode = "IMPORT"
)

// DefaultMode is the mode when none is set.
const DefaultMode = ModeReadWrite

// Confluent's codes for modes.
const (
	CodeSubjectModeNotFound   = 40409
	CodeInvalidMode           = 42204
	CodeOperationNotPermitted = 42205
	modeNames                 = "READWRITE, READONLY, IMPORT"
)

// ParseMode reads a mode name, case-insensitively (42204 otherwise).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToUpper(strings.TrimSpace(s))); m {
	case ModeReadWrite, ModeReadOnly, ModeImport:
		return m, nil
	}
	return "", Errorf(KindInvalid, CodeInvalidMode, "Invalid mode %q. Valid values are %s", s, modeNames)
}

// ErrSubjectModeNotFound: the subject has no mode of its own. 40409.
func ErrSubjectModeNotFound(subject string) *Error {
	return Errorf(KindNotFound, CodeSubjectModeNotFound, "Subject '%s' does not have subject-level mode configured", subject)
}

// errNotPermitted is Confluent's OperationNotPermittedException: 42205
// with HTTP 422.
func errNotPermitted(format string, args ...any) *Error {
	return Errorf(KindInvalid, CodeOperationNotPermitted, format, args...)
}

// ErrReadOnly: a write to a subject in READONLY mode. 42205.
func ErrReadOnly(subject string) *Error {
	return errNotPermitted("Subject %s is in read-only mode", subject)
}

// effectiveMode is the mode that applies to a subject: its own, else the
// global one, else READWRITE.
func effectiveMode(subjectMode, globalMode Mode) Mode {
	switch {
	case subjectMode != "":
		return subjectMode
	case globalMode != "":
		return globalMode
	}
	return DefaultMode
}

// EffectiveMode returns the mode that applies to the subject of st.
func (st SubjectState) EffectiveMode() Mode { return effectiveMode(st.Mode, st.GlobalMode) }

// GetMode returns the subject's mode ("" = the registry's, READWRITE when
// unset). A subject without its own mode answers 40409 unless
// defaultToGlobal.
func (s *Registrar) GetMode(ctx context.Context, subject string, defaultToGlobal bool) (Mode, error) {
	if subject != "" {
		m, ok, err := s.store.Mode(ctx, subject)
		if err != nil {
			return "", s.fail(err)
		}
		if ok {
			return m, nil
		}
		if !defaultToGlobal {
			return "", ErrSubjectModeNotFound(subject)
		}
	}
	m, ok, err := s.store.Mode(ctx, "")
	if err != nil {
		return "", s.fail(err)
	}
	if !ok {
		return DefaultMode, nil
	}
	return m, nil
}

// SetMode sets a subject's (or the registry's) mode. As in Confluent,
// entering IMPORT where schemas already exist (any subject for the global
// mode, the subject itself otherwise) needs force: imported ids could
// otherwise collide with ids the registry handed out.
func (s *Registrar) SetMode(ctx context.Context, subject string, m Mode, force bool) (Mode, error) {
	m, err := ParseMode(string(m))
	if err != nil {
		return "", err
	}
	if subject != "" {
		if err := checkSubject(subject); err != nil {
			return "", err
		}
	}
	if m == ModeImport && !force {
		cur, err := s.GetMode(ctx, subject, true)
		if err != nil {
			return "", err
		}
		if cur != ModeImport {
			if err := s.refuseImportOverSchemas(ctx, subject); err != nil {
				return "", err
			}
		}
	}
	if err := s.store.SetMode(ctx, subject, m); err != nil {
		return "", s.fail(err)
	}
	s.log.Info("mode set", "subject", subject, "mode", string(m), "force", force)
	return m, nil
}

func (s *Registrar) refuseImportOverSchemas(ctx context.Context, subject string) error {
	if subject == "" {
		subjects, err := s.store.Subjects(ctx, true)
		if err != nil {
			return s.fail(err)
		}
		if len(subjects) > 0 {
			return errNotPermitted("Cannot import since found existing subjects (%d, e.g. %q); set the mode with force=true to import into them", len(subjects), subjects[0])
		}
		return nil
	}
	n, err := s.store.Latest(ctx, subject)
	if err != nil {
		return s.fail(err)
	}
	if n > 0 {
		return errNotPermitted("Cannot import since found existing subject '%s'; set the mode with force=true to import into it", subject)
	}
	return nil
}

// DeleteMode removes a subject's own mode and returns it (40409 if it had
// none).
func (s *Registrar) DeleteMode(ctx context.Context, subject string) (Mode, error) {
	old, err := s.GetMode(ctx, subject, false)
	if err != nil {
		return "", err
	}
	if err := s.store.DeleteMode(ctx, subject); err != nil {
		return "", s.fail(err)
	}
	return old, nil
}

// writable refuses a schema write (publish or delete) to a subject in
// READONLY mode; a publish without an id to a subject in IMPORT mode is
// refused by publish itself.
func (s *Registrar) writable(ctx context.Context, subject string) error {
	st, err := s.store.ReadSubject(ctx, subject, "")
	if err != nil {
		return err
	}
	if st.EffectiveMode() == ModeReadOnly {
		return ErrReadOnly(subject)
	}
	return nil
}

// checkPublishMode applies the subject's mode to a publish: READONLY takes
// nothing, IMPORT takes only publishes with an id, READWRITE only those
// without (Confluent's rules and texts).
func checkPublishMode(subject string, m Mode, importing bool) error {
	switch {
	case m == ModeReadOnly:
		return ErrReadOnly(subject)
	case importing && m != ModeImport:
		return errNotPermitted("Subject %s is not in import mode", subject)
	case !importing && m == ModeImport:
		return errNotPermitted("Subject %s is not in read-write mode", subject)
	}
	return nil
}

// ErrIDTaken: an import names an id that holds another schema. 42205.
func ErrIDTaken(id int64) *Error {
	return errNotPermitted("Overwrite new schema with id %d is not permitted.", id)
}

// ErrVersionTaken: an import names a version of the subject that holds
// another schema. 42205.
func ErrVersionTaken(subject string, version int, id int64) *Error {
	return errNotPermitted("Subject '%s' version %d already holds schema id %d; overwriting a version is not permitted", subject, version, id)
}

// publishImport registers req with the id and version it carries (IMPORT
// mode): no compatibility or impact check; the id must be free or hold the
// same schema, the version free or hold the same id. Re-importing what is
// there returns it, so an interrupted import can simply run again.
func (s *Registrar) publishImport(ctx context.Context, req PublishRequest) (SubjectVersion, error) {
	if req.ID < 1 {
		return SubjectVersion{}, Errorf(KindInvalid, CodeInvalidRequest, "Invalid id %d: an imported schema needs an id >= 1", req.ID)
	}
	if req.Version < 0 {
		return SubjectVersion{}, Errorf(KindInvalid, CodeInvalidVersion, "Invalid version %d: an imported version must be >= 1 (or omitted for the next one)", req.Version)
	}
	mu := s.lockFor(req.Subject)
	mu.Lock()
	defer mu.Unlock()
	st, err := s.store.ReadSubject(ctx, req.Subject, "")
	if err != nil {
		return SubjectVersion{}, err
	}
	if err := checkPublishMode(req.Subject, st.EffectiveMode(), true); err != nil {
		return SubjectVersion{}, err
	}
	n := req.Version
	if n == 0 {
		n = st.Latest + 1
	}
	if v, ok := st.Find(n); ok {
		// Checked before compiling, so a re-run does not depend on the
		// references still being visible.
		if v.SchemaID != req.ID {
			return SubjectVersion{}, ErrVersionTaken(req.Subject, n, v.SchemaID)
		}
		return s.join(ctx, v)
	}
	if err := s.checkVersionLimit(req.Subject, st); err != nil {
		return SubjectVersion{}, err
	}
	p, err := s.propose(ctx, req.Subject, req.SchemaType, req.Schema, req.References)
	if err != nil {
		return SubjectVersion{}, err
	}
	v, existing, err := s.store.Import(ctx, Version{Subject: req.Subject, Version: n, SchemaID: req.ID}, Schema{
		ID: req.ID, Type: SchemaTypeJSON, Text: req.Schema, References: req.References, Fingerprint: p.fp})
	if err != nil {
		return SubjectVersion{}, err
	}
	if !existing {
		s.log.Info("schema imported", "subject", req.Subject, "version", v.Version, "id", v.SchemaID)
	}
	return s.join(ctx, v)
}

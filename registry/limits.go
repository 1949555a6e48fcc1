package registry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxVersions bounds the versions one subject may hold (soft-deleted
// ones included; hard-deleted ones no longer count).
const DefaultMaxVersions = 10_000

// MaxSubjectLength bounds subject names in bytes. Kafka topic names stop
// at 249 characters; record-name strategies prepend or append namespaces,
// so this leaves ample room while keeping keys and URLs small.
const MaxSubjectLength = 1_000

// CodeLimitExceeded is the error_code of a write refused by a registry
// limit that is not about the schema itself (versions per subject). Like
// CodeServiceNotFound (40420) it sits above the codes Confluent uses.
const CodeLimitExceeded = 42220

// checkSubject refuses subject names that cannot be addressed safely: too
// long, not UTF-8, control characters, or "."/".." path segments (which
// HTTP clients and proxies rewrite, so the subject could not be read back).
func checkSubject(subject string) error {
	switch {
	case subject == "":
		return ErrEmptySubject()
	case len(subject) > MaxSubjectLength:
		return Errorf(KindInvalid, CodeInvalidRequest, "subject name is %d bytes; the limit is %d", len(subject), MaxSubjectLength)
	case !utf8.ValidString(subject):
		return Errorf(KindInvalid, CodeInvalidRequest, "subject name is not valid UTF-8")
	}
	if i := strings.IndexFunc(subject, unicode.IsControl); i >= 0 {
		return Errorf(KindInvalid, CodeInvalidRequest, "subject name has a control character at byte %d", i)
	}
	for _, seg := range strings.Split(subject, "/") {
		if seg == "." || seg == ".." {
			return Errorf(KindInvalid, CodeInvalidRequest, "subject name %s has a %q path segment, which URLs cannot carry", Quote(subject), seg)
		}
	}
	return nil
}

// checkVersionLimit refuses a publish that would give subject more than
// s.maxVersions versions (soft-deleted ones count; hard-deleted ones have
// freed their slots).
func (s *Registrar) checkVersionLimit(subject string, st SubjectState) error {
	if len(st.Versions) < s.maxVersions {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: CodeLimitExceeded, Message: fmt.Sprintf(
		"subject %q has %d versions; the limit (max versions per subject) is %d: delete old versions permanently or use a new subject",
		subject, len(st.Versions), s.maxVersions)}
}

// checkText refuses schema text that is not UTF-8: JSON must be, and a
// decoder would silently replace the bad bytes, registering a schema that
// differs from the one sent.
func checkText(text string) error {
	if off := InvalidUTF8Offset(text); off >= 0 {
		return Errorf(KindInvalid, CodeInvalidSchema, "Invalid schema: not valid UTF-8 at byte %d", off)
	}
	return nil
}

// InvalidUTF8Offset returns the offset of the first byte of s that is not
// UTF-8, or -1 when s is valid.
func InvalidUTF8Offset(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	off := 0
	for off < len(s) {
		r, n := utf8.DecodeRuneInString(s[off:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		off += n
	}
	return off
}

// checkSubjectField is checkSubject for a subject that arrives inside a
// larger request: the error names where (field) it came from.
func checkSubjectField(field, subject string) error {
	err := checkSubject(subject)
	if e, ok := err.(*Error); ok {
		return &Error{Kind: e.Kind, Code: e.Code, Message: field + ": " + e.Message, Err: e}
	}
	return err
}

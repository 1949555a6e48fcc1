package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/compat"
)

// Kind classifies an error; transports map kinds to statuses and exit codes.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an unexpected failure; details are logged, not shown
	KindInvalid                  // bad input: malformed JSON, invalid schema, bad version, bad mode
	KindNotFound                 // subject, version or schema does not exist
	KindConflict                 // the request conflicts with stored state (e.g. delete a referenced schema)
	KindIncompatible             // the schema breaks the subject's compatibility rules or its consumers
	KindUnavailable              // the store cannot be reached or cannot write (Redis down, disk full)
	KindUnauthorized             // no or unknown credentials
	KindForbidden                // credentials lack the role or ownership
	KindTooLarge                 // the request exceeds a configured limit
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindIncompatible:
		return "incompatible"
	case KindUnavailable:
		return "unavailable"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindTooLarge:
		return "too large"
	}
	return "internal"
}

// Confluent error codes (error_code in response bodies).
const (
	CodeSubjectNotFound       = 40401
	CodeVersionNotFound       = 40402
	CodeSchemaNotFound        = 40403
	CodeSubjectSoftDeleted    = 40404
	CodeSubjectNotSoftDeleted = 40405
	CodeVersionSoftDeleted    = 40406
	CodeVersionNotSoftDeleted = 40407
	CodeSubjectConfigNotFound = 40408
	CodeIncompatible          = 409
	CodeInvalidSchema         = 42201
	CodeInvalidVersion        = 42202
	CodeInvalidCompatibility  = 42203
	CodeReferenceExists       = 42206
	CodeStoreError            = 50001
	CodeUnauthorized          = 40101
	CodeForbidden             = 40301
	CodeRequestTooLarge       = 41301
	CodeInvalidRequest        = 42200
)

// Error is the one error type the registry returns. Message is safe to show
// to a client; Err (the cause) is only logged.
type Error struct {
	Kind     Kind
	Code     int // Confluent error_code
	Message  string
	Findings []compat.Finding // for KindIncompatible
	Impacted []ImpactedService
	Err      error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Kind == KindInternal {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and friends match on Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == 0 && t.Kind == e.Kind
}

// Sentinels for errors.Is; they match any *Error of the same kind.
var (
	ErrInternal     = &Error{Kind: KindInternal}
	ErrInvalid      = &Error{Kind: KindInvalid}
	ErrNotFound     = &Error{Kind: KindNotFound}
	ErrConflict     = &Error{Kind: KindConflict}
	ErrIncompatible = &Error{Kind: KindIncompatible}
	ErrUnavailable  = &Error{Kind: KindUnavailable}
	ErrUnauthorized = &Error{Kind: KindUnauthorized}
	ErrForbidden    = &Error{Kind: KindForbidden}
	ErrTooLarge     = &Error{Kind: KindTooLarge}
)

// ErrStale is returned by Store.Append when the subject's latest version is
// no longer the one the caller checked against; Registrar re-reads and retries.
var ErrStale = errors.New("registry: subject changed since it was read")

// Errorf builds an *Error of the given kind and Confluent code.
func Errorf(kind Kind, code int, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of err; foreign errors are KindInternal.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Not-found and soft-delete errors: one text each (Confluent's), built here
// and used by the Registrar and by every Store, so the answer does not
// depend on the backend (storetest asserts the texts).

// ErrSubjectNotFound: the subject has no version (visible ones, unless asked for deleted ones). 40401.
func ErrSubjectNotFound(subject string) *Error {
	return Errorf(KindNotFound, CodeSubjectNotFound, "Subject '%s' not found.", Clip(subject))
}

// ErrVersionNotFound: the subject has no such version (or it is soft-deleted). 40402.
func ErrVersionNotFound(subject string, version int) *Error {
	return Errorf(KindNotFound, CodeVersionNotFound, "Version %d not found for subject '%s'.", version, Clip(subject))
}

// ErrSchemaNotFound: no schema has this id. 40403.
func ErrSchemaNotFound(id int64) *Error {
	return Errorf(KindNotFound, CodeSchemaNotFound, "Schema %d not found.", id)
}

// ErrSchemaNotUnderSubject: the subject has visible versions, none holding the schema. 40403.
func ErrSchemaNotUnderSubject(subject string) *Error {
	return Errorf(KindNotFound, CodeSchemaNotFound, "Schema not found under subject '%s'.", Clip(subject))
}

// ErrSubjectSoftDeleted: a soft delete of a subject whose versions are all soft-deleted already. 40404.
func ErrSubjectSoftDeleted(subject string) *Error {
	return Errorf(KindNotFound, CodeSubjectSoftDeleted, "Subject '%s' was soft deleted. Set permanent=true to delete permanently", Clip(subject))
}

// ErrSubjectNotSoftDeleted: a hard delete of a subject that still has visible versions. 40405.
func ErrSubjectNotSoftDeleted(subject string) *Error {
	return Errorf(KindNotFound, CodeSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", Clip(subject))
}

// ErrVersionSoftDeleted: a soft delete of a version that is soft-deleted already. 40406.
func ErrVersionSoftDeleted(subject string, version int) *Error {
	return Errorf(KindNotFound, CodeVersionSoftDeleted, "Subject '%s' Version %d was soft deleted. Set permanent=true to delete permanently", Clip(subject), version)
}

// ErrVersionNotSoftDeleted: a hard delete of a version that is still visible. 40407.
func ErrVersionNotSoftDeleted(subject string, version int) *Error {
	return Errorf(KindNotFound, CodeVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", Clip(subject), version)
}

// ErrSubjectConfigNotFound: the subject has no config of its own. 40408.
func ErrSubjectConfigNotFound(subject string) *Error {
	return Errorf(KindNotFound, CodeSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", Clip(subject))
}

// CodeServiceNotFound is Baton's own code for an unknown service (Confluent
// has no services).
const CodeServiceNotFound = 40420

// ErrServiceNotFound: no service has this name. 40420.
func ErrServiceNotFound(name string) *Error {
	return Errorf(KindNotFound, CodeServiceNotFound, "Service '%s' not found.", Clip(name))
}

// ErrClaimedElsewhere: a restricted writer registered service as the owner
// of subject, but services it does not write for own subject (they
// claimed it first, possibly by a request running at the same time).
// 40301, as the authorizer's refusal of a claim.
func ErrClaimedElsewhere(service, subject string, owners []string) *Error {
	return Errorf(KindForbidden, CodeForbidden, "service %s may not own %s: it is owned by service %s, which this token does not write for", service, subject, strings.Join(owners, ", "))
}

// MaxQuote is how many bytes of a user's input an error message repeats:
// enough to recognise it, while a 1 MB value does not come back whole in
// every error body and log line.
const MaxQuote = 100

// Quote is strconv.Quote for user input in error messages: at most
// MaxQuote bytes of s (cut at a character boundary), then how long s was.
func Quote(s string) string {
	head, rest := clip(s)
	return strconv.Quote(head) + rest
}

// Clip is Quote without the quotes, for messages that keep Confluent's
// wording ('%s'): the input is already known to be printable, or the
// message quotes it its own way.
func Clip(s string) string {
	head, rest := clip(s)
	return head + rest
}

func clip(s string) (head, rest string) {
	if len(s) <= MaxQuote {
		return s, ""
	}
	cut := MaxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], fmt.Sprintf("… (%d bytes)", len(s))
}

// ErrEmptySubject refuses an operation on the subject named "".
func ErrEmptySubject() *Error {
	return Errorf(KindInvalid, CodeInvalidRequest, "subject name must not be empty")
}

// Unavailable wraps a store failure (connection refused, disk full) so that
// it reaches clients as 503 / 50001 with a clear message and the cause logged.
func Unavailable(op string, err error) *Error {
	return &Error{Kind: KindUnavailable, Code: CodeStoreError, Message: "store unavailable: " + op + " failed", Err: err}
}

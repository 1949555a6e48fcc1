package registry

import (
	"errors"
	"fmt"

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

// Unavailable wraps a store failure (connection refused, disk full) so that
// it reaches clients as 503 / 50001 with a clear message and the cause logged.
func Unavailable(op string, err error) *Error {
	return &Error{Kind: KindUnavailable, Code: CodeStoreError, Message: "store unavailable: " + op + " failed", Err: err}
}

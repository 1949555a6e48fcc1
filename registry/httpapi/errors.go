package httpapi

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// errorBody is Confluent's error shape, plus Baton's extensions for
// incompatible publishes: the findings (with witnesses) and the services a
// change would break.
type errorBody struct {
	ErrorCode int                        `json:"error_code"`
	Message   string                     `json:"message"`
	Findings  []compat.Finding           `json:"findings,omitempty"`
	Impacted  []registry.ImpactedService `json:"impacted,omitempty"`
}

// statusOf maps error kinds to HTTP statuses. Anything missing is a 500.
var statusOf = map[registry.Kind]int{
	registry.KindInvalid:      http.StatusUnprocessableEntity,
	registry.KindNotFound:     http.StatusNotFound,
	registry.KindConflict:     http.StatusConflict,
	registry.KindIncompatible: http.StatusConflict,
	registry.KindUnavailable:  http.StatusServiceUnavailable,
	registry.KindUnauthorized: http.StatusUnauthorized,
	registry.KindForbidden:    http.StatusForbidden,
	registry.KindTooLarge:     http.StatusRequestEntityTooLarge,
}

// defaultCode is the error_code used when an *registry.Error carries none.
var defaultCode = map[registry.Kind]int{
	registry.KindInvalid:      registry.CodeInvalidRequest,
	registry.KindNotFound:     http.StatusNotFound,
	registry.KindConflict:     http.StatusConflict,
	registry.KindIncompatible: registry.CodeIncompatible,
	registry.KindUnavailable:  registry.CodeStoreError,
	registry.KindUnauthorized: registry.CodeUnauthorized,
	registry.KindForbidden:    registry.CodeForbidden,
	registry.KindTooLarge:     registry.CodeRequestTooLarge,
}

// protocolError is an HTTP-level failure that has no registry kind: an
// unknown route, a wrong method, an unsupported content type.
type protocolError struct {
	status  int
	message string
}

func (e *protocolError) Error() string { return e.message }

// writeError is the one place where an error becomes a status and a
// Confluent body. Causes of 5xx answers are logged, never sent.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, body := errorResponse(err)
	noteError(r, body)
	if status >= 500 {
		attrs := []slog.Attr{
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.String("err", err.Error()),
		}
		if cause := errors.Unwrap(err); cause != nil {
			attrs = append(attrs, slog.String("cause", cause.Error()))
		}
		log.LogAttrs(r.Context(), slog.LevelError, "request failed", attrs...)
	}
	encode(w, status, body)
}

func errorResponse(err error) (int, errorBody) {
	var pe *protocolError
	if errors.As(err, &pe) {
		return pe.status, errorBody{ErrorCode: pe.status, Message: pe.message}
	}
	var e *registry.Error
	if !errors.As(err, &e) || e.Kind == registry.KindInternal {
		return http.StatusInternalServerError, errorBody{ErrorCode: http.StatusInternalServerError, Message: "internal server error"}
	}
	status := cmp.Or(statusOf[e.Kind], http.StatusInternalServerError)
	code := cmp.Or(e.Code, defaultCode[e.Kind])
	if code == registry.CodeReferenceExists {
		status = http.StatusUnprocessableEntity // Confluent answers 42206 with 422
	}
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	body := errorBody{ErrorCode: code, Message: msg}
	if e.Kind == registry.KindIncompatible {
		body.Findings, body.Impacted = e.Findings, e.Impacted
	}
	return status, body
}

// kindOf is the inverse mapping the Client uses: a Confluent error answer
// becomes the *registry.Error kind it came from.
func kindOf(status, code int) registry.Kind {
	switch {
	case code == registry.CodeReferenceExists:
		return registry.KindConflict
	case status == http.StatusConflict && code == registry.CodeIncompatible:
		return registry.KindIncompatible
	case status == http.StatusConflict:
		return registry.KindConflict
	case status == http.StatusNotFound:
		return registry.KindNotFound
	case status == http.StatusUnprocessableEntity, status == http.StatusBadRequest,
		status == http.StatusUnsupportedMediaType, status == http.StatusMethodNotAllowed:
		return registry.KindInvalid
	case status == http.StatusServiceUnavailable, status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return registry.KindUnavailable
	case status == http.StatusUnauthorized:
		return registry.KindUnauthorized
	case status == http.StatusForbidden:
		return registry.KindForbidden
	case status == http.StatusRequestEntityTooLarge:
		return registry.KindTooLarge
	}
	return registry.KindInternal
}

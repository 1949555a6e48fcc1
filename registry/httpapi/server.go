// Package httpapi serves the registry over HTTP with Confluent Schema
// Registry's REST API (for schemaType JSON) plus Baton's extensions, and
// provides Client, the same registry.Registry operations over HTTP.
//
// The layout follows Mat Ryer's: NewServer takes every dependency, routes.go
// is the whole API surface, handler makers return closures, encode/decode
// are the only places JSON is read or written, and writeError (errors.go) is
// the only place an error becomes a status.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
)

// DefaultMaxBodyBytes limits request bodies unless Options says otherwise.
const DefaultMaxBodyBytes = 4 << 20

// contentType is what every JSON answer is labelled with (Confluent's).
const contentType = "application/vnd.schemaregistry.v1+json"

// acceptedContentTypes are the request body types the server reads. A
// request without a Content-Type is read as JSON too (curl -d does that
// with form encoding, which is refused; most clients send none or JSON).
var acceptedContentTypes = []string{
	"application/vnd.schemaregistry.v1+json",
	"application/vnd.schemaregistry+json",
	"application/json",
}

// Options configures NewServer. The zero value works.
type Options struct {
	// Logger receives access logs and the causes of 5xx answers
	// (default: discard).
	Logger *slog.Logger
	// MaxBodyBytes limits request bodies; larger ones get 413
	// (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Ready reports whether the server can serve (typically Store.Ping);
	// /readyz answers 503 while it fails. Nil: always ready.
	Ready func(ctx context.Context) error
	// Auth checks credentials and permissions (registry/auth); nil: auth
	// is off and every request is allowed (local use).
	Auth *auth.Authorizer
	// Audit receives an entry for every write request (see audit.go).
	// Nil: the registry itself when it is an AuditLog (*registry.Registrar).
	Audit AuditLog
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Ready == nil {
		o.Ready = func(context.Context) error { return nil }
	}
	return o
}

// NewServer returns the registry's HTTP handler: the Confluent-compatible
// API over reg, /healthz, /readyz and /metrics, wrapped in request ids,
// access logging, metrics, panic recovery and a body size limit.
func NewServer(reg registry.Registry, opts Options) *Server {
	opts = opts.withDefaults()
	log := opts.Logger
	m := newMetrics() // per server, so several servers can run in one process

	if opts.Audit == nil {
		opts.Audit, _ = reg.(AuditLog)
	}
	var audit *auditQueue
	if opts.Audit != nil {
		audit = newAuditQueue(opts.Audit, log)
	}
	r := mux.NewRouter()
	r.UseEncodedPath() // subjects may contain %2F; pathVar unescapes
	addRoutes(r, routes(reg, opts, m, audit), opts.Auth, audit, opts)
	r.NotFoundHandler = handleNoRoute(log)
	r.MethodNotAllowedHandler = handleWrongMethod(log)

	var h http.Handler = r
	h = limitBody(h, opts.MaxBodyBytes, log)
	h = recoverPanics(h, log)
	h = observe(h, log, m)
	h = requestIDs(h)
	return &Server{Handler: h, audit: audit}
}

// Server is the registry's HTTP handler (see NewServer).
type Server struct {
	http.Handler
	audit *auditQueue
}

// Drain waits until the audit entries of every answered write are stored,
// or ctx ends. Call it after http.Server.Shutdown and before closing the
// store, so an orderly stop loses no audit entry.
func (s *Server) Drain(ctx context.Context) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Drain(ctx)
}

// answer is the end of a handler that reads: err through writeError (the
// one error mapper), else v as the 200 answer. v is built before err is
// known, so build it only from values that are safe to read on error (the
// zero values the registry returns with one).
func answer(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, v any) {
	if err != nil {
		writeError(w, r, log, err)
		return
	}
	encode(w, http.StatusOK, v)
}

// encode writes v as the JSON answer with status.
func encode(w http.ResponseWriter, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error_code":500,"message":"internal server error"}` + "\n")
	}
	writeBody(w, status, body)
}

// encodeJSON is the one encoding of an answer: no HTML escaping (schemas
// hold < and >), a final newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeBody writes an already-encoded JSON answer (raw schema endpoints).
func writeBody(w http.ResponseWriter, status int, body []byte) {
	writeBodyLength(w, status, body, []string{strconv.Itoa(len(body))})
}

// contentTypeValue is the Content-Type header's value, shared by every
// answer rather than allocated per request: net/http only reads it, and a
// later Add would copy it (its capacity is its length).
var contentTypeValue = []string{contentType}

// writeBodyLength is writeBody with the Content-Length header's value
// prepared by the caller (cached answers prepare it once).
func writeBodyLength(w http.ResponseWriter, status int, body []byte, length []string) {
	h := w.Header()
	h["Content-Type"] = contentTypeValue
	h["Content-Length"] = length
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decode reads the JSON request body into a T. It refuses foreign content
// types (415), bodies over the limit (413), and malformed JSON (422 42201,
// with the line and column of the problem).
func decode[T any](r *http.Request) (T, error) {
	data, err := readBody(r)
	if err != nil {
		var zero T
		return zero, err
	}
	return decodeBytes[T](data)
}

// readBody checks the request's content type and reads its body within the
// limit (see decode).
func readBody(r *http.Request) ([]byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	data, err := readAllSized(r.Body, r.ContentLength)
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "cannot read request body: %v", err)
	}
	return data, nil
}

// readAllSized is io.ReadAll in one allocation when the body's length is
// announced (io.ReadAll starts at 512 bytes and doubles: for a 3 KB schema
// that allocated three times the body). limitBody has refused announced
// lengths over the limit and caps what is actually read.
func readAllSized(r io.Reader, announced int64) ([]byte, error) {
	if announced <= 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, announced+1) // +1: EOF is seen without growing
	for {
		if len(b) == cap(b) { // longer than announced
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// decodeBytes is decode's JSON part: a body read by readBody into a T.
func decodeBytes[T any](data []byte) (T, error) {
	var v T
	if len(bytes.TrimSpace(data)) == 0 {
		return v, registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema, "request body is empty: expected a JSON object")
	}
	if !utf8.Valid(data) { // json.Unmarshal would silently replace the bad bytes
		return v, bodyUTF8Error(data)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, bodyJSONError(data, err)
	}
	return v, nil
}

// bodyUTF8Error names the line and column of the first byte that is not UTF-8.
func bodyUTF8Error(data []byte) error {
	line, col := compat.LineColumn(data, int64(registry.InvalidUTF8Offset(string(data))))
	return registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema,
		"request body is not valid UTF-8 at line %d, column %d", line, col)
}

func tooLarge(limit int64) error {
	return registry.Errorf(registry.KindTooLarge, registry.CodeRequestTooLarge,
		"request body too large: the limit is %d bytes", limit)
}

func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, ok := range acceptedContentTypes {
			if strings.EqualFold(mt, ok) {
				return nil
			}
		}
	}
	return &protocolError{status: http.StatusUnsupportedMediaType,
		message: fmt.Sprintf("unsupported Content-Type %q: send %s", ct, strings.Join(acceptedContentTypes, ", "))}
}

// bodyJSONError names where in the body the JSON went wrong.
func bodyJSONError(data []byte, err error) error {
	var off int64 = -1
	problem, what := "malformed JSON in request body", err.Error()
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		off, what = se.Offset-1, se.Error() // Offset is just past the bad byte
	} else if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		off, problem = te.Offset, "invalid request body"
		field := te.Field
		if field == "" {
			field = "request body"
		} else {
			field = fmt.Sprintf("field %q", field)
		}
		what = fmt.Sprintf("%s must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	}
	if off < 0 {
		return registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema, "%s: %s", problem, what)
	}
	line, col := compat.LineColumn(data, off)
	return registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema,
		"%s at line %d, column %d: %s", problem, line, col, what)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

// pathVar returns a path variable, unescaped (the router matches the
// encoded path so that a subject may contain a slash).
func pathVar(r *http.Request, name string) string {
	v := mux.Vars(r)[name]
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// queryBool reads a Confluent boolean query parameter ("true" or not).
func queryBool(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/registry"
)

// AuditLog receives the audit entries of write requests. *registry.Service
// implements it (the entries go to its Store).
type AuditLog interface {
	AppendAudit(ctx context.Context, e registry.AuditEntry) (registry.AuditEntry, error)
}

// auditTimeout bounds the store write of one audit entry; it runs after
// the handler, on a context that outlives a client that hung up.
const auditTimeout = 5 * time.Second

// auditCapture is how much of a write's answer audit keeps to read the id,
// version and error code from (they come first in every answer).
const auditCapture = 4 << 10

// handleAudit is GET /v1/audit?after=ID&limit=N: entries oldest first.
func handleAudit(reg registry.Registry, q *auditQueue, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q != nil {
			// Show the entries of every write answered before this read.
			// A timeout only means the page may miss the newest ones.
			ctx, cancel := context.WithTimeout(r.Context(), auditTimeout)
			q.Drain(ctx)
			cancel()
		}
		q := registry.AuditQuery{Limit: registry.DefaultAuditLimit}
		if v := r.URL.Query().Get("after"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "after must be a non-negative audit entry id, not %q", v))
				return
			}
			q.After = n
		}
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > registry.MaxAuditLimit {
				writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "limit must be between 1 and %d, not %q", registry.MaxAuditLimit, v))
				return
			}
			q.Limit = n
		}
		es, err := reg.Audit(r.Context(), q)
		answer(w, r, log, err, nonNil(es))
	})
}

// Audit implements registry.Registry: GET /v1/audit.
func (c *Client) Audit(ctx context.Context, q registry.AuditQuery) ([]registry.AuditEntry, error) {
	v := url.Values{}
	if q.After > 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out []registry.AuditEntry
	err := c.do(ctx, http.MethodGet, "/v1/audit", v, nil, &out)
	return out, err
}

// auditNote travels in the context of an audited request: the auth
// middleware (inside audit) names the caller in it.
type auditNote struct{ who string }

type auditKey struct{}

// noteCaller tells audit who made the request (no-op outside audit).
func noteCaller(ctx context.Context, who string) {
	if n, ok := ctx.Value(auditKey{}).(*auditNote); ok {
		n.who = who
	}
}

// captureWriter is a statusWriter that also keeps the first auditCapture
// bytes of the answer.
type captureWriter struct {
	statusWriter
	head bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if room := auditCapture - w.head.Len(); room > 0 {
		w.head.Write(b[:min(room, len(b))])
	}
	return w.statusWriter.Write(b)
}

// audited reports whether a route's requests go to the audit log: every
// write, that is every request that is not a GET and needs more than read
// access (dry runs such as lookup, compatibility and impact are reads).
func audited(method string, a accessRule) bool {
	return method != http.MethodGet && method != http.MethodHead && a.access > accessRead
}

// auditWrites records every write request after its handler has answered:
// the write is already acknowledged, so a failing audit store is logged,
// never turned into a failure of the request. The entry is stored by q,
// off the request path.
func auditWrites(q *auditQueue) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rule, ok := ruleOf(r)
			if q == nil || !ok || !audited(r.Method, rule) {
				next.ServeHTTP(w, r)
				return
			}
			note := &auditNote{who: anonymous}
			cw := &captureWriter{statusWriter: statusWriter{ResponseWriter: w}}
			defer func() {
				// A panicking handler is answered 500 by recoverPanics
				// (outside the router); the attempt is recorded as that.
				if v := recover(); v != nil {
					if v != http.ErrAbortHandler {
						cw.status = http.StatusInternalServerError
						cw.head.Reset()
						cw.head.WriteString(`{"error_code":500,"message":"internal server error"}`)
						recordAudit(q, r, rule, note, cw)
					}
					panic(v)
				}
			}()
			next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), auditKey{}, note)))
			recordAudit(q, r, rule, note, cw)
		})
	}
}

// recordAudit queues the entry of one answered write (see auditQueue).
func recordAudit(q *auditQueue, r *http.Request, rule accessRule, note *auditNote, cw *captureWriter) {
	e := registry.AuditEntry{
		Who:       note.who,
		Method:    r.Method,
		Route:     rule.route,
		Status:    cmp.Or(cw.status, http.StatusOK),
		Force:     queryBool(r, "force"),
		RequestID: requestID(r.Context()),
	}
	if rule.subjectVar != "" {
		e.Subject = pathVar(r, rule.subjectVar)
	}
	if rule.serviceVar != "" {
		e.Service = pathVar(r, rule.serviceVar)
	}
	if v, err := strconv.Atoi(pathVar(r, "version")); err == nil && v > 0 {
		e.Version = v
	}
	readAnswer(cw.head.Bytes(), &e)
	q.add(e)
}

// readAnswer takes what audit records from the start of an answer: the
// id and version of a publish ({"id":n,"version":v,...}), the version of a
// version delete (a bare number), or error_code and message of a failure.
// The answer may be cut at auditCapture bytes, so it is read token by
// token and whatever came before the cut is kept.
func readAnswer(head []byte, e *registry.AuditEntry) {
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return
	}
	if n, ok := tok.(json.Number); ok {
		if v, err := n.Int64(); err == nil && e.Version == 0 && v > 0 && v <= 1<<31-1 {
			e.Version = int(v)
		}
		return
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return
	}
	for range 64 { // top-level keys; the ones audit wants come first
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, ok := tok.(string)
		if !ok {
			return
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		switch key {
		case "id":
			_ = json.Unmarshal(raw, &e.SchemaID)
		case "version":
			if e.Version == 0 {
				_ = json.Unmarshal(raw, &e.Version)
			}
		case "error_code":
			_ = json.Unmarshal(raw, &e.ErrorCode)
		case "message":
			_ = json.Unmarshal(raw, &e.Message)
		}
	}
}

package httpapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

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
				writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "after must be a non-negative audit entry id, not %s", registry.Quote(v)))
				return
			}
			q.After = n
		}
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > registry.MaxAuditLimit {
				writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "limit must be between 1 and %d, not %s", registry.MaxAuditLimit, registry.Quote(v)))
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

// anonymous is the caller's name in the audit log when auth is off or the
// credentials were missing or wrong.
const anonymous = "anonymous"

// noteVersion tells the audit log which version (and schema id, 0 if
// none) the request registered or removed.
func noteVersion(r *http.Request, version int, schemaID int64) {
	if info := infoOf(r.Context()); info != nil {
		info.version, info.schemaID = version, schemaID
	}
}

// noteError tells the audit log the error_code and message the request
// was answered with (writeError calls it).
func noteError(r *http.Request, body errorBody) {
	if info := infoOf(r.Context()); info != nil {
		info.errorCode, info.message = body.ErrorCode, body.Message
	}
}

// auditWrites records every request to route rt (a write, see
// route.audited) after its handler has answered: the write is already
// acknowledged, so a failing audit store is logged, never turned into a
// failure of the request. The entry is stored by q, off the request path.
func auditWrites(q *auditQueue, rt route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		if info == nil { // outside NewServer's chain
			info = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			// A panicking handler is answered 500 by recoverPanics
			// (outside the router); the attempt is recorded as that.
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					status, body := errorResponse(&registry.Error{Kind: registry.KindInternal})
					sw.status, info.errorCode, info.message = status, body.ErrorCode, body.Message
					recordAudit(q, r, rt, info, sw.status)
				}
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r)
		recordAudit(q, r, rt, info, sw.status)
	})
}

// recordAudit queues the entry of one answered write (see auditQueue).
func recordAudit(q *auditQueue, r *http.Request, rt route, info *requestInfo, status int) {
	e := registry.AuditEntry{
		Who:       cmp.Or(info.who, anonymous),
		Method:    r.Method,
		Route:     rt.Path,
		Status:    cmp.Or(status, http.StatusOK),
		Force:     queryBool(r, "force"),
		RequestID: info.id,
		Version:   info.version,
		SchemaID:  info.schemaID,
		ErrorCode: info.errorCode,
		Message:   info.message,
	}
	if rt.SubjectVar != "" {
		e.Subject = pathVar(r, rt.SubjectVar)
	}
	if rt.ServiceVar != "" {
		e.Service = pathVar(r, rt.ServiceVar)
	}
	if v, err := strconv.Atoi(pathVar(r, "version")); err == nil && v > 0 {
		e.Version = v
	}
	q.add(e)
}

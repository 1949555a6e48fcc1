package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/registry"
)

type ctxKey struct{}

// requestInfo travels in the request's context: requestIDs creates it,
// recordRoute (inside the router) fills in the matched route template, and
// observe reads both once the handler is done. The rest are the facts the
// audit log records, noted as the request is answered (see audit.go): no
// answer is parsed back.
type requestInfo struct {
	id    string
	route string

	who       string // the authenticated caller; "" = anonymous
	version   int    // the version a publish registered or a delete removed
	schemaID  int64  // the schema id a publish registered
	errorCode int    // error_code of an error answer (writeError)
	message   string // its message
}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(ctxKey{}).(*requestInfo)
	return info
}

// requestID returns the request's id ("" outside a request).
func requestID(ctx context.Context) string {
	if info := infoOf(ctx); info != nil {
		return info.id
	}
	return ""
}

var (
	idPrefix = func() string {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}()
	idCounter atomic.Uint64
)

// requestIDs takes X-Request-Id from the request when it is sane, makes
// one otherwise, puts it in the context and echoes it in the response.
func requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &requestInfo{id: id})))
	})
}

// newRequestID is idPrefix-counter (base 36) built in one allocation.
func newRequestID() string {
	var buf [32]byte
	b := append(append(buf[:0], idPrefix...), '-')
	return string(strconv.AppendUint(b, idCounter.Add(1), 36))
}

func saneID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes the access log line and counts the request by route
// template and status. It runs inside requestIDs.
func observe(next http.Handler, log *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route, id := "", ""
		if info := infoOf(r.Context()); info != nil {
			route, id = info.route, info.id
		}
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.request(r.Method, route, sw.status)
		if h := log.Handler(); h.Enabled(r.Context(), slog.LevelInfo) {
			// The record is built here rather than by log.LogAttrs, which
			// walks the stack for the caller's pc on every line: an access
			// log has no use for a source position, and the walk cost more
			// than writing the line.
			rec := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
			rec.AddAttrs(
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", sw.status),
				slog.Int("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("request_id", id))
			h.Handle(r.Context(), rec) // nowhere to report a failing log output
		}
	})
}

// recordRoute runs inside the router once rt matched and tells observe
// its template.
func recordRoute(rt route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoOf(r.Context()); info != nil {
			info.route = rt.Path
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panicking handler into a logged 500.
func recoverPanics(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// writeError logs the cause (with the stack) and answers a
			// generic 500; if the handler had already written a header the
			// client sees a truncated answer at worst.
			writeError(w, r, log, &registry.Error{Kind: registry.KindInternal, Message: "panic",
				Err: fmt.Errorf("panic: %v\n%s", v, debug.Stack())})
		}()
		next.ServeHTTP(w, r)
	})
}

// capBody makes reading past max bytes of any request body fail (decode
// and the claims check answer 413 then). It wraps every request, so no
// code path can read an unbounded body.
func capBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// refuseOversize answers 413 at once when Content-Length is over max,
// without reading the body. It runs inside a route, after authentication
// and inside the audit (addRoutes), so the refusal is audited with who
// sent it; a body without Content-Length is refused by capBody's reader.
func refuseOversize(next http.Handler, max int64, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, r, log, tooLarge(max))
			return
		}
		next.ServeHTTP(w, r)
	})
}

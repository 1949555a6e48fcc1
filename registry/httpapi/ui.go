package httpapi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
)

// Endpoints the web UI (registry/web, issue #8) reads besides the
// Confluent API and /v1/services, /v1/impact, /v1/graph.

// graphTextTypes are the Content-Types of GET /v1/graph?format=.
var graphTextTypes = map[string]string{
	"dot":     "text/vnd.graphviz; charset=utf-8",
	"mermaid": "text/plain; charset=utf-8",
}

// handleGraphFormat is GET /v1/graph?format=json|dot|mermaid[&environment=E]:
// the same text `baton graph --format` prints, from the same code.
func handleGraphFormat(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := r.URL.Query().Get("format")
		if format != "json" && graphTextTypes[format] == "" {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest,
				"format must be json, %s, not %q", strings.Join(registry.GraphFormats, " or "), format))
			return
		}
		g, err := graphFor(reg, r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		text, ok := g.Format(format)
		if !ok {
			encode(w, http.StatusOK, g)
			return
		}
		h := w.Header()
		h.Set("Content-Type", graphTextTypes[format])
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(text))
	})
}

// handleDiff is GET /v1/subjects/{subject}/diff?from=V&to=V[&mode=M]:
// the findings (with witnesses) between two stored versions.
func handleDiff(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, to := q.Get("from"), q.Get("to")
		if from == "" || to == "" {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidVersion,
				"diff needs two versions: ?from=<version>&to=<version> (a number or latest)"))
			return
		}
		var mode compat.Mode
		if m := q.Get("mode"); m != "" {
			var err error
			if mode, err = compat.ParseMode(m); err != nil {
				// compat's message repeats m whole; quote at most registry.MaxQuote of it.
				writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidCompatibility,
					"unknown compatibility mode %s (want one of %s)", registry.Quote(m), compat.ModeNames()))
				return
			}
		}
		rep, err := reg.Diff(r.Context(), pathVar(r, "subject"), from, to, mode)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		rep.Findings = nonNil(rep.Findings)
		encode(w, http.StatusOK, rep)
	})
}

// handleSubjectRelations is GET /v1/subjects/{subject}/relations: every
// service's relation to the subject, with contracts.
func handleSubjectRelations(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rels, err := reg.SubjectRelations(r.Context(), pathVar(r, "subject"))
		answer(w, r, log, err, nonNil(rels))
	})
}

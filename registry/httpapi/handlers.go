package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/report"
)

// schemaRequest is the body of publish, lookup and compatibility requests
// (Confluent's RegisterSchemaRequest; unknown fields are ignored).
type schemaRequest struct {
	Schema     *string              `json:"schema"`
	SchemaType string               `json:"schemaType"`
	References []registry.Reference `json:"references"`
	// ID and Version import a schema with its id (IMPORT mode only).
	ID      int64 `json:"id"`
	Version int   `json:"version"`
}

func (s schemaRequest) valid() error {
	if s.Schema == nil {
		return registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema, `request body has no "schema" field: expected {"schema": "<the JSON Schema as a string>", "schemaType": "JSON"}`)
	}
	// Confluent reads a missing schemaType as AVRO; storing such a schema
	// as JSON would give a Confluent client another type than it sent.
	if s.SchemaType == "" {
		return registry.Errorf(registry.KindInvalid, registry.CodeInvalidSchema, `request body has no "schemaType" field, which Confluent reads as AVRO; Baton registers JSON Schema only: send "schemaType": "JSON"`)
	}
	return nil
}

// subjectVersionResponse is a registered version as Confluent returns it
// (GET /subjects/{s}/versions/{v}, POST /subjects/{s}). Deleted is a Baton
// extension, present only for soft-deleted versions read with ?deleted=true.
type subjectVersionResponse struct {
	Subject    string               `json:"subject"`
	Version    int                  `json:"version"`
	ID         int64                `json:"id"`
	SchemaType string               `json:"schemaType"`
	References []registry.Reference `json:"references,omitempty"`
	Schema     string               `json:"schema"`
	Deleted    bool                 `json:"deleted,omitempty"`
}

func toSubjectVersion(sv registry.SubjectVersion) subjectVersionResponse {
	return subjectVersionResponse{
		Subject:    sv.Subject,
		Version:    sv.Version.Version,
		ID:         sv.SchemaID,
		SchemaType: schemaType(sv.Schema.Type),
		References: sv.Schema.References,
		Schema:     sv.Schema.Text,
		Deleted:    sv.Deleted,
	}
}

func schemaType(t string) string {
	if t == "" {
		return registry.SchemaTypeJSON
	}
	return t
}

func handleListSubjects(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		subjects, err := reg.Subjects(r.Context(), queryBool(r, "deleted"))
		answer(w, r, log, err, nonNil(subjects))
	})
}

func handleListVersions(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		versions, err := reg.Versions(r.Context(), pathVar(r, "subject"), queryBool(r, "deleted"))
		answer(w, r, log, err, nonNil(versions))
	})
}

func handlePublish(reg registry.Registry, log *slog.Logger) http.Handler {
	// Confluent answers {"id": n}; version and forced (the services a
	// forced publish overrode) are Baton extensions that Confluent clients
	// ignore and Client uses.
	type response struct {
		ID      int64              `json:"id"`
		Version int                `json:"version"`
		Forced  *registry.Override `json:"forced,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeSchemaRequest(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		sv, err := reg.Publish(r.Context(), registry.PublishRequest{
			Subject:    pathVar(r, "subject"),
			Schema:     *req.Schema,
			SchemaType: req.SchemaType,
			References: req.References,
			Force:      queryBool(r, "force"),
			ID:         req.ID,
			Version:    req.Version,
		})
		if err == nil {
			noteVersion(r, sv.Version.Version, sv.SchemaID)
		}
		answer(w, r, log, err, response{ID: sv.SchemaID, Version: sv.Version.Version, Forced: sv.Forced})
	})
}

func handleLookup(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeSchemaRequest(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		sv, err := reg.Lookup(r.Context(), registry.PublishRequest{
			Subject:    pathVar(r, "subject"),
			Schema:     *req.Schema,
			SchemaType: req.SchemaType,
			References: req.References,
		}, queryBool(r, "deleted"))
		answer(w, r, log, err, toSubjectVersion(sv))
	})
}

func handleGetVersion(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := reg.GetVersion(r.Context(), pathVar(r, "subject"), pathVar(r, "version"), queryBool(r, "deleted"))
		answer(w, r, log, err, toSubjectVersion(sv))
	})
}

// handleGetVersionSchema answers the schema text itself, unescaped.
func handleGetVersionSchema(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := reg.GetVersion(r.Context(), pathVar(r, "subject"), pathVar(r, "version"), queryBool(r, "deleted"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeBody(w, http.StatusOK, []byte(sv.Schema.Text))
	})
}

func handleDeleteSubject(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		versions, err := reg.DeleteSubject(r.Context(), pathVar(r, "subject"), queryBool(r, "permanent"))
		answer(w, r, log, err, nonNil(versions))
	})
}

func handleDeleteVersion(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := reg.DeleteVersion(r.Context(), pathVar(r, "subject"), pathVar(r, "version"), queryBool(r, "permanent"))
		if err == nil {
			noteVersion(r, v, 0)
		}
		answer(w, r, log, err, v)
	})
}

func handleReferencedBy(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids, err := reg.ReferencedBy(r.Context(), pathVar(r, "subject"), pathVar(r, "version"))
		answer(w, r, log, err, nonNil(ids))
	})
}

func handleSchemaTypes() http.Handler {
	types := []string{registry.SchemaTypeJSON}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, types)
	})
}

// schemaID parses the {id} path variable; anything but a positive integer
// cannot name a schema (40403).
func schemaID(r *http.Request) (int64, error) {
	raw := pathVar(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, registry.Errorf(registry.KindNotFound, registry.CodeSchemaNotFound, "schema %s not found: ids are positive integers", registry.Quote(raw))
	}
	return id, nil
}

// handleSchemaByID answers {"schema", "schemaType", "references"}. The
// ?subject= parameter Confluent uses to pick a schema context is accepted
// and ignored: Baton has a single context.
func handleSchemaByID(reg registry.Registry, log *slog.Logger) http.Handler {
	type response struct {
		Schema     string               `json:"schema"`
		SchemaType string               `json:"schemaType"`
		References []registry.Reference `json:"references,omitempty"`
	}
	cache := newBodyCache(bodyCacheBytes) // bodycache.go: the answer for an id never changes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := schemaID(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		serveCached(cache, w, r, id, func(ctx context.Context) ([]byte, error) {
			s, err := reg.SchemaByID(ctx, id)
			if err != nil {
				return nil, err
			}
			return encodeJSON(response{Schema: s.Text, SchemaType: schemaType(s.Type), References: s.References})
		}, func(err error) { writeError(w, r, log, err) })
	})
}

func handleRawSchemaByID(reg registry.Registry, log *slog.Logger) http.Handler {
	cache := newBodyCache(bodyCacheBytes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := schemaID(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		serveCached(cache, w, r, id, func(ctx context.Context) ([]byte, error) {
			s, err := reg.SchemaByID(ctx, id)
			return []byte(s.Text), err
		}, func(err error) { writeError(w, r, log, err) })
	})
}

func handleVersionsByID(reg registry.Registry, log *slog.Logger) http.Handler {
	type subjectVersion struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := schemaID(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		versions, err := reg.VersionsByID(r.Context(), id)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := make([]subjectVersion, 0, len(versions))
		for _, v := range versions {
			out = append(out, subjectVersion{Subject: v.Subject, Version: v.Version})
		}
		encode(w, http.StatusOK, out)
	})
}

// handleSubjectsByID lists, sorted and once each, the subjects using a schema.
func handleSubjectsByID(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := schemaID(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		versions, err := reg.VersionsByID(r.Context(), id)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := make([]string, 0, len(versions))
		for _, v := range versions {
			out = append(out, v.Subject)
		}
		slices.Sort(out)
		encode(w, http.StatusOK, slices.Compact(out))
	})
}

// handleCheck answers {"is_compatible": b}; with ?verbose=true also
// Confluent's "messages" and Baton's "findings" (rule, path, message and
// witness of each).
func handleCheck(reg registry.Registry, log *slog.Logger) http.Handler {
	type response struct {
		IsCompatible bool `json:"is_compatible"`
	}
	// The two plain answers, encoded once.
	var answers [2]cachedBody
	for i, compatible := range []bool{false, true} {
		body, err := encodeJSON(response{IsCompatible: compatible})
		if err != nil {
			panic(err) // a struct of one bool always encodes
		}
		answers[i] = cachedBody{body, []string{strconv.Itoa(len(body))}}
	}
	type verboseResponse struct {
		IsCompatible bool             `json:"is_compatible"`
		Messages     []string         `json:"messages"`
		Findings     []compat.Finding `json:"findings"` // Baton extension
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeSchemaRequest(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		rep, err := reg.Check(r.Context(), registry.CheckRequest{
			Subject:    pathVar(r, "subject"),
			Version:    pathVar(r, "version"), // "" on the all-versions route
			Schema:     *req.Schema,
			SchemaType: req.SchemaType,
			References: req.References,
		})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if !queryBool(r, "verbose") {
			a := answers[0]
			if rep.Compatible {
				a = answers[1]
			}
			writeBodyLength(w, http.StatusOK, a.body, a.length)
			return
		}
		resp := verboseResponse{IsCompatible: rep.Compatible, Messages: make([]string, 0, len(rep.Findings)), Findings: nonNil(rep.Findings)}
		for _, f := range rep.Findings {
			resp.Messages = append(resp.Messages, findingMessage(f))
		}
		encode(w, http.StatusOK, resp)
	})
}

// findingMessage renders a finding as one line for Confluent's "messages".
func findingMessage(f compat.Finding) string {
	var b strings.Builder
	if !f.Breaking {
		b.WriteString("(not breaking) ")
	}
	path := f.Path
	if path == "" {
		path = "/"
	}
	fmt.Fprintf(&b, "%s at %s: %s", f.Rule, path, f.Message)
	if f.Version > 0 {
		fmt.Fprintf(&b, " [against version %d]", f.Version)
	}
	if f.Direction != "" {
		fmt.Fprintf(&b, " [%s]", f.Direction)
	}
	if len(f.Example) > 0 {
		// The whole witness is in the finding; a message stays a line.
		fmt.Fprintf(&b, "; example: %s", report.CompactJSON(f.Example, messageExampleBytes))
	}
	return b.String()
}

// messageExampleBytes bounds the example quoted in a Confluent message.
const messageExampleBytes = 500

// configResponse is GET and DELETE /config: compatibilityPolicy is a Baton
// extension (STRICT or LENIENT).
type configResponse struct {
	CompatibilityLevel  compat.Mode `json:"compatibilityLevel"`
	CompatibilityPolicy string      `json:"compatibilityPolicy,omitempty"`
}

func toConfigResponse(c registry.Config) configResponse {
	return configResponse{CompatibilityLevel: c.Mode, CompatibilityPolicy: strings.ToUpper(c.Policy.String())}
}

func handleGetConfig(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := reg.GetConfig(r.Context(), pathVar(r, "subject"), queryBool(r, "defaultToGlobal"))
		answer(w, r, log, err, toConfigResponse(c))
	})
}

func handleSetConfig(reg registry.Registry, log *slog.Logger) http.Handler {
	// Confluent reads "compatibility"; newer clients may send
	// "compatibilityLevel". compatibilityPolicy is Baton's.
	type request struct {
		Compatibility       string `json:"compatibility"`
		CompatibilityLevel  string `json:"compatibilityLevel"`
		CompatibilityPolicy string `json:"compatibilityPolicy"`
	}
	type response struct {
		Compatibility       compat.Mode `json:"compatibility"`
		CompatibilityPolicy string      `json:"compatibilityPolicy,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[request](r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		level := req.Compatibility
		if level == "" {
			level = req.CompatibilityLevel
		}
		if level == "" {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidCompatibility,
				`missing "compatibility": expected one of %s`, compat.ModeNames()))
			return
		}
		mode, err := compat.ParseMode(level)
		if err != nil {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidCompatibility,
				"invalid compatibility level %s: expected one of %s", registry.Quote(level), compat.ModeNames()))
			return
		}
		policy, err := compat.ParsePolicy(req.CompatibilityPolicy)
		if err != nil {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidCompatibility,
				"invalid compatibilityPolicy %s: expected STRICT or LENIENT", registry.Quote(req.CompatibilityPolicy)))
			return
		}
		c, err := reg.SetConfig(r.Context(), pathVar(r, "subject"), registry.Config{Mode: mode, Policy: policy})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		resp := response{Compatibility: c.Mode}
		if req.CompatibilityPolicy != "" {
			resp.CompatibilityPolicy = strings.ToUpper(c.Policy.String())
		}
		encode(w, http.StatusOK, resp)
	})
}

func handleDeleteConfig(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := reg.DeleteConfig(r.Context(), pathVar(r, "subject"))
		answer(w, r, log, err, toConfigResponse(c))
	})
}

// modeBody is the body of every /mode request and answer (Confluent's).
type modeBody struct {
	Mode registry.Mode `json:"mode"`
}

func handleGetMode(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := reg.GetMode(r.Context(), pathVar(r, "subject"), queryBool(r, "defaultToGlobal"))
		answer(w, r, log, err, modeBody{m})
	})
}

// handleSetMode is PUT /mode[/{subject}][?force=true].
func handleSetMode(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[modeBody](r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if req.Mode == "" {
			writeError(w, r, log, registry.Errorf(registry.KindInvalid, registry.CodeInvalidMode,
				`missing "mode": expected {"mode": "READWRITE" | "READONLY" | "IMPORT"}`))
			return
		}
		m, err := reg.SetMode(r.Context(), pathVar(r, "subject"), req.Mode, queryBool(r, "force"))
		answer(w, r, log, err, modeBody{m})
	})
}

func handleDeleteMode(reg registry.Registry, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := reg.DeleteMode(r.Context(), pathVar(r, "subject"))
		answer(w, r, log, err, modeBody{m})
	})
}

func handleRoot() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, struct{}{})
	})
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz answers 503 (50001) while ready fails, e.g. the store is
// unreachable.
func handleReadyz(ready func(context.Context) error, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			if registry.ErrorKind(err) != registry.KindUnavailable {
				err = registry.Unavailable("readiness check", err)
			}
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func handleNoRoute(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, &protocolError{status: http.StatusNotFound,
			message: fmt.Sprintf("no such endpoint: %s %s", registry.Clip(r.Method), registry.Quote(r.URL.Path))})
	})
}

func handleWrongMethod(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, &protocolError{status: http.StatusMethodNotAllowed,
			message: fmt.Sprintf("method %s is not allowed on %s", registry.Clip(r.Method), registry.Quote(r.URL.Path))})
	})
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

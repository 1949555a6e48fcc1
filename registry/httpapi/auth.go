package httpapi

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/auth"
)

// accessRule is what one route needs, and which path variable names the
// subject or service it writes (for ownership and the audit log).
type accessRule struct {
	method     string // "*": any method (routes registered without Methods)
	route      string // the route's path template, as in routes.go
	access     auth.Access
	subjectVar string
	serviceVar string
}

const (
	accessOpen  = auth.Open
	accessRead  = auth.Read
	accessAdmin = auth.Admin
)

// accessTable is the permission of every route in routes.go, in the same
// order. TestEveryRouteHasAccess fails when a route is added without an
// entry here (or an entry outlives its route); a route missing at run time
// needs the admin role (fail closed).
//
// Decisions: /healthz, /readyz and GET / stay open (probes); /metrics and
// the UI need read access, like every other GET, because they show what
// the registry holds and how it is used.
var accessTable = []accessRule{
	{"GET", "/subjects", accessRead, "", ""},
	{"POST", "/subjects/{subject}", accessRead, "subject", ""}, // lookup: a dry run
	{"DELETE", "/subjects/{subject}", accessAdmin, "subject", ""},
	{"GET", "/subjects/{subject}/versions", accessRead, "subject", ""},
	{"POST", "/subjects/{subject}/versions", auth.WriteSubject, "subject", ""}, // publish
	{"GET", "/subjects/{subject}/versions/{version}", accessRead, "subject", ""},
	{"DELETE", "/subjects/{subject}/versions/{version}", accessAdmin, "subject", ""},
	{"GET", "/subjects/{subject}/versions/{version}/schema", accessRead, "subject", ""},
	{"GET", "/subjects/{subject}/versions/{version}/referencedby", accessRead, "subject", ""},

	{"GET", "/schemas/types", accessRead, "", ""},
	{"GET", "/schemas/ids/{id}", accessRead, "", ""},
	{"GET", "/schemas/ids/{id}/schema", accessRead, "", ""},
	{"GET", "/schemas/ids/{id}/versions", accessRead, "", ""},
	{"GET", "/schemas/ids/{id}/subjects", accessRead, "", ""},

	{"POST", "/compatibility/subjects/{subject}/versions/{version}", accessRead, "subject", ""},
	{"POST", "/compatibility/subjects/{subject}/versions", accessRead, "subject", ""},

	{"GET", "/config", accessRead, "", ""},
	{"PUT", "/config", accessAdmin, "", ""},
	{"DELETE", "/config", accessAdmin, "", ""},
	{"GET", "/config/{subject}", accessRead, "subject", ""},
	{"PUT", "/config/{subject}", auth.WriteSubject, "subject", ""},
	{"DELETE", "/config/{subject}", auth.WriteSubject, "subject", ""},

	{"GET", "/v1/services", accessRead, "", ""},
	{"PUT", "/v1/services/{name}", auth.WriteService, "", "name"},
	{"GET", "/v1/services/{name}", accessRead, "", "name"},
	{"DELETE", "/v1/services/{name}", accessAdmin, "", "name"},
	{"GET", "/v1/services/{name}/contracts/{subject}/versions", accessRead, "subject", "name"},
	{"POST", "/v1/impact", accessRead, "", ""}, // a dry run
	{"POST", "/v1/check", accessRead, "", ""},  // a dry run
	{"GET", "/v1/graph", accessRead, "", ""},
	{"GET", "/v1/audit", accessAdmin, "", ""},
	{"GET", "/v1/subjects/{subject}/diff", accessRead, "subject", ""},
	{"GET", "/v1/subjects/{subject}/relations", accessRead, "subject", ""},

	{"GET", "/", accessOpen, "", ""},
	{"GET", "/healthz", accessOpen, "", ""},
	{"GET", "/readyz", accessOpen, "", ""},
	{"GET", "/metrics", accessRead, "", ""},
	{"GET", "/ui", accessRead, "", ""}, // redirect to /ui/
	{"*", "/ui/", accessRead, "", ""},  // the web UI's files
}

// accessByRoute indexes accessTable by "METHOD template".
var accessByRoute = func() map[string]accessRule {
	m := make(map[string]accessRule, len(accessTable))
	for _, a := range accessTable {
		m[a.method+" "+a.route] = a
	}
	return m
}()

// ruleOf returns the access rule of the route r matched; ok=false when
// the route has none (it then needs the admin role).
func ruleOf(r *http.Request) (accessRule, bool) {
	rt := mux.CurrentRoute(r)
	if rt == nil {
		return accessRule{access: accessAdmin}, false
	}
	tmpl, _ := rt.GetPathTemplate()
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet // HEAD is a GET without the body
	}
	if a, ok := accessByRoute[method+" "+tmpl]; ok {
		return a, true
	}
	if a, ok := accessByRoute["* "+tmpl]; ok {
		return a, true
	}
	return accessRule{method: r.Method, route: tmpl, access: accessAdmin}, false
}

// anonymous is the caller's name in the audit log when auth is off or the
// credentials were missing or wrong.
const anonymous = "anonymous"

// authenticate checks every request to a route that is not open: missing
// or wrong credentials get 401 with a challenge, credentials without the
// needed role or ownership get 403 naming what is missing. It never logs
// or echoes the Authorization header.
func authenticate(a *auth.Authorizer, log *slog.Logger) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rule, _ := ruleOf(r)
			if rule.access == auth.Open {
				next.ServeHTTP(w, r)
				return
			}
			tok, err := a.Authenticate(r.Header.Get("Authorization"))
			if err != nil {
				w.Header().Add("WWW-Authenticate", `Basic realm="baton", charset="UTF-8"`)
				w.Header().Add("WWW-Authenticate", `Bearer realm="baton"`)
				writeError(w, r, log, err)
				return
			}
			noteCaller(r.Context(), tok.Name)
			req := auth.Request{Access: rule.access, Method: r.Method, Route: rule.route}
			if rule.subjectVar != "" {
				req.Subject = pathVar(r, rule.subjectVar)
			}
			if rule.serviceVar != "" {
				req.Service = pathVar(r, rule.serviceVar)
			}
			if rule.access == auth.WriteService && tok.Restricted() {
				if req.Claims, err = claims(r); err != nil {
					writeError(w, r, log, err)
					return
				}
			}
			if err := a.Authorize(r.Context(), tok, req); err != nil {
				writeError(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// claims reads the subjects a PUT /v1/services body would own, leaving
// the body for the handler. The body is decoded exactly as the handler
// decodes it; a body the handler would refuse claims nothing (and is
// refused by the handler).
func claims(r *http.Request) ([]string, error) {
	data, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, registry.Errorf(registry.KindInvalid, registry.CodeInvalidRequest, "cannot read request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	probe := r.Clone(r.Context())
	probe.Body = io.NopCloser(bytes.NewReader(data))
	body, err := decode[serviceBody](probe)
	if err != nil {
		return nil, nil
	}
	si, err := body.toService(pathVar(r, "name"))
	if err != nil {
		return nil, nil
	}
	var out []string
	for _, rel := range si.Relations {
		if rel.Kind.Owns() {
			out = append(out, rel.Subject)
		}
	}
	return out, nil
}

// splitUserInfo takes user:password@ out of a registry URL, so that it
// is sent as Basic credentials and never appears in error messages.
func splitUserInfo(raw string) (base, user, password string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, "", ""
	}
	user = u.User.Username()
	password, _ = u.User.Password()
	u.User = nil
	return u.String(), user, password
}

// authorize adds the client's credentials: the bearer token if set, else
// Basic user:password (what Confluent clients send).
func (c *Client) authorize(req *http.Request) {
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.User != "" || c.Password != "":
		req.SetBasicAuth(c.User, c.Password)
	}
}

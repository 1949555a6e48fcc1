package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/batonhq/baton/registry/auth"
)

// TestRouteTable checks the one route table: every row is well formed and
// registered, the rows that need no credentials and the rows that are
// audited are exactly the intended ones (a row that forgets its Access is
// open, so this fails on it), and the path variables a row names exist.
func TestRouteTable(t *testing.T) {
	t.Parallel()
	rows := routes(nil, Options{}.withDefaults(), newMetrics(), nil)
	var open, audited []string
	seen := map[string]bool{}
	for _, rt := range rows {
		key := rt.Method + " " + rt.Path + " " + strings.Join(rt.Queries, "=")
		if seen[key] {
			t.Errorf("%s: two rows", key)
		}
		seen[key] = true
		if (rt.Method == "") != rt.Prefix {
			t.Errorf("%s: only a prefix route may match any method", key)
		}
		if rt.Handler == nil {
			t.Errorf("%s: no handler", key)
		}
		for _, v := range []string{rt.SubjectVar, rt.ServiceVar} {
			if v != "" && !strings.Contains(rt.Path, "{"+v+"}") {
				t.Errorf("%s: names path variable %q, which the path lacks", key, v)
			}
		}
		if strings.Contains(rt.Path, "{subject}") && rt.SubjectVar == "" || strings.Contains(rt.Path, "{name}") && rt.ServiceVar == "" {
			t.Errorf("%s: the path names a subject or service the row does not", key)
		}
		if rt.Access == auth.Open {
			open = append(open, rt.Method+" "+rt.Path)
		}
		if rt.audited() {
			audited = append(audited, rt.Method+" "+rt.Path)
		}
	}
	if want := []string{"GET /", "GET /healthz", "GET /readyz"}; !slices.Equal(open, want) {
		t.Errorf("open routes %v, want %v", open, want)
	}
	wantAudited := []string{
		"DELETE /subjects/{subject}", "POST /subjects/{subject}/versions", "DELETE /subjects/{subject}/versions/{version}",
		"PUT /config", "DELETE /config", "PUT /config/{subject}", "DELETE /config/{subject}",
		"PUT /mode", "PUT /mode/{subject}", "DELETE /mode/{subject}",
		"PUT /v1/services/{name}", "DELETE /v1/services/{name}",
		"PUT /v1/services/{name}/versions/{version}", "PUT /v1/environments/{env}",
		"POST /v1/environments/{env}/deployments", "DELETE /v1/environments/{env}/deployments/{service}",
	}
	if !slices.Equal(audited, wantAudited) {
		t.Errorf("audited routes %v, want %v", audited, wantAudited)
	}

	// The router holds the rows, in order, and nothing else.
	r := mux.NewRouter()
	addRoutes(r, rows, nil, nil, Options{}.withDefaults())
	i := 0
	err := r.Walk(func(mr *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := mr.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, _ := mr.GetMethods()
		if i >= len(rows) || tmpl != rows[i].Path || !slices.Equal(methods, nonEmpty(rows[i].Method)) {
			t.Errorf("router route %d is %v %s, want the table's row", i, methods, tmpl)
		}
		i++
		return nil
	})
	if err != nil || i != len(rows) {
		t.Errorf("router holds %d routes (%v), the table %d", i, err, len(rows))
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

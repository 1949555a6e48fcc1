package httpapi

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/registry"
)

// TestEveryRouteHasAccess walks the real route table: a route added to
// routes.go without an entry in accessTable fails here (at run time it
// would need the admin role), and so does an entry whose route is gone.
func TestEveryRouteHasAccess(t *testing.T) {
	t.Parallel()
	r := mux.NewRouter()
	addRoutes(r, nil, Options{}.withDefaults(), newMetrics(prometheus.NewRegistry()), nil)
	used := map[string]bool{}
	n := 0
	err := r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := rt.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := rt.GetMethods()
		if err != nil {
			methods = []string{"*"} // registered without Methods: any method
		}
		for _, m := range methods {
			if m == http.MethodHead {
				m = http.MethodGet // ruleOf treats HEAD as GET
			}
			n++
			key := m + " " + tmpl
			if _, ok := accessByRoute[key]; !ok {
				t.Errorf("route %s has no access rule: add it to accessTable in auth.go", key)
			}
			used[key] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Fatalf("walked only %d routes; the walk is broken", n)
	}
	if len(accessTable) != len(accessByRoute) {
		t.Errorf("accessTable has duplicate entries")
	}
	for _, a := range accessTable {
		if !used[a.method+" "+a.route] {
			t.Errorf("access rule %s %s names no route", a.method, a.route)
		}
		if a.subjectVar != "" && a.subjectVar != "subject" || a.serviceVar != "" && a.serviceVar != "name" {
			t.Errorf("%s %s: unknown path variable", a.method, a.route)
		}
	}
}

// TestReadAnswer: what audit takes from the start of an answer, also when
// the answer was cut off.
func TestReadAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want registry.AuditEntry
	}{
		{`{"id":7,"version":3}`, registry.AuditEntry{SchemaID: 7, Version: 3}},
		{`2`, registry.AuditEntry{Version: 2}},
		{`[1,2,3]`, registry.AuditEntry{}},
		{`{"error_code":409,"message":"breaks payment","findings":[{"rule":"x","path":"/a"`, registry.AuditEntry{ErrorCode: 409, Message: "breaks payment"}},
		{`{"error_code":40301,"mess`, registry.AuditEntry{ErrorCode: 40301}},
		{`{"name":"payment","relations":[]}`, registry.AuditEntry{}},
		{`not json`, registry.AuditEntry{}},
		{``, registry.AuditEntry{}},
	} {
		var got registry.AuditEntry
		readAnswer([]byte(tc.body), &got)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("readAnswer(%s) (-want +got):\n%s", tc.body, d)
		}
	}
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
	"github.com/batonhq/baton/registry/web"
)

// diffHarness has subject S with v1 schemaV1, v2 schemaWidened (BACKWARD
// compatible) and, after its mode was set to NONE, v3 schemaRequiredA,
// which cannot read v1's data that lacks "a".
func diffHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.publish("S", schemaV1)
	h.publish("S", schemaWidened)
	if r := h.do("PUT", "/config/S", `{"compatibility":"NONE"}`); r.Status != 200 {
		t.Fatalf("PUT /config/S = %d %s", r.Status, r.Body)
	}
	h.publish("S", schemaRequiredA)
	return h
}

func TestDiffHTTP(t *testing.T) {
	t.Parallel()
	h := diffHarness(t)
	tests := []struct {
		query      string
		from, to   int
		mode       compat.Mode
		compatible bool
		rules      []string // direction:rule of each finding
	}{
		// NONE makes the default mode FULL: both directions.
		{"from=1&to=3", 1, 3, compat.Full, false, []string{"backward:required-property-added"}},
		{"from=1&to=latest", 1, 3, compat.Full, false, []string{"backward:required-property-added"}},
		{"from=1&to=3&mode=forward", 1, 3, compat.Forward, true, nil},
		{"from=1&to=3&mode=BACKWARD", 1, 3, compat.Backward, false, []string{"backward:required-property-added"}},
		{"from=3&to=1&mode=full", 3, 1, compat.Full, false, []string{"forward:required-property-added"}},
		{"from=1&to=2", 1, 2, compat.Full, false, []string{"forward:type-narrowed"}},
		{"from=2&to=2", 2, 2, compat.Full, true, nil},
	}
	for _, tc := range tests {
		r := h.do("GET", "/v1/subjects/S/diff?"+tc.query, "")
		var rep registry.DiffReport
		if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
			t.Fatalf("%s: %d %s", tc.query, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
			t.Errorf("%s: Content-Type %q", tc.query, ct)
		}
		var rules []string
		for _, f := range rep.Findings {
			rules = append(rules, f.Direction+":"+f.Rule)
			if f.Breaking && len(f.Example) == 0 {
				t.Errorf("%s: finding %s without a witness", tc.query, f.Rule)
			}
		}
		if rep.Subject != "S" || rep.From != tc.from || rep.To != tc.to || rep.Mode != tc.mode || rep.Compatible != tc.compatible ||
			!cmp.Equal(rules, tc.rules) || rep.Findings == nil {
			t.Errorf("%s: got %s, want from %d to %d mode %s compatible %v rules %v", tc.query, r.Body, tc.from, tc.to, tc.mode, tc.compatible, tc.rules)
		}
		// The witness of v1 -> v3 is v1 data that v3 rejects.
		if tc.query == "from=1&to=3" && string(rep.Findings[0].Example) != "{}" {
			t.Errorf("witness = %s, want {}", rep.Findings[0].Example)
		}
	}
}

func TestDiffHTTPErrors(t *testing.T) {
	t.Parallel()
	h := diffHarness(t)
	if r := h.do("DELETE", "/subjects/S/versions/2", ""); r.Status != 200 {
		t.Fatalf("soft delete v2 = %d %s", r.Status, r.Body)
	}
	tests := []struct {
		path         string
		status, code int
		inMessage    string
	}{
		{"/v1/subjects/Nope/diff?from=1&to=2", 404, registry.CodeSubjectNotFound, "Nope"},
		{"/v1/subjects/S/diff?from=1&to=9", 404, registry.CodeVersionNotFound, ""},
		{"/v1/subjects/S/diff?from=1&to=2", 404, registry.CodeVersionNotFound, ""}, // soft-deleted
		{"/v1/subjects/S/diff?from=x&to=1", 422, registry.CodeInvalidVersion, `"x"`},
		{"/v1/subjects/S/diff?from=0&to=1", 422, registry.CodeInvalidVersion, `"0"`},
		{"/v1/subjects/S/diff?from=1", 422, registry.CodeInvalidVersion, "from="},
		{"/v1/subjects/S/diff", 422, registry.CodeInvalidVersion, "from="},
		{"/v1/subjects/S/diff?from=1&to=3&mode=BACKWARD_TRANSITIVE", 422, registry.CodeInvalidCompatibility, "BACKWARD_TRANSITIVE"},
		{"/v1/subjects/S/diff?from=1&to=3&mode=none", 422, registry.CodeInvalidCompatibility, "NONE"},
		{"/v1/subjects/S/diff?from=1&to=3&mode=sideways", 422, registry.CodeInvalidCompatibility, "sideways"},
	}
	for _, tc := range tests {
		msg := wantError(t, h.do("GET", tc.path, ""), tc.status, tc.code)
		if !strings.Contains(msg, tc.inMessage) {
			t.Errorf("%s: message %q does not mention %q", tc.path, msg, tc.inMessage)
		}
	}
	if r := h.do("POST", "/v1/subjects/S/diff?from=1&to=3", "{}"); r.Status != 405 {
		t.Errorf("POST diff = %d %s", r.Status, r.Body)
	}
	h.store.down.Store(true)
	wantError(t, h.do("GET", "/v1/subjects/S/diff?from=1&to=3", ""), 503, registry.CodeStoreError)
}

func TestSubjectRelationsHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.putService("order", map[string]any{"owner": "team-orders", "events": map[string]any{"produces": []any{map[string]any{"name": "OrderPlaced"}}}}, 200)
	h.publish("OrderPlaced", placedV1)
	h.putService("payment", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsCustomer}}}}, 200)
	h.putService("audit", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced"}, map[string]any{"name": "Other"}}}}, 200)

	r := h.do("GET", "/v1/subjects/OrderPlaced/relations", "")
	var rels []registry.ServiceRelation
	if r.Status != 200 || json.Unmarshal(r.Body, &rels) != nil {
		t.Fatalf("relations = %d %s", r.Status, r.Body)
	}
	var got []string
	for _, sr := range rels {
		got = append(got, sr.Service+" "+string(sr.Relation.Kind))
		if sr.Relation.Subject != "OrderPlaced" {
			t.Errorf("relation to %s listed under OrderPlaced", sr.Relation.Subject)
		}
	}
	if want := []string{"audit consumes", "order produces", "payment consumes"}; !cmp.Equal(got, want) {
		t.Errorf("relations = %v, want %v", got, want)
	}
	for _, sr := range rels {
		switch sr.Service {
		case "payment":
			if sr.Relation.Contract != readsCustomer || sr.Relation.ContractVersion != 1 {
				t.Errorf("payment's contract = %+v", sr.Relation)
			}
		case "audit": // no contract: it reads the version current when it registered
			if sr.Relation.Contract != "" || sr.Relation.Version != 1 {
				t.Errorf("audit's relation = %+v", sr.Relation)
			}
		}
	}
	// A subject nobody names has no relations, not an error.
	wantJSON(t, h.do("GET", "/v1/subjects/Unknown/relations", ""), 200, `[]`)

	c := httpapi.NewClient(h.URL)
	viaClient, err := c.SubjectRelations(context.Background(), "OrderPlaced")
	if err != nil || !cmp.Equal(viaClient, rels) {
		t.Errorf("Client.SubjectRelations = %+v, %v; want %+v", viaClient, err, rels)
	}
	if none, err := c.SubjectRelations(context.Background(), "Unknown"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("Client.SubjectRelations(Unknown) = %#v, %v", none, err)
	}
}

func TestClientDiff(t *testing.T) {
	t.Parallel()
	h := diffHarness(t)
	c := httpapi.NewClient(h.URL)
	ctx := context.Background()
	for _, mode := range []compat.Mode{"", compat.Backward, compat.Forward} {
		want, err := h.svc.Diff(ctx, "S", "1", "latest", mode)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Diff(ctx, "S", "1", "latest", mode)
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("mode %q: Client.Diff = %+v, %v; want %+v", mode, got, err, want)
		}
	}
	if _, err := c.Diff(ctx, "S", "1", "7", ""); registry.ErrorKind(err) != registry.KindNotFound {
		t.Errorf("Client.Diff of a missing version: %v", err)
	}
	if _, err := c.Diff(ctx, "S", "1", "2", compat.FullTransitive); registry.ErrorKind(err) != registry.KindInvalid {
		t.Errorf("Client.Diff in a transitive mode: %v", err)
	}
}

func TestGraphFormatsHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.putService("order", map[string]any{"owner": "team-orders", "events": map[string]any{"produces": []any{map[string]any{"name": "OrderPlaced"}}}}, 200)
	h.putService("payment", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsCustomer}}}}, 200)
	g, err := h.svc.Graph(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format, contentType, want string
	}{
		{"dot", "text/vnd.graphviz; charset=utf-8", g.DOT()},
		{"mermaid", "text/plain; charset=utf-8", g.Mermaid()},
	}
	for _, tc := range tests {
		r := h.do("GET", "/v1/graph?format="+tc.format, "")
		if r.Status != 200 || r.Header.Get("Content-Type") != tc.contentType || string(r.Body) != tc.want {
			t.Errorf("format %s: %d %q\n%s", tc.format, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("format %s: no nosniff", tc.format)
		}
	}
	for _, want := range []string{`"service:order" -> "event:OrderPlaced" [label="produces"]`, `label="order\n(team-orders)"`} {
		if !strings.Contains(g.DOT(), want) {
			t.Errorf("DOT lacks %s:\n%s", want, g.DOT())
		}
	}
	if m := g.Mermaid(); !strings.Contains(m, `n0(["OrderPlaced"])`) || !strings.Contains(m, "n1 -->|produces| n0") {
		t.Errorf("Mermaid:\n%s", m)
	}
	plain, asJSON := h.do("GET", "/v1/graph", ""), h.do("GET", "/v1/graph?format=json", "")
	if plain.Status != 200 || string(plain.Body) != string(asJSON.Body) || asJSON.Header.Get("Content-Type") != "application/vnd.schemaregistry.v1+json" {
		t.Errorf("format=json = %d %s, want %s", asJSON.Status, asJSON.Body, plain.Body)
	}
	for _, f := range []string{"svg", "", "DOT"} {
		msg := wantError(t, h.do("GET", "/v1/graph?format="+f, ""), 422, registry.CodeInvalidRequest)
		if !strings.Contains(msg, "dot or mermaid") {
			t.Errorf("format %q: message %q", f, msg)
		}
	}
}

func TestUIServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		path, contentType, contains string
	}{
		{"/ui/", "text/html; charset=utf-8", `<svg id="graph"`},
		{"/ui/app.js", "text/javascript; charset=utf-8", "registry/web/build.sh"},
		{"/ui/style.css", "text/css; charset=utf-8", "g.node"},
	}
	for _, tc := range tests {
		r := h.do("GET", tc.path, "")
		if r.Status != 200 || r.Header.Get("Content-Type") != tc.contentType || !strings.Contains(string(r.Body), tc.contains) {
			t.Errorf("GET %s = %d %q, want %q containing %q", tc.path, r.Status, r.Header.Get("Content-Type"), tc.contentType, tc.contains)
		}
		if csp := r.Header.Get("Content-Security-Policy"); csp != web.ContentSecurityPolicy || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
	}
	// Deep links live in the fragment; the page itself refers only to its own files.
	page := string(h.do("GET", "/ui/", "").Body)
	for _, ext := range []string{"http://", "https://", "//"} {
		if strings.Contains(strings.ReplaceAll(page, "http://www.w3.org/", ""), `="`+ext) {
			t.Errorf("index.html refers to an external resource (%s)", ext)
		}
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(h.URL + "/ui")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("GET /ui = %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := h.do("GET", "/ui/missing.js", ""); r.Status != 404 {
		t.Errorf("GET /ui/missing.js = %d", r.Status)
	}
	if r := h.do("POST", "/ui/", "{}"); r.Status != 405 || r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /ui/ = %d Allow %q", r.Status, r.Header.Get("Allow"))
	}
}

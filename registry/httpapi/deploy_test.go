package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// TestDeployAccess: environments are created by admins; a deployment of S
// needs a write token owning S (or an unrestricted one); reads need read;
// every write is audited.
func TestDeployAccess(t *testing.T) {
	t.Parallel()
	h := newAuthHarness(t)
	seed(h)
	admin := bearer("admin")
	for _, step := range []struct{ method, path, body string }{
		{"PUT", "/v1/services/order/versions/a1", `{"branch":"main"}`},
		{"PUT", "/v1/services/payment/versions/p1", ""},
	} {
		if r := h.do(step.method, step.path, step.body, admin...); r.Status != 200 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.Status, r.Body)
		}
	}
	for _, tc := range []struct {
		name, token, method, path, body string
		status, code                    int
	}{
		{"writer cannot create an environment", "writer", "PUT", "/v1/environments/prod", "", 403, 40301},
		{"admin creates it", "admin", "PUT", "/v1/environments/prod", "", 200, 0},
		{"reader lists", "reader", "GET", "/v1/environments", "", 200, 0},
		{"reader cannot deploy", "reader", "POST", "/v1/environments/prod/deployments", `{"service":"order","version":"a1"}`, 403, 40301},
		{"another team cannot deploy order", "ci-payment", "POST", "/v1/environments/prod/deployments", `{"service":"order","version":"a1"}`, 403, 40301},
		{"owner deploys order", "ci-order", "POST", "/v1/environments/prod/deployments", `{"service":"order","version":"a1"}`, 200, 0},
		{"unrestricted writer deploys payment", "writer", "POST", "/v1/environments/prod/deployments", `{"service":"payment","version":"p1"}`, 200, 0},
		{"unknown version", "writer", "POST", "/v1/environments/prod/deployments", `{"service":"payment","version":"nope"}`, 404, registry.CodeServiceVersionNotFound},
		{"unknown environment", "writer", "POST", "/v1/environments/qa/deployments", `{"service":"payment","version":"p1"}`, 404, registry.CodeEnvironmentNotFound},
		{"missing version", "writer", "POST", "/v1/environments/prod/deployments", `{"service":"payment"}`, 422, registry.CodeInvalidRequest},
		{"another team cannot undeploy order", "ci-payment", "DELETE", "/v1/environments/prod/deployments/order", "", 403, 40301},
		{"can-i-deploy is a read", "reader", "POST", "/v1/can-i-deploy", `{"environment":"prod","services":[{"service":"payment","version":"p1"}]}`, 200, 0},
		{"can-i-deploy without environment", "reader", "POST", "/v1/can-i-deploy", `{"services":[]}`, 422, registry.CodeInvalidRequest},
		{"plan is a read", "reader", "POST", "/v1/plan", `{"environment":"prod","services":[{"service":"payment","version":"p1"}]}`, 200, 0},
		{"record a version of another team's service", "ci-payment", "PUT", "/v1/services/order/versions/a2", "", 403, 40301},
		{"unknown subject version", "admin", "PUT", "/v1/services/order/versions/a1", `{"subjects":{"OrderPlaced":9}}`, 404, registry.CodeVersionNotFound},
	} {
		r := h.do(tc.method, tc.path, tc.body, bearer(tc.token)...)
		if tc.status == 200 {
			if r.Status != 200 {
				t.Errorf("%s: %d %s, want 200", tc.name, r.Status, r.Body)
			}
			continue
		}
		wantError(t, r, tc.status, tc.code)
	}
	r := h.do("GET", "/v1/environments/prod/deployments", "", bearer("reader")...)
	var ds []registry.Deployment
	if err := json.Unmarshal(r.Body, &ds); err != nil || len(ds) != 2 || ds[0].Service != "order" || ds[1].Service != "payment" {
		t.Fatalf("deployments = %s (%v)", r.Body, err)
	}
	var deployWrites int
	for _, e := range auditPage(h, "") {
		if strings.Contains(e.Route, "/deployments") || strings.Contains(e.Route, "/environments/") {
			deployWrites++
		}
	}
	if deployWrites < 7 { // PUT env twice, 6 deploy attempts, 1 undeploy, refusals included
		t.Errorf("%d deploy writes audited, want every one", deployWrites)
	}
}

// TestDeployClient: the Client implements registry.Deployer over HTTP with
// the same answers and error codes as the Registrar.
func TestDeployClient(t *testing.T) {
	t.Parallel()
	_, c, pv := ordersProducer(t)
	ctx := context.Background()
	sv, err := c.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "orders", Version: "1.0.0+build.7", Branch: "main", Subjects: map[string]int{"OrderPlaced": pv.Version.Version}})
	if err != nil || sv.Branch != "main" || len(sv.Relations) != 1 || sv.Relations[0].SchemaID != pv.Version.SchemaID {
		t.Fatalf("RecordServiceVersion = %+v, %v", sv, err)
	}
	if got, err := c.GetServiceVersion(ctx, "orders", "1.0.0+build.7"); err != nil || got.Version != sv.Version {
		t.Fatalf("GetServiceVersion = %+v, %v", got, err)
	}
	if _, err := c.GetServiceVersion(ctx, "orders", "nope"); registry.ErrorKind(err) != registry.KindNotFound {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := c.CreateEnvironment(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if envs, err := c.ListEnvironments(ctx); err != nil || len(envs) != 1 {
		t.Fatalf("ListEnvironments = %v, %v", envs, err)
	}
	ref := registry.ServiceRef{Service: "orders", Version: "1.0.0+build.7"}
	if _, err := c.RecordDeployment(ctx, "prod", ref, false); err != nil {
		t.Fatal(err)
	}
	rep, err := c.CanIDeploy(ctx, "prod", []registry.ServiceRef{ref})
	if err != nil || !rep.Deployable || rep.Environment != "prod" || len(rep.Items) != 1 {
		t.Fatalf("CanIDeploy = %+v, %v", rep, err)
	}
	if rep, err := c.ImpactIn(ctx, "prod", "OrderPlaced", schemaRequiredA); err != nil || rep.Subject != "OrderPlaced" || len(rep.Impacted) != 0 {
		t.Fatalf("ImpactIn = %+v, %v", rep, err)
	}
	if _, err := c.ImpactIn(ctx, "qa", "OrderPlaced", schemaRequiredA); registry.ErrorKind(err) != registry.KindNotFound {
		t.Fatalf("ImpactIn(qa): %v", err)
	}
	plan, err := c.Plan(ctx, "prod", []registry.ServiceRef{ref})
	if err != nil || !plan.Possible || len(plan.Steps) != 1 {
		t.Fatalf("Plan = %+v, %v", plan, err)
	}
	if out, err := c.RecordUndeployment(ctx, "prod", "orders", ""); err != nil || len(out) != 1 {
		t.Fatalf("RecordUndeployment = %v, %v", out, err)
	}
	if ds, err := c.ListDeployments(ctx, "prod"); err != nil || len(ds) != 0 {
		t.Fatalf("ListDeployments = %v, %v", ds, err)
	}
	if vs, err := c.ListServiceVersions(ctx, "orders"); err != nil || len(vs) != 1 {
		t.Fatalf("ListServiceVersions = %v, %v", vs, err)
	}
}

// TestGraphInEnvironment: GET /v1/graph?environment=E is the graph as
// deployed in E, in JSON (also through the Client) and in the text
// formats; an unknown or invalid environment is the usual error body.
func TestGraphInEnvironment(t *testing.T) {
	t.Parallel()
	h, c, _ := ordersProducer(t)
	ctx := context.Background()
	for _, v := range []string{"a1", "b2"} {
		if _, err := c.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "orders", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	for _, env := range []string{"prod", "dev"} {
		if _, err := c.CreateEnvironment(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"a1", "b2"} {
		if _, err := c.RecordDeployment(ctx, "prod", registry.ServiceRef{Service: "orders", Version: v}, true); err != nil {
			t.Fatal(err)
		}
	}
	want := registry.Graph{
		Nodes: []registry.GraphNode{
			{ID: "event:OrderPlaced", Type: "event", Label: "OrderPlaced", SubjectVersions: []int{1}},
			{ID: "service:orders", Type: "service", Label: "orders", Versions: []string{"a1", "b2"}},
		},
		Edges: []registry.GraphEdge{{From: "service:orders", To: "event:OrderPlaced", Kind: registry.Produces, Versions: []string{"a1", "b2"}}},
	}
	g, err := c.GraphIn(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, g); d != "" {
		t.Errorf("Client.GraphIn(prod) (-want +got):\n%s", d)
	}
	var rerr *registry.Error
	if g, err := c.GraphIn(ctx, "qa"); !errors.As(err, &rerr) || rerr.Code != registry.CodeEnvironmentNotFound {
		t.Errorf("Client.GraphIn(qa) = %+v, %v; want error %d", g, err, registry.CodeEnvironmentNotFound)
	}

	for _, tc := range []struct {
		name, path   string
		status, code int
		body         string // a substring of the answer
	}{
		{"json", "/v1/graph?environment=prod", 200, 0, `"versions":["a1","b2"]`},
		{"json format", "/v1/graph?format=json&environment=prod", 200, 0, `"subjectVersions":[1]`},
		{"dot", "/v1/graph?format=dot&environment=prod", 200, 0, `label="orders @a1, @b2"`},
		{"mermaid", "/v1/graph?environment=prod&format=mermaid", 200, 0, `["OrderPlaced v1"]`},
		{"empty environment", "/v1/graph?environment=dev", 200, 0, `{"nodes":[],"edges":[]}`},
		{"latest has no versions", "/v1/graph", 200, 0, `{"id":"service:orders","type":"service","label":"orders"}`},
		{"unknown environment", "/v1/graph?environment=qa", 404, registry.CodeEnvironmentNotFound, "Environment 'qa' not found"},
		{"unknown environment, dot", "/v1/graph?format=dot&environment=qa", 404, registry.CodeEnvironmentNotFound, "Environment 'qa' not found"},
		{"empty name", "/v1/graph?environment=", 422, registry.CodeInvalidRequest, "invalid environment name"},
	} {
		r := h.do("GET", tc.path, "")
		if tc.status != 200 {
			wantError(t, r, tc.status, tc.code)
		} else if r.Status != 200 {
			t.Errorf("%s: GET %s = %d %s", tc.name, tc.path, r.Status, r.Body)
		}
		if !strings.Contains(string(r.Body), tc.body) {
			t.Errorf("%s: GET %s = %s; want it to contain %s", tc.name, tc.path, r.Body, tc.body)
		}
	}
}

// ordersProducer starts a server on which the service orders produces
// OrderPlaced, registered at schemaV1.
func ordersProducer(t *testing.T) (*harness, *httpapi.Client, registry.SubjectVersion) {
	t.Helper()
	h := newHarness(t)
	c := httpapi.NewClient(h.URL)
	ctx := context.Background()
	if _, err := c.RegisterService(ctx, registry.Service{Name: "orders", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Produces}}}, false); err != nil {
		t.Fatal(err)
	}
	pv, err := c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: schemaV1})
	if err != nil {
		t.Fatal(err)
	}
	return h, c, pv
}

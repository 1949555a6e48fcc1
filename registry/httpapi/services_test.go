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

const (
	placedV1 = `{"type":"object","additionalProperties":false,"required":["orderId","customerId"],"properties":{"orderId":{"type":"string"},"customerId":{"type":"string"}}}`
	// customerId optional: BACKWARD-compatible, breaks readers relying on it.
	placedOptional = `{"type":"object","additionalProperties":false,"required":["orderId"],"properties":{"orderId":{"type":"string"},"customerId":{"type":"string"}}}`
	readsCustomer  = `{"type":"object","required":["customerId"],"properties":{"customerId":{"type":"string"}}}`
	readsOrder     = `{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"string"}}}`
)

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (h *harness) putService(name string, body any, wantStatus int) response {
	h.t.Helper()
	r := h.do("PUT", "/v1/services/"+name, jsonString(body))
	if r.Status != wantStatus {
		h.t.Fatalf("PUT /v1/services/%s = %d %s, want %d", name, r.Status, r.Body, wantStatus)
	}
	return r
}

func TestServicesImpactGraphHTTP(t *testing.T) {
	h := newHarness(t)
	h.putService("order", map[string]any{"owner": "team-orders", "events": map[string]any{"produces": []any{map[string]any{"name": "OrderPlaced"}}}}, 200)
	h.publish("OrderPlaced", placedV1)
	h.putService("payment", map[string]any{"owner": "team-pay", "events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsCustomer}}}}, 200)
	h.putService("inventory", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsOrder}}}}, 200)
	// Idempotent.
	h.putService("inventory", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsOrder}}}}, 200)

	var si registry.Service
	r := h.do("GET", "/v1/services/payment", "")
	if r.Status != 200 || json.Unmarshal(r.Body, &si) != nil || si.Owner != "team-pay" || len(si.Relations) != 1 || si.Relations[0].ContractVersion != 1 {
		t.Fatalf("GET payment = %d %s", r.Status, r.Body)
	}
	var list []registry.Service
	r = h.do("GET", "/v1/services", "")
	if json.Unmarshal(r.Body, &list) != nil || len(list) != 3 || list[0].Name != "inventory" {
		t.Fatalf("GET /v1/services = %s", r.Body)
	}

	r = h.do("POST", "/v1/impact", jsonString(map[string]string{"subject": "OrderPlaced", "schema": placedOptional}))
	var rep struct {
		Subject  string `json:"subject"`
		Kind     string `json:"kind"`
		Impacted []struct {
			Service  string `json:"service"`
			Role     string `json:"role"`
			Findings []struct {
				Rule    string          `json:"rule"`
				Example json.RawMessage `json:"example"`
			} `json:"findings"`
		} `json:"impacted"`
		Safe []registry.SafeService `json:"safe"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
		t.Fatalf("impact = %d %s", r.Status, r.Body)
	}
	if rep.Subject != "OrderPlaced" || rep.Kind != "event" || len(rep.Impacted) != 1 || rep.Impacted[0].Service != "payment" ||
		rep.Impacted[0].Role != "consumes" || len(rep.Impacted[0].Findings) == 0 || len(rep.Impacted[0].Findings[0].Example) == 0 ||
		len(rep.Safe) != 1 || rep.Safe[0].Service != "inventory" || rep.Safe[0].Reason == "" {
		t.Fatalf("impact = %s", r.Body)
	}

	// The publish that breaks payment is refused with the impacted list.
	r = h.do("POST", "/subjects/OrderPlaced/versions", schemaBody(placedOptional))
	var eb struct {
		ErrorCode int                        `json:"error_code"`
		Impacted  []registry.ImpactedService `json:"impacted"`
	}
	if r.Status != 409 || json.Unmarshal(r.Body, &eb) != nil || eb.ErrorCode != 409 || len(eb.Impacted) != 1 || eb.Impacted[0].Service != "payment" {
		t.Fatalf("breaking publish = %d %s", r.Status, r.Body)
	}

	var g registry.Graph
	r = h.do("GET", "/v1/graph", "")
	if r.Status != 200 || json.Unmarshal(r.Body, &g) != nil {
		t.Fatalf("graph = %d %s", r.Status, r.Body)
	}
	wantEdges := []registry.GraphEdge{
		{From: "event:OrderPlaced", To: "service:inventory", Kind: "consumes"},
		{From: "event:OrderPlaced", To: "service:payment", Kind: "consumes"},
		{From: "service:order", To: "event:OrderPlaced", Kind: "produces"},
	}
	if d := cmp.Diff(wantEdges, g.Edges); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	if len(g.Nodes) != 4 || !cmp.Equal(g.Nodes[0], registry.GraphNode{ID: "event:OrderPlaced", Type: "event", Label: "OrderPlaced"}) ||
		!cmp.Equal(g.Nodes[2], registry.GraphNode{ID: "service:order", Type: "service", Label: "order", Owner: "team-orders"}) {
		t.Errorf("nodes = %+v", g.Nodes)
	}

	if r := h.do("DELETE", "/v1/services/payment", ""); r.Status != 200 {
		t.Fatalf("DELETE = %d %s", r.Status, r.Body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		r := h.do(m, "/v1/services/payment", "")
		if r.Status != 404 || json.Unmarshal(r.Body, &eb) != nil || eb.ErrorCode != registry.CodeServiceNotFound {
			t.Errorf("%s deleted service = %d %s", m, r.Status, r.Body)
		}
	}
	// With payment gone, the publish lands.
	h.publish("OrderPlaced", placedOptional)
}

func TestServicesHTTPErrors(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		method, path, body string
		status, code       int
	}{
		{"PUT", "/v1/services/a%20b", `{}`, 422, registry.CodeInvalidRequest},
		{"PUT", "/v1/services/x", `{"service":"y"}`, 422, registry.CodeInvalidRequest},
		{"PUT", "/v1/services/x", `{"events":{"consumes":[{"name":"E","contract":"{\"type\":12}"}]}}`, 422, registry.CodeInvalidSchema},
		{"PUT", "/v1/services/x", `{"events":`, 422, registry.CodeInvalidSchema},
		{"PUT", "/v1/services/x", `{"commands":{"handles":[{"name":"C","schema":"{}"}]}}`, 422, registry.CodeInvalidRequest},
		{"POST", "/v1/impact", `{"subject":"E"}`, 422, registry.CodeInvalidRequest},
		{"POST", "/v1/impact", `{"subject":"E","schema":"{"}`, 422, registry.CodeInvalidSchema},
	} {
		r := h.do(tc.method, tc.path, tc.body)
		var eb struct {
			ErrorCode int `json:"error_code"`
		}
		if r.Status != tc.status || json.Unmarshal(r.Body, &eb) != nil || eb.ErrorCode != tc.code {
			t.Errorf("%s %s %s = %d %s, want %d %d", tc.method, tc.path, tc.body, r.Status, r.Body, tc.status, tc.code)
		}
	}
}

// TestClientServices: the Client speaks the same operations and errors.
func TestClientServices(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	c := httpapi.NewClient(h.URL)
	if _, err := c.RegisterService(ctx, registry.Service{Name: "order", Owner: "o", Relations: []registry.Relation{{Subject: "OrderPlaced", Kind: registry.Produces}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: placedV1}); err != nil {
		t.Fatal(err)
	}
	want := registry.Service{Name: "audit", Relations: []registry.Relation{
		{Subject: "OrderPlaced", Name: "OrderPlaced", Kind: registry.Consumes, Version: 1, Pinned: true},
		{Subject: "RecordAudit", Name: "RecordAudit", Kind: registry.Sends, Contract: readsOrder},
	}}
	got, err := c.RegisterService(ctx, want, false)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.svc.GetService(ctx, "audit")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(stored, got); d != "" {
		t.Errorf("client answer differs from the stored record (-stored +client):\n%s", d)
	}
	if !stored.Relations[0].Pinned || stored.Relations[1].ContractFingerprint == "" {
		t.Errorf("stored = %+v", stored)
	}
	rep, err := c.Impact(ctx, "OrderPlaced", placedOptional)
	if err != nil || len(rep.Impacted) != 1 || rep.Impacted[0].Service != "audit" || rep.Impacted[0].Role != "consumes" {
		t.Fatalf("Impact = %+v, %v", rep, err)
	}
	g, err := c.Graph(ctx)
	if err != nil || len(g.Nodes) != 4 || len(g.Edges) != 3 {
		t.Fatalf("Graph = %+v, %v", g, err)
	}
	sis, err := c.Services(ctx)
	if err != nil || len(sis) != 2 {
		t.Fatalf("Services = %v, %v", sis, err)
	}
	if err := c.DeleteService(ctx, "audit"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetService(ctx, "audit"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("GetService after delete: %v", err)
	}
	_, err = c.Publish(ctx, registry.PublishRequest{Subject: "OrderPlaced", Schema: placedOptional})
	if err != nil {
		t.Fatalf("publish with no dependents left: %v", err)
	}
}

// TestContractHistoryAndForcedPublishHTTP: contract versions are listed at
// /v1/services/{name}/contracts/{subject}/versions, and a forced publish
// answers which services it overrode; the Client reads both.
func TestContractHistoryAndForcedPublishHTTP(t *testing.T) {
	h := newHarness(t)
	c := httpapi.NewClient(h.URL)
	h.publish("OrderPlaced", placedV1)
	for _, contract := range []string{readsOrder, readsCustomer, readsCustomer} {
		h.putService("payment", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": contract}}}}, 200)
	}
	r := h.do("GET", "/v1/services/payment/contracts/OrderPlaced/versions", "")
	var cvs []registry.ContractVersion
	if r.Status != 200 || json.Unmarshal(r.Body, &cvs) != nil || len(cvs) != 2 ||
		cvs[0].Version != 1 || cvs[0].Contract != readsOrder || cvs[1].Version != 2 || cvs[1].Contract != readsCustomer ||
		cvs[1].Kind != registry.Consumes || cvs[1].Service != "payment" || cvs[1].Subject != "OrderPlaced" || cvs[1].Registered.IsZero() {
		t.Fatalf("contract versions = %d %s", r.Status, r.Body)
	}
	got, err := c.ContractVersions(context.Background(), "payment", "OrderPlaced")
	if err != nil || !cmp.Equal(got, cvs) {
		t.Fatalf("Client.ContractVersions = %+v, %v; want %+v", got, err, cvs)
	}
	if got, err := c.ContractVersions(context.Background(), "payment", "Other"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("history of another subject = %#v, %v; want empty", got, err)
	}
	wantError(t, h.do("GET", "/v1/services/ghost/contracts/OrderPlaced/versions", ""), 404, registry.CodeServiceNotFound)

	// Forced over payment: the answer says so, through HTTP and the Client.
	r = h.do("POST", "/subjects/OrderPlaced/versions?force=true", schemaBody(placedOptional))
	var pub struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
		Forced  *struct {
			Overridden int                        `json:"overridden"`
			Impacted   []registry.ImpactedService `json:"impacted"`
		} `json:"forced"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &pub) != nil || pub.Version != 2 || pub.Forced == nil || pub.Forced.Overridden != 1 ||
		len(pub.Forced.Impacted) != 1 || pub.Forced.Impacted[0].Service != "payment" || len(pub.Forced.Impacted[0].Findings) == 0 {
		t.Fatalf("forced publish = %d %s", r.Status, r.Body)
	}
	sv, err := c.Publish(context.Background(), registry.PublishRequest{Subject: "OrderPlaced", Schema: placedOptional + " ", Force: true})
	if err != nil || sv.Forced != nil || sv.Version.Version != 2 {
		t.Errorf("re-publish through the Client = %+v, %v; want version 2, nothing overridden", sv, err)
	}
	h.putService("audit", map[string]any{"events": map[string]any{"consumes": []any{map[string]any{"name": "OrderPlaced", "contract": readsOrder}}}}, 200)
	sv, err = c.Publish(context.Background(), registry.PublishRequest{Subject: "OrderPlaced", Force: true,
		Schema: `{"type":"object","additionalProperties":false,"required":["orderId"],"properties":{"orderId":{"type":"string"},"customerId":{"type":"string"},"note":{"type":"string"}}}`})
	if err != nil || sv.Forced == nil || sv.Forced.Overridden != 1 || sv.Forced.Impacted[0].Service != "payment" {
		t.Errorf("forced publish through the Client = %+v, %v; want payment overridden", sv, err)
	}
	if r := h.do("POST", "/subjects/OrderPlaced/versions", schemaBody(placedV1)); r.Status != 200 || strings.Contains(string(r.Body), "forced") {
		t.Errorf("publish of an existing version = %d %s; want no forced field", r.Status, r.Body)
	}
}

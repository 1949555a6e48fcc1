package registry_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/registry"
)

// TestGraphIn draws the estate as deployed: prod runs orders@a1 and two
// live versions of notification (b2 kept beside a1, b2 also reading
// OrderShipped), dev the newer orders@b2 and notification@b2, staging
// nothing.
func TestGraphIn(t *testing.T) {
	e := newEstate(t)
	e.producer("orders", "OrderPlaced", placedV1, "a1")
	e.consumer("notification", "OrderPlaced", readsID, "a1", false)
	e.deploy("prod", "orders", "a1", false)
	e.deploy("prod", "notification", "a1", false)
	e.producer("orders", "OrderPlaced", placedV2, "b2")
	if _, err := e.reg.RegisterService(ctx, registry.Service{Name: "notification", Owner: "team-crm", Relations: []registry.Relation{
		{Subject: "OrderPlaced", Kind: registry.Consumes, Contract: readsCp},
		{Subject: "OrderShipped", Kind: registry.Consumes, Contract: readsID},
	}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RecordServiceVersion(ctx, registry.RecordVersionRequest{Service: "notification", Version: "b2"}); err != nil {
		t.Fatal(err)
	}
	e.deploy("prod", "notification", "b2", true)
	e.deploy("dev", "orders", "b2", false)
	e.deploy("dev", "notification", "b2", false)
	if _, err := e.reg.CreateEnvironment(ctx, "staging"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		env  string
		want registry.Graph
	}{
		{"prod", registry.Graph{
			Nodes: []registry.GraphNode{
				{ID: "event:OrderPlaced", Type: "event", Label: "OrderPlaced", SubjectVersions: []int{1}},
				{ID: "event:OrderShipped", Type: "event", Label: "OrderShipped"},
				{ID: "service:notification", Type: "service", Label: "notification", Owner: "team-crm", Versions: []string{"a1", "b2"}},
				{ID: "service:orders", Type: "service", Label: "orders", Versions: []string{"a1"}},
			},
			Edges: []registry.GraphEdge{
				{From: "event:OrderPlaced", To: "service:notification", Kind: registry.Consumes, Versions: []string{"a1", "b2"}},
				{From: "event:OrderShipped", To: "service:notification", Kind: registry.Consumes, Versions: []string{"b2"}},
				{From: "service:orders", To: "event:OrderPlaced", Kind: registry.Produces, Versions: []string{"a1"}},
			},
		}},
		{"dev", registry.Graph{
			Nodes: []registry.GraphNode{
				{ID: "event:OrderPlaced", Type: "event", Label: "OrderPlaced", SubjectVersions: []int{2}},
				{ID: "event:OrderShipped", Type: "event", Label: "OrderShipped"},
				{ID: "service:notification", Type: "service", Label: "notification", Owner: "team-crm", Versions: []string{"b2"}},
				{ID: "service:orders", Type: "service", Label: "orders", Versions: []string{"b2"}},
			},
			Edges: []registry.GraphEdge{
				{From: "event:OrderPlaced", To: "service:notification", Kind: registry.Consumes, Versions: []string{"b2"}},
				{From: "event:OrderShipped", To: "service:notification", Kind: registry.Consumes, Versions: []string{"b2"}},
				{From: "service:orders", To: "event:OrderPlaced", Kind: registry.Produces, Versions: []string{"b2"}},
			},
		}},
		{"staging", registry.Graph{Nodes: []registry.GraphNode{}, Edges: []registry.GraphEdge{}}},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			g, err := e.reg.GraphIn(ctx, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, g); d != "" {
				t.Errorf("GraphIn(%s) (-want +got):\n%s", tc.env, d)
			}
		})
	}

	// The latest registrations are a different graph: no versions.
	latest, err := e.reg.Graph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range latest.Nodes {
		if n.Versions != nil || n.SubjectVersions != nil {
			t.Errorf("Graph node %s carries versions %v %v", n.ID, n.Versions, n.SubjectVersions)
		}
	}

	// A deleted service still runs where it is deployed: drawn, no owner.
	if err := e.reg.DeleteService(ctx, "notification"); err != nil {
		t.Fatal(err)
	}
	g, err := e.reg.GraphIn(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if n := g.Nodes[2]; n.ID != "service:notification" || n.Owner != "" || !cmp.Equal(n.Versions, []string{"a1", "b2"}) {
		t.Errorf("deleted notification in prod = %+v; want drawn with both versions and no owner", n)
	}
	// An undeployment shows at once.
	if _, err := e.reg.RecordUndeployment(ctx, "prod", "notification", "a1"); err != nil {
		t.Fatal(err)
	}
	if g, err = e.reg.GraphIn(ctx, "prod"); err != nil || !cmp.Equal(g.Nodes[2].Versions, []string{"b2"}) {
		t.Errorf("after undeploying notification@a1: %+v, %v", g.Nodes, err)
	}

	for _, tc := range []struct {
		env  string
		code int
	}{
		{"qa", registry.CodeEnvironmentNotFound},
		{"", registry.CodeInvalidRequest},
		{"no/slash", registry.CodeInvalidRequest},
	} {
		_, err := e.reg.GraphIn(ctx, tc.env)
		wantCode(t, "GraphIn("+tc.env+")", err, tc.code)
	}
}

func TestGraphNodeCaption(t *testing.T) {
	tests := []struct {
		node registry.GraphNode
		want string
	}{
		{registry.GraphNode{Label: "billing"}, "billing"},
		{registry.GraphNode{Label: "billing", Versions: []string{"a1f3"}}, "billing @a1f3"},
		{registry.GraphNode{Label: "notification", Versions: []string{"a1", "b2"}}, "notification @a1, @b2"},
		{registry.GraphNode{Label: "OrderPlaced", SubjectVersions: []int{2, 3}}, "OrderPlaced v2, v3"},
	}
	for _, tc := range tests {
		if got := tc.node.Caption(); got != tc.want {
			t.Errorf("Caption(%+v) = %q, want %q", tc.node, got, tc.want)
		}
	}
	g := registry.Graph{Nodes: []registry.GraphNode{{ID: "service:n", Type: "service", Label: "n", Versions: []string{"a1", "b2"}}}}
	for _, format := range registry.GraphFormats {
		if text, _ := g.Format(format); !strings.Contains(text, "n @a1, @b2") {
			t.Errorf("%s does not carry the versions:\n%s", format, text)
		}
	}
}

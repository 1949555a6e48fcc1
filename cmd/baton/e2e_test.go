package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/registry"
)

// exampleManifests are the services of examples/README.md's walk-through,
// in the order it publishes them (directories under examples/).
var exampleManifests = []string{
	"choreography/order", "choreography/inventory", "choreography/payment", "choreography/shipping", "choreography/notification",
	"orchestration/stock", "orchestration/billing", "orchestration/dispatch", "orchestration/order-orchestrator",
}

// TestExamplesWalkthrough runs examples/README.md against a real server:
// publish every manifest of both patterns, then ask for the impact of each
// v2 file, and assert exactly which services break.
func TestExamplesWalkthrough(t *testing.T) {
	env := map[string]string{"BATON_REGISTRY": startRegistry(t)}
	ex := filepath.Join("..", "..", "examples")
	manifests := exampleManifests
	for round := 1; round <= 2; round++ { // the second round proves publish is idempotent
		for _, m := range manifests {
			code, out, errOut := runEnv(t, env, "publish", filepath.Join(ex, m, "baton.yaml"))
			if code != 0 {
				t.Fatalf("round %d: publish %s = %d\n%s%s", round, m, code, out, errOut)
			}
			// ": version 2 (" is a subject's second version; the service
			// version line names the commit, which may start with 2.
			if round == 2 && strings.Contains(out, ": version 2 (") {
				t.Errorf("republishing %s created a new version:\n%s", m, out)
			}
		}
	}
	for _, m := range manifests {
		if code, out, errOut := runEnv(t, env, "check", filepath.Join(ex, m, "baton.yaml")); code != 0 {
			t.Errorf("check %s = %d\n%s%s", m, code, out, errOut)
		}
	}

	for _, tc := range []struct {
		subject, file  string
		code           int
		kind           registry.MessageKind
		impacted, safe []string
		reasons        map[string]string // service -> substring of its safe reason
		rules          map[string]string // impacted service -> a rule among its findings
	}{
		{subject: "OrderPlaced", file: "choreography/v2/order-placed.add-coupon.json", code: 0, kind: registry.Event,
			impacted: []string{}, safe: []string{"inventory", "notification", "payment"}},
		{subject: "OrderPlaced", file: "choreography/v2/order-placed.drop-channel.json", code: 0, kind: registry.Event,
			impacted: []string{}, safe: []string{"inventory", "notification", "payment"},
			reasons: map[string]string{"payment": "does not read `channel`", "inventory": "does not read `channel`"}},
		{subject: "OrderPlaced", file: "choreography/v2/order-placed.rename-customer.json", code: 1, kind: registry.Event,
			impacted: []string{"notification", "payment"}, safe: []string{"inventory"},
			reasons: map[string]string{"inventory": "does not read `customerId`"},
			rules:   map[string]string{"payment": "required-property-added", "notification": "required-property-added"}},
		{subject: "ChargePayment", file: "orchestration/v2/charge-payment.tighten.json", code: 1, kind: registry.Command,
			impacted: []string{"order-orchestrator"}, safe: []string{},
			rules: map[string]string{"order-orchestrator": "required-property-added"}},
		{subject: "ShipOrder", file: "orchestration/v2/ship-order.widen.json", code: 0, kind: registry.Command,
			impacted: []string{}, safe: []string{"order-orchestrator"}},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			code, out, errOut := runEnv(t, env, "impact", "--format", "json", tc.subject, filepath.Join(ex, tc.file))
			var rep itemsReport
			if code != tc.code || json.Unmarshal([]byte(out), &rep) != nil {
				t.Fatalf("impact = %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			wantRole := map[registry.MessageKind]string{registry.Event: "consumes", registry.Command: "sends"}[tc.kind]
			impacted, safe := []string{}, []string{}
			for _, it := range rep.Items {
				if it.Subject != tc.subject || it.Role != wantRole || it.SchemaFile != filepath.Join(ex, tc.file) {
					t.Errorf("item %+v: want subject %s, role %s, schemaFile %s", it, tc.subject, wantRole, filepath.Join(ex, tc.file))
				}
				if it.Compatible {
					safe = append(safe, it.Service)
					if want := tc.reasons[it.Service]; !strings.Contains(it.Note, want) {
						t.Errorf("%s: note %q, want it to contain %q", it.Service, it.Note, want)
					}
					continue
				}
				impacted = append(impacted, it.Service)
				want := tc.rules[it.Service]
				found := false
				for _, c := range it.Changes {
					found = found || c.Rule == want
					if c.Breaking && len(c.Example) == 0 {
						t.Errorf("%s: finding %s has no witness", it.Service, c.Rule)
					}
				}
				if !found {
					t.Errorf("%s: no %s finding in %+v", it.Service, want, it.Changes)
				}
			}
			if rep.Compatible != (tc.code == 0) || !cmp.Equal(impacted, tc.impacted) || !cmp.Equal(safe, tc.safe) {
				t.Errorf("compatible %v impacted %v safe %v; want %v %v %v", rep.Compatible, impacted, safe, tc.code == 0, tc.impacted, tc.safe)
			}
			// The text form names the same services.
			_, text, _ := runEnv(t, env, "impact", tc.subject, filepath.Join(ex, tc.file))
			for _, s := range tc.impacted {
				if !strings.Contains(text, "breaking "+tc.subject+" → "+s+" (") {
					t.Errorf("text output does not show %s as impacted:\n%s", s, text)
				}
			}
		})
	}

	code, out, _ := runEnv(t, env, "graph", "--format", "json")
	var g registry.Graph
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil {
		t.Fatalf("graph = %d\n%s", code, out)
	}
	types := map[string]int{}
	for _, n := range g.Nodes {
		types[n.Type]++
	}
	if want := map[string]int{"service": 9, "event": 7, "command": 3}; !cmp.Equal(types, want) {
		t.Errorf("graph node types = %v, want %v", types, want)
	}
	if len(g.Edges) != 24 {
		t.Errorf("graph has %d edges, want 24", len(g.Edges))
	}
}

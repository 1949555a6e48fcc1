package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// deployEstate is a copy of examples/ (so versions of it can be edited)
// published to a real registry.
type deployEstate struct {
	t   *testing.T
	url string
	env map[string]string
	dir string
}

func newDeployEstate(t *testing.T) *deployEstate {
	t.Helper()
	url := startRegistry(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples"))); err != nil {
		t.Fatal(err)
	}
	d := &deployEstate{t: t, url: url, env: map[string]string{"BATON_REGISTRY": url}, dir: dir}
	d.ok("env", "create", "prod")
	return d
}

// run runs baton and wants exit code want; it returns stdout.
func (d *deployEstate) run(want int, args ...string) string {
	d.t.Helper()
	code, out, errOut := runEnv(d.t, d.env, args...)
	if code != want {
		d.t.Fatalf("baton %s = %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

func (d *deployEstate) ok(args ...string) string { d.t.Helper(); return d.run(0, args...) }

// publish publishes examples/<m> as version v.
func (d *deployEstate) publish(m, v string, extra ...string) {
	d.t.Helper()
	d.ok(append([]string{"publish", "--version", v, filepath.Join(d.dir, m, "baton.yaml")}, extra...)...)
}

func (d *deployEstate) deploy(service, v string, extra ...string) {
	d.t.Helper()
	d.ok(append([]string{"record-deployment", "--service", service, "--version", v, "--env", "prod"}, extra...)...)
}

// edit rewrites a JSON file of the copy.
func (d *deployEstate) edit(rel string, fn func(m map[string]any)) {
	d.t.Helper()
	p := filepath.Join(d.dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		d.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		d.t.Fatal(err)
	}
	fn(m)
	if data, err = json.MarshalIndent(m, "", "  "); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func (d *deployEstate) mode(subject string, mode compat.Mode) {
	d.t.Helper()
	if _, err := httpapi.NewClient(d.url).SetConfig(context.Background(), subject, registry.Config{Mode: mode}); err != nil {
		d.t.Fatal(err)
	}
}

// canIDeploy runs can-i-deploy --format json and decodes the report.
func (d *deployEstate) canIDeploy(want int, refs ...string) registry.DeployReport {
	d.t.Helper()
	args := []string{"can-i-deploy", "--to", "prod", "--format", "json"}
	for i := 0; i+1 < len(refs); i += 2 {
		args = append(args, "--service", refs[i], "--version", refs[i+1])
	}
	var rep registry.DeployReport
	if err := json.Unmarshal([]byte(d.run(want, args...)), &rep); err != nil {
		d.t.Fatal(err)
	}
	return rep
}

func require(fields ...string) func(m map[string]any) {
	return func(m map[string]any) {
		req, _ := m["required"].([]any)
		for _, f := range fields {
			req = append(req, f)
		}
		m["required"] = req
	}
}

// failing lists "counterpart@version" of the items that break.
func failing(rep registry.DeployReport) []string {
	var out []string
	for _, it := range rep.Items {
		if !it.Compatible {
			out = append(out, it.Counterpart+"@"+it.CounterpartVersion)
		}
	}
	return out
}

// choreography publishes and deploys every choreography service at "1".
func (d *deployEstate) choreography() {
	d.t.Helper()
	for _, m := range exampleManifests[:5] {
		d.publish(m, "1")
		d.deploy(filepath.Base(m), "1")
	}
}

// TestDeployConsumerAheadOfProducer: notification's new version reads a
// channel only order's next version guarantees: blocked (exit 1, with a
// witness) until that version of order is deployed; a plan orders three
// services so every step is deployable.
func TestDeployConsumerAheadOfProducer(t *testing.T) {
	d := newDeployEstate(t)
	d.choreography()
	d.mode("OrderPlaced", compat.Forward) // producers may narrow: consumers upgrade last

	d.edit("choreography/order/schemas/order-placed.json", require("channel"))
	d.publish("choreography/order", "2")
	for _, c := range []string{"notification", "payment"} {
		d.edit("choreography/"+c+"/contracts/order-placed.json", func(m map[string]any) {
			require("channel")(m)
			m["properties"].(map[string]any)["channel"] = map[string]any{"type": "string"}
		})
		d.publish("choreography/"+c, "2")
	}

	rep := d.canIDeploy(1, "notification", "2")
	if rep.Deployable || !slices.Equal(failing(rep), []string{"order@1"}) {
		t.Fatalf("notification@2 before order ships: %+v", rep)
	}
	for _, it := range rep.Items {
		if !it.Compatible && (len(it.Changes) == 0 || it.Changes[0].Example == nil) {
			t.Errorf("breaking item without a witness: %+v", it)
		}
	}
	text := d.run(1, "can-i-deploy", "--service", "notification", "--version", "2", "--to", "prod")
	if !strings.Contains(text, "notification@2 cannot be deployed to prod") || !strings.Contains(text, "order@1") {
		t.Errorf("text report:\n%s", text)
	}
	for _, format := range []string{"markdown", "github", "junit"} {
		if out := d.run(1, "can-i-deploy", "--service", "notification", "--version", "2", "--to", "prod", "--format", format); !strings.Contains(out, "channel") {
			t.Errorf("%s report does not name the field:\n%s", format, out)
		}
	}

	out := d.ok("plan", "--service", "notification", "--version", "2", "--service", "payment", "--version", "2", "--service", "order", "--version", "2", "--to", "prod")
	first := strings.Index(out, "--service order")
	if first < 0 || first > strings.Index(out, "--service notification") || first > strings.Index(out, "--service payment") {
		t.Fatalf("plan does not ship order first:\n%s", out)
	}
	d.canIDeploy(0, "order", "2")
	d.deploy("order", "2")
	if rep := d.canIDeploy(0, "notification", "2"); !rep.Deployable {
		t.Fatalf("after order@2: %+v", rep)
	}
}

// TestDeployNoPlan: order's next version renames customerId, which every
// deployed consumer reads, and the consumers' next versions read only the
// new name: no order works, and plan exits 1 naming the cycle.
func TestDeployNoPlan(t *testing.T) {
	d := newDeployEstate(t)
	d.choreography()
	d.mode("OrderPlaced", compat.None) // the rename is forced through
	if err := os.Rename(filepath.Join(d.dir, "choreography/v2/order-placed.rename-customer.json"), filepath.Join(d.dir, "choreography/order/schemas/order-placed.json")); err != nil {
		t.Fatal(err)
	}
	d.publish("choreography/order", "3", "--force")
	for _, c := range []string{"notification", "payment"} {
		d.edit("choreography/"+c+"/contracts/order-placed.json", func(m map[string]any) {
			props := m["properties"].(map[string]any)
			props["customer"] = props["customerId"]
			delete(props, "customerId")
			req := []any{}
			for _, f := range m["required"].([]any) {
				if f == "customerId" {
					f = "customer"
				}
				req = append(req, f)
			}
			m["required"] = req
		})
		d.publish("choreography/"+c, "3")
	}
	d.mode("OrderPlaced", compat.Forward)

	out := d.run(1, "plan", "--service", "order", "--version", "3", "--service", "notification", "--version", "3", "--to", "prod")
	for _, want := range []string{"no safe order for prod", "order@3 breaks notification@1", "notification@3 breaks order@1", "bridging version"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	// Unknown version or environment: exit 2.
	d.run(2, "plan", "--service", "order", "--version", "9", "--to", "prod")
	d.run(2, "can-i-deploy", "--service", "order", "--version", "3", "--to", "qa")
	d.run(2, "can-i-deploy", "--version", "3", "--to", "prod")
}

// TestDeployHandlerNarrowsWithKeep: billing tightens ChargePayment while
// the old orchestrator, whose contract sends no currency, is still live
// beside the new one (--keep): blocked by the old version only, until it
// is undeployed.
func TestDeployHandlerNarrowsWithKeep(t *testing.T) {
	d := newDeployEstate(t)
	for _, m := range exampleManifests[5:] {
		d.publish(m, "1")
		d.deploy(filepath.Base(m), "1")
	}
	d.edit("orchestration/order-orchestrator/contracts/charge-payment.json", func(m map[string]any) {
		props := m["properties"].(map[string]any)
		props["currency"] = map[string]any{"type": "string", "enum": []any{"EUR", "USD", "GBP"}}
		props["amount"].(map[string]any)["maximum"] = 10000
		require("currency")(m)
	})
	d.publish("orchestration/order-orchestrator", "2")
	d.deploy("order-orchestrator", "2", "--keep")
	if out := d.ok("env", "list"); strings.TrimSpace(out) != "prod" {
		t.Errorf("env list = %q", out)
	}

	d.mode("ChargePayment", compat.Forward) // a handler may narrow what it accepts once senders follow
	if err := os.Rename(filepath.Join(d.dir, "orchestration/v2/charge-payment.tighten.json"), filepath.Join(d.dir, "orchestration/billing/schemas/charge-payment.json")); err != nil {
		t.Fatal(err)
	}
	d.publish("orchestration/billing", "2", "--force") // orchestrator@1's contract is history, not registered
	rep := d.canIDeploy(1, "billing", "2")
	if !slices.Equal(failing(rep), []string{"order-orchestrator@1"}) {
		t.Fatalf("billing@2 with orchestrator 1 and 2 live: failing %v\n%+v", failing(rep), rep)
	}
	d.ok("record-undeployment", "--service", "order-orchestrator", "--version", "1", "--env", "prod")
	if rep := d.canIDeploy(0, "billing", "2"); len(rep.Items) == 0 {
		t.Fatalf("no checks: %+v", rep)
	}
}

// TestGraphEnv: `baton graph --env E` draws what E runs, versions in the
// labels (both of a version kept live), in every format; an unknown
// environment exits 2.
func TestGraphEnv(t *testing.T) {
	d := newDeployEstate(t)
	d.choreography()
	d.publish("choreography/notification", "2")
	d.deploy("notification", "2", "--keep")
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{"order @1 produces event OrderPlaced v1\n", "notification @1, @2 consumes event OrderPlaced v1\n"}},
		{"dot", []string{`label="notification @1, @2\n(team-customer-care)"`}},
		{"mermaid", []string{`(["OrderPlaced v1"])`}},
		{"json", []string{`"versions": [`}},
	} {
		out := d.ok("graph", "--env", "prod", "--format", tc.format)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("graph --env prod --format %s lacks %q:\n%s", tc.format, w, out)
			}
		}
	}
	if out := d.ok("graph"); strings.Contains(out, "@") {
		t.Errorf("graph without --env carries versions:\n%s", out)
	}
	if out := d.run(2, "graph", "--env", "qa"); out != "" {
		t.Errorf("unknown environment printed %q", out)
	}
}

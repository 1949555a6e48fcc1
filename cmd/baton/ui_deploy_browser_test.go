package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/browsertest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

// TestBrowserDeployUI drives the environment selector, the deployments
// matrix and can-i-deploy in a real browser, over a copy of
// examples/choreography published as versions and deployed to dev and
// prod: prod runs every service at 1; dev runs order@2 (it requires
// `channel`) and notification@1 and @2 side by side (a rolling deploy with
// --keep; notification@2's contract requires `channel` too). The subtests
// run in turn: the matrix one records an undeployment.
func TestBrowserDeployUI(t *testing.T) {
	b := browsertest.Start(t) // first: skips before starting anything when there is no browser
	d := newDeployEstate(t)   // a real registry (it serves the UI) with prod
	d.ok("env", "create", "dev")
	d.choreography() // every service at 1, deployed to prod
	for _, m := range exampleManifests[:5] {
		d.ok("record-deployment", "--service", filepath.Base(m), "--version", "1", "--env", "dev")
	}
	d.mode("OrderPlaced", compat.Forward) // producers may narrow: consumers upgrade last
	d.edit("choreography/order/schemas/order-placed.json", require("channel"))
	d.publish("choreography/order", "2")
	d.edit("choreography/notification/contracts/order-placed.json", func(m map[string]any) {
		require("channel")(m)
		m["properties"].(map[string]any)["channel"] = map[string]any{"type": "string"}
	})
	d.publish("choreography/notification", "2")
	d.ok("record-deployment", "--service", "order", "--version", "2", "--env", "dev")
	d.ok("record-deployment", "--service", "notification", "--version", "2", "--env", "dev", "--keep")
	client := httpapi.NewClient(d.url)

	open := func(t *testing.T, route string) *browsertest.Page {
		t.Helper()
		p := b.NewPage(t, 1280, 800)
		p.Open(d.url + "/ui/" + route)
		return p
	}
	// pick sets a select's value as a user would and waits for the view.
	pick := func(p *browsertest.Page, sel, value string) {
		p.Act(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(` + jsString(sel) + `);
			s.value = ` + jsString(value) + `; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	}
	type label struct {
		ID       string `json:"id"`
		Label    string `json:"label"`
		Versions string `json:"versions"`
	}
	labels := func(p *browsertest.Page) []label {
		out := browsertest.Eval[[]label](p, `[...document.querySelectorAll("svg#graph g.node")].map(n => ({
			id: n.dataset.id, label: n.querySelector("text.label").textContent, versions: n.dataset.versions || ""}))`)
		slices.SortFunc(out, func(a, b label) int { return strings.Compare(a.ID, b.ID) })
		return out
	}
	// wantLabels is what GET /v1/graph?environment=env says each node's caption is.
	wantLabels := func(t *testing.T, env string) []label {
		t.Helper()
		g, err := client.GraphIn(context.Background(), env)
		if err != nil {
			t.Fatal(err)
		}
		var out []label
		for _, n := range g.Nodes {
			out = append(out, label{ID: n.ID, Label: n.Caption(), Versions: strings.Join(n.Versions, " ")})
		}
		return out
	}

	t.Run("environment selector draws the deployed versions", func(t *testing.T) {
		p := open(t, "#/")
		if got := browsertest.Eval[[]string](p, `[...document.querySelectorAll("select#filter-env option")].map(o => o.value)`); !slices.Equal(got, []string{"", "dev", "prod"}) {
			t.Fatalf("select#filter-env offers %q, want latest, dev and prod", got)
		}
		for _, n := range labels(p) {
			if n.Versions != "" || strings.Contains(n.Label, "@") {
				t.Errorf("latest registrations: %s is drawn as %q with versions %q", n.ID, n.Label, n.Versions)
			}
		}
		pick(p, "select#filter-env", "dev")
		got := labels(p)
		if d := cmp.Diff(wantLabels(t, "dev"), got); d != "" {
			t.Errorf("dev: node labels vs /v1/graph?environment=dev (-api +ui):\n%s", d)
		}
		byID := map[string]label{}
		for _, n := range got {
			byID[n.ID] = n
		}
		for id, want := range map[string]string{
			"service:notification": "notification @1, @2", // both live versions
			"service:order":        "order @2",
			"service:payment":      "payment @1",
			"event:OrderPlaced":    "OrderPlaced v2", // what order@2 registered
		} {
			if byID[id].Label != want {
				t.Errorf("dev: %s is drawn as %q, want %q", id, byID[id].Label, want)
			}
		}
		noHorizontalOverflow(t, p)
		p.Screenshot("dev")
		loc := browsertest.Eval[string](p, `location.hash`)
		if !strings.Contains(loc, "env=dev") {
			t.Fatalf("the environment is not in the URL: %s", loc)
		}
		status := browsertest.Eval[string](p, `document.querySelector("#graph-status").textContent`)
		if !strings.Contains(status, "deployed in dev") {
			t.Errorf("status line %q does not name dev", status)
		}

		// The deep link reloads to the same view.
		again := open(t, loc)
		if d := cmp.Diff(got, labels(again)); d != "" {
			t.Errorf("reloading %s draws (-first +reloaded):\n%s", loc, d)
		}
		if v := browsertest.Eval[string](again, `document.querySelector("select#filter-env").value`); v != "dev" {
			t.Errorf("after reload select#filter-env = %q, want dev", v)
		}
		// A service page opened from it stays in dev and says what runs there.
		again.Act(chromedp.Evaluate[chromedp.Void](`document.querySelector('svg#graph g.node[data-id="service:notification"]').dispatchEvent(new MouseEvent("click", {bubbles: true}))`))
		if text := browsertest.Eval[string](again, `document.querySelector("#service-deployed").textContent`); text != "Deployed in dev: @1, @2" {
			t.Errorf("notification's page in dev says %q", text)
		}
		// It draws notification's neighbourhood, as deployed in dev; switching
		// to prod keeps the page and draws prod.
		for _, env := range []string{"dev", "prod"} {
			if env != "dev" {
				pick(again, "select#filter-env", env)
			}
			want := map[string]label{}
			for _, n := range wantLabels(t, env) {
				want[n.ID] = n
			}
			page := labels(again)
			if len(page) < 2 || !slices.ContainsFunc(page, func(n label) bool { return n.ID == "service:notification" }) {
				t.Errorf("%s: notification's page draws %+v", env, page)
			}
			for _, n := range page {
				if n != want[n.ID] {
					t.Errorf("%s: notification's page draws %+v, want %+v", env, n, want[n.ID])
				}
			}
		}
		if text := browsertest.Eval[string](again, `document.querySelector("#service-deployed").textContent`); text != "Deployed in prod: @1" {
			t.Errorf("notification's page in prod says %q", text)
		}
		pick(again, "select#filter-env", "")
		for _, n := range labels(again) {
			if n.Versions != "" {
				t.Errorf("back to latest: %s still carries %q", n.ID, n.Versions)
			}
		}
		if loc := browsertest.Eval[string](again, `location.hash`); strings.Contains(loc, "env=") {
			t.Errorf("latest registrations keep env in the URL: %s", loc)
		}
	})

	type row struct {
		Service string   `json:"service"`
		Cells   []string `json:"cells"`
	}
	matrix := func(p *browsertest.Page) []row {
		return browsertest.Eval[[]row](p, `[...document.querySelectorAll("table#matrix tbody tr")].map(tr => ({
			service: tr.dataset.service,
			cells: [...tr.querySelectorAll("td[data-env]")].map(td => td.dataset.env + "=" +
				[...td.querySelectorAll("button.version")].map(b => b.textContent).join(","))}))`)
	}

	t.Run("matrix", func(t *testing.T) {
		p := open(t, "#/")
		p.Act(chromedp.Click(chromedp.CSS("a#nav-matrix")))
		if cols := browsertest.Eval[[]string](p, `[...document.querySelectorAll("table#matrix thead th")].map(th => th.textContent)`); !slices.Equal(cols, []string{"Service", "dev", "prod"}) {
			t.Errorf("matrix columns %q", cols)
		}
		want := []row{
			{"inventory", []string{"dev=1", "prod=1"}},
			{"notification", []string{"dev=1,2", "prod=1"}},
			{"order", []string{"dev=2", "prod=1"}},
			{"payment", []string{"dev=1", "prod=1"}},
			{"shipping", []string{"dev=1", "prod=1"}},
		}
		if d := cmp.Diff(want, matrix(p)); d != "" {
			t.Errorf("matrix (-want +got):\n%s", d)
		}
		// The search box narrows the rows.
		p.Act(chromedp.SendKeys(chromedp.CSS("input#search"), "ti"))
		if d := cmp.Diff([]row{want[1]}, matrix(p)); d != "" {
			t.Errorf("matrix searching %q (-want +got):\n%s", "ti", d)
		}
		// An undeployment shows on the next load.
		if _, err := client.RecordUndeployment(context.Background(), "dev", "notification", "1"); err != nil {
			t.Fatal(err)
		}
		again := open(t, "#/matrix")
		got := matrix(again)
		if len(got) != 5 || !slices.Equal(got[1].Cells, []string{"dev=2", "prod=1"}) {
			t.Errorf("after undeploying notification@1 from dev: %+v", got)
		}
		if _, err := client.RecordDeployment(context.Background(), "dev", registry.ServiceRef{Service: "notification", Version: "1"}, true); err != nil {
			t.Fatal(err)
		}
		noHorizontalOverflow(t, again)
		again.Screenshot("matrix")
	})

	type item struct {
		Subject            string   `json:"subject"`
		Role               string   `json:"role"`
		Counterpart        string   `json:"counterpart"`
		CounterpartVersion string   `json:"counterpartVersion"`
		Compatible         string   `json:"compatible"`
		Witnesses          []string `json:"witnesses"`
	}
	canIDeploy := func(p *browsertest.Page) (string, string, []item) {
		verdict := browsertest.Eval[string](p, `(document.querySelector("#cid-verdict .verdict") || {}).textContent || ""`)
		deployable := browsertest.Eval[string](p, `(document.querySelector("#cid-verdict .verdict") || {dataset: {}}).dataset.deployable || ""`)
		items := browsertest.Eval[[]item](p, `[...document.querySelectorAll("#cid-items > li")].map(li => ({
			subject: li.dataset.subject, role: li.dataset.role, counterpart: li.dataset.counterpart,
			counterpartVersion: li.dataset.counterpartVersion, compatible: li.dataset.compatible,
			witnesses: [...li.querySelectorAll("pre.witness")].map(w => w.textContent)}))`)
		return verdict, deployable, items
	}

	t.Run("can-i-deploy", func(t *testing.T) {
		p := open(t, "#/matrix")
		pick(p, "select#cid-service", "notification")
		if vs := browsertest.Eval[[]string](p, `[...document.querySelectorAll("select#cid-version option")].map(o => o.value)`); !slices.Equal(vs, []string{"2", "1"}) {
			t.Fatalf("notification's versions offered: %q, want 2 and 1 (newest first)", vs)
		}
		pick(p, "select#cid-version", "2")
		pick(p, "select#cid-env", "prod")
		p.Act(chromedp.Click(chromedp.CSS("button#run-cid")))
		verdict, deployable, items := canIDeploy(p)
		p.Screenshot("blocked")
		if deployable != "false" || !strings.Contains(verdict, "notification@2 cannot be deployed to prod") {
			t.Errorf("notification@2 to prod: verdict %q (deployable %q), want blocked", verdict, deployable)
		}
		rep, err := client.CanIDeploy(context.Background(), "prod", []registry.ServiceRef{{Service: "notification", Version: "2"}})
		if err != nil {
			t.Fatal(err)
		}
		var blocked []item
		for _, it := range items {
			if it.Compatible == "false" {
				blocked = append(blocked, it)
			}
		}
		if len(blocked) != 1 || blocked[0].Subject != "OrderPlaced" || blocked[0].Role != "consumes" ||
			blocked[0].Counterpart != "order" || blocked[0].CounterpartVersion != "1" || len(blocked[0].Witnesses) == 0 {
			t.Fatalf("blocked items %+v; want OrderPlaced consumed against order@1 with a witness", blocked)
		}
		if len(items) != len(rep.Items) {
			t.Errorf("the page lists %d checks, the API %d", len(items), len(rep.Items))
		}
		// The witness shown is the API's: an event order@1 may write that notification@2 rejects.
		var witness string
		for _, it := range rep.Items {
			if !it.Compatible {
				for _, f := range it.Changes {
					if f.Example != nil {
						data, err := json.Marshal(f.Example)
						if err != nil {
							t.Fatal(err)
						}
						witness = string(data)
						break
					}
				}
			}
		}
		sameJSON(t, "witness", blocked[0].Witnesses[0], witness)
		if !strings.Contains(browsertest.Eval[string](p, `document.querySelector("#cid-items").textContent`), "channel") {
			t.Errorf("the findings do not name the field `channel`")
		}
		loc := browsertest.Eval[string](p, `location.hash`)
		for _, q := range []string{"service=notification", "version=2", "to=prod"} {
			if !strings.Contains(loc, q) {
				t.Errorf("the form is not in the URL: %s lacks %s", loc, q)
			}
		}

		// A compatible case: order@2 (it adds a required field; prod's
		// consumers read OrderPlaced without it) is deployable.
		pick(p, "select#cid-service", "order")
		pick(p, "select#cid-version", "2")
		p.Act(chromedp.Click(chromedp.CSS("button#run-cid")))
		verdict, deployable, items = canIDeploy(p)
		if deployable != "true" || !strings.Contains(verdict, "order@2 can be deployed to prod") {
			t.Errorf("order@2 to prod: verdict %q (deployable %q), want deployable", verdict, deployable)
		}
		var counterparts []string
		for _, it := range items {
			if it.Compatible != "true" {
				t.Errorf("order@2: item %+v does not hold", it)
			}
			counterparts = append(counterparts, fmt.Sprintf("%s %s@%s", it.Role, it.Counterpart, it.CounterpartVersion))
		}
		slices.Sort(counterparts)
		if want := []string{"consumes shipping@1", "produces inventory@1", "produces notification@1", "produces payment@1"}; !slices.Equal(counterparts, want) {
			t.Errorf("order@2 checked against %q, want %q", counterparts, want)
		}

		// A deep link with the form runs it: the blocked verdict again.
		again := open(t, "#/matrix?service=notification&version=2&to=prod")
		if _, deployable, items := canIDeploy(again); deployable != "false" || len(items) != len(rep.Items) {
			t.Errorf("deep link: deployable %q with %d items, want blocked with %d", deployable, len(items), len(rep.Items))
		}
		// A version picked in the matrix fills the form.
		again.Act(chromedp.Click(chromedp.CSS(`tr[data-service="order"] td[data-env="dev"] button.version`)))
		if got := browsertest.Eval[[]string](again, `["#cid-service", "#cid-version"].map(s => document.querySelector(s).value)`); !slices.Equal(got, []string{"order", "2"}) {
			t.Errorf("picking order@2 in dev filled the form with %q", got)
		}
	})

	t.Run("big estate", func(t *testing.T) {
		// 506 services: 500 rows are drawn, the search box reaches the rest.
		for i := range 501 {
			if _, err := client.RegisterService(context.Background(), registry.Service{Name: fmt.Sprintf("bulk-%03d", i)}, false); err != nil {
				t.Fatal(err)
			}
		}
		big := open(t, "#/matrix")
		if n := len(matrix(big)); n != 500 {
			t.Errorf("506 services: %d rows drawn, want 500", n)
		}
		if text := browsertest.Eval[string](big, `document.querySelector("#matrix-count").textContent`); !strings.Contains(text, "The first 500 of 506 matching services") {
			t.Errorf("506 services: the count says %q", text)
		}
		big.Act(chromedp.SendKeys(chromedp.CSS("input#search"), "bulk-50"))
		if rows := matrix(big); len(rows) != 1 || rows[0].Service != "bulk-500" || !slices.Equal(rows[0].Cells, []string{"dev=", "prod="}) {
			t.Errorf("searching bulk-50: %+v, want bulk-500 deployed nowhere", rows)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/compat"
	"github.com/batonhq/baton/internal/browsertest"
	"github.com/batonhq/baton/manifest"
	"github.com/batonhq/baton/registry"
	"github.com/batonhq/baton/registry/httpapi"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "regenerate docs/ui.png from the what-if browser test (or set BATON_UPDATE_SCREENSHOT=1)")

// uiEstate is a real `baton serve` loaded with examples/ and a browser.
type uiEstate struct {
	url       string // the server, http://127.0.0.1:port
	client    *httpapi.Client
	browser   *browsertest.Browser
	graph     registry.Graph
	manifests []*manifest.Manifest
}

// startUIEstate starts chromium and `baton serve` (the binary's code,
// in-process), then publishes every manifest of examples/choreography and
// examples/orchestration through the CLI, as examples/README.md's
// walk-through does.
func startUIEstate(t *testing.T) *uiEstate {
	t.Helper()
	b := browsertest.Start(t) // first: skips before starting anything when there is no browser
	url := serveLimited(t)    // `baton serve` in-process on a free port, with a fresh data dir
	e := &uiEstate{url: url, client: httpapi.NewClient(url), browser: b}
	env := map[string]string{"BATON_REGISTRY": url}
	for _, m := range exampleManifests {
		path := filepath.Join("..", "..", "examples", m, "baton.yaml")
		if code, out, errOut := runEnv(t, env, "publish", path); code != 0 {
			t.Fatalf("publish %s = %d\n%s%s", m, code, out, errOut)
		}
		mf, err := manifest.Load(path, manifest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e.manifests = append(e.manifests, mf)
	}
	g, err := e.client.Graph(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 19 || len(g.Edges) != 24 { // as TestExamplesWalkthrough pins them
		t.Fatalf("/v1/graph has %d nodes and %d edges after publishing examples/, want 19 and 24", len(g.Nodes), len(g.Edges))
	}
	e.graph = g
	return e
}

// page opens a tab of the given size on a deep link of the UI and waits
// until it has rendered.
func (e *uiEstate) page(t *testing.T, width, height int64, route string) *browsertest.Page {
	t.Helper()
	p := e.browser.NewPage(t, width, height)
	p.Open(e.url + "/ui/" + route)
	return p
}

// uiNode is a rendered g.node of svg#graph.
type uiNode struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	State string `json:"state"`
}

// uiEdge is a rendered edge of svg#graph.
type uiEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

func renderedNodes(p *browsertest.Page) []uiNode {
	nodes := browsertest.Eval[[]uiNode](p, `[...document.querySelectorAll("svg#graph g.node")].map(n => ({
		id: n.dataset.id || "", type: n.dataset.type || "", state: n.dataset.state || ""}))`)
	slices.SortFunc(nodes, func(a, b uiNode) int { return strings.Compare(a.ID, b.ID) })
	return nodes
}

func renderedEdges(p *browsertest.Page) []uiEdge {
	edges := browsertest.Eval[[]uiEdge](p, `[...document.querySelectorAll("svg#graph path.edge, svg#graph g.edge")].map(n => ({
		from: n.dataset.from || "", to: n.dataset.to || "", kind: n.dataset.kind || ""}))`)
	return sortEdges(edges)
}

func sortEdges(edges []uiEdge) []uiEdge {
	slices.SortFunc(edges, func(a, b uiEdge) int {
		return strings.Compare(a.From+"\x00"+a.To+"\x00"+a.Kind, b.From+"\x00"+b.To+"\x00"+b.Kind)
	})
	return slices.Compact(edges)
}

func ids(nodes []uiNode) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.ID
	}
	return out
}

// graphNodeIDs are the node ids of /v1/graph, sorted.
func (e *uiEstate) graphNodeIDs() []string {
	var out []string
	for _, n := range e.graph.Nodes {
		out = append(out, n.ID)
	}
	slices.Sort(out)
	return out
}

func (e *uiEstate) graphEdges() []uiEdge {
	var out []uiEdge
	for _, ed := range e.graph.Edges {
		out = append(out, uiEdge{From: ed.From, To: ed.To, Kind: string(ed.Kind)})
	}
	return sortEdges(out)
}

// related returns, from the manifests (not from the server), the services
// that produce, consume, handle or send subject, by role.
func (e *uiEstate) related(subject string) map[string][]string {
	out := map[string][]string{}
	for _, m := range e.manifests {
		for role, owned := range map[string][]manifest.Owned{"produces": m.Produces, "handles": m.Handles} {
			if slices.ContainsFunc(owned, func(o manifest.Owned) bool { return o.Subject == subject }) {
				out[role] = append(out[role], m.Service)
			}
		}
		for role, deps := range map[string][]manifest.Dependency{"consumes": m.Consumes, "sends": m.Sends} {
			if slices.ContainsFunc(deps, func(d manifest.Dependency) bool { return d.Subject == subject }) {
				out[role] = append(out[role], m.Service)
			}
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// contract returns the text of service's contract for subject, from its manifest.
func (e *uiEstate) contract(t *testing.T, service, subject string) string {
	t.Helper()
	for _, m := range e.manifests {
		if m.Service != service {
			continue
		}
		for _, d := range append(slices.Clone(m.Consumes), m.Sends...) {
			if d.Subject == subject {
				return d.Text
			}
		}
	}
	t.Fatalf("%s has no contract for %s in the examples", service, subject)
	return ""
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// noHorizontalOverflow fails the test when the page is wider than the window.
func noHorizontalOverflow(t *testing.T, p *browsertest.Page) {
	t.Helper()
	type widths struct {
		Window int `json:"window"`
		Body   int `json:"body"`
		Doc    int `json:"doc"`
	}
	w := browsertest.Eval[widths](p, `({window: window.innerWidth, body: document.body.scrollWidth, doc: document.documentElement.scrollWidth})`)
	if w.Body > w.Window || w.Doc > w.Window {
		t.Errorf("the page overflows horizontally: body %dpx, document %dpx, window %dpx", w.Body, w.Doc, w.Window)
	}
}

// rgbRE reads a computed CSS colour.
var rgbRE = regexp.MustCompile(`rgba?\((\d+),\s*(\d+),\s*(\d+)`)

// hue classifies the node's computed fill and stroke: "red" or "green"
// when one of them is clearly so, else "".
func hue(t *testing.T, p *browsertest.Page, id string) string {
	t.Helper()
	colours := browsertest.Eval[[]string](p, `(() => {
		const g = document.querySelector('svg#graph g.node[data-id=' + CSS.escape(`+jsString(id)+`) + ']');
		if (!g) return [];
		const out = [];
		for (const el of [g, ...g.querySelectorAll("rect, circle, ellipse, polygon, path")]) {
			const cs = getComputedStyle(el);
			out.push(cs.fill, cs.stroke);
		}
		return out;
	})()`)
	for _, c := range colours {
		m := rgbRE.FindStringSubmatch(c)
		if m == nil {
			continue
		}
		r, _ := strconv.Atoi(m[1])
		g, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		switch {
		case r > 120 && r > g+60 && r > b+60:
			return "red"
		case g > 90 && g > r+40 && g > b+20:
			return "green"
		}
	}
	return ""
}

// shapeOf describes how a node is drawn: the element of its first shape
// and its computed fill.
func shapeOf(p *browsertest.Page, id string) string {
	return browsertest.Eval[string](p, `(() => {
		const g = document.querySelector('svg#graph g.node[data-id=' + CSS.escape(`+jsString(id)+`) + ']');
		const s = g && g.querySelector("rect, circle, ellipse, polygon, path");
		if (!s) return "";
		const cs = getComputedStyle(s);
		return s.tagName + (s.getAttribute("rx") ? "[rx]" : "") + " " + cs.fill + " " + cs.stroke;
	})()`)
}

// TestBrowserUI drives the embedded web UI in real headless chromium
// against a real `baton serve` loaded with examples/, through the DOM
// contract of issue #8 (routes, data-* attributes, ids).
func TestBrowserUI(t *testing.T) {
	e := startUIEstate(t)
	ex := filepath.Join("..", "..", "examples")

	t.Run("read-only", func(t *testing.T) {
		t.Run("graph renders every service and message", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			nodes := renderedNodes(p)
			if diff := cmp.Diff(e.graphNodeIDs(), ids(nodes)); diff != "" {
				t.Errorf("g.node data-id vs /v1/graph nodes (-graph +ui):\n%s", diff)
			}
			types := map[string]string{}
			for _, n := range e.graph.Nodes {
				types[n.ID] = n.Type
			}
			for _, n := range nodes {
				if n.Type != types[n.ID] {
					t.Errorf("%s: data-type %q, want %q", n.ID, n.Type, types[n.ID])
				}
				if n.State != "" {
					t.Errorf("%s: data-state %q in the plain graph", n.ID, n.State)
				}
			}
			if diff := cmp.Diff(e.graphEdges(), renderedEdges(p)); diff != "" {
				t.Errorf("edges vs /v1/graph edges (-graph +ui):\n%s", diff)
			}
			// Events and commands are drawn differently.
			if ev, cmd := shapeOf(p, "event:OrderPlaced"), shapeOf(p, "command:ChargePayment"); ev == "" || ev == cmd {
				t.Errorf("an event is drawn as %q and a command as %q; they must differ", ev, cmd)
			}
			// Every node is focusable from the keyboard.
			if n := browsertest.Eval[int](p, `[...document.querySelectorAll("svg#graph g.node")].filter(n => n.getAttribute("tabindex") !== "0").length`); n != 0 {
				t.Errorf("%d graph nodes lack tabindex=0", n)
			}
			noHorizontalOverflow(t, p)
			p.Screenshot("graph")
		})

		focusCases := []struct{ name, route string }{
			{"focus OrderPlaced by deep link", "#/?focus=event:OrderPlaced"},
			{"focus OrderPlaced from the search box", "#/"},
		}
		for _, tc := range focusCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				p := e.page(t, 1280, 800, tc.route)
				if tc.route == "#/" {
					p.Do(chromedp.SendKeys(chromedp.CSS("input#search"), "OrderPlaced"))
					p.Act(chromedp.KeyEvent(kb.Enter))
					// Typing may have re-rendered too; the focus view is the one with a focus node.
					if err := p.Until(`document.querySelector('svg#graph g.node[data-state="focus"]')`, 5*time.Second); err != nil {
						t.Fatalf("Enter in the search box focused nothing: %v", err)
					}
				}
				rel := e.related("OrderPlaced")
				if want := []string{"inventory", "notification", "payment"}; !slices.Equal(rel["consumes"], want) {
					t.Fatalf("examples: consumers of OrderPlaced are %v; this test expects %v", rel["consumes"], want)
				}
				want := []string{"event:OrderPlaced"}
				for _, s := range slices.Concat(rel["produces"], rel["consumes"]) {
					want = append(want, "service:"+s)
				}
				slices.Sort(want)
				nodes := renderedNodes(p)
				if diff := cmp.Diff(want, ids(nodes)); diff != "" {
					t.Errorf("focused on OrderPlaced, the graph shows (-want +got):\n%s", diff)
				}
				for _, n := range nodes {
					if (n.ID == "event:OrderPlaced") != (n.State == "focus") {
						t.Errorf("%s: data-state %q", n.ID, n.State)
					}
				}
				var wantEdges []uiEdge
				for _, ed := range e.graphEdges() {
					if ed.From == "event:OrderPlaced" || ed.To == "event:OrderPlaced" {
						wantEdges = append(wantEdges, ed)
					}
				}
				if diff := cmp.Diff(wantEdges, renderedEdges(p)); diff != "" {
					t.Errorf("focused edges (-want +got):\n%s", diff)
				}
				p.Screenshot("focus")
			})
		}

		t.Run("pattern filter", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			for _, tc := range []struct{ pattern, hidden, shown string }{
				{"choreography", "command", "event"},
				{"orchestration", "event", "command"},
			} {
				// A filter may redraw at once, without a new view: no stale mark, just wait.
				p.Do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("select#filter-pattern");
					s.value = ` + jsString(tc.pattern) + `; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
				p.WaitReady()
				var shown []string
				for _, n := range renderedNodes(p) {
					if n.Type == tc.hidden {
						t.Errorf("%s: %s is shown", tc.pattern, n.ID)
					}
					if n.Type == tc.shown {
						shown = append(shown, n.ID)
					}
				}
				var want []string
				for _, id := range e.graphNodeIDs() {
					if strings.HasPrefix(id, tc.shown+":") {
						want = append(want, id)
					}
				}
				if !slices.Equal(shown, want) {
					t.Errorf("%s: shows %v, want every %s: %v", tc.pattern, shown, tc.shown, want)
				}
			}
		})

		t.Run("search and owner filters", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			label := map[string]string{}
			owner := map[string]string{}
			for _, n := range e.graph.Nodes {
				label[n.ID], owner[n.ID] = n.Label, n.Owner
			}
			// The search box keeps the nodes whose label has the text.
			p.Act(chromedp.SendKeys(chromedp.CSS("input#search"), "payment"))
			var want []string
			for _, id := range e.graphNodeIDs() {
				if strings.Contains(strings.ToLower(label[id]), "payment") {
					want = append(want, id)
				}
			}
			if got := ids(renderedNodes(p)); len(want) < 4 || !slices.Equal(got, want) {
				t.Errorf("search %q shows %v, want %v", "payment", got, want)
			}
			p.Act(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("input#search");
				s.value = ""; s.dispatchEvent(new Event("input", {bubbles: true})); })()`))
			if n := len(renderedNodes(p)); n != len(e.graph.Nodes) {
				t.Errorf("an empty search shows %d nodes, want all %d", n, len(e.graph.Nodes))
			}

			// The owner filter offers every owner and keeps only that owner's services.
			owners := browsertest.Eval[[]string](p, `[...document.querySelectorAll("select#filter-owner option")].map(o => o.value)`)
			wantOwners := []string{""}
			for _, n := range e.graph.Nodes {
				if n.Owner != "" && !slices.Contains(wantOwners, n.Owner) {
					wantOwners = append(wantOwners, n.Owner)
				}
			}
			slices.Sort(wantOwners)
			slices.Sort(owners)
			if !slices.Equal(owners, wantOwners) {
				t.Errorf("select#filter-owner offers %q, want %q", owners, wantOwners)
			}
			p.Do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("select#filter-owner");
				s.value = "team-payments"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
			p.WaitReady()
			var services []string
			for _, n := range renderedNodes(p) {
				if n.Type == "service" {
					services = append(services, n.ID)
					if owner[n.ID] != "team-payments" {
						t.Errorf("owner team-payments: %s (owner %s) is shown", n.ID, owner[n.ID])
					}
				}
			}
			if !slices.Contains(services, "service:payment") {
				t.Errorf("owner team-payments: service:payment is not shown (services shown: %v)", services)
			}
		})

		whatIfCases := []struct {
			subject, file  string
			upload         bool
			impacted, safe []string
		}{
			{"OrderPlaced", "choreography/v2/order-placed.rename-customer.json", false, []string{"notification", "payment"}, []string{"inventory"}},
			{"OrderPlaced", "choreography/v2/order-placed.rename-customer.json", true, []string{"notification", "payment"}, []string{"inventory"}},
			{"OrderPlaced", "choreography/v2/order-placed.add-coupon.json", false, nil, []string{"inventory", "notification", "payment"}},
			{"ChargePayment", "orchestration/v2/charge-payment.tighten.json", false, []string{"order-orchestrator"}, nil},
			{"ShipOrder", "orchestration/v2/ship-order.widen.json", false, nil, []string{"order-orchestrator"}},
		}
		for _, tc := range whatIfCases {
			name := "what-if " + filepath.Base(tc.file)
			if tc.upload {
				name += " uploaded"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				file, err := filepath.Abs(filepath.Join(ex, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				proposal, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				// The server agrees with examples/README.md; the UI must show the same.
				rep, err := e.client.Impact(context.Background(), tc.subject, string(proposal))
				if err != nil {
					t.Fatal(err)
				}
				var serverImpacted, serverSafe []string
				for _, s := range rep.Impacted {
					serverImpacted = append(serverImpacted, s.Service)
				}
				for _, s := range rep.Safe {
					serverSafe = append(serverSafe, s.Service)
				}
				slices.Sort(serverImpacted)
				slices.Sort(serverSafe)
				if !slices.Equal(serverImpacted, tc.impacted) || !slices.Equal(serverSafe, tc.safe) {
					t.Fatalf("POST /v1/impact: impacted %v safe %v; the examples say %v %v", serverImpacted, serverSafe, tc.impacted, tc.safe)
				}

				p := e.page(t, 1280, 800, "#/whatif/"+tc.subject)
				if tc.upload {
					p.Do(chromedp.SetUploadFiles(chromedp.CSS("input#proposal-file"), []string{file}))
					if err := p.Until(`document.querySelector("textarea#proposal").value.trim() !== ""`, 5*time.Second); err != nil {
						t.Fatalf("the uploaded file did not reach textarea#proposal: %v", err)
					}
				} else {
					p.Do(chromedp.Evaluate[chromedp.Void](`(() => { const ta = document.querySelector("textarea#proposal");
						ta.value = ` + jsString(string(proposal)) + `; ta.dispatchEvent(new Event("input", {bubbles: true})); })()`))
				}
				p.Act(chromedp.Click(chromedp.CSS("button#run-whatif")))

				type result struct {
					Service   string   `json:"service"`
					State     string   `json:"state"`
					Text      string   `json:"text"`
					Witnesses []string `json:"witnesses"`
				}
				results := browsertest.Eval[[]result](p, `[...document.querySelectorAll("#impact-results li[data-service]")].map(li => ({
					service: li.dataset.service, state: li.dataset.state || "", text: li.textContent,
					witnesses: [...li.querySelectorAll("pre.witness")].map(w => w.textContent)}))`)
				var impacted, safe []string
				for _, r := range results {
					switch r.State {
					case "impacted":
						impacted = append(impacted, r.Service)
						e.checkWitnesses(t, tc.subject, r.Service, string(proposal), r.Witnesses)
						for _, f := range findingsOf(rep, r.Service) {
							if !strings.Contains(r.Text, f.Rule) {
								t.Errorf("%s: the result does not name the finding %s: %q", r.Service, f.Rule, r.Text)
							}
						}
					case "safe":
						safe = append(safe, r.Service)
					default:
						t.Errorf("%s: data-state %q", r.Service, r.State)
					}
				}
				slices.Sort(impacted)
				slices.Sort(safe)
				if !slices.Equal(impacted, tc.impacted) || !slices.Equal(safe, tc.safe) {
					t.Errorf("#impact-results: impacted %v safe %v, want %v %v", impacted, safe, tc.impacted, tc.safe)
				}

				// The graph: exactly the impacted services red, the safe ones green.
				var red []string
				for _, n := range renderedNodes(p) {
					if n.State == "impacted" {
						red = append(red, strings.TrimPrefix(n.ID, "service:"))
					}
				}
				if !slices.Equal(red, tc.impacted) {
					t.Errorf("graph nodes with data-state=impacted: %v, want %v", red, tc.impacted)
				}
				for _, s := range tc.impacted {
					if h := hue(t, p, "service:"+s); h != "red" {
						t.Errorf("impacted service:%s is drawn %q, want red", s, h)
					}
				}
				for _, s := range tc.safe {
					id := "service:" + s
					if st := browsertest.Eval[string](p, `(document.querySelector('svg#graph g.node[data-id=' + CSS.escape(`+jsString(id)+`) + ']') || {dataset: {}}).dataset.state || ""`); st != "safe" {
						t.Errorf("%s: data-state %q, want safe", id, st)
					}
					if h := hue(t, p, id); h != "green" {
						t.Errorf("safe %s is drawn %q, want green", id, h)
					}
				}

				// Nothing was published.
				if v, err := e.client.Versions(context.Background(), tc.subject, false); err != nil || !slices.Equal(v, []int{1}) {
					t.Errorf("after the what-if, %s has versions %v (%v), want only [1]", tc.subject, v, err)
				}
				png := p.Screenshot("whatif")
				if tc.file == "choreography/v2/order-placed.rename-customer.json" && !tc.upload && (*updateScreenshot || os.Getenv("BATON_UPDATE_SCREENSHOT") != "") {
					if err := os.WriteFile(filepath.Join("..", "..", "docs", "ui.png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Log("updated docs/ui.png")
				}
			})
		}

		t.Run("message page shows relations and versions", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/message/OrderPlaced")
			type relation struct {
				Service string `json:"service"`
				Kind    string `json:"kind"`
			}
			got := browsertest.Eval[[]relation](p, `[...document.querySelectorAll("#message-relations li[data-service][data-kind]")].map(li => ({
				service: li.dataset.service, kind: li.dataset.kind}))`)
			var want []relation
			for kind, services := range e.related("OrderPlaced") {
				for _, s := range services {
					want = append(want, relation{s, kind})
				}
			}
			byName := func(a, b relation) int { return strings.Compare(a.Service+a.Kind, b.Service+b.Kind) }
			slices.SortFunc(want, byName)
			slices.SortFunc(got, byName)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("#message-relations (-manifests +ui):\n%s", diff)
			}
			if v := browsertest.Eval[[]string](p, `[...document.querySelectorAll("#message-versions li[data-version]")].map(li => li.dataset.version)`); !slices.Equal(v, []string{"1"}) {
				t.Errorf("versions %v, want [1]", v)
			}
			schema := browsertest.Eval[string](p, `(document.querySelector("pre.schema") || {}).textContent || ""`)
			sv, err := e.client.GetVersion(context.Background(), "OrderPlaced", "1", false)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "pre.schema", schema, sv.Schema.Text)
		})

		t.Run("keyboard", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			type focused struct {
				ID   string `json:"id"`
				Node string `json:"node"`
			}
			var search bool
			var node string
			for i := 0; i < 120 && (!search || node == ""); i++ {
				p.Do(chromedp.KeyEvent(kb.Tab))
				f := browsertest.Eval[focused](p, `(e => ({id: (e && e.id) || "", node: (e && e.matches && e.matches("svg#graph g.node") && e.dataset.id) || ""}))(document.activeElement)`)
				search = search || f.ID == "search"
				if f.Node != "" && node == "" {
					node = f.Node
					break // focus stays on the first node reached
				}
			}
			if !search || node == "" {
				t.Fatalf("Tab reached the search box: %v, a graph node: %q", search, node)
			}
			p.Act(chromedp.KeyEvent(kb.Enter))
			kind, name, _ := strings.Cut(node, ":")
			page := map[string]string{"service": "service", "event": "message", "command": "message"}[kind]
			// The page may keep its own state in a query after the route.
			if hash, _, _ := strings.Cut(browsertest.Eval[string](p, `location.hash`), "?"); hash != "#/"+page+"/"+name {
				t.Errorf("Enter on %s went to %q, want #/%s/%s", node, hash, page, name)
			}
			p.Screenshot("enter")
		})

		t.Run("pan and zoom", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			type rect struct {
				X float64 `json:"x"`
				Y float64 `json:"y"`
				W float64 `json:"w"`
			}
			const node = `document.querySelector('svg#graph g.node[data-id="event:OrderPlaced"]').getBoundingClientRect()`
			box := func() rect { return browsertest.Eval[rect](p, `(r => ({x: r.left, y: r.top, w: r.width}))(`+node+`)`) }
			until := func(what, cond string) {
				t.Helper()
				if err := p.Until(cond, 3*time.Second); err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			fit := box()
			p.Do(chromedp.Click(chromedp.CSS("#zoom-in")))
			until("#zoom-in", fmt.Sprintf(`%s.width > %f`, node, fit.W*1.1))
			p.Do(chromedp.Click(chromedp.CSS("#zoom-reset")))
			until("#zoom-reset", fmt.Sprintf(`Math.abs(%s.width - %f) < 1`, node, fit.W))
			p.Do(chromedp.Click(chromedp.CSS("#zoom-out")))
			until("#zoom-out", fmt.Sprintf(`%s.width < %f`, node, fit.W*0.9))
			p.Do(chromedp.Click(chromedp.CSS("#zoom-reset")))
			until("#zoom-reset", fmt.Sprintf(`Math.abs(%s.width - %f) < 1`, node, fit.W))

			// The wheel zooms in at the pointer.
			svg := browsertest.Eval[rect](p, `(r => ({x: r.left, y: r.top, w: r.width}))(document.querySelector("svg#graph").getBoundingClientRect())`)
			x, y := svg.X+10, svg.Y+10 // a corner of the drawing: the layout leaves a margin there
			p.Do(chromedp.MouseEvent(chromedp.MouseWheel, x, y, func(m *input.DispatchMouseEventParams) {
				m.DeltaX, m.DeltaY = 0.001, -300 // the protocol needs both, and a zero is left out
			}))
			until("wheel", fmt.Sprintf(`%s.width > %f`, node, fit.W*1.1))
			p.Do(chromedp.Click(chromedp.CSS("#zoom-reset")))
			until("#zoom-reset", fmt.Sprintf(`Math.abs(%s.width - %f) < 1`, node, fit.W))

			// A drag pans: the node moves with the pointer.
			p.Do(
				chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(chromedp.MouseMoved, x+40, y+20, chromedp.ButtonLeft),
				chromedp.MouseEvent(chromedp.MouseMoved, x+120, y+60, chromedp.ButtonLeft),
				chromedp.MouseEvent(chromedp.MouseReleased, x+120, y+60, chromedp.ButtonLeft),
			)
			until("drag", fmt.Sprintf(`(r => Math.abs(r.left - %f) < 2 && Math.abs(r.top - %f) < 2)(%s)`, fit.X+120, fit.Y+60, node))
		})

		t.Run("exports", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 1280, 800, "#/")
			for _, format := range []string{"dot", "mermaid"} {
				// The same text as `baton graph --format` against the same server.
				code, want, errOut := runEnv(t, map[string]string{"BATON_REGISTRY": e.url}, "graph", "--format", format)
				if code != 0 {
					t.Fatalf("baton graph --format %s = %d: %s", format, code, errOut)
				}
				name, got := p.Download(chromedp.Click(chromedp.CSS("button#export-" + format)))
				if strings.TrimSpace(string(got)) != strings.TrimSpace(want) {
					t.Errorf("%s export %s differs from baton graph --format %s:\n%s\nwant:\n%s", format, name, format, got, want)
				}
			}
			name, svg := p.Download(chromedp.Click(chromedp.CSS("button#export-svg")))
			nodes, err := svgNodeIDs(svg)
			if err != nil {
				t.Errorf("SVG export %s: %v", name, err)
			}
			if diff := cmp.Diff(e.graphNodeIDs(), nodes); diff != "" {
				t.Errorf("SVG export %s: g.node data-id vs /v1/graph (-graph +svg):\n%s", name, diff)
			}
			name, raw := p.Download(chromedp.Click(chromedp.CSS("button#export-png")))
			if cfg, err := png.DecodeConfig(bytes.NewReader(raw)); err != nil || cfg.Width < 100 || cfg.Height < 100 {
				t.Errorf("PNG export %s: %v, %+v", name, err, cfg)
			}
		})

		t.Run("narrow window", func(t *testing.T) {
			t.Parallel()
			p := e.page(t, 400, 800, "#/")
			if diff := cmp.Diff(e.graphNodeIDs(), ids(renderedNodes(p))); diff != "" {
				t.Errorf("at 400px, g.node data-id vs /v1/graph (-graph +ui):\n%s", diff)
			}
			type box struct {
				Sel   string  `json:"sel"`
				Left  float64 `json:"left"`
				Right float64 `json:"right"`
				W     float64 `json:"w"`
				H     float64 `json:"h"`
			}
			boxes := browsertest.Eval[[]box](p, `["svg#graph", "input#search", "select#filter-owner", "select#filter-pattern",
				"#zoom-in", "#zoom-out", "#zoom-reset", "button#export-svg", "button#export-png", "button#export-dot", "button#export-mermaid"].map(sel => {
				const el = document.querySelector(sel);
				const r = el ? el.getBoundingClientRect() : {left: 0, right: 0, width: 0, height: 0};
				return {sel, left: r.left, right: r.right, w: r.width, h: r.height};
			})`)
			for _, b := range boxes {
				if b.W <= 0 || b.H <= 0 || b.Left < 0 || b.Right > 400 {
					t.Errorf("at 400px, %s is not within the window: %+v", b.Sel, b)
				}
			}
			noHorizontalOverflow(t, p)
			p.Screenshot("narrow")
		})
	})

	// Publishes, so it runs after the read-only group.
	t.Run("message page diff between two versions", func(t *testing.T) {
		ctx := context.Background()
		const subject = "ui-diff-scratch"
		v1, err := os.ReadFile(filepath.Join(ex, "choreography", "order", "schemas", "order-placed.json"))
		if err != nil {
			t.Fatal(err)
		}
		v2file := filepath.Join(ex, "choreography", "v2", "order-placed.rename-customer.json")
		v2, err := os.ReadFile(v2file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: string(v1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.SetConfig(ctx, subject, registry.Config{Mode: compat.None}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Publish(ctx, registry.PublishRequest{Subject: subject, Schema: string(v2)}); err != nil {
			t.Fatal(err)
		}
		// What the engine finds from version 1 to version 2, by `baton diff`.
		code, out, errOut := runEnv(t, nil, "diff", "--format", "json", filepath.Join(ex, "choreography", "order", "schemas", "order-placed.json"), v2file)
		var want struct {
			Changes []struct {
				Rule string `json:"rule"`
				Path string `json:"path"`
			} `json:"changes"`
		}
		if code != 1 || json.Unmarshal([]byte(out), &want) != nil || len(want.Changes) == 0 {
			t.Fatalf("baton diff = %d\n%s%s", code, out, errOut)
		}

		p := e.page(t, 1280, 800, "#/message/"+subject)
		if v := browsertest.Eval[[]string](p, `[...document.querySelectorAll("#message-versions li[data-version]")].map(li => li.dataset.version)`); !slices.Equal(v, []string{"1", "2"}) {
			t.Errorf("versions %v, want [1 2]", v)
		}
		p.Act(chromedp.Evaluate[chromedp.Void](`(() => {
			const from = document.querySelector("select#diff-from"), to = document.querySelector("select#diff-to");
			from.value = "1"; to.value = "2";
			to.dispatchEvent(new Event("change", {bubbles: true}));
		})()`))
		if err := p.Until(`document.querySelectorAll("#diff-findings li.finding").length > 0`, 5*time.Second); err != nil {
			t.Fatalf("no findings for the diff from 1 to 2: %v", err)
		}
		type finding struct {
			Text    string `json:"text"`
			Witness string `json:"witness"`
		}
		findings := browsertest.Eval[[]finding](p, `[...document.querySelectorAll("#diff-findings li.finding")].map(li => ({
			text: li.textContent, witness: (li.querySelector("pre.witness") || {}).textContent || ""}))`)
		for _, w := range want.Changes {
			found := false
			for _, f := range findings {
				found = found || (strings.Contains(f.Text, w.Rule) && strings.Contains(f.Text, w.Path))
			}
			if !found {
				t.Errorf("no finding shows %s at %s: %+v", w.Rule, w.Path, findings)
			}
		}
		for _, f := range findings {
			var v any
			if err := json.Unmarshal([]byte(f.Witness), &v); err != nil {
				t.Errorf("finding %q: pre.witness is not JSON: %q", f.Text, f.Witness)
			}
		}
		p.Screenshot("diff")
	})
}

// svgNodeIDs parses an exported SVG and returns the data-id of its
// g.node elements, sorted.
func svgNodeIDs(svg []byte) ([]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var out []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "g" {
			continue
		}
		var class, id string
		for _, a := range el.Attr {
			switch a.Name.Local {
			case "class":
				class = a.Value
			case "data-id":
				id = a.Value
			}
		}
		if slices.Contains(strings.Fields(class), "node") {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

func findingsOf(rep registry.ImpactReport, service string) []compat.Finding {
	for _, s := range rep.Impacted {
		if s.Service == service {
			return s.Findings
		}
	}
	return nil
}

// checkWitnesses proves each witness the UI shows for an impacted service:
// for an event it is a message the proposal allows and the consumer's
// contract rejects; for a command one the sender's contract writes and the
// proposal rejects.
func (e *uiEstate) checkWitnesses(t *testing.T, subject, service, proposal string, witnesses []string) {
	t.Helper()
	if len(witnesses) == 0 {
		t.Errorf("%s: impacted without a pre.witness", service)
		return
	}
	writer, reader := compileSchema(t, proposal), compileSchema(t, e.contract(t, service, subject))
	if len(e.related(subject)["sends"]) > 0 {
		writer, reader = reader, writer
	}
	for _, w := range witnesses {
		var v any
		dec := json.NewDecoder(strings.NewReader(w))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s: witness is not JSON: %q", service, w)
			continue
		}
		if err := writer.Validate(v); err != nil {
			t.Errorf("%s: the writer side rejects the witness %s: %v", service, w, err)
		}
		if reader.Validate(v) == nil {
			t.Errorf("%s: the reader side accepts the witness %s, so it shows no break", service, w)
		}
	}
}

func compileSchema(t *testing.T, text string) *compat.Schema {
	t.Helper()
	s, err := compat.Compile([]byte(text), compat.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s is not JSON: %q", what, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s differs from the registry's (-registry +ui):\n%s", what, diff)
	}
}

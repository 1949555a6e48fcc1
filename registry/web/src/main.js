// Baton UI: routes (hash based, so every view has a deep link and a reload
// lands on the same view), filters, the environment selector (the graph as
// deployed there), and the message, service, what-if and deployments
// (matrix, can-i-deploy) pages. document.body.dataset.ready is "false"
// while a view loads and "true" once it is fully drawn (browser tests wait
// on it).

import { api } from "./api.js";
import { h, clear, $, pretty, download } from "./dom.js";
import { GraphView, LAYOUT_BUDGET, caption } from "./graph.js";

// MATRIX_ROWS bounds the rows the matrix draws at once (a table of 10,000
// services helps nobody); the search box and the owner filter narrow it.
const MATRIX_ROWS = 500;
const PATTERN_TYPE = { choreography: "event", orchestration: "command" };

const state = {
  graph: { nodes: [], edges: [] },
  route: { view: "graph", arg: "", params: new URLSearchParams() },
  states: new Map(), // node id -> data-state
  env: "", // the environment whose deployed state is drawn; "" for the latest registrations
  envs: [], // every environment, by name
  redrawMatrix: null, // the matrix page's row filter, while it is shown
  seq: 0, // increases with every navigation; stale async work checks it
};

const panel = $("#panel");
const status = $("#graph-status");
const search = $("#search");
const ownerSel = $("#filter-owner");
const patternSel = $("#filter-pattern");
const envSel = $("#filter-env");
const view = new GraphView($("#graph"), { onOpen: openNode });

// busy counts the loads under way (a view, a diff, a what-if); the page is
// ready when there is none. settle() marks the end of a synchronous action
// (a filter, a zoom, an export) so that waiting on the flag works for
// every control.
let busy = 0;
function begin() {
  busy++;
  document.body.dataset.ready = "false";
}
function end() {
  busy = Math.max(busy - 1, 0);
  settle();
}
function settle() {
  if (busy === 0) document.body.dataset.ready = "true";
}

// ---- routes -------------------------------------------------------------

function parseHash() {
  let raw = location.hash.replace(/^#/, "");
  if (!raw.startsWith("/")) raw = "/" + raw;
  const qi = raw.indexOf("?");
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const params = new URLSearchParams(qi < 0 ? "" : raw.slice(qi + 1));
  const parts = path.split("/").filter(Boolean);
  const dec = (x) => { try { return decodeURIComponent(x); } catch { return x; } };
  if (parts.length >= 2 && ["message", "service", "whatif"].includes(parts[0])) {
    return { view: parts[0], arg: dec(parts.slice(1).join("/")), params };
  }
  if (parts[0] === "matrix") return { view: "matrix", arg: "", params };
  return { view: "graph", arg: "", params };
}

// link builds a view's hash. The environment sticks: a page opened from an
// environment's graph draws that environment too, unless params sets env
// ("" for the latest registrations). The matrix shows every environment.
export function link(viewName, arg, params) {
  const p = new URLSearchParams(params);
  const env = state.route.params.get("env");
  if (env && !p.has("env")) p.set("env", env);
  if (!p.get("env") || viewName === "matrix") p.delete("env");
  const path = "#/" + (viewName === "graph" ? "" : viewName === "matrix" ? "matrix" : viewName + "/" + encodeURIComponent(arg));
  const q = p.toString().replace(/%3A/gi, ":"); // node ids read better unescaped
  return q ? path + "?" + q : path;
}

function openNode(n) {
  if (n.type === "service") location.hash = link("service", n.label);
  else location.hash = link("message", n.label);
}

// filters live in the URL too (owner, pattern, q), so a filtered view is a link.
function syncFilterURL() {
  const p = new URLSearchParams(state.route.params);
  for (const [k, el] of [["q", search], ["owner", ownerSel], ["pattern", patternSel]]) {
    if (el.value) p.set(k, el.value); else p.delete(k);
  }
  state.route.params = p;
  history.replaceState(null, "", link(state.route.view, state.route.arg, p));
}

// ---- visible set ----------------------------------------------------------

function neighbours(id) {
  const out = new Set([id]);
  for (const e of state.graph.edges) {
    if (e.from === id) out.add(e.to);
    if (e.to === id) out.add(e.from);
  }
  return out;
}

function focusId() {
  const r = state.route;
  if (r.view === "graph") return r.params.get("focus") || "";
  if (r.view === "service") return "service:" + r.arg;
  const n = state.graph.nodes.find((x) => x.type !== "service" && x.label === r.arg);
  return n ? n.id : "";
}

function visibleIds() {
  const g = state.graph;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const type = PATTERN_TYPE[patternSel.value];
  const owner = ownerSel.value;
  const q = search.value.trim().toLowerCase();
  const focus = focusId();
  let ids = new Set(g.nodes.map((n) => n.id));
  if (focus && byId.has(focus)) ids = neighbours(focus);
  if (type) {
    // keep the pattern's messages and the services related to them
    const keep = new Set();
    for (const e of g.edges) {
      const msg = byId.get(e.from).type === "service" ? e.to : e.from;
      const svc = msg === e.from ? e.to : e.from;
      if (byId.get(msg).type === type) keep.add(msg).add(svc);
    }
    ids = new Set([...ids].filter((id) => keep.has(id)));
  }
  if (owner) {
    // keep the owner's services and the messages they relate to
    const keep = new Set();
    for (const n of g.nodes) if (n.type === "service" && n.owner === owner) keep.add(n.id);
    for (const e of g.edges) {
      if (keep.has(e.from) && byId.get(e.from).type === "service") keep.add(e.to);
      if (keep.has(e.to) && byId.get(e.to).type === "service") keep.add(e.from);
    }
    ids = new Set([...ids].filter((id) => keep.has(id)));
  }
  if (q) ids = new Set([...ids].filter((id) => byId.get(id).label.toLowerCase().includes(q)));
  if (focus && byId.has(focus)) ids.add(focus);
  return ids;
}

function drawGraph() {
  const ids = visibleIds();
  const focus = focusId();
  const states = new Map(state.states);
  if (focus && !states.has(focus)) states.set(focus, "focus");
  const tooBig = $("#too-big");
  const drawn = view.render(state.graph, ids, states, state.drawAnyway);
  tooBig.hidden = drawn;
  if (!drawn) {
    clear(tooBig).append(
      h("p", {}, h("strong", {}, `${ids.size} nodes are too many to draw readably.`)),
      h("p", {}, `Type in the search box, pick an owner or a pattern, or open a node from the list to see its neighbourhood (up to ${LAYOUT_BUDGET.nodes} nodes and ${LAYOUT_BUDGET.edges} edges are drawn at once).`),
      h("button", { id: "draw-anyway", type: "button", class: "button secondary", onclick: () => {
        begin();
        status.textContent = "Laying out…";
        // let the status paint before the long layout blocks the page
        setTimeout(() => {
          try {
            state.drawAnyway = true;
            drawGraph();
          } finally {
            end();
          }
        }, 30);
      } }, "Draw it anyway (slow)"));
  }
  const count = (t) => {
    const n = state.graph.nodes.filter((x) => x.type === t && ids.has(x.id)).length;
    return `${n} ${t}${n === 1 ? "" : "s"}`;
  };
  const total = state.graph.nodes.length;
  const where = state.env ? ` deployed in ${state.env}` : "";
  status.textContent = total === 0
    ? (state.env
      ? `Nothing is deployed in ${state.env} yet: record deployments with \`baton record-deployment\`.`
      : "No services registered yet: publish manifests with `baton publish`.")
    : `Showing ${count("service")}, ${count("event")}, ${count("command")}` +
      (ids.size < total ? ` of ${total} nodes` : "") + where;
  return ids;
}

function fillOwners() {
  const owners = [...new Set(state.graph.nodes.filter((n) => n.owner).map((n) => n.owner))].sort();
  const cur = state.route.params.get("owner") || "";
  clear(ownerSel).append(h("option", { value: "" }, "All owners"), ...owners.map((o) => h("option", { value: o }, o)));
  if (cur && !owners.includes(cur)) ownerSel.append(h("option", { value: cur }, cur));
  ownerSel.value = cur;
}

// fillEnvs offers "latest" and every environment; the matrix page shows
// them all, so there the selector is off.
function fillEnvs() {
  const names = state.envs.map((e) => e.name);
  const opt = (n) => h("option", { value: n }, "Deployed in " + n);
  clear(envSel).append(h("option", { value: "" }, "Latest registered"), ...names.map(opt));
  if (state.env && !names.includes(state.env)) envSel.append(opt(state.env));
  envSel.value = state.env;
  envSel.disabled = state.route.view === "matrix";
  patternSel.disabled = state.route.view === "matrix";
  $("#nav-matrix").setAttribute("aria-current", state.route.view === "matrix" ? "page" : "false");
}

// ---- views --------------------------------------------------------------

async function route() {
  begin();
  try {
    await load(++state.seq);
  } finally {
    end();
  }
}

async function load(seq) {
  state.route = parseHash();
  state.states = new Map();
  state.drawAnyway = false;
  state.redrawMatrix = null;
  const p = state.route.params;
  const matrix = state.route.view === "matrix";
  state.env = matrix ? "" : p.get("env") || "";
  search.value = p.get("q") || "";
  patternSel.value = PATTERN_TYPE[p.get("pattern")] ? p.get("pattern") : "";
  document.body.dataset.view = state.route.view;
  document.body.dataset.env = state.env;
  try {
    const [graph, envs] = await Promise.allSettled([api.graph(state.env), api.environments()]);
    if (seq !== state.seq) return;
    state.envs = envs.status === "fulfilled" ? envs.value : [];
    fillEnvs();
    if (graph.status === "rejected") {
      // an unknown environment: draw nothing rather than the previous view
      state.graph = { nodes: [], edges: [] };
      drawGraph();
      throw graph.reason;
    }
    if (envs.status === "rejected") throw envs.reason;
    state.graph = graph.value;
    fillOwners();
    if (matrix) {
      clear(panel);
      await matrixPage(seq);
      return;
    }
    const visible = drawGraph();
    clear(panel);
    if (state.route.view === "message") await messagePage(seq, state.route.arg);
    else if (state.route.view === "service") await servicePage(seq, state.route.arg);
    else if (state.route.view === "whatif") await whatIfPage(seq, state.route.arg);
    else graphPanel(visible);
  } catch (e) {
    if (seq !== state.seq) return;
    clear(panel);
    put(errorBox(e));
  }
}

// put appends to the panel, skipping absent parts.
function put(...parts) {
  panel.append(...parts.flat().filter((x) => x !== null && x !== undefined && x !== false));
}

function errorBox(e) {
  return h("div", { class: "error", role: "alert" }, e.message || String(e));
}

function nodeLink(n) {
  const href = n.type === "service" ? link("service", n.label) : link("message", n.label);
  return h("a", { href, class: "chip chip-" + n.type }, caption(n));
}

function graphPanel(visible) {
  const nodes = state.graph.nodes.filter((n) => visible.has(n.id));
  const section = (title, type) => {
    const list = nodes.filter((n) => n.type === type);
    if (!list.length) return null;
    return h("section", { class: "index" },
      h("h3", {}, `${title} (${list.length})`),
      h("ul", { class: "chips" }, list.map((n) => h("li", {}, nodeLink(n)))));
  };
  const focus = state.route.params.get("focus");
  put(
    h("h2", {}, focus ? "Neighbourhood" : state.env ? `Deployed in ${state.env}` : "Estate"),
    state.env && !focus ? h("p", { class: "hint" }, "Each service carries the versions deployed here (several when kept live together), each message the versions its deployed producers or handlers registered. ",
      h("a", { href: link("matrix", "") }, "Every environment")) : null,
    focus ? h("p", {}, "Focused on ", h("strong", {}, focus), ". ", h("a", { href: link("graph", "") }, "Show everything")) : null,
    h("p", { class: "hint" }, "Select a node (click, or Tab and Enter) to open its page. Drag to pan, wheel or + and − to zoom. Enter in the search box focuses on the best match."),
    section("Events", "event"),
    section("Commands", "command"),
    section("Services", "service"),
  );
}

function versionItem(subject, v, shown, params) {
  const p = new URLSearchParams(params);
  p.set("v", String(v));
  return h("li", { "data-version": String(v), class: v === shown ? "current" : "" },
    h("a", { href: link("message", subject, p), "aria-current": v === shown ? "true" : null }, `v${v}`));
}

// findingsList shows findings; witness(f) says what the witness document is.
function findingsList(findings, id, witness) {
  return h("ul", { id, class: "findings" }, findings.map((f) =>
    h("li", { class: "finding" + (f.breaking ? " breaking" : "") },
      h("div", { class: "finding-head" },
        h("span", { class: "rule" }, f.rule),
        " at ", h("code", { class: "path" }, f.path || "/"),
        f.direction ? h("span", { class: "direction" }, ` (${f.direction})`) : null),
      h("p", { class: "message" }, f.message),
      f.example !== undefined
        ? [h("p", { class: "witness-label" }, "Witness: " + witness(f)),
          h("pre", { class: "witness" }, JSON.stringify(f.example, null, 2))]
        : h("p", { class: "witness-label" }, "No witness document could be confirmed."))));
}

async function messagePage(seq, subject) {
  const node = state.graph.nodes.find((n) => n.type !== "service" && n.label === subject);
  const kind = node ? node.type : "message";
  // ask for versions only of a registered subject: a 404 would be logged
  // by the browser as an error although "no version yet" is normal
  const [registered, relations] = await Promise.all([hasVersions(subject), api.relations(subject)]);
  const versions = registered ? await api.versions(subject) : [];
  if (seq !== state.seq) return;
  const p = state.route.params;
  const latest = versions.length ? versions[versions.length - 1] : 0;
  let shown = Number(p.get("v")) || latest;
  if (!versions.includes(shown)) shown = latest;
  const schema = shown ? await api.version(subject, shown) : null;
  if (seq !== state.seq) return;

  put(
    h("div", { class: "title" },
      h("span", { class: "badge badge-" + kind }, kind),
      h("h2", {}, subject)),
    h("p", { class: "actions" },
      h("a", { class: "button", href: link("whatif", subject) }, "What if it changes?"),
      node ? h("a", { class: "button secondary", href: link("graph", "", new URLSearchParams({ focus: node.id })) }, "Focus in graph") : null),
  );

  put(h("h3", {}, "Versions"));
  if (!versions.length) put(h("p", { class: "hint" }, "No version of this message is registered."));
  put(h("ul", { id: "message-versions", class: "versions" }, versions.map((v) => versionItem(subject, v, shown, p))));
  if (schema) {
    put(
      h("p", { class: "schema-caption" }, `Schema of version ${schema.version} (id ${schema.id})`),
      h("pre", { class: "schema", "data-version": String(schema.version), tabindex: 0 }, pretty(schema.schema)));
  }

  // Diff between any two versions.
  const from = h("select", { id: "diff-from" }, versions.map((v) => h("option", { value: String(v) }, `v${v}`)));
  const to = h("select", { id: "diff-to" }, versions.map((v) => h("option", { value: String(v) }, `v${v}`)));
  const mode = h("select", { id: "diff-mode" },
    h("option", { value: "" }, "subject's mode"),
    h("option", { value: "BACKWARD" }, "backward"),
    h("option", { value: "FORWARD" }, "forward"),
    h("option", { value: "FULL" }, "full"));
  from.value = p.get("from") || String(versions.length > 1 ? versions[versions.length - 2] : latest);
  to.value = p.get("to") || String(latest);
  mode.value = ["BACKWARD", "FORWARD", "FULL"].includes(p.get("mode")) ? p.get("mode") : "";
  const result = h("div", { id: "diff-result", "aria-live": "polite" });
  const runDiff = async () => {
    const mine = state.seq;
    begin();
    clear(result);
    const q = new URLSearchParams(state.route.params);
    q.set("from", from.value);
    q.set("to", to.value);
    if (mode.value) q.set("mode", mode.value); else q.delete("mode");
    state.route.params = q;
    history.replaceState(null, "", link("message", subject, q));
    try {
      const d = await api.diff(subject, from.value, to.value, mode.value);
      if (mine !== state.seq) return;
      clear(result);
      result.append(
        h("p", { class: d.compatible ? "verdict ok" : "verdict bad" },
          d.compatible ? `v${d.from} → v${d.to}: compatible (${d.mode.toLowerCase()})` : `v${d.from} → v${d.to}: ${d.findings.length} finding(s) (${d.mode.toLowerCase()})`),
        findingsList(d.findings, "diff-findings", (f) => f.direction === "forward"
          ? `data valid under v${d.to} that v${d.from} rejects`
          : `data valid under v${d.from} that v${d.to} rejects`));
    } catch (e) {
      if (mine !== state.seq) return;
      clear(result);
      result.append(errorBox(e), h("ul", { id: "diff-findings", class: "findings" }));
    } finally {
      end();
    }
  };
  for (const el of [from, to, mode]) el.addEventListener("change", runDiff);
  put(h("h3", {}, "Diff"));
  if (versions.length) {
    put(h("div", { class: "diff-controls" },
      h("label", {}, "From ", from), h("label", {}, "to ", to), h("label", {}, "mode ", mode)), result);
  } else {
    put(h("p", { class: "hint" }, "Nothing to compare."));
  }

  // Who produces, consumes, sends and handles it, with their contracts.
  put(h("h3", {}, "Services"));
  const rels = h("ul", { id: "message-relations", class: "relations" });
  const order = ["produces", "handles", "consumes", "sends"];
  relations.sort((a, b) => order.indexOf(a.relation.kind) - order.indexOf(b.relation.kind) || a.service.localeCompare(b.service));
  for (const sr of relations) rels.append(relationItem(sr.service, sr.relation, "service"));
  if (!relations.length) put(h("p", { class: "hint" }, "No service declares this message."));
  put(rels);
  if (versions.length) await runDiff();
}

async function hasVersions(subject) {
  return (await api.subjects()).includes(subject);
}

function relationItem(service, r, linkTo) {
  const target = linkTo === "service"
    ? h("a", { href: link("service", service) }, service)
    : h("a", { href: link("message", r.subject) }, r.subject);
  const what = r.kind === "produces" || r.kind === "handles"
    ? "owns the schema"
    : r.contract
      ? `${r.kind === "consumes" ? "reader" : "writer"} contract v${r.contractVersion || 1}`
      : r.version ? `no contract: reads version ${r.version}${r.pinned ? " (pinned)" : ""}` : "no contract";
  return h("li", { "data-service": service, "data-kind": r.kind, "data-subject": r.subject, class: "relation" },
    h("span", { class: "kind kind-" + r.kind }, r.kind), " ", target, h("span", { class: "what" }, " — " + what),
    r.contract ? h("details", {}, h("summary", {}, "Contract"), h("pre", { class: "contract" }, pretty(r.contract))) : null);
}

async function servicePage(seq, name) {
  const si = await api.service(name);
  if (seq !== state.seq) return;
  put(
    h("div", { class: "title" }, h("span", { class: "badge badge-service" }, "service"), h("h2", {}, si.name)),
    si.owner ? h("p", {}, "Owner: ", h("strong", {}, si.owner)) : null,
    state.env ? h("p", { id: "service-deployed" }, deployedIn(si.name)) : null,
    h("p", { class: "actions" },
      h("a", { class: "button secondary", href: link("graph", "", new URLSearchParams({ focus: "service:" + si.name })) }, "Focus in graph"),
      h("a", { class: "button secondary", href: link("matrix", "", new URLSearchParams({ service: si.name })) }, "Deployments")),
  );
  const list = h("ul", { id: "service-relations", class: "relations" });
  for (const r of si.relations) list.append(relationItem(si.name, r, "message"));
  put(h("h3", {}, "Relations"), si.relations.length ? list : h("p", { class: "hint" }, "It declares no message."));
}

// deployedIn says which versions of service the drawn environment runs.
function deployedIn(service) {
  const n = state.graph.nodes.find((x) => x.id === "service:" + service);
  if (!n || !n.versions || !n.versions.length) return `Not deployed in ${state.env}.`;
  return `Deployed in ${state.env}: ${n.versions.map((v) => "@" + v).join(", ")}`;
}

async function whatIfPage(seq, subject) {
  const node = state.graph.nodes.find((n) => n.type !== "service" && n.label === subject);
  const current = (await hasVersions(subject)) ? pretty((await api.version(subject, "latest")).schema) : "";
  if (seq !== state.seq) return;
  const text = h("textarea", { id: "proposal", rows: 14, spellcheck: "false", "aria-describedby": "proposal-help" });
  text.value = current;
  const file = h("input", { id: "proposal-file", type: "file", accept: ".json,application/json" });
  file.addEventListener("change", async () => {
    if (!file.files || !file.files[0]) return;
    begin();
    try {
      text.value = await file.files[0].text();
    } finally {
      end();
    }
  });
  const run = h("button", { id: "run-whatif", type: "button", class: "button" }, "Run what-if");
  const results = h("div", { id: "impact-summary", "aria-live": "polite" });
  const list = h("ul", { id: "impact-results", class: "impact" });
  run.addEventListener("click", async () => {
    const mine = state.seq;
    begin();
    run.disabled = true;
    clear(results);
    clear(list);
    try {
      const rep = await api.impact(subject, text.value);
      if (mine !== state.seq) return;
      state.states = new Map();
      for (const x of rep.impacted) state.states.set("service:" + x.service, "impacted");
      for (const x of rep.safe) if (!state.states.has("service:" + x.service)) state.states.set("service:" + x.service, "safe");
      if (node) state.states.set(node.id, "focus");
      view.setStates(state.states);
      results.append(h("p", { class: rep.impacted.length ? "verdict bad" : "verdict ok" },
        `${rep.impacted.length} impacted, ${rep.safe.length} safe. Nothing was published.`));
      for (const x of rep.impacted) {
        list.append(h("li", { "data-service": x.service, "data-state": "impacted", class: "impacted" },
          h("div", { class: "finding-head" }, h("a", { href: link("service", x.service) }, x.service), ` (${x.role}) breaks`),
          findingsList(x.findings, null, () => x.role === "sends"
            ? `a command ${x.service} may send that the proposal rejects`
            : `a message the proposal allows that ${x.service}'s contract rejects`)));
      }
      for (const x of rep.safe) {
        list.append(h("li", { "data-service": x.service, "data-state": "safe", class: "safe" },
          h("div", { class: "finding-head" }, h("a", { href: link("service", x.service) }, x.service), ` (${x.role}) is safe`),
          h("p", { class: "message" }, x.reason)));
      }
    } catch (e) {
      if (mine === state.seq) results.append(errorBox(e));
    } finally {
      run.disabled = false;
      end();
    }
  });
  put(
    h("div", { class: "title" }, h("span", { class: "badge badge-" + (node ? node.type : "message") }, node ? node.type : "message"), h("h2", {}, `What if ${subject} changes?`)),
    h("p", { id: "proposal-help", class: "hint" }, "Paste or upload a proposed schema. The registry checks it against every consumer's and sender's contract; nothing is published."),
    h("label", { for: "proposal" }, "Proposed schema"), text,
    h("div", { class: "whatif-controls" }, h("label", {}, "Or upload a file ", file), run),
    results, list,
    h("p", {}, h("a", { href: link("message", subject) }, `Open the ${subject} message page`)),
  );
}

// ---- deployments: the matrix and can-i-deploy ------------------------------

// matrixPage shows services × environments, each cell the versions
// deployed there, and a can-i-deploy form. One request per environment
// (its deployment list), whatever the number of services; the search box
// and the owner filter narrow the rows.
async function matrixPage(seq) {
  const envs = state.envs.map((e) => e.name);
  const lists = await Promise.all(envs.map((e) => api.deployments(e)));
  if (seq !== state.seq) return;
  const cells = new Map(); // service -> env -> [deployment]
  const owners = new Map();
  for (const n of state.graph.nodes) {
    if (n.type !== "service") continue;
    cells.set(n.label, new Map());
    owners.set(n.label, n.owner || "");
  }
  envs.forEach((env, i) => {
    for (const d of lists[i]) {
      if (!cells.has(d.service)) cells.set(d.service, new Map()); // deployed, no longer registered
      const row = cells.get(d.service);
      if (!row.has(env)) row.set(env, []);
      row.get(env).push(d);
    }
  });
  const services = [...cells.keys()].sort();
  const p = state.route.params;

  // The can-i-deploy form: service, one of its recorded versions, target.
  const svcSel = h("select", { id: "cid-service" }, h("option", { value: "" }, "Choose a service"),
    services.map((x) => h("option", { value: x }, x)));
  const verSel = h("select", { id: "cid-version", disabled: true });
  const toSel = h("select", { id: "cid-env" }, envs.map((e) => h("option", { value: e }, e)));
  const run = h("button", { id: "run-cid", type: "button", class: "button", disabled: true }, "Can I deploy?");
  const verdict = h("div", { id: "cid-verdict", "aria-live": "polite" });
  const items = h("ul", { id: "cid-items", class: "impact" });
  const ready = () => { run.disabled = !(svcSel.value && verSel.value && toSel.value); };
  const remember = () => {
    const q = new URLSearchParams(state.route.params);
    for (const [k, el] of [["service", svcSel], ["version", verSel], ["to", toSel]]) {
      if (el.value) q.set(k, el.value); else q.delete(k);
    }
    state.route.params = q;
    history.replaceState(null, "", link("matrix", "", q));
  };
  const loadVersions = async (service, want) => {
    clear(verSel);
    verSel.disabled = true;
    if (service) {
      const vs = await api.serviceVersions(service);
      if (seq !== state.seq || svcSel.value !== service) return;
      // newest first: the version one usually asks about
      verSel.append(...vs.slice().reverse().map((v) => h("option", { value: v.version }, v.version + (v.branch ? ` (${v.branch})` : ""))));
      if (!vs.length) verSel.append(h("option", { value: "" }, "no recorded version"));
      verSel.disabled = !vs.length;
      if (want && vs.some((v) => v.version === want)) verSel.value = want;
    }
    ready();
  };
  const check = async () => {
    const mine = state.seq;
    begin();
    run.disabled = true;
    clear(verdict);
    clear(items);
    remember();
    try {
      const rep = await api.canIDeploy(toSel.value, [{ service: svcSel.value, version: verSel.value }]);
      if (mine !== state.seq) return;
      deployReport(rep, verdict, items);
    } catch (e) {
      if (mine === state.seq) verdict.append(errorBox(e));
    } finally {
      ready();
      end();
    }
  };
  // choose fills the form (a version picked in the matrix, or a deep link)
  const choose = async (service, version, to) => {
    svcSel.value = services.includes(service) ? service : "";
    if (to && envs.includes(to)) toSel.value = to;
    await loadVersions(svcSel.value, version);
  };
  const busyWhile = (f) => async () => {
    begin();
    try {
      clear(verdict);
      clear(items);
      await f();
      remember();
    } catch (e) {
      if (seq === state.seq) verdict.append(errorBox(e));
    } finally {
      end();
    }
  };
  svcSel.addEventListener("change", busyWhile(() => loadVersions(svcSel.value)));
  for (const el of [verSel, toSel]) {
    el.addEventListener("change", () => { clear(verdict); clear(items); ready(); remember(); settle(); });
  }
  run.addEventListener("click", check);

  // The matrix.
  const tbody = h("tbody");
  const shownCount = h("p", { id: "matrix-count", class: "hint" });
  const drawRows = () => {
    const q = search.value.trim().toLowerCase();
    const owner = ownerSel.value;
    const shown = services.filter((x) => (!q || x.toLowerCase().includes(q)) && (!owner || owners.get(x) === owner));
    clear(tbody).append(...shown.slice(0, MATRIX_ROWS).map((svc) => h("tr", { "data-service": svc },
      h("th", { scope: "row" }, h("a", { href: link("service", svc) }, svc)),
      envs.map((env) => {
        const ds = cells.get(svc).get(env) || [];
        if (!ds.length) return h("td", { "data-env": env, class: "empty" }, h("span", { class: "none", title: "not deployed" }, "—"));
        return h("td", { "data-env": env },
          h("ul", { class: "cell-versions" }, ds.map((d) => h("li", {},
            h("button", {
              type: "button", class: "version", "data-version": d.version,
              title: `${svc}@${d.version} deployed in ${env} since ${d.deployedAt}: check it against an environment`,
              onclick: busyWhile(() => choose(svc, d.version)),
            }, d.version)))));
      }))));
    shownCount.textContent = shown.length > MATRIX_ROWS
      ? `The first ${MATRIX_ROWS} of ${shown.length} matching services (${services.length} in all): type in the search box or pick an owner to narrow.`
      : `${shown.length} of ${services.length} service${services.length === 1 ? "" : "s"}, ${envs.length} environment${envs.length === 1 ? "" : "s"}.`;
  };
  state.redrawMatrix = drawRows;
  drawRows();

  put(
    h("div", { class: "title" }, h("h2", {}, "Deployments")),
    h("p", { class: "hint" }, "Rows are services, columns environments; a cell lists the versions deployed there (several when kept live together). Pick a version to check it against an environment."),
    envs.length
      ? [h("div", { class: "matrix-wrap" },
        h("table", { id: "matrix", class: "matrix" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"),
            envs.map((e) => h("th", { scope: "col", "data-env": e }, h("a", { href: link("graph", "", new URLSearchParams({ env: e })), title: `the graph as deployed in ${e}` }, e))))),
          tbody)), shownCount]
      : h("p", { class: "hint" }, "No environment yet: create one with `baton env create NAME`, then record deployments with `baton record-deployment`."),
    h("h3", {}, "Can I deploy?"),
    h("p", { class: "hint" }, "Checks a recorded version against every version of its counterparts deployed in the target environment, with a witness for each break. Nothing is recorded."),
    h("div", { class: "cid-controls" },
      h("label", {}, "Service ", svcSel), h("label", {}, "version ", verSel), h("label", {}, "to ", toSel), run),
    verdict, items,
  );
  await choose(p.get("service") || "", p.get("version") || "", p.get("to") || "");
  if (seq === state.seq && p.get("service") && p.get("version") && p.get("to") && !run.disabled) await check();
}

// deployReport shows a can-i-deploy answer: the verdict, then each check,
// failing ones first, with findings and witnesses.
function deployReport(rep, verdict, items) {
  const named = rep.services.map((r) => `${r.service}@${r.version}`).join(", ");
  const failing = rep.items.filter((it) => !it.compatible);
  const checks = (n) => `${n} check${n === 1 ? "" : "s"}`;
  verdict.append(h("p", { class: rep.deployable ? "verdict ok" : "verdict bad", "data-deployable": String(rep.deployable) },
    rep.deployable
      ? `${named} can be deployed to ${rep.environment}: ${checks(rep.items.length)}, none fails.`
      : `${named} cannot be deployed to ${rep.environment}: ${failing.length} of ${checks(rep.items.length)} fail.`));
  for (const it of [...failing, ...rep.items.filter((x) => x.compatible)]) {
    const self = `${it.service}@${it.version}`;
    const other = it.counterpart ? `${it.counterpart}@${it.counterpartVersion}` : "";
    // the writer of the message (producer, sender) against its reader
    const writes = it.role === "produces" || it.role === "sends";
    const [writer, reader] = writes ? [self, other] : [other, self];
    items.append(h("li", {
      class: it.compatible ? "safe" : "impacted", "data-subject": it.subject, "data-role": it.role,
      "data-counterpart": it.counterpart || "", "data-counterpart-version": it.counterpartVersion || "",
      "data-compatible": String(it.compatible),
    },
    h("div", { class: "finding-head" },
      h("span", { class: "kind kind-" + it.role }, it.role), " ", h("a", { href: link("message", it.subject) }, it.subject),
      other
        ? [it.compatible ? " — holds with " : " — breaks ", h("a", { href: link("service", it.counterpart) }, other)]
        : null),
    it.note ? h("p", { class: "message" }, it.note) : null,
    it.changes.length ? findingsList(it.changes, null, () => `a message ${writer} may write that ${reader} rejects`) : null));
  }
}

// ---- controls -------------------------------------------------------------

let searchTimer = 0;
search.addEventListener("input", () => {
  if (!searchTimer) begin();
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    searchTimer = 0;
    try {
      syncFilterURL();
      refreshGraphOnly();
    } finally {
      end();
    }
  }, 120);
});
search.addEventListener("keydown", (ev) => {
  if (ev.key !== "Enter") return;
  ev.preventDefault();
  const q = search.value.trim().toLowerCase();
  if (!q) return;
  // best match: exact, then prefix, then substring; shorter labels first
  const rank = (n) => {
    const l = n.label.toLowerCase();
    return l === q ? 0 : l.startsWith(q) ? 1 : l.includes(q) ? 2 : 3;
  };
  const best = state.graph.nodes.filter((n) => rank(n) < 3)
    .sort((a, b) => rank(a) - rank(b) || a.label.length - b.label.length || (a.id < b.id ? -1 : 1))[0];
  if (best) location.hash = link("graph", "", new URLSearchParams({ focus: best.id }));
});
envSel.addEventListener("change", () => {
  // a new graph to load: a navigation (and a history entry)
  const p = new URLSearchParams(state.route.params);
  p.set("env", envSel.value);
  location.hash = link(state.route.view, state.route.arg, p);
});
for (const sel of [ownerSel, patternSel]) {
  sel.addEventListener("change", () => { syncFilterURL(); refreshGraphOnly(); settle(); });
}

function refreshGraphOnly() {
  if (state.redrawMatrix) {
    state.redrawMatrix();
    return;
  }
  state.drawAnyway = false;
  const visible = drawGraph();
  if (state.route.view === "graph") {
    clear(panel);
    graphPanel(visible);
  } else if (state.states.size) {
    view.setStates(state.states);
  }
}

$("#zoom-in").addEventListener("click", () => { view.zoomBy(1.25); settle(); });
$("#zoom-out").addEventListener("click", () => { view.zoomBy(0.8); settle(); });
$("#zoom-reset").addEventListener("click", () => { view.fit(); settle(); });

$("#export-svg").addEventListener("click", () => {
  download("baton-graph.svg", new Blob([view.exportSVG()], { type: "image/svg+xml" }));
  settle();
});
$("#export-png").addEventListener("click", () => {
  begin();
  const url = URL.createObjectURL(new Blob([view.exportSVG()], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const scale = 2;
    const c = document.createElement("canvas");
    c.width = img.width * scale;
    c.height = img.height * scale;
    const ctx = c.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    c.toBlob((b) => {
      if (b) download("baton-graph.png", b);
      else status.textContent = "The PNG could not be drawn.";
      end();
    }, "image/png");
  };
  img.onerror = () => {
    URL.revokeObjectURL(url);
    status.textContent = "The PNG could not be drawn.";
    end();
  };
  img.src = url;
});
for (const [id, format, name, type] of [["#export-dot", "dot", "baton-graph.dot", "text/vnd.graphviz"], ["#export-mermaid", "mermaid", "baton-graph.mmd", "text/plain"]]) {
  $(id).addEventListener("click", async () => {
    begin();
    try {
      download(name, new Blob([await api.graphText(format, state.env)], { type }));
    } catch (e) {
      status.textContent = e.message;
    } finally {
      end();
    }
  });
}
$("#skip").addEventListener("click", () => panel.focus());

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => view.fit(), 150);
});
window.addEventListener("hashchange", route);
route();

// The impact graph: layered left to right by flow (dagre), drawn as SVG,
// with pan and zoom. Services are rounded boxes; events are pills (amber,
// solid edges: choreography); commands are hexagons (violet, dashed edges:
// orchestration).

import dagre from "@dagrejs/dagre";
import { s, clear } from "./dom.js";

const KIND_OF = { produces: "event", consumes: "event", sends: "command", handles: "command" };
const CHAR_W = 7.4; // px per character at the 13px label font
const MIN_K = 0.05;
export const LAYOUT_BUDGET = { nodes: 200, edges: 350 };
const MAX_K = 4;

// caption is a node's label with its versions in an environment's graph,
// as registry.GraphNode.Caption writes it for DOT and Mermaid: "billing
// @a1f3", "notification @a1, @b2" (two live versions), "OrderPlaced v2".
export function caption(n) {
  const parts = [...(n.versions || []).map((v) => "@" + v), ...(n.subjectVersions || []).map((v) => "v" + v)];
  return parts.length ? `${n.label} ${parts.join(", ")}` : n.label;
}

function nodeSize(n) {
  const text = Math.max(caption(n).length, n.owner ? n.owner.length + 2 : 0, 6);
  const w = Math.min(Math.max(text * CHAR_W + 32, 96), 300);
  if (n.type === "service") return { width: w, height: n.owner ? 46 : 36 };
  if (n.type === "command") return { width: w + 20, height: 40 };
  return { width: w + 8, height: 38 };
}

function truncate(label, width, pad) {
  const max = Math.floor((width - pad) / CHAR_W);
  return label.length > max ? label.slice(0, Math.max(max - 1, 1)) + "…" : label;
}

// shape draws the outline of a node centred on 0,0.
function shape(n, w, hgt) {
  const x = -w / 2, y = -hgt / 2;
  if (n.type === "service") {
    return s("rect", { class: "shape", x, y, width: w, height: hgt, rx: 6, ry: 6 });
  }
  if (n.type === "event") {
    return s("rect", { class: "shape", x, y, width: w, height: hgt, rx: hgt / 2, ry: hgt / 2 });
  }
  const d = 12;
  const pts = [[x, 0], [x + d, y], [-x - d, y], [-x, 0], [-x - d, -y], [x + d, -y]];
  return s("polygon", { class: "shape", points: pts.map((p) => p.join(",")).join(" ") });
}

// curve draws a smooth path through dagre's edge points: a horizontal
// S-bend between each pair, so the edge leaves and meets nodes level and
// bends only between ranks.
function curve(all) {
  const r = (v) => Math.round(v * 10) / 10;
  // bends closer than this (horizontally) to their neighbours would be
  // steep: skip them, the S-bend between the others is smoother
  const last = all[all.length - 1];
  const points = [all[0]];
  for (const p of all.slice(1, -1)) {
    if (Math.abs(p.x - points[points.length - 1].x) >= 24 && Math.abs(last.x - p.x) >= 24) points.push(p);
  }
  points.push(last);
  let d = `M${r(points[0].x)},${r(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1], b = points[i];
    const mx = r((a.x + b.x) / 2);
    d += ` C${mx},${r(a.y)} ${mx},${r(b.y)} ${r(b.x)},${r(b.y)}`;
  }
  return d;
}

// onSide moves an edge's end point p to the side of node n that faces x,
// within the middle two thirds of its height.
function onSide(p, n, x) {
  const side = x >= n.x ? n.x + n.width / 2 : n.x - n.width / 2;
  const y = Math.min(Math.max(p.y, n.y - n.height / 3), n.y + n.height / 3);
  return { x: side, y };
}

// flowOrder sorts nodes so that dagre, which breaks cycles (a reply
// event, an orchestrator consuming its handlers' results) by a depth-first
// walk in node order, starts from where the flow starts: true sources
// first, then services that reach the most other services through the
// messages they produce or send.
function flowOrder(nodes, edges) {
  const indeg = new Map(), out = new Map();
  for (const e of edges) {
    indeg.set(e.to, (indeg.get(e.to) || 0) + 1);
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e.to);
  }
  const reach = (id) => {
    const svc = new Set();
    for (const m of out.get(id) || []) for (const t of out.get(m) || []) if (t !== id) svc.add(t);
    return svc.size;
  };
  const key = new Map(nodes.map((n) => [n.id, [indeg.get(n.id) ? 1 : 0, n.type === "service" ? 0 : 1, -reach(n.id)]]));
  return [...nodes].sort((a, b) => {
    const ka = key.get(a.id), kb = key.get(b.id);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export class GraphView {
  constructor(svg, { onOpen }) {
    this.svg = svg;
    this.onOpen = onOpen;
    this.t = { x: 0, y: 0, k: 1 };
    this.bounds = { width: 0, height: 0 };
    this.layoutCache = new Map();
    this.nodesById = new Map();
    clear(svg);
    svg.append(
      s("defs", {},
        ["event", "command"].map((k) =>
          s("marker", { id: "arrow-" + k, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
            s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow arrow-" + k })))),
    );
    this.viewport = s("g", { class: "viewport" });
    svg.append(this.viewport);
    this.installPanZoom();
  }

  // render draws the nodes of graph whose ids are in visible, and the
  // edges between them; states maps node id to its data-state.
  //
  // Layered layout is super-linear: beyond LAYOUT_BUDGET it would freeze the
  // page for many seconds (a 300-service estate takes dagre about 14 s on a
  // busy 2-core machine) and the drawing would be unreadable anyway, so
  // render draws nothing and returns false unless force is set; the caller
  // offers filters, search and focus instead.
  render(graph, visible, states, force) {
    const nodes = graph.nodes.filter((n) => visible.has(n.id));
    const edges = graph.edges.filter((e) => visible.has(e.from) && visible.has(e.to));
    if (!force && (nodes.length > LAYOUT_BUDGET.nodes || edges.length > LAYOUT_BUDGET.edges)) {
      clear(this.viewport);
      this.nodesById.clear();
      this.bounds = { width: 0, height: 0 };
      return false;
    }
    const key = nodes.map((n) => n.id + "=" + caption(n)).join("\n") + "\n--\n" + edges.map((e) => `${e.from}>${e.to}>${e.kind}`).join("\n");
    let lay = this.layoutCache.get(key);
    if (!lay) {
      lay = this.layout(nodes, edges);
      if (this.layoutCache.size > 20) this.layoutCache.clear();
      this.layoutCache.set(key, lay);
    }
    clear(this.viewport);
    this.nodesById.clear();
    this.bounds = { width: lay.width, height: lay.height };
    const showEdgeLabels = edges.length <= 60;
    const edgeLayer = s("g", { class: "edges" });
    for (const e of edges) {
      const pts = lay.edges.get(`${e.from}>${e.to}>${e.kind}`);
      const kind = KIND_OF[e.kind] || "event";
      const path = s("path", {
        class: "edge edge-" + kind, d: curve(pts), "marker-end": `url(#arrow-${kind})`,
        "data-from": e.from, "data-to": e.to, "data-kind": e.kind,
      }, s("title", { text: `${e.from} ${e.kind} ${e.to}` }));
      edgeLayer.append(path);
      if (showEdgeLabels) {
        const mid = pts[Math.floor(pts.length / 2)];
        edgeLayer.append(s("text", { class: "edge-label", x: mid.x, y: mid.y - 4, "text-anchor": "middle", "aria-hidden": "true", text: e.kind }));
      }
    }
    const nodeLayer = s("g", { class: "nodes" });
    for (const n of nodes) {
      const p = lay.nodes.get(n.id);
      const kindWord = n.type === "service" ? "service" : n.type;
      const text = caption(n);
      const g = s("g", {
        class: "node", tabindex: 0, role: "link", transform: `translate(${p.x},${p.y})`,
        "data-id": n.id, "data-type": n.type, "data-state": states.get(n.id) || "",
        "data-versions": n.versions ? n.versions.join(" ") : undefined,
        "aria-label": `${kindWord} ${text}${n.owner ? ", owner " + n.owner : ""}`,
      });
      g.append(s("title", { text: `${kindWord} ${text}${n.owner ? " (" + n.owner + ")" : ""}` }));
      g.append(shape(n, p.width, p.height));
      const label = truncate(text, p.width, n.type === "command" ? 30 : 18);
      if (n.type === "service" && n.owner) {
        g.append(s("text", { class: "label", y: -3, "text-anchor": "middle", text: label }));
        g.append(s("text", { class: "sublabel", y: 13, "text-anchor": "middle", text: truncate(n.owner, p.width, 18) }));
      } else {
        g.append(s("text", { class: "label", y: 4.5, "text-anchor": "middle", text: label }));
      }
      g.addEventListener("click", () => { if (!this.dragged) this.onOpen(n); });
      g.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          this.onOpen(n);
        }
      });
      g.addEventListener("focus", () => this.reveal(p));
      nodeLayer.append(g);
      this.nodesById.set(n.id, g);
    }
    this.viewport.append(edgeLayer, nodeLayer);
    this.fit();
    return true;
  }

  layout(nodes, edges) {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    const big = nodes.length > 150;
    g.setGraph({ rankdir: "LR", nodesep: big ? 12 : 22, ranksep: big ? 40 : 52, edgesep: 8, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of flowOrder(nodes, edges)) g.setNode(n.id, nodeSize(n));
    for (const e of edges) g.setEdge(e.from, e.to, { minlen: 1 }, e.kind);
    dagre.layout(g);
    const out = { nodes: new Map(), edges: new Map(), width: g.graph().width || 0, height: g.graph().height || 0 };
    for (const id of g.nodes()) out.nodes.set(id, g.node(id));
    for (const e of g.edges()) {
      const pts = g.edge(e).points.map((p) => ({ x: p.x, y: p.y }));
      // Arrows meet a node on its left or right side, not at a corner.
      pts[0] = onSide(pts[0], g.node(e.v), pts[1].x);
      pts[pts.length - 1] = onSide(pts[pts.length - 1], g.node(e.w), pts[pts.length - 2].x);
      out.edges.set(`${e.v}>${e.w}>${e.name}`, pts);
    }
    return out;
  }

  // setStates updates data-state of the drawn nodes (what-if results).
  setStates(states) {
    for (const [id, g] of this.nodesById) g.dataset.state = states.get(id) || "";
  }

  apply() {
    const { x, y, k } = this.t;
    this.viewport.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
  }

  size() {
    const r = this.svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 500 };
  }

  // fit scales the whole drawing into the view (never above 1.25x).
  fit() {
    const { w, h } = this.size();
    const bw = Math.max(this.bounds.width, 1), bh = Math.max(this.bounds.height, 1);
    const k = Math.min(Math.max(Math.min((w - 24) / bw, (h - 24) / bh, 1.25), MIN_K), MAX_K);
    this.t = { k, x: (w - bw * k) / 2, y: (h - bh * k) / 2 };
    this.apply();
  }

  zoomBy(f, cx, cy) {
    const { w, h } = this.size();
    if (cx === undefined) { cx = w / 2; cy = h / 2; }
    const k = Math.min(Math.max(this.t.k * f, MIN_K), MAX_K);
    const r = k / this.t.k;
    this.t = { k, x: cx - (cx - this.t.x) * r, y: cy - (cy - this.t.y) * r };
    this.apply();
  }

  panBy(dx, dy) {
    this.t.x += dx;
    this.t.y += dy;
    this.apply();
  }

  // reveal pans so that a node reached with Tab is on screen.
  reveal(p) {
    const { w, h } = this.size();
    const sx = this.t.x + p.x * this.t.k, sy = this.t.y + p.y * this.t.k;
    const m = 40;
    let dx = 0, dy = 0;
    if (sx < m) dx = m - sx; else if (sx > w - m) dx = w - m - sx;
    if (sy < m) dy = m - sy; else if (sy > h - m) dy = h - m - sy;
    if (dx || dy) this.panBy(dx, dy);
  }

  installPanZoom() {
    const svg = this.svg;
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = svg.getBoundingClientRect();
      this.zoomBy(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    let start = null;
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      start = { x: ev.clientX, y: ev.clientY, tx: this.t.x, ty: this.t.y, id: ev.pointerId };
      this.dragged = false;
    });
    svg.addEventListener("pointermove", (ev) => {
      if (!start || ev.pointerId !== start.id) return;
      const dx = ev.clientX - start.x, dy = ev.clientY - start.y;
      if (!this.dragged && Math.hypot(dx, dy) < 4) return;
      if (!this.dragged) {
        this.dragged = true;
        svg.setPointerCapture(ev.pointerId);
        svg.classList.add("dragging");
      }
      this.t.x = start.tx + dx;
      this.t.y = start.ty + dy;
      this.apply();
    });
    const end = () => {
      start = null;
      svg.classList.remove("dragging");
      setTimeout(() => { this.dragged = false; }, 0);
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("keydown", (ev) => {
      if (ev.target !== svg) return;
      const step = 60;
      const keys = {
        ArrowLeft: () => this.panBy(step, 0), ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step), ArrowDown: () => this.panBy(0, -step),
        "+": () => this.zoomBy(1.25), "=": () => this.zoomBy(1.25), "-": () => this.zoomBy(0.8), "0": () => this.fit(),
      };
      if (keys[ev.key]) {
        ev.preventDefault();
        keys[ev.key]();
      }
    });
  }

  // exportSVG returns the whole drawing (not the current pan and zoom) as a
  // standalone SVG document, the stylesheet's effect copied into
  // presentation attributes.
  exportSVG() {
    const pad = 16;
    const w = Math.ceil(this.bounds.width + 2 * pad), hh = Math.ceil(this.bounds.height + 2 * pad);
    const clone = this.svg.cloneNode(true);
    clone.removeAttribute("id");
    clone.removeAttribute("class");
    clone.removeAttribute("tabindex");
    clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    clone.setAttribute("width", w);
    clone.setAttribute("height", hh);
    clone.setAttribute("viewBox", `${-pad} ${-pad} ${w} ${hh}`);
    const props = ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-family", "font-size", "font-weight", "paint-order", "stroke-linejoin"];
    const src = [this.svg, ...this.svg.querySelectorAll("*")];
    const dst = [clone, ...clone.querySelectorAll("*")];
    src.forEach((el, i) => {
      const cs = getComputedStyle(el);
      // presentation attributes, not style="": the page's CSP forbids inline styles
      for (const p of props) dst[i].setAttribute(p, cs.getPropertyValue(p));
    });
    clone.querySelector(".viewport").removeAttribute("transform");
    clone.insertBefore(s("rect", { x: -pad, y: -pad, width: w, height: hh, fill: "#ffffff" }), clone.querySelector(".viewport"));
    return new XMLSerializer().serializeToString(clone);
  }
}

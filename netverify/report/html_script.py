"""The style and the script of the HTML matrix page (no external resources, no libraries).

The script reads the JSON in <script id="nv-data"> (see html_data) and builds the page with DOM
calls; every input string becomes a text node or an attribute value, never markup. It draws a
grid of namespace blocks when the (filtered) endpoints are few, else a namespace-level overview
whose cells open the grid of one namespace pair. A cell's title (hover) and the details panel
(click) give what is allowed and why: the rules with file:line when the page carries reasons,
else each side's isolating policies and the `netverify can` command that explains the pair.
"""

STYLE = """
:root { --allow: #b9e4b9; --partial: #fff0b3; --half: #ffd2a6; --deny: #f4f4f4; --self: #e2e2e2; }
body { font-family: system-ui, sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 0.3em 0; }
#nv-summary { margin: 0.2em 0 0.6em 0; color: #444; }
#nv-legend span.sw { display: inline-block; padding: 0.1em 0.6em; margin-right: 0.8em; border: 1px solid #bbb; }
#nv-filters { margin: 0.6em 0; display: flex; gap: 1em; flex-wrap: wrap; align-items: center; }
#nv-filters input[type=text] { width: 16em; }
#nv-layout { display: flex; gap: 1.2em; align-items: flex-start; }
#nv-view { overflow: auto; flex: 0 1 auto; }
#nv-detail { position: sticky; top: 0.5em; flex: 1 0 20em; max-width: 40em; border: 1px solid #ccc;
             padding: 0.6em; background: #fafafa; font-size: 0.85em; white-space: pre-wrap; }
#nv-detail:empty { display: none; }
table.nv { border-collapse: collapse; font-size: 0.8em; }
table.nv th, table.nv td { border: 1px solid #ccc; padding: 0.2em 0.45em; text-align: left; white-space: nowrap; }
table.nv th.dst { writing-mode: vertical-rl; transform: rotate(180deg); vertical-align: bottom; }
table.nv th.ns { background: #e9eef7; font-weight: 600; }
table.nv td { cursor: pointer; }
td.allow { background: var(--allow); } td.partial { background: var(--partial); }
td.half { background: var(--half); } td.deny { background: var(--deny); color: #aaa; }
td.self { background: var(--self); color: #777; } td.out { font-style: italic; }
td.sel { outline: 2px solid #1a5fb4; }
.muted { color: #777; } a.nv-back { cursor: pointer; color: #1a5fb4; text-decoration: underline; }
"""

SCRIPT = r"""
(function () {
"use strict";
const D = JSON.parse(document.getElementById("nv-data").textContent);
const NS = D.namespaces, CONNS = D.conns;
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function short(id, ns) { return id.startsWith(ns + "/") ? id.slice(ns.length + 1) : id; }
function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

// --- the two kinds of data behind one interface: rows, cols, cell(r, c), reason(r, c), overview()
function matrixModel() {
  const C = D.classes.length;
  const eps = D.endpoints.map(e => ({id: e[0], ns: e[1], kind: e[2], single: e[3], cls: e[4], src: e[5], dst: e[6]}));
  const rows = eps.filter(e => e.src), cols = eps.filter(e => e.dst);
  // Per class: how many of its members are sources, destinations, and single pods that are both (self pairs).
  const srcSize = new Array(C).fill(0), dstSize = new Array(C).fill(0), singles = new Array(C).fill(0);
  for (const e of eps) {
    if (e.src) srcSize[e.cls]++;
    if (e.dst) dstSize[e.cls]++;
    if (e.single && e.src && e.dst) singles[e.cls]++;
  }
  const cache = new Map();
  function decoded(a) {
    let arr = cache.get(a);
    if (arr) return arr;
    arr = new Int32Array(C).fill(-1);
    for (const [ci, m] of D.rows[a]) {
      if (typeof m === "string") {
        const bin = atob(m);
        for (let i = 0; i < bin.length; i++) {
          const byte = bin.charCodeAt(i);
          if (byte) for (let k = 0; k < 8; k++) if ((byte >> k) & 1) arr[i * 8 + k] = ci;
        }
      } else for (const b of m) arr[b] = ci;
    }
    if (cache.size > 512) cache.clear();
    cache.set(a, arr);
    return arr;
  }
  function cell(src, dst) {
    if (src.id === dst.id && src.single) return {self: true};
    return {conn: decoded(src.cls)[dst.cls]};
  }
  function reason(src, dst) {
    if (src.id === dst.id && src.single) return ["a pod can always reach itself (not a network question)"];
    if (D.reasons) return (D.reasons.pairs[src.cls + "," + dst.cls] || []).map(i => D.reasons.lines[i]);
    const iso = D.isolation, out = [];
    for (const [dir, ep] of [["egress", src], ["ingress", dst]]) {
      const pol = iso[dir][ep.cls];
      out.push(dir + " of " + ep.id + ": " + (pol.length ? "isolated by " + pol.map(i => iso.policies[i]).join(", ")
                                                         : "not isolated"));
    }
    out.push("rules and reasons: netverify can '" + src.id + "' '" + dst.id + "' <manifests>");
    return out;
  }
  function outside(ep, dir) { return D.outside[dir][ep.cls]; }
  function overview() {
    const n = NS.length, o = [];
    for (let i = 0; i < n; i++) { o.push([]); for (let j = 0; j < n; j++) o[i].push({total: 0, allowed: 0, full: 0}); }
    const srcCount = new Array(n).fill(0), dstCount = new Array(n).fill(0), nsSingles = new Array(n).fill(0);
    for (const e of eps) {
      if (e.src) srcCount[e.ns]++;
      if (e.dst) dstCount[e.ns]++;
      if (e.single && e.src && e.dst) nsSingles[e.ns]++;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) o[i][j].total = srcCount[i] * dstCount[j] - (i === j ? nsSingles[i] : 0);
    }
    for (let a = 0; a < C; a++) {
      const arr = decoded(a), na = D.classes[a];
      for (let b = 0; b < C; b++) {
        const ci = arr[b];
        if (ci < 0) continue;
        const p = srcSize[a] * dstSize[b] - (a === b ? singles[a] : 0);
        const x = o[na][D.classes[b]];
        x.allowed += p;
        if (CONNS[ci][1]) x.full += p;
      }
      if (C > 2000) cache.delete(a);
    }
    return o;
  }
  return {rows, cols, cell, reason, outside, overview, colWord: "destination", rowWord: "source",
          pairWord: "pair", hasOutside: true};
}

function serviceModel() {
  const clients = D.endpoints.map(e => ({id: e[0], ns: e[1], kind: e[2], single: e[3], index: e[4]}));
  const services = D.services.map((s, i) => ({id: s[0], ns: s[1], ports: s[2], backends: s[3], name: s[4], index: i}));
  const maps = new Map();
  function rowMap(r) {
    let m = maps.get(r.index);
    if (!m) { m = new Map(); for (const c of D.cells[r.index]) m.set(c[0], c); maps.set(r.index, m); }
    return m;
  }
  function cell(src, svc) {
    const c = rowMap(src).get(svc.index);
    return c ? {conn: c[1], partial: c[2]} : {conn: -1};
  }
  function reason(src, svc) {
    const c = cell(src, svc), out = ["Service ports " + (svc.ports || "none"),
                                     "backends: " + (svc.backends.join(", ") || "none")];
    if (c.conn >= 0) out.push("every backend admits " + CONNS[c.conn][0]);
    if (c.partial >= 0) out.push("only some backends admit " + CONNS[c.partial][0] +
                                 " (kube-proxy may pick any backend, so some connections fail)");
    if (c.conn < 0 && c.partial < 0) out.push("no backend admits it on any service port");
    out.push("rules per backend: netverify can '" + src.id + "' 'svc/" + NS[svc.ns] + "/" + svc.name + "' <manifests>");
    return out;
  }
  function overview() {
    const n = NS.length, o = [];
    for (let i = 0; i < n; i++) { o.push([]); for (let j = 0; j < n; j++) o[i].push({total: 0, allowed: 0, full: 0}); }
    const cc = new Array(n).fill(0), sc = new Array(n).fill(0);
    for (const c of clients) cc[c.ns]++;
    for (const s of services) sc[s.ns]++;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) o[i][j].total = cc[i] * sc[j];
    for (const c of clients) for (const x of D.cells[c.index]) {
      const y = o[c.ns][services[x[0]].ns];
      if (x[1] >= 0) { y.allowed++; if (x[2] < 0) y.full++; } else y.partial = (y.partial || 0) + 1;
    }
    return o;
  }
  return {rows: clients, cols: services, cell, reason, outside: null, overview, colWord: "Service",
          rowWord: "client", pairWord: "client-Service pair", hasOutside: false};
}

const M = D.kind === "service" ? serviceModel() : matrixModel();
const state = {src: "", dst: "", ns: -1, onlyAllowed: false, drill: null};
const view = document.getElementById("nv-view"), detail = document.getElementById("nv-detail");

function cellLook(c) {
  if (c.self) return ["self", "self"];
  if (c.conn >= 0) return [CONNS[c.conn][1] ? "allow" : "partial", CONNS[c.conn][0]];
  if (c.partial !== undefined && c.partial >= 0) return ["half", "some backends: " + CONNS[c.partial][0]];
  return ["deny", "-"];
}

function matches(ep, text) {
  if (!text) return true;
  return ep.id.toLowerCase().includes(text.toLowerCase());
}
function selected(list, text) {
  return list.filter(e => (state.ns < 0 || e.ns === state.ns) && matches(e, text));
}

function showDetail(lines, td) {
  for (const old of document.querySelectorAll("td.sel")) old.classList.remove("sel");
  if (td) td.classList.add("sel");
  detail.textContent = lines.join("\n");
}

function grid(rows, cols, note) {
  const box = document.createDocumentFragment();
  if (note) box.append(el("p", "muted", note));
  const t = el("table", "nv");
  t.id = "nv-grid";
  const nsHead = el("tr"), head = el("tr");
  const corner = el("th", "", M.rowWord + " \\ " + M.colWord);
  corner.colSpan = 2;
  const blank = el("th", "", "");
  blank.colSpan = 2;
  nsHead.append(blank);
  head.append(corner);
  let k = 0;
  while (k < cols.length) {
    let e = k;
    while (e < cols.length && cols[e].ns === cols[k].ns) e++;
    const th = el("th", "ns", NS[cols[k].ns]);
    th.colSpan = e - k;
    nsHead.append(th);
    for (let x = k; x < e; x++) {
      const h = el("th", "dst", short(cols[x].id, NS[cols[x].ns]));
      h.title = cols[x].id;
      head.append(h);
    }
    k = e;
  }
  if (M.hasOutside) { nsHead.append(el("th", "ns", "outside")); head.append(el("th", "dst", "(outside the cluster)")); }
  t.append(nsHead, head);
  let lastNs = -1;
  rows.forEach(src => {
    const tr = el("tr");
    if (src.ns !== lastNs) {
      const th = el("th", "ns", NS[src.ns]);
      th.rowSpan = rows.filter(r => r.ns === src.ns).length;
      tr.append(th);
      lastNs = src.ns;
    }
    const h = el("th", "", short(src.id, NS[src.ns]));
    h.title = src.id;
    tr.append(h);
    for (const dst of cols) {
      const [cls, text] = cellLook(M.cell(src, dst));
      const td = el("td", cls, text);
      td.dataset.src = src.id;
      td.dataset.dst = dst.id;
      tr.append(td);
    }
    if (M.hasOutside) tr.append(outsideCell(src, "egress"));
    t.append(tr);
  });
  if (M.hasOutside) {
    const tr = el("tr");
    tr.append(el("th", "ns", "outside"), el("th", "", "(outside the cluster)"));
    for (const dst of cols) tr.append(outsideCell(dst, "ingress"));
    tr.append(el("td", "self", ""));
    t.append(tr);
  }
  box.append(t);
  return box;
}

function outsideCell(ep, dir) {
  const o = M.outside(ep, dir);
  const td = el("td", (o ? (CONNS[o[0]][1] ? "allow" : "partial") : "deny") + " out", o ? CONNS[o[0]][0] : "-");
  td.dataset.outside = dir;
  td.dataset.ep = ep.id;
  td.dataset.lines = JSON.stringify([(dir === "egress" ? ep.id + " -> addresses outside the cluster"
                                                      : "addresses outside the cluster -> " + ep.id) + ":"]
                                    .concat(o ? o[1].map(x => "  " + x) : ["  nothing allowed"]));
  return td;
}

function overviewTable(o) {
  const box = document.createDocumentFragment();
  box.append(el("p", "muted", "Namespace overview: each cell counts the " + M.pairWord + "s between two namespaces " +
                "that may send something. Click a cell for its " + M.rowWord + "s and " + M.colWord + "s."));
  const t = el("table", "nv");
  t.id = "nv-overview";
  const head = el("tr");
  head.append(el("th", "", "from \\ to"));
  const shown = NS.map((_, i) => i).filter(i => state.ns < 0 || i === state.ns);
  const colsShown = NS.map((_, i) => i).filter(j => M.cols.some(c => c.ns === j));
  for (const j of colsShown) head.append(el("th", "dst", NS[j]));
  if (M.hasOutside) head.append(el("th", "dst", "(outside the cluster)"));
  t.append(head);
  // Outside the cluster: how many endpoints of a namespace may send there, or admit traffic from there.
  const outsideCount = (ns, dir) => {
    const eps = M.rows.filter(e => e.ns === ns);
    const n = eps.filter(e => M.outside(e, dir)).length;
    const td = el("td", (n ? (n === eps.length ? "allow" : "partial") : "deny") + " out",
                  n === eps.length ? "all " + n : n + " of " + eps.length);
    td.title = n + " of " + eps.length + " endpoints in " + NS[ns] +
               (dir === "egress" ? " may send to addresses outside the cluster"
                                 : " admit traffic from outside the cluster");
    return td;
  };
  for (const i of shown) {
    if (!M.rows.some(r => r.ns === i)) continue;
    const tr = el("tr");
    tr.append(el("th", "ns", NS[i]));
    for (const j of colsShown) {
      const x = o[i][j];
      let cls = "deny", text = "none of " + x.total;
      if (x.allowed && x.allowed === x.total) {
        cls = x.full === x.total ? "allow" : "partial";
        text = "all " + x.total;
      }
      else if (x.allowed) { cls = "partial"; text = x.allowed + " of " + x.total; }
      else if (x.partial) { cls = "half"; text = x.partial + " partly"; }
      const td = el("td", cls, text);
      td.dataset.drill = i + "," + j;
      td.title = NS[i] + " -> " + NS[j] + ": " + x.allowed + " of " + x.total + " " + M.pairWord + "s allowed (" +
                 x.full + " on every port)";
      tr.append(td);
    }
    if (M.hasOutside) tr.append(outsideCount(i, "egress"));
    t.append(tr);
  }
  if (M.hasOutside) {
    const tr = el("tr");
    tr.append(el("th", "ns", "(outside the cluster)"));
    for (const j of colsShown) tr.append(outsideCount(j, "ingress"));
    tr.append(el("td", "self", ""));
    t.append(tr);
  }
  box.append(t);
  return box;
}

let overviewCache = null;
function render() {
  view.textContent = "";
  const cap = D.gridLimit;
  if (state.drill) {
    const [i, j] = state.drill;
    const rows = M.rows.filter(r => r.ns === i && matches(r, state.src));
    const cols = M.cols.filter(c => c.ns === j && matches(c, state.dst));
    const back = el("a", "nv-back", "back to the namespace overview");
    back.addEventListener("click", () => { state.drill = null; render(); });
    view.append(back);
    const limit = cap * 4;
    const note = rows.length > limit || cols.length > limit ?
      "showing the first " + limit + " of " + rows.length + " " + M.rowWord + "s and " + cols.length + " " +
      M.colWord + "s; type in the filters to narrow" : "";
    view.append(grid(rows.slice(0, limit), cols.slice(0, limit), note));
    return;
  }
  const rows = selected(M.rows, state.src), cols = selected(M.cols, state.dst);
  const keep = state.onlyAllowed ? rows.filter(r => cols.some(c => { const x = M.cell(r, c); return x.conn >= 0 ||
                                                     (x.partial !== undefined && x.partial >= 0); })) : rows;
  if (keep.length <= cap && cols.length <= cap) { view.append(grid(keep, cols)); return; }
  overviewCache = overviewCache || M.overview();
  if (state.src || state.dst)
    view.append(el("p", "muted", keep.length + " " + M.rowWord + "s and " + cols.length + " " + M.colWord +
                   "s match the filters: too many for one grid (at most " + cap + " each)."));
  view.append(overviewTable(overviewCache));
}

function summary() {
  const o = overviewCache = M.overview();
  let allowed = 0;
  for (const r of o) for (const x of r) allowed += x.allowed;
  const nsUsed = new Set(M.rows.map(r => r.ns).concat(M.cols.map(c => c.ns))).size;
  const what = D.kind === "service"
    ? plural(M.rows.length, "client") + ", " + plural(M.cols.length, "Service") + " with backends, " +
      plural(allowed, "client-Service pair") + " allowed on every backend"
    : plural(M.rows.length, "endpoint") + " in " + plural(nsUsed, "namespace") + ", " +
      plural(allowed, "allowed pair");
  document.getElementById("nv-summary").textContent = what + " (" + D.query + ").";
}

function controls() {
  const f = document.getElementById("nv-filters");
  const src = el("input"), dst = el("input"), ns = el("select"), only = el("input");
  src.type = dst.type = "text";
  src.placeholder = M.rowWord + " contains…";
  dst.placeholder = M.colWord + " contains…";
  only.type = "checkbox";
  ns.append(new Option("all namespaces", "-1"));
  NS.forEach((n, i) => ns.append(new Option(n, String(i))));
  let timer = 0;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.src = src.value.trim(); state.dst = dst.value.trim(); state.ns = Number(ns.value);
      state.onlyAllowed = only.checked; state.drill = null; render();
    }, 150);
  };
  for (const x of [src, dst]) x.addEventListener("input", update);
  for (const x of [ns, only]) x.addEventListener("change", update);
  const label = el("label", "", " only " + M.rowWord + "s with something allowed");
  label.prepend(only);
  f.append(src, dst, ns, label);
}

view.addEventListener("mouseover", ev => {
  const td = ev.target.closest("td");
  if (!td || td.title) return;
  td.title = lines(td).join("\n");
});
view.addEventListener("click", ev => {
  const td = ev.target.closest("td");
  if (!td) return;
  if (td.dataset.drill) { state.drill = td.dataset.drill.split(",").map(Number); render(); return; }
  showDetail(lines(td), td);
});
function lines(td) {
  if (td.dataset.lines) return JSON.parse(td.dataset.lines);
  if (!td.dataset.src) return [];
  const src = M.rows.find(r => r.id === td.dataset.src), dst = M.cols.find(c => c.id === td.dataset.dst);
  const look = cellLook(M.cell(src, dst));
  const head = src.id + " -> " + dst.id + ": " + (look[0] === "deny" ? "nothing allowed" : look[1]);
  return [head].concat(M.reason(src, dst));
}

summary();
controls();
render();
// #pair=SRC,DST (ids) opens that cell's details: a link to one answer, and the README's screenshot.
const wanted = decodeURIComponent(location.hash.replace(/^#pair=/, "")).split(",");
if (wanted.length === 2) {
  for (const td of view.querySelectorAll("td")) {
    if (td.dataset.src === wanted[0] && td.dataset.dst === wanted[1]) showDetail(lines(td), td);
  }
}
for (const n of D.notes) document.getElementById("nv-notes").append(el("li", "", n));
document.body.dataset.ready = "1";
})();
"""

// The jobs' dependency graph, from GET /v1/scheduler/graph/dot, drawn as SVG: a small
// layered layout (a job's layer is its longest path from a root; each layer is ordered by
// the mean position of its parents), no library.

import { get, getText } from "./api.js";
import { $, esc, flash, setHTML } from "./dom.js";
import { live } from "./live.js";

const NODE_H = 30, GAP_X = 36, GAP_Y = 56, PAD = 12, CHAR_W = 7.2;

/** {nodes: [names], edges: [[parent, child]]} from Dromos's DOT (numbered nodes with labels). */
export function parseDot(dot) {
  const labels = new Map();
  const edges = [];
  const unquote = (s) => s.replace(/^"|"$/g, "").replace(/\\"/g, '"');
  for (const line of dot.split("\n")) {
    const edge = line.match(/^\s*("(?:[^"\\]|\\.)*"|\w+)\s*->\s*("(?:[^"\\]|\\.)*"|\w+)/);
    if (edge) { edges.push([unquote(edge[1]), unquote(edge[2])]); continue; }
    const node = line.match(/^\s*("(?:[^"\\]|\\.)*"|\w+)\s*\[\s*label\s*=\s*"((?:[^"\\]|\\.)*)"/);
    if (node) labels.set(unquote(node[1]), node[2].replace(/\\"/g, '"'));
  }
  const name = (id) => labels.get(id) ?? id;
  const nodes = new Set(labels.values());
  for (const [a, b] of edges) { nodes.add(name(a)); nodes.add(name(b)); }
  return { nodes: [...nodes], edges: edges.map(([a, b]) => [name(a), name(b)]) };
}

function layers(nodes, edges) {
  const parents = new Map(nodes.map((n) => [n, []]));
  for (const [a, b] of edges) parents.get(b).push(a);
  const depth = new Map();
  const visit = (n, seen = new Set()) => {
    if (depth.has(n)) return depth.get(n);
    if (seen.has(n)) return 0;  // a cycle cannot be stored; never loop on one anyway
    seen.add(n);
    const d = Math.max(-1, ...parents.get(n).map((p) => visit(p, seen))) + 1;
    depth.set(n, d);
    return d;
  };
  nodes.forEach((n) => visit(n));
  const rows = [];
  for (const n of [...nodes].sort()) (rows[depth.get(n)] ||= []).push(n);
  const x = new Map();
  rows.forEach((row, i) => {
    if (i > 0) {
      const mean = (n) => { const ps = parents.get(n); return ps.reduce((s, p) => s + x.get(p), 0) / (ps.length || 1); };
      row.sort((a, b) => mean(a) - mean(b));
    }
    row.forEach((n, j) => x.set(n, j));
  });
  return rows;
}

/** SVG markup of the graph; `states` maps a job to a CSS class (success, failure), `current` is highlighted. */
export function drawGraph({ nodes, edges }, states = new Map(), current = "") {
  if (!nodes.length) return "<p>No jobs yet.</p>";
  const rows = layers(nodes, edges);
  const width = (n) => Math.max(60, n.length * CHAR_W + 20);
  const pos = new Map();
  const rowWidths = rows.map((row) => row.reduce((s, n) => s + width(n), 0) + GAP_X * (row.length - 1));
  const total = Math.max(...rowWidths) + 2 * PAD;
  rows.forEach((row, i) => {
    let left = (total - rowWidths[i]) / 2;
    for (const n of row) { pos.set(n, { x: left, y: PAD + i * (NODE_H + GAP_Y), w: width(n) }); left += width(n) + GAP_X; }
  });
  const height = PAD * 2 + rows.length * NODE_H + (rows.length - 1) * GAP_Y;
  const lines = edges.map(([a, b]) => {
    const p = pos.get(a), c = pos.get(b);
    const x1 = p.x + p.w / 2, y1 = p.y + NODE_H, x2 = c.x + c.w / 2, y2 = c.y;
    const mid = (y1 + y2) / 2;
    return `<path class="edge" data-edge="${esc(a)}->${esc(b)}" marker-end="url(#arrow)" d="M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2 - 2}"/>`;
  });
  const boxes = nodes.map((n) => {
    const { x, y, w } = pos.get(n);
    const cls = ["node", states.get(n) || "", n === current ? "current" : ""].join(" ").trim();
    return `<a href="/ui/job?job=${encodeURIComponent(n)}"><g class="${esc(cls)}" data-job="${esc(n)}">
      <rect x="${x}" y="${y}" width="${w}" height="${NODE_H}" rx="6"/>
      <text x="${x + w / 2}" y="${y + NODE_H / 2 + 4}" text-anchor="middle">${esc(n)}</text></g></a>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}" role="img" aria-label="job dependency graph">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a94a6"/></marker></defs>
    ${lines.join("")}${boxes.join("")}</svg>`;
}

/** Only the jobs connected to `name` (its ancestors and descendants). */
export function around({ nodes, edges }, name) {
  const keep = new Set([name]);
  const walk = (from, to) => {
    const todo = [name];
    while (todo.length) {
      const n = todo.pop();
      for (const e of edges) if (e[from] === n && !keep.has(e[to])) { keep.add(e[to]); todo.push(e[to]); }
    }
  };
  walk(0, 1); walk(1, 0);
  return { nodes: nodes.filter((n) => keep.has(n)), edges: edges.filter(([a, b]) => keep.has(a) && keep.has(b)) };
}

export async function jobStates() {
  const { jobs } = await get("/v1/scheduler/jobs/summary");
  return new Map(jobs.map((j) => [j.name, j.status]));
}

export async function graphPage() {
  await live(async () => {
    try {
      const [dot, states] = await Promise.all([getText("/v1/scheduler/graph/dot"), jobStates()]);
      setHTML($("#graph"), drawGraph(parseDot(dot), states));
    } catch (error) { flash(error.message, true); }
  });
}

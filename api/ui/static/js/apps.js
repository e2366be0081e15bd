// The apps page: one group level at a time (its subgroups, then its apps), or a flat
// filtered list. Rows are built as one string and set once: fast at 1,000 apps.

import { get } from "./api.js";
import { $, badge, capped, esc, flash, pageLink, ROWS_SHOWN, setHTML } from "./dom.js";
import { live } from "./live.js";
import { appHealth, appStatus, queueByApp } from "./status.js";

function row(app, queued) {
  const status = appStatus(app, queued);
  const health = appHealth(app);
  return `<tr data-app="${esc(app.id)}"><td class="id">${pageLink("app", { id: app.id }, app.id)}</td>
    <td>${badge(status)}</td><td>${app.tasksRunning} / ${app.instances}</td>
    <td>${badge(health.text, health.kind)}</td><td class="wide">${app.cpus}</td>
    <td class="wide">${app.mem} MiB</td></tr>`;
}

// A group shows the status of its app that most needs a look.
const URGENCY = ["Delayed", "Waiting", "Deploying", "Running", "Suspended"];

function groupRow(id, apps, queue) {
  const running = apps.reduce((n, a) => n + a.tasksRunning, 0);
  const target = apps.reduce((n, a) => n + a.instances, 0);
  const statuses = new Set(apps.map((a) => appStatus(a, queue.get(a.id))));
  const status = URGENCY.find((s) => statuses.has(s));
  const count = apps.length === 1 ? "1 app" : `${apps.length} apps`;
  return `<tr data-group="${esc(id)}"><td class="id">${pageLink("apps", { group: id }, id + "/")}</td>
    <td>${badge(status)} <span class="muted">${count}</span></td><td>${running} / ${target}</td>
    <td></td><td class="wide"></td><td class="wide"></td></tr>`;
}

/** Direct subgroups of `group` and its own apps. */
function level(apps, group) {
  const prefix = group === "/" ? "/" : group + "/";
  const groups = new Map();
  const own = [];
  for (const app of apps) {
    if (!app.id.startsWith(prefix)) continue;
    const rest = app.id.slice(prefix.length).split("/");
    if (rest.length === 1) { own.push(app); continue; }
    const sub = prefix + rest[0];
    if (!groups.has(sub)) groups.set(sub, []);
    groups.get(sub).push(app);
  }
  return { groups, own };
}

function crumbs(group) {
  if (group === "/") return "";
  const parts = group.split("/").filter(Boolean);
  const links = [pageLink("apps", {}, "/")];
  parts.forEach((_, i) => links.push(pageLink("apps", { group: "/" + parts.slice(0, i + 1).join("/") }, parts[i])));
  return "Group: " + links.join(" / ");
}

export async function appsPage(params) {
  const group = params.group || "/";
  const filter = $("#filter");
  const body = $("#apps tbody");
  let state = { apps: [], queue: new Map() };
  let limit = ROWS_SHOWN;
  setHTML($("#group-path"), crumbs(group));

  const draw = () => {
    const text = filter.value.trim();
    let rows;
    if (text) {
      rows = state.apps.filter((a) => a.id.includes(text)).map((a) => row(a, state.queue.get(a.id)));
    } else {
      const { groups, own } = level(state.apps, group);
      rows = [...groups].map(([id, apps]) => groupRow(id, apps, state.queue))
        .concat(own.map((a) => row(a, state.queue.get(a.id))));
    }
    setHTML(body, capped(rows, limit, 6) || `<tr><td colspan="6">No apps yet. ${pageLink("app_form", {}, "Create one")}.</td></tr>`);
  };
  filter.addEventListener("input", draw);
  body.addEventListener("click", (event) => {
    if ("showAll" in event.target.dataset) { limit = Infinity; draw(); }
  });

  await live(async () => {
    try {
      const [apps, queue] = await Promise.all([get("/v2/apps"), get("/v2/queue")]);
      state = { apps: apps.apps, queue: queueByApp(queue) };
      draw();
    } catch (error) {
      flash(error.message, true);
    }
  });
}

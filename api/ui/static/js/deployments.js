// Deployments with their progress and what each waits for; the launch queue with reasons.

import { appUrl, get, send } from "./api.js";
import { $, act, badge, confirmed, esc, flash, pageLink, setHTML, when } from "./dom.js";
import { live } from "./live.js";

function waitingList(waiting) {
  if (!waiting || !waiting.length) return "";
  const items = waiting.map((w) => `<li><b>${esc(w.app)}</b>: ${esc(w.reason)}</li>`);
  return `<p class="muted">Waiting for:</p><ul class="waiting">${items.join("")}</ul>`;
}

/** Instances of the app's current configuration that are up (and healthy, when it has checks).
 * A scale keeps the configuration (its older tasks count); a restart or an update does not. */
export function appProgress(app) {
  const checked = (app.healthChecks || []).length > 0;
  const config = (app.versionInfo || {}).lastConfigChangeAt || app.version;
  const ready = (app.tasks || []).filter((t) => t.version >= config && t.state === "TASK_RUNNING"
    && (!checked || (t.healthCheckResults || []).some((r) => r.alive))).length;
  return { ready, target: app.instances, pct: app.instances ? Math.min(100, Math.round((100 * ready) / app.instances)) : 100 };
}

const bar = (pct) => `<div class="bar-track" role="progressbar" aria-valuenow="${pct}" aria-valuemin="0" aria-valuemax="100"><div class="bar-fill" style="width:${pct}%"></div></div>`;

function appLine(id, app) {
  if (!app) return `<li>${pageLink("app", { id }, id)}</li>`;
  const p = appProgress(app);
  return `<li class="app-progress" data-app="${esc(id)}">${pageLink("app", { id }, id)}:
    <span class="progress-text">${p.ready} of ${p.target} new instances ready</span>${bar(p.pct)}</li>`;
}

/** One deployment as a card: step n of m and its actions, each app's new instances, why it waits. */
export function deploymentCard(d, apps = new Map()) {
  const actions = (d.currentActions || []).map((a) => `${esc(a.action)} ${esc(a.app)}`).join(", ");
  const lines = (d.affectedApps || []).map((id) => appLine(id, apps.get(id)));
  return `<div class="card deployment" data-deployment="${esc(d.id)}">
    <h3>Step ${esc(d.currentStep)} of ${esc(d.totalSteps)}: ${actions}</h3>
    <p class="muted">${esc(d.id)} · started ${when(d.version)}</p>
    <ul class="plain">${lines.join("")}</ul>
    ${waitingList(d.waiting)}
    <div class="actions"><button data-rollback="${esc(d.id)}" class="danger">Roll back</button>
    <button data-cancel="${esc(d.id)}" class="danger">Stop (keep as is)</button></div></div>`;
}

/** The affected apps of `deployments`, with their tasks, by id. */
export async function affectedApps(deployments) {
  const ids = [...new Set(deployments.flatMap((d) => d.affectedApps || []))];
  const apps = await Promise.all(ids.map((id) => get(appUrl(id)).then((r) => r.app, () => null)));
  return new Map(ids.map((id, i) => [id, apps[i]]));
}

/** Roll back or stop buttons inside `root`, asking first. */
export function wireDeploymentButtons(root, refresh) {
  root.addEventListener("click", (event) => {
    const { rollback, cancel } = event.target.dataset;
    if (rollback && confirmed(`Roll back deployment ${rollback}? Its apps return to their previous versions.`)) {
      act(() => send("DELETE", `/v2/deployments/${encodeURIComponent(rollback)}`), "Rolling back").then(refresh);
    }
    if (cancel && confirmed(`Stop deployment ${cancel} where it is?`)) {
      act(() => send("DELETE", `/v2/deployments/${encodeURIComponent(cancel)}?force=true`), "Deployment stopped").then(refresh);
    }
  });
}

export async function deploymentsPage() {
  const root = $("#deployments");
  const refresh = async () => {
    try {
      const deployments = await get("/v2/deployments?embed=waiting");
      const apps = await affectedApps(deployments);
      setHTML(root, deployments.map((d) => deploymentCard(d, apps)).join("") || "<p>No deployment is running.</p>");
    } catch (error) { flash(error.message, true); }
  };
  wireDeploymentButtons(root, refresh);
  await live(refresh);
}

function queueCard(item) {
  const summary = item.processedOffersSummary || {};
  const reasons = (summary.waitingReasons || []).map((w) => `<li><span class="code">${esc(w.taskId)}</span>: ${esc(w.reason)}</li>`);
  const rejects = (summary.rejectSummaryLastOffers || []).filter((r) => r.declined > 0)
    .map((r) => `<li>${esc(r.reason)}: ${r.declined} of ${r.processed} offers</li>`);
  const delayed = item.delay && !item.delay.overdue;
  return `<div class="card queued" data-app="${esc(item.app.id)}">
    <h3>${pageLink("app", { id: item.app.id }, item.app.id)} ${badge(delayed ? "Delayed" : "Waiting")}</h3>
    <p class="muted">${item.count} waiting since ${when(item.since)}${delayed ? `, ${item.delay.timeLeftSeconds}s of backoff left` : ""}</p>
    <ul class="reasons">${reasons.join("")}</ul>
    ${rejects.length ? `<p class="muted">Offers declined because:</p><ul>${rejects.join("")}</ul>` : ""}
    ${delayed ? `<div class="actions"><button data-reset="${esc(item.app.id)}">Launch now (reset delay)</button></div>` : ""}</div>`;
}

export async function queuePage() {
  const root = $("#queue");
  const refresh = async () => {
    try {
      const queue = await get("/v2/queue");
      setHTML(root, queue.queue.map(queueCard).join("") || "<p>Nothing waits to launch.</p>");
    } catch (error) { flash(error.message, true); }
  };
  root.addEventListener("click", (event) => {
    const id = event.target.dataset.reset;
    if (id) act(() => send("DELETE", `/v2/queue${appUrl(id).slice("/v2/apps".length)}/delay`), "Delay reset").then(refresh);
  });
  await live(refresh);
}

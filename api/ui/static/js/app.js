// One app: status, deployments in progress, tasks (with logs, kill), versions (roll back),
// its configuration; scale, restart, delete.

import { appUrl, get, send } from "./api.js";
import { $, act, badge, confirmed, esc, flash, setHTML, when } from "./dom.js";
import { affectedApps, deploymentCard, wireDeploymentButtons } from "./deployments.js";
import { live } from "./live.js";
import { logLink, wireLogs } from "./logs.js";
import { appHealth, appStatus, queueByApp } from "./status.js";

function taskHealth(task) {
  const results = task.healthCheckResults;
  if (!results || !results.length) return badge("—", "unknown");
  return results.every((r) => r.alive) ? badge("healthy") : badge("unhealthy");
}

function taskRow(task) {
  return `<tr data-task="${esc(task.id)}"><td class="id code">${esc(task.id)}</td>
    <td>${esc(task.state.replace("TASK_", ""))}</td><td>${taskHealth(task)}</td>
    <td class="wide">${esc(task.host)}:${esc(task.ports.join(","))}</td><td class="wide">${when(task.startedAt)}</td>
    <td>${logLink(task.id)}</td><td><button data-kill="${esc(task.id)}" class="danger">Kill</button></td></tr>`;
}

function versionRow(version, current) {
  const action = version === current ? "current" : `<button data-version="${esc(version)}">Roll back to this</button>`;
  return `<tr><td>${when(version)} <span class="muted code">${esc(version)}</span></td><td>${action}</td></tr>`;
}

const READ_ONLY = ["version", "versionInfo", "tasks", "tasksStaged", "tasksRunning", "tasksHealthy",
  "tasksUnhealthy", "deployments", "lastTaskFailure", "readinessCheckResults"];

/** The app as it would be PUT back: its definition without the runtime fields. */
export function definition(app) {
  const out = { ...app };
  for (const key of READ_ONLY) delete out[key];
  return out;
}

function drawApp(app, queued, deployments, apps) {
  setHTML($("#app-status"), `${badge(appStatus(app, queued))} ${badge(appHealth(app).text, appHealth(app).kind)} ${app.tasksRunning} of ${app.instances} running`);
  const scale = $("#scale-to");
  if (document.activeElement !== scale) scale.value = app.instances;
  setHTML($("#app-deployments"), deployments.map((d) => deploymentCard(d, apps)).join("") || `<p class="muted">None running.</p>`);
  setHTML($("#tasks tbody"), app.tasks.map(taskRow).join("") || `<tr><td colspan="7">No tasks.</td></tr>`);
  const failure = app.lastTaskFailure;
  $("#last-failure").textContent = failure ? `Last failure: ${failure.taskId} ${failure.state} at ${failure.timestamp}: ${failure.message}` : "";
  $("#config").textContent = JSON.stringify(definition(app), null, 2);
}

export async function appPage(params) {
  const id = params.id;
  const url = appUrl(id);
  const refresh = async () => {
    try {
      const [{ app }, queue, all, versions] = await Promise.all([
        get(url), get("/v2/queue"), get("/v2/deployments?embed=waiting"), get(`${url}/versions`)]);
      const deployments = all.filter((d) => (d.affectedApps || []).includes(app.id));
      drawApp(app, queueByApp(queue).get(app.id), deployments, await affectedApps(deployments));
      setHTML($("#versions tbody"), versions.versions.map((v) => versionRow(v, app.version)).join(""));
    } catch (error) {
      flash(error.status === 404 ? `There is no app ${id}.` : error.message, true);
    }
  };
  const view = document.getElementById("view");
  wireLogs(view);
  wireDeploymentButtons($("#app-deployments"), refresh);
  $("#scale").addEventListener("click", () =>
    act(() => send("PUT", url, { instances: Number($("#scale-to").value) }), "Scaling").then(refresh));
  $("#restart").addEventListener("click", () => {
    if (confirmed(`Restart every instance of ${id}? They are replaced one by one as the upgrade strategy allows.`)) {
      act(() => send("POST", `${url}/restart`, {}), "Restarting").then(refresh);
    }
  });
  $("#destroy").addEventListener("click", () => {
    if (confirmed(`Delete ${id} and kill all its tasks?`)) {
      act(() => send("DELETE", url), "Deleted").then(() => { window.location.href = "/ui/apps"; });
    }
  });
  $("#tasks").addEventListener("click", (event) => {
    const task = event.target.dataset.kill;
    if (task && confirmed(`Kill task ${task}? Dromos starts a replacement.`)) {
      act(() => send("DELETE", `${url}/tasks/${encodeURIComponent(task)}`), "Killed").then(refresh);
    }
  });
  $("#versions").addEventListener("click", (event) => {
    const version = event.target.dataset.version;
    if (version && confirmed(`Roll ${id} back to the version of ${version}?`)) {
      act(() => send("PUT", url, { version }), "Rolling back").then(refresh);
    }
  });
  await live(refresh);
}

// A task's stdout/stderr, read through the scheduler's log endpoint (it reads the
// agent's files API, so it works the same on localmesos and on real Mesos).

import { getText, logUrl } from "./api.js";
import { $, esc } from "./dom.js";

export const logLink = (taskId, label = "log") =>
  `<a href="${esc(logUrl(taskId, "stdout"))}" data-log="${esc(taskId)}">${esc(label)}</a>`;

async function show(taskId, stream) {
  const panel = $("#log-panel");
  panel.hidden = false;
  $("#log-title").textContent = `${taskId} · ${stream}`;
  const out = $("#log");
  out.textContent = "Loading…";
  try {
    const text = await getText(logUrl(taskId, stream));
    let body = text;
    try { const json = JSON.parse(text); if (typeof json.data === "string") body = json.data; } catch { /* plain text */ }
    out.textContent = body || "(empty)";
  } catch (error) {
    out.textContent = error.message === "URI not found"
      ? "This scheduler does not serve task logs (GET /dromos/tasks/<id>/log)."
      : `Could not read the log: ${error.message}`;
  }
  panel.scrollIntoView({ block: "nearest" });
}

/** Log links in `root` open the task's log in the page's log panel. */
export function wireLogs(root) {
  let current = null;
  root.addEventListener("click", (event) => {
    const taskId = event.target.dataset.log;
    if (!taskId) return;
    event.preventDefault();
    current = taskId;
    show(taskId, "stdout");
  });
  $("#log-panel").addEventListener("click", (event) => {
    const stream = event.target.dataset.stream;
    if (stream && current) show(current, stream);
  });
}

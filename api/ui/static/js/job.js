// One job: its facts, the graph around it, its runs with their output, run now, delete.

import { get, getText, jobUrl, send } from "./api.js";
import { $, act, badge, confirmed, esc, flash, setHTML, when } from "./dom.js";
import { around, drawGraph, jobStates, parseDot } from "./graph.js";
import { lastRun, nextRun } from "./jobs.js";
import { live } from "./live.js";
import { logLink, wireLogs } from "./logs.js";

function facts(job) {
  const last = lastRun(job);
  const items = [
    ["Command", `<span class="code">${esc(job.command)}</span>`],
    [job.schedule ? "Schedule" : "After", job.schedule ? `<span class="code">${esc(job.schedule)}</span>` : esc(job.parents.join(", "))],
    ["Next run", nextRun(job)],
    ["Last run", `${badge(last.text, last.kind)} ${when(last.at)}`],
    ["Successes / errors", `${job.successCount} / ${job.errorCount}`],
    ["Retries", esc(job.retries)],
    ["Resources", `${job.cpus} CPU, ${job.mem} MiB`],
  ];
  return items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
}

// An attempt's end and the last lines of its stderr, as the `dromos dev` console says it.
function attemptOutput(a) {
  const tail = (a.stderrTail || "").split("\n").map((l) => l.trim()).filter(Boolean).slice(-3);
  const said = tail.length ? `; stderr: ${tail.join(" | ")}` : "";
  return `${esc((a.state || "").replace("TASK_", ""))}: ${esc((a.message || "") + said)}`;
}

function runRow(run) {
  const attempts = run.attempts || [];
  const output = attempts.map(attemptOutput).join("<br>") || "not launched yet";
  const logs = attempts.map((a, i) => logLink(a.taskId, `attempt ${i + 1}`)).join("<br>");
  return `<tr data-run="${run.id}"><td>${when(run.dueMillis)}</td><td>${esc(run.trigger)}</td>
    <td>${badge(run.status)}</td><td class="output">${output}</td><td>${logs}</td></tr>`;
}

export async function jobPage(params) {
  const name = params.job;
  const refresh = async () => {
    try {
      const [job, runs, dot, states, summary] = await Promise.all([get(jobUrl(name)),
        get(`/v1/scheduler/job/runs/${encodeURIComponent(name)}`), getText("/v1/scheduler/graph/dot"),
        jobStates(), get("/v1/scheduler/jobs/summary")]);
      const state = summary.jobs.find((j) => j.name === name);
      setHTML($("#job-state"), badge(state ? state.state : ""));
      setHTML($("#job-facts"), facts(job));
      setHTML($("#graph"), drawGraph(around(parseDot(dot), name), states, name));
      setHTML($("#runs tbody"), runs.map(runRow).join("") || `<tr><td colspan="5">No runs yet.</td></tr>`);
      $("#config").textContent = JSON.stringify(job, null, 2);
    } catch (error) {
      flash(error.message, true);
    }
  };
  wireLogs(document.getElementById("view"));
  $("#run-now").addEventListener("click", () =>
    act(() => send("PUT", jobUrl(name)), `Started ${name}`).then(refresh));
  $("#destroy").addEventListener("click", () => {
    if (confirmed(`Delete job ${name}? Its history goes too.`)) {
      act(() => send("DELETE", jobUrl(name)), "Deleted").then(() => { window.location.href = "/ui/jobs"; });
    }
  });
  await live(refresh);
}

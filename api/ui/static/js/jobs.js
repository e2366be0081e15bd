// The jobs page: state, last run, success and error counts, schedule or parents, next run.

import { get } from "./api.js";
import { $, badge, capped, esc, flash, pageLink, ROWS_SHOWN, setHTML, when } from "./dom.js";
import { live } from "./live.js";

/** The last run's outcome and time, from Chronos's lastSuccess/lastError. */
export function lastRun(job) {
  if (!job.lastSuccess && !job.lastError) return { kind: "unknown", text: "never run", at: "" };
  const failed = job.lastError && (!job.lastSuccess || job.lastError > job.lastSuccess);
  return failed ? { kind: "failure", text: "failed", at: job.lastError } : { kind: "success", text: "succeeded", at: job.lastSuccess };
}

/** A scheduled job's next run is its schedule's start (Chronos moves it on after each slot). */
export function nextRun(job) {
  if (job.disabled) return "disabled";
  if (!job.schedule) return job.parents && job.parents.length ? "after its parents" : "—";
  const [repeat, start] = job.schedule.split("/");
  if (repeat === "R0") return "no more runs";
  return start && /^\d{4}-/.test(start) ? when(start) : esc(job.schedule);  // cron: as written
}

function row(job, state) {
  const last = lastRun(job);
  const plan = job.schedule ? `<span class="code">${esc(job.schedule)}</span>` : `after ${esc((job.parents || []).join(", "))}`;
  return `<tr data-job="${esc(job.name)}"><td class="id">${pageLink("job", { job: job.name }, job.name)}</td>
    <td>${badge(job.disabled ? "disabled" : state || "idle", job.disabled ? "Suspended" : state)}</td>
    <td>${badge(last.text, last.kind)} ${when(last.at)}</td>
    <td><span class="ok">${job.successCount}</span> / <span class="errors">${job.errorCount}</span></td>
    <td class="wide">${plan}</td><td class="wide">${nextRun(job)}</td></tr>`;
}

export async function jobsPage() {
  const filter = $("#filter");
  const body = $("#jobs tbody");
  let state = { jobs: [], states: new Map() };
  let limit = ROWS_SHOWN;
  const draw = () => {
    const text = filter.value.trim();
    const rows = state.jobs.filter((j) => j.name.includes(text)).map((j) => row(j, state.states.get(j.name)));
    setHTML(body, capped(rows, limit, 6) || `<tr><td colspan="6">No jobs. ${pageLink("job_form", {}, "Create one")}.</td></tr>`);
  };
  filter.addEventListener("input", draw);
  body.addEventListener("click", (event) => {
    if ("showAll" in event.target.dataset) { limit = Infinity; draw(); }
  });
  await live(async () => {
    try {
      const [jobs, summary] = await Promise.all([get("/v1/scheduler/jobs"), get("/v1/scheduler/jobs/summary")]);
      state = { jobs, states: new Map(summary.jobs.map((j) => [j.name, j.state])) };
      draw();
    } catch (error) { flash(error.message, true); }
  });
}

// Create or edit a job: the common fields plus the rest of Chronos's job JSON. A job with
// parents goes to /dependency, one with a schedule to /iso8601, as Chronos wants.

import { ApiError, get, jobUrl, send } from "./api.js";
import { $ } from "./dom.js";
import { clearErrors, showChronosErrors } from "./form_errors.js";

const FIELDS = ["name", "command", "schedule", "cpus", "mem", "retries"];
const NUMBERS = new Set(["cpus", "mem", "retries"]);
const COUNTERS = ["successCount", "errorCount", "lastSuccess", "lastError", "errorsSinceLastSuccess"];

function fill(form, job) {
  const rest = { ...job };
  for (const name of [...FIELDS, "parents", ...COUNTERS]) delete rest[name];
  for (const name of FIELDS) if (job[name] !== undefined) form.elements[name].value = job[name];
  form.elements.parents.value = (job.parents || []).join(", ");
  form.elements.extra.value = JSON.stringify(rest, null, 2);
}

function body(form) {
  let extra;
  try { extra = JSON.parse(form.elements.extra.value || "{}"); } catch (error) {
    throw new ApiError(400, { message: `Invalid JSON: ${error.message}` });
  }
  const job = { ...extra };
  for (const name of FIELDS) {
    const raw = form.elements[name].value.trim();
    if (raw !== "") job[name] = NUMBERS.has(name) && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  const parents = form.elements.parents.value.split(",").map((p) => p.trim()).filter(Boolean);
  if (parents.length) { job.parents = parents; delete job.schedule; }
  return job;
}

export async function jobFormPage(params) {
  const form = $("#job-form");
  if (params.job) fill(form, await get(jobUrl(params.job)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const job = body(form);
      await send("POST", job.parents ? "/v1/scheduler/dependency" : "/v1/scheduler/iso8601", job);
      window.location.href = `/ui/job?job=${encodeURIComponent(job.name)}`;
    } catch (error) {
      showChronosErrors(form, error);
    }
  });
}

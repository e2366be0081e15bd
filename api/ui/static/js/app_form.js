// Create or edit an app: a few common fields plus the rest of Marathon's app JSON.

import { ApiError, appUrl, get, send } from "./api.js";
import { $ } from "./dom.js";
import { definition } from "./app.js";
import { clearErrors, showMarathonErrors } from "./form_errors.js";

const FIELDS = ["id", "cmd", "instances", "cpus", "mem"];
const NUMBERS = new Set(["instances", "cpus", "mem"]);
// A check the form adds probes soon and often enough for a newcomer to see it turn healthy.
const NEW_CHECK = { portIndex: 0, gracePeriodSeconds: 60, intervalSeconds: 10, timeoutSeconds: 5,
  maxConsecutiveFailures: 3 };

function healthCheck(kind, target, original) {
  if (!kind) return [];
  const base = { ...NEW_CHECK, ...(original || {}), protocol: kind };
  delete base.path; delete base.command;
  if (kind === "HTTP") base.path = target || "/";
  if (kind === "COMMAND") { base.command = { value: target }; delete base.portIndex; }
  return [base];
}

function fill(form, app) {
  for (const name of FIELDS) if (app[name] !== undefined) form.elements[name].value = app[name];
  const checks = app.healthChecks || [];
  const rest = definition(app);
  form.loaded = definition(app);
  for (const name of FIELDS) delete rest[name];
  if (checks.length === 1 && ["HTTP", "TCP", "COMMAND"].includes(checks[0].protocol)) {
    form.elements.health.value = checks[0].protocol;
    form.elements.healthPath.value = checks[0].path || (checks[0].command || {}).value || "";
    delete rest.healthChecks;
  }
  form.elements.extra.value = JSON.stringify(rest, null, 2);
  return checks[0];
}

function body(form, original) {
  let extra;
  try { extra = JSON.parse(form.elements.extra.value || "{}"); } catch (error) {
    throw new ApiError(400, { message: "Invalid JSON", details: [{ path: "", errors: [error.message] }] });
  }
  const out = { ...extra };
  for (const name of FIELDS) {
    const raw = form.elements[name].value.trim();
    if (raw !== "") out[name] = NUMBERS.has(name) && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  if (!("healthChecks" in extra)) out.healthChecks = healthCheck(form.elements.health.value, form.elements.healthPath.value.trim(), original);
  return out;
}

/** Deep equality of JSON values, whatever the order of their keys. */
function same(a, b) {
  const sorted = (_key, value) => (value && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1))) : value);
  return JSON.stringify(a, sorted) === JSON.stringify(b, sorted);
}

/**
 * What an edit sends, as Marathon's UI does: a partial PUT of only the fields that differ
 * from the app as it was read. A field taken out of the JSON is sent as null, which resets
 * it (Marathon's UI would leave it as it was).
 */
function changes(loaded, edited) {
  const out = {};
  for (const [key, value] of Object.entries(edited)) if (!same(value, loaded[key])) out[key] = value;
  for (const key of Object.keys(loaded)) if (!(key in edited) && key !== "id") out[key] = null;
  return out;
}

export async function appFormPage(params) {
  const form = $("#app-form");
  let original = null;
  if (params.id) original = fill(form, (await get(appUrl(params.id))).app);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const app = body(form, original);
      if (params.id) await send("PUT", appUrl(params.id), changes(form.loaded, app));
      else await send("POST", "/v2/apps", app);
      const id = params.id || (app.id.startsWith("/") ? app.id : `/${app.id}`);
      window.location.href = `/ui/app?id=${encodeURIComponent(id)}`;
    } catch (error) {
      showMarathonErrors(form, error);
    }
  });
}

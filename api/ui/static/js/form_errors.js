// The API's validation errors next to the fields they name.
// Marathon answers 422 {message, details: [{path: "/cpus", errors: [...]}]}; Chronos 400
// {message} whose text names the field. Errors no field claims go to the form's top line.

function slot(form, key) {
  return form.querySelector(`[data-error="${CSS.escape(key)}"]`);
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll("[data-error]")) { el.hidden = true; el.textContent = ""; }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

function put(form, key, text) {
  const el = slot(form, key);
  el.textContent = el.textContent ? `${el.textContent} ${text}` : text;
  el.hidden = false;
  const input = key ? form.querySelector(`[data-path="${CSS.escape(key)}"]`) : null;
  if (input) input.setAttribute("aria-invalid", "true");
}

/** The longest field key that `path` starts with, indices left out:
 *  "/healthChecks(0)/path" -> "/healthChecks/path", "/healthChecks(0)/portIndex" -> "/healthChecks". */
function fieldFor(form, path) {
  const plain = path.replace(/\(\d+\)/g, "");
  const keys = [...form.querySelectorAll(".field-error[data-error]")].map((el) => el.dataset.error);
  const hits = keys.filter((k) => k !== "*" && (plain === k || plain.startsWith(k + "/")));
  return hits.sort((a, b) => b.length - a.length)[0] || "*";
}

export function showMarathonErrors(form, error) {
  const details = (error.body && error.body.details) || [];
  put(form, "", error.message);
  if (!Array.isArray(details)) return;
  for (const detail of details) {
    const key = fieldFor(form, detail.path || "");
    const prefix = key === "*" && detail.path ? `${detail.path}: ` : "";
    put(form, key, prefix + (detail.errors || []).join("; "));
  }
}

export function showChronosErrors(form, error) {
  const message = error.message;
  const keys = [...form.querySelectorAll(".field-error[data-error]")].map((el) => el.dataset.error).filter((k) => k !== "*");
  const key = keys.find((k) => new RegExp(`\\b${k}\\b`, "i").test(message));
  put(form, key || "", message);
}

// Small DOM helpers: escaping, page links, time, the flash line and confirmation.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

export const $ = (selector, root = document) => root.querySelector(selector);
export const view = () => document.getElementById("view");

export function pageLink(page, params, label) {
  const query = new URLSearchParams(params).toString();
  return `<a href="/ui/${page}${query ? "?" + query : ""}">${esc(label)}</a>`;
}

export const badge = (text, kind = text) =>
  `<span class="badge ${esc(kind)}">${esc(text)}</span>`;

export function when(value) {
  if (!value) return "—";
  const date = typeof value === "number" ? new Date(value) : new Date(value);
  if (Number.isNaN(date.getTime())) return esc(value);
  return `<time datetime="${date.toISOString()}">${date.toLocaleString()}</time>`;
}

export function flash(message, bad = false) {
  const line = document.getElementById("flash");
  line.textContent = message;
  line.classList.toggle("bad", bad);
  line.hidden = !message;
}

/** Destructive actions ask first. */
export const confirmed = (what) => window.confirm(what);

/** Run an action from a button: flash its outcome, report errors instead of throwing. */
export async function act(action, done) {
  try {
    await action();
    if (done) flash(done);
  } catch (error) {
    flash(error.message, true);
  }
}

const drawn = new WeakMap();
/** Replace `element`'s content only when it changed: no flicker, no lost focus or
 *  selection, and no work for the browser when an event changed nothing shown. */
export function setHTML(element, html) {
  if (drawn.get(element) === html) return;
  drawn.set(element, html);
  element.innerHTML = html;
}

/** A long list shows its first ROWS_SHOWN rows (a browser lays out 1,000 table rows slowly)
 *  and a last row whose button asks for all. */
export const ROWS_SHOWN = 200;
export function capped(rows, limit, colspan) {
  if (rows.length <= limit) return rows.join("");
  return rows.slice(0, limit).join("") + `<tr class="more"><td colspan="${colspan}">Showing ${limit} of ${rows.length}.
    Narrow the filter, or <button type="button" data-show-all>show all</button></td></tr>`;
}

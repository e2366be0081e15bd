// Talking to the JSON APIs. Every write sends Content-Type: application/json (the API
// refuses other types: that is what keeps other origins from writing).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function parse(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

export async function get(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await parse(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function getText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new ApiError(response.status, await parse(response));
  return response.text();
}

export async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await parse(response);
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

export const appUrl = (id) => `/v2/apps${id.split("/").map(encodeURIComponent).join("/")}`;
export const jobUrl = (name) => `/v1/scheduler/job/${encodeURIComponent(name)}`;
export const logUrl = (taskId, stream, offset = 0, length = 65536) =>
  `/dromos/tasks/${encodeURIComponent(taskId)}/log?stream=${stream}&offset=${offset}&length=${length}`;

// Live updates: one EventSource on /v2/events. A page re-reads what it shows at most once
// per REFRESH_MS however many events arrive (a rolling restart of 1,000 instances sends
// thousands), and every POLL_MS without any, for what changes without an event (why
// something waits, a backoff's countdown, a job's next run). Both waits stretch with the
// last refresh's duration (2x and 5x, up to 5 s and 15 s), so a big cluster's page asks
// the API less often.

const REFRESH_MS = 700;
const POLL_MS = 5000;
const MAX_REFRESH_MS = 5000;
const MAX_POLL_MS = 15000;
const clamp = (ms, low, high) => Math.min(high, Math.max(low, ms));
const EVENTS = ["status_update_event", "instance_changed_event", "health_status_changed_event",
  "deployment_info", "deployment_success", "deployment_failed", "deployment_step_success",
  "deployment_step_failure", "api_post_event", "app_terminated_event", "group_change_success",
  "instance_health_changed_event", "failed_health_check_event", "job_run_started_event",
  "job_run_finished_event", "job_run_missed_event"];

export function live(refresh) {
  const dot = document.getElementById("live");
  let timer = null;
  let again = false;  // something happened while a refresh ran: refresh once more after it
  let lastMs = 0;
  const run = async () => {
    const started = performance.now();
    await refresh();
    lastMs = performance.now() - started;
  };
  const schedule = () => {
    if (timer !== null) { again = true; return; }
    timer = setTimeout(async () => {
      again = false;
      try { await run(); } finally { timer = null; }
      if (again) schedule();
    }, clamp(2 * lastMs, REFRESH_MS, MAX_REFRESH_MS));
  };
  const poll = () => setTimeout(() => { if (!document.hidden) schedule(); poll(); }, clamp(5 * lastMs, POLL_MS, MAX_POLL_MS));
  // Each open stream holds a server thread of its own (the server adds one per stream, so
  // tabs never take the threads that answer requests); a hidden tab still lets go of its
  // stream, to spare the server, and catches up when it is shown again.
  let source = null;
  const connect = () => {
    source = new EventSource("/v2/events");
    source.onopen = () => { dot.textContent = "live"; dot.classList.add("on"); };
    source.onerror = () => { dot.textContent = "reconnecting"; dot.classList.remove("on"); };
    for (const type of EVENTS) source.addEventListener(type, schedule);
  };
  const disconnect = () => {
    if (source) source.close();
    source = null;
    dot.textContent = "paused";
    dot.classList.remove("on");
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) disconnect();
    else if (!source) { connect(); schedule(); }
  });
  window.addEventListener("beforeunload", disconnect);
  connect();
  poll();
  return run();
}

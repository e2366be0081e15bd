// Live updates: one EventSource on /v2/events; a page re-reads what it shows at most
// once per REFRESH_MS however many events arrive (a rolling restart of 1,000 instances
// sends thousands), and every POLL_MS without any.

const REFRESH_MS = 700;
// Some of what a page shows changes without an event (why something waits, a backoff's
// countdown, a job's next run): it is re-read this often too.
const POLL_MS = 5000;

export function live(refresh) {
  const dot = document.getElementById("live");
  let timer = null;
  const schedule = () => {
    if (timer === null) timer = setTimeout(() => { timer = null; refresh(); }, REFRESH_MS);
  };
  const source = new EventSource("/v2/events");
  source.onopen = () => { dot.textContent = "live"; dot.classList.add("on"); };
  source.onerror = () => { dot.textContent = "reconnecting"; dot.classList.remove("on"); };
  source.onmessage = schedule;
  for (const type of ["status_update_event", "instance_changed_event", "health_status_changed_event",
    "deployment_info", "deployment_success", "deployment_failed", "deployment_step_success",
    "deployment_step_failure", "api_post_event", "app_terminated_event", "group_change_success",
    "instance_health_changed_event", "failed_health_check_event", "job_run_started_event",
    "job_run_finished_event", "job_run_missed_event"]) {
    source.addEventListener(type, schedule);
  }
  setInterval(schedule, POLL_MS);
  window.addEventListener("beforeunload", () => source.close());
  return refresh();
}

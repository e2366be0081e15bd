// An app's status and health as Marathon's UI names them, from /v2/apps and /v2/queue.

/** queue entries by app id */
export function queueByApp(queue) {
  return new Map((queue.queue || []).map((item) => [item.app.id, item]));
}

/** Deploying, Delayed (launch backoff), Waiting (queued, no offer fits), Suspended or Running. */
export function appStatus(app, queued) {
  if (queued && queued.delay && !queued.delay.overdue && queued.delay.timeLeftSeconds > 0) return "Delayed";
  if ((app.deployments || []).length) return "Deploying";
  if (queued && queued.count > 0) return "Waiting";
  if (app.instances === 0 && !app.tasksRunning) return "Suspended";
  return "Running";
}

/** healthy / unhealthy / unknown, and a short text such as "2 of 3 healthy". */
export function appHealth(app) {
  const checks = (app.healthChecks || []).length;
  if (!checks) return { kind: "unknown", text: app.tasksRunning ? "no checks" : "—" };
  if (app.tasksUnhealthy > 0) return { kind: "unhealthy", text: `${app.tasksUnhealthy} unhealthy` };
  const kind = app.tasksHealthy >= app.instances && app.instances > 0 ? "healthy" : "unknown";
  return { kind, text: `${app.tasksHealthy} of ${app.instances} healthy` };
}

// Entry point: the server says which page this is (main#view[data-page]); its module draws it.

import { view } from "./dom.js";

const MODULES = {
  apps: ["./apps.js", "appsPage"],
  app: ["./app.js", "appPage"],
  app_form: ["./app_form.js", "appFormPage"],
  deployments: ["./deployments.js", "deploymentsPage"],
  queue: ["./deployments.js", "queuePage"],
  jobs: ["./jobs.js", "jobsPage"],
  job: ["./job.js", "jobPage"],
  job_form: ["./job_form.js", "jobFormPage"],
  graph: ["./graph.js", "graphPage"],
};

const [path, name] = MODULES[view().dataset.page];
const module = await import(path);
await module[name](view().dataset);
performance.mark("dromos-ready");  // when the page first shows its data (bench/ui_apps.py)
document.body.dataset.ready = "true";

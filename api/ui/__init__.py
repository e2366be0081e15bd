"""The web UI at /ui: server-rendered page shells; one small ES module per page family
renders them from the JSON APIs (/v2, /v1/scheduler) and keeps them live from /v2/events."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

blueprint = Blueprint(
    "ui", __name__, url_prefix="/ui", template_folder="templates",
    static_folder="static", static_url_path="/static",
)
root = Blueprint("ui_root", __name__)

# page name -> (template, title); the page's own data comes from the query string.
PAGES = {
    "apps": ("apps.html", "Apps"),
    "app": ("app.html", "App"),
    "app_form": ("app_form.html", "App definition"),
    "deployments": ("deployments.html", "Deployments"),
    "queue": ("queue.html", "Launch queue"),
    "jobs": ("jobs.html", "Jobs"),
    "job": ("job.html", "Job"),
    "job_form": ("job_form.html", "Job definition"),
    "graph": ("graph.html", "Dependency graph"),
}


def to_apps() -> WerkzeugResponse:
    """`/` and `/ui` open the apps page."""
    return redirect(url_for("ui.page", name="apps"))


root.add_url_rule("/", "index", to_apps)
blueprint.add_url_rule("/", "home", to_apps)


@blueprint.get("/<name>")
def page(name: str) -> str:
    if name not in PAGES:
        abort(404)
    template, title = PAGES[name]
    return render_template(
        template, page=name, title=title, params=request.args.to_dict(),
    )

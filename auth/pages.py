"""Pages for people: the lab's front page and the latest experiment report."""

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from auth.api import all_modes

bp = Blueprint("pages", __name__)

# What an experiment report folder may hand out: its data, its text, its charts.
REPORT_FILES = {".png", ".json", ".md"}
CHARTS = ["success_rate.png", "by_backend.png", "timeline.png"]


def _reports_dir():
    return Path(current_app.config["REPORTS_DIR"])


def latest_report():
    """Return the newest experiment report (its results and charts), or None."""
    folder = _reports_dir()
    candidates = sorted(
        (path.parent for path in folder.glob("*/results.json")),
        key=lambda path: (path / "results.json").stat().st_mtime,
        reverse=True,
    )
    for path in candidates:
        try:
            results = json.loads((path / "results.json").read_text())
        except (OSError, ValueError):
            continue  # a report still being written, or not ours
        charts = [name for name in CHARTS if (path / name).is_file()]
        return {"name": path.name, "results": results, "charts": charts}
    return None


@bp.get("/")
def index():
    """Show the demo: modes, requests, credentials, attacks, comparison."""
    modes = all_modes()
    return render_template("index.html", modes=modes, report=latest_report())


@bp.get("/reports/latest")
def report():
    """Show the newest experiment report with its charts."""
    latest = latest_report()
    if latest is None:
        abort(404, description="no experiment report yet: run python -m lab experiment round-robin")
    return render_template("report.html", report=latest)


@bp.get("/reports/<name>/<filename>")
def report_file(name, filename):
    """Serve a chart or data file of a report folder."""
    if Path(filename).suffix not in REPORT_FILES:
        abort(404)
    return send_from_directory(_reports_dir() / name, filename)

"""Pages for people: the lab's front page."""

from flask import Blueprint, render_template

from auth.modes import MODES

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """Show the modes and how to try them."""
    return render_template("index.html", modes=MODES.values())

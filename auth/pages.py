"""Pages for people: the lab's front page."""

from flask import Blueprint, render_template

from auth.modes import MODES

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """Show the modes and how to try them."""
    modes = list(MODES.values())
    return render_template(
        "index.html", modes=modes, modes_data=[mode.describe() for mode in modes]
    )

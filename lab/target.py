"""The lab a command works on: one it starts itself, or one already running at --url."""

import argparse
import contextlib

import requests

from auth.modes import MODES
from lab.processes import LabError
from lab.stack import REPO_ROOT, Lab

# Where experiments and benches write their reports (git ignores it); the page shows them.
REPORTS = REPO_ROOT / "reports"


def positive_int(text):
    """Parse a whole number of at least 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def mode_names(text):
    """Parse a comma-separated list of mode names, for argparse."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown mode {', '.join(map(repr, unknown)) or '(none given)'}: "
            f"choose from {', '.join(MODES)}"
        )
    return list(dict.fromkeys(names))


def add_target_arguments(parser):
    """Add --url, --backends and --workers to a subcommand's parser."""
    parser.add_argument(
        "--url", help="use the lab already running there instead of starting one (no faults then)"
    )
    parser.add_argument("--backends", type=positive_int, default=3, help="backends to start")
    parser.add_argument("--workers", type=positive_int, default=2, help="workers per backend")


@contextlib.contextmanager
def lab_target(args, env=None):
    """Yield (url, lab): lab is the Lab this command started, or None for --url."""
    if args.url:
        url = args.url.rstrip("/")
        try:
            requests.get(f"{url}/healthz", timeout=5).raise_for_status()
        except requests.RequestException as error:
            raise LabError(f"no lab answers at {url}/healthz: {error}") from None
        yield url, None
        return
    with Lab(backends=args.backends, workers=args.workers, env=env) as lab:
        yield lab.url, lab

"""The lab a command works on: one it starts itself, or one already running at --url."""

import argparse
import contextlib

import requests

from lab.processes import LabError
from lab.stack import Lab


def positive_int(text):
    """Parse a whole number of at least 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_target_arguments(parser, backends_default=3):
    """Add --url, --backends and --workers to a subcommand's parser."""
    parser.add_argument(
        "--url", help="use the lab already running there instead of starting one (no faults then)"
    )
    parser.add_argument(
        "--backends", type=positive_int, default=backends_default, help="backends to start"
    )
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

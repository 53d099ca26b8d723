"""Command line of the lab: run it (`up`), measure it (`experiment`, `bench`), teach with it."""

import argparse
import os
import signal
import sys
import time

from rich.console import Console
from rich.table import Table

from lab import bench, crack, experiment, keys, workshop
from lab.processes import LabError, MissingProgram
from lab.stack import Lab
from lab.target import positive_int

EXIT_MISSING_PROGRAM = 2
EXIT_FAILED = 1


def build_parser():
    """Return the argument parser of `python -m lab`."""
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run Redis, the backends and nginx until Ctrl-C")
    up.add_argument("--backends", type=positive_int, default=3, help="backends (default 3)")
    up.add_argument(
        "--workers", type=positive_int, default=2, help="workers per backend (default 2)"
    )
    up.add_argument("--port", type=positive_int, default=8080, help="nginx port (default 8080)")
    up.add_argument("--redis-url", help="use this Redis instead of starting one ($REDIS_URL)")
    up.add_argument(
        "--odd-secret",
        type=positive_int,
        metavar="N",
        help="give backend N a SECRET_KEY of its own (workshop exercise 4)",
    )
    up.set_defaults(run=run_up)
    experiment.add_parser(commands)
    bench.add_parser(commands)
    keys.add_parser(commands)
    crack.add_parser(commands)
    workshop.add_parser(commands)
    return parser


def services_table(lab):
    """Return a table of what runs where."""
    table = Table(title="authlab is running")
    for column in ("service", "pid", "listens on", "notes"):
        table.add_column(column)
    for name, pid, address, notes in lab.services():
        table.add_row(name, str(pid), address, notes)
    return table


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_up(args, console):
    """Run the lab until Ctrl-C or SIGTERM, then stop everything it started."""
    redis_url = args.redis_url or os.environ.get("REDIS_URL") or None
    lab = Lab(
        backends=args.backends,
        workers=args.workers,
        port=args.port,
        redis_url=redis_url,
        odd_secret=args.odd_secret,
    )
    # SIGTERM stops the lab exactly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with console.status("starting Redis, the backends and nginx…"):
            lab.start()
        console.print(services_table(lab))
        console.print(f"logs: {lab.runtime_dir}/*.log (deleted when the lab stops)")
        console.print(f"\nOpen [bold]{lab.url}/[/bold]  ·  try: curl {lab.url}/api/modes")
        console.print("Ctrl-C stops everything.", style="dim")
        reported = set()
        while True:
            time.sleep(1)
            for number, backend in lab.backends.items():
                if not backend.running and number not in reported:
                    reported.add(number)
                    console.print(f"[yellow]backend-{number} has stopped; see {backend.log_path}")
    except KeyboardInterrupt:
        console.print("\nstopping…")
    finally:
        # A second Ctrl-C or SIGTERM must not leave the lab half stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        lab.stop()
    console.print("stopped; nothing left running.")
    return 0


def main(argv=None):
    """Run `python -m lab` with argv; return the exit code."""
    args = build_parser().parse_args(argv)
    console = Console()
    try:
        return args.run(args, console)
    except MissingProgram as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_MISSING_PROGRAM
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED

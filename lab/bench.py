"""`python -m lab bench`: what each mode's authentication costs, through nginx and in-process.

Every target (the unauthenticated GET /api/ping, GET /api/ping-redis which adds one Redis
round trip to it, then GET /<mode>/api/me for each mode) is loaded with wrk for a few seconds,
round after round, targets alternating; the auth tax is the time per request a mode adds to
the baseline, and each mode's ratio is set against the aim it should reach. The same loops
then run in-process (Flask's test client, no network, no proxy) and under cProfile, to show
where that cost sits.
"""

import contextlib
import cProfile
import json
import os
import platform
import pstats
import secrets
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import redis
import requests
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app import create_app
from auth.modes import MODES
from auth.users import DEMO_USERS, init_db
from lab.client import ModeClient
from lab.processes import LabError, find_program
from lab.stack import REPO_ROOT, running_redis
from lab.target import REPORTS, add_target_arguments, lab_target, mode_names, positive_int

PING = "ping"
PING_PATH = "/api/ping"
# The floor under every Redis-backed mode: /api/ping plus one Redis GET and nothing else.
ROUND_TRIP = "ping-redis"
ROUND_TRIP_PATH = "/api/ping-redis"
# What each mode should reach, as a share of /api/ping's throughput: a stateless check should
# cost next to nothing; a mode that pays a Redis round trip per request, not much more.
STATELESS_AIM = 0.90
REDIS_AIM = 0.85
WRK_SCRIPT = Path(__file__).resolve().with_name("wrk_summary.lua")
# Alternating /me and /api/ping in batches spreads the process's own drift over both.
IN_PROCESS_BATCHES = 5
HOTSPOT_COUNT = 5
LIBRARY_MARKER = "site-packages"
# The lab's own code: where a mode's cost sits once the libraries' share is accounted for.
LAB_PACKAGES = (str(REPO_ROOT / "auth") + os.sep, str(REPO_ROOT / "app.py"))
# Enough to reach every worker of a default lab a few times before anything is timed.
WARM_UP_REQUESTS = 24
# After a wrk run, Redis is read every SETTLE_INTERVAL_SECONDS until its count stops moving.
SETTLE_INTERVAL_SECONDS = 0.1
SETTLE_CHECKS = 30
# Seconds wrk may take beyond its --duration (start-up, closing connections) before we give up.
WRK_GRACE_SECONDS = 30


@dataclass
class Target:
    """One URL wrk loads, with the credential header a logged-in client sends to it."""

    name: str
    url: str
    headers: dict = field(default_factory=dict)
    credential_bytes: int = 0


def add_parser(commands):
    """Add the `bench` subcommand to the subparsers of `python -m lab`."""
    parser = commands.add_parser(
        "bench", help="measure throughput, latency and the auth tax of every mode"
    )
    add_target_arguments(parser)
    parser.add_argument(
        "--duration", type=positive_int, default=3, help="seconds per wrk run (default 3)"
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=3,
        help="rounds; each runs every target once, targets alternating (default 3)",
    )
    parser.add_argument(
        "--connections", type=positive_int, default=32, help="wrk connections (default 32)"
    )
    parser.add_argument("--threads", type=positive_int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--modes",
        type=mode_names,
        default=list(MODES),
        help=f"comma-separated modes to measure (default all: {','.join(MODES)})",
    )
    parser.add_argument(
        "--requests-in-process",
        type=positive_int,
        default=2000,
        help="in-process /me (and /api/ping) requests per mode (default 2000)",
    )
    parser.add_argument(
        "--redis-url",
        help="Redis of the lab at --url, to count its commands (a lab started here uses its own)",
    )
    parser.add_argument(
        "--out", type=Path, help="report folder (default reports/bench-YYYYmmdd-HHMMSS/)"
    )
    parser.set_defaults(run=run)


def run(args, console):
    """Measure every target, write bench.json and bench.md, print the table; return 0."""
    wrk = find_program("wrk", "wrk")
    if args.connections < args.threads:
        raise LabError(
            f"wrk needs at least one connection per thread: "
            f"--connections {args.connections} < --threads {args.threads}"
        )
    out = args.out or REPORTS / f"bench-{datetime.now():%Y%m%d-%H%M%S}"
    started = datetime.now().astimezone()
    load_before = os.getloadavg()[0]
    console.print("starting the lab…" if not args.url else f"using the lab at {args.url}")
    with lab_target(args) as (url, lab):
        redis_url = lab.redis_url if lab else args.redis_url
        try:
            targets = [Target(PING, url + PING_PATH)]
            if needs_floor(args.modes):
                targets.append(Target(ROUND_TRIP, url + ROUND_TRIP_PATH))
            targets += [logged_in_target(url, mode) for mode in args.modes]
            warm_up(targets)
        except requests.RequestException as error:
            raise LabError(f"the lab at {url} stopped answering: {error}") from None
        samples = load_every_target(wrk, url, targets, args, RedisCommands(redis_url), console)
        with console.status("in-process: Flask test client and cProfile…"):
            in_process = measure_in_process(args.modes, redis_url, args.requests_in_process)
    report = build_report(
        args, started, load_before, url, wrk_version(wrk), targets, samples, in_process
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "bench.md").write_text(markdown_report(report))
    console.print(rich_table(report))
    console.print(f"report: {out / 'bench.md'} and {out / 'bench.json'}")
    return 0


def needs_floor(modes):
    """Tell whether the Redis round-trip floor belongs in a bench of these modes."""
    return any(MODES[mode].needs_redis for mode in modes)


def aim(target_name):
    """Return the ratio to /api/ping a target should reach, or None if it has no aim."""
    mode = MODES.get(target_name)
    if mode is None or mode.session_store == "local":
        return None  # the baseline, the floor, and the per-backend sessions, which have none
    return REDIS_AIM if mode.needs_redis else STATELESS_AIM


# -- through nginx, with wrk ------------------------------------------------------------------


def credential_header(url, mode):
    """Log alice in to mode; return the header (name, value) that carries her credential."""
    client = ModeClient(url, mode)
    response = client.login()
    if response.status_code != 200:
        raise LabError(f"cannot log in to {mode} at {url}: {response.status_code} {response.text}")
    if client.access_token:
        return "Authorization", f"Bearer {client.access_token}"
    # Every cookie the jar holds, nginx's lab_sticky included for session-sticky.
    return "Cookie", "; ".join(f"{c.name}={c.value}" for c in client.http.cookies)


def logged_in_target(url, mode):
    """Return the /me target of mode with alice's credential header and its size on the wire."""
    name, value = credential_header(url, mode)
    endpoints = ModeClient(url, mode)
    answer = requests.get(endpoints.url("credential"), headers={name: value}, timeout=10)
    answer.raise_for_status()
    return Target(mode, endpoints.url("me"), {name: value}, answer.json()["bytes"])


def warm_up(targets):
    """Send each target a few requests, so that no worker meets its first one under wrk."""
    with requests.Session() as http:
        for target in targets:
            for _ in range(WARM_UP_REQUESTS):
                http.get(target.url, headers=target.headers, timeout=10)


class RedisCommands:
    """Counts the commands a Redis has executed, from INFO commandstats; None without a URL."""

    def __init__(self, url):
        self.url = url
        self.client = redis.Redis.from_url(url) if url else None

    def total(self):
        """Return the commands executed so far, not counting our own INFO calls."""
        if self.client is None:
            return None
        try:
            stats = self.client.info("commandstats")
        except redis.RedisError as error:
            raise LabError(f"cannot read INFO commandstats from {self.url}: {error}") from None
        return sum(stat["calls"] for name, stat in stats.items() if name != "cmdstat_info")

    def settled_total(self):
        """Return total() once the lab is quiet again.

        When wrk stops, requests it sent are still in flight through nginx and the backends;
        their commands belong to this run, not to the next target's.
        """
        previous = self.total()
        for _ in range(SETTLE_CHECKS):
            time.sleep(SETTLE_INTERVAL_SECONDS)
            current = self.total()
            if current == previous:
                break
            previous = current
        return previous


def load_every_target(wrk, url, targets, args, redis_commands, console):
    """Run wrk on every target, once per round; return each target's list of samples."""
    samples = {target.name: [] for target in targets}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("wrk", total=args.rounds * len(targets))
        for round_index in range(args.rounds):
            # A different target goes first each round, so none always meets a cold lab.
            shift = round_index % len(targets)
            for target in targets[shift:] + targets[:shift]:
                progress.update(
                    task, description=f"round {round_index + 1}/{args.rounds}: {target.name}"
                )
                if target.name in MODES:
                    # A fresh login for every run: the lab notes a session's last use at most
                    # once a minute, by rewriting it, and a browser keeps the rewritten cookie,
                    # which wrk cannot. A credential younger than a minute measures what a
                    # browser's costs.
                    name, value = credential_header(url, target.name)
                    target = replace(target, headers={name: value})
                samples[target.name].append(load_once(wrk, target, args, redis_commands))
                progress.advance(task)
    return samples


def load_once(wrk, target, args, redis_commands):
    """Run wrk once on target; return requests/s, latency and what Redis did meanwhile."""
    before = redis_commands.total()
    summary = run_wrk(wrk, target, args)
    after = redis_commands.settled_total()
    seconds = summary["duration_us"] / 1e6
    return {
        "requests": summary["requests"],
        "rps": summary["requests"] / seconds,
        "p50_ms": summary["latency_us"]["p50"] / 1000,
        "p99_ms": summary["latency_us"]["p99"] / 1000,
        "non_2xx": summary["non_2xx"],
        "socket_errors": sum(summary["socket_errors"].values()),
        "redis_commands": None if before is None else after - before,
    }


def run_wrk(wrk, target, args):
    """Run wrk with the summary script; return the JSON line it prints at the end."""
    argv = [
        wrk,
        "--threads",
        str(args.threads),
        "--connections",
        str(args.connections),
        "--duration",
        f"{args.duration}s",
        "--script",
        str(WRK_SCRIPT),
    ]
    for name, value in target.headers.items():
        argv += ["--header", f"{name}: {value}"]
    argv.append(target.url)
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=args.duration + WRK_GRACE_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"wrk did not finish its {args.duration}s run on {target.url}") from None
    summary = parse_wrk_summary(completed.stdout)
    if completed.returncode != 0 or summary is None or summary["requests"] == 0:
        raise LabError(
            f"wrk got no answers from {target.url} (exit {completed.returncode}):\n"
            f"{completed.stderr or completed.stdout}"
        )
    return summary


def parse_wrk_summary(stdout):
    """Return the JSON summary line the Lua script printed, or None if there is none."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def wrk_version(wrk):
    """Return wrk's version line; `wrk -v` prints it and exits non-zero."""
    completed = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    for line in (completed.stdout + completed.stderr).splitlines():
        if line.startswith("wrk "):
            return line.split(" Copyright")[0].strip()
    return "wrk (unknown version)"


# -- in-process, with Flask's test client ----------------------------------------------------


@contextlib.contextmanager
def in_process_redis(redis_url, folder):
    """Yield the Redis URL for the in-process app: the lab's, else one started here."""
    if redis_url:
        yield redis_url
        return
    with running_redis(folder) as service:
        yield service.url


def measure_in_process(modes, redis_url, requests_per_mode):
    """Time and profile GET /<mode>/api/me against GET /api/ping in this process, per mode."""
    with tempfile.TemporaryDirectory(prefix="authlab-bench-") as folder:
        folder = Path(folder)
        with in_process_redis(redis_url, folder) as url:
            app = create_app(
                {
                    "TESTING": True,
                    "BACKEND_NAME": "backend-bench",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'authlab.db'}",
                    "SESSION_DIR": str(folder / "sessions"),
                    "SECRET_KEY": secrets.token_urlsafe(48),
                    "JWT_SECRET_KEY": secrets.token_urlsafe(48),
                    "REDIS_URL": url,
                }
            )
            with app.app_context():
                init_db()
            batch = max(1, requests_per_mode // IN_PROCESS_BATCHES)
            ping_client = app.test_client()
            ping_profile = profile(ping_client, PING_PATH, {}, batch)
            paths = {ROUND_TRIP: ROUND_TRIP_PATH} if needs_floor(modes) else {}
            paths.update({mode: f"/{mode}/api/me" for mode in modes})
            results = {}
            for name, path in paths.items():
                client = app.test_client()
                headers = log_in_in_process(client, name) if name in MODES else {}
                me_us, ping_us = time_alternating(client, path, headers, batch)
                stats = profile(client, path, headers, batch)
                results[name] = {
                    "me_us": me_us,
                    "ping_us": ping_us,
                    "hotspots": hotspots(stats, ping_profile, is_library),
                    "lab_hotspots": hotspots(stats, ping_profile, is_lab_code),
                }
            return results


def log_in_in_process(client, mode):
    """Log alice in through the test client; return the headers /me needs (cookies are kept)."""
    answer = client.post(
        f"/{mode}/api/login", json={"username": "alice", "password": DEMO_USERS["alice"]}
    )
    if answer.status_code != 200:
        raise LabError(f"in-process login to {mode} answered {answer.status_code}: {answer.text}")
    token = answer.get_json().get("access_token")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    me = client.get(f"/{mode}/api/me", headers=headers)
    if me.status_code != 200:
        raise LabError(f"in-process /{mode}/api/me answered {me.status_code}: {me.text}")
    return headers


def time_alternating(client, path, headers, batch):
    """Return the median µs per request of path and of /api/ping, timed in alternating batches."""
    path_us, ping_us = [], []
    for _ in range(IN_PROCESS_BATCHES):
        path_us.append(time_batch(client, path, headers, batch))
        ping_us.append(time_batch(client, PING_PATH, {}, batch))
    return statistics.median(path_us), statistics.median(ping_us)


def time_batch(client, path, headers, count):
    """Return the µs per request of count GET path."""
    start = time.perf_counter_ns()
    for _ in range(count):
        client.get(path, headers=headers)
    return (time.perf_counter_ns() - start) / count / 1000


def profile(client, path, headers, count):
    """Return the cProfile statistics of count GET path."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.get(path, headers=headers)
    profiler.disable()
    return pstats.Stats(profiler)


def is_library(filename):
    """Tell whether a profiled function's file belongs to an installed library."""
    return LIBRARY_MARKER in filename


def is_lab_code(filename):
    """Tell whether a profiled function's file is the lab's own application code."""
    return filename.startswith(LAB_PACKAGES)


def hotspots(stats, ping_stats, belongs):
    """Return the functions with the most cumulative time that /api/ping never calls.

    What ping also runs (the test client, Flask's dispatch, JSON) is the same for every
    mode and would top every list; what is left is where the mode's own cost sits.
    `belongs` picks the functions by file: the libraries', or the lab's own.
    """
    shared = set(ping_stats.stats)
    chosen = [
        (function, cumulative)
        for function, (_, _, _, cumulative, _) in stats.stats.items()
        if belongs(function[0]) and function not in shared
    ]
    chosen.sort(key=lambda item: item[1], reverse=True)
    return [
        {"function": function_label(function), "share": cumulative / stats.total_tt}
        for function, cumulative in chosen[:HOTSPOT_COUNT]
    ]


def function_label(function):
    """Return 'package/module.py:line(name)' for a cProfile function key."""
    filename, line, name = function
    if is_lab_code(filename):
        return f"{os.path.relpath(filename, REPO_ROOT)}:{line}({name})"
    return f"{filename.split(LIBRARY_MARKER + os.sep, 1)[-1]}:{line}({name})"


# -- the report -------------------------------------------------------------------------------


def build_report(args, started, load_before, url, wrk, targets, samples, in_process):
    """Return the whole report as plain data, as bench.json holds it."""
    baseline_rps = statistics.median(sample["rps"] for sample in samples[PING])
    ping_in_process = [result["ping_us"] for result in in_process.values()]
    rows = []
    for target in targets:
        row = through_nginx_row(target, samples[target.name], baseline_rps)
        row["aim"] = aim(target.name)
        row["aim_met"] = None if row["aim"] is None else row["ratio"] >= row["aim"]
        if target.name == PING:
            row.update(
                in_process_us=statistics.median(ping_in_process) if ping_in_process else None,
                in_process_tax_us=0.0,
                library_hotspots=[],
                lab_hotspots=[],
            )
        else:
            result = in_process[target.name]
            row.update(
                in_process_us=result["me_us"],
                in_process_tax_us=result["me_us"] - result["ping_us"],
                library_hotspots=_with_us(result["hotspots"], result["me_us"]),
                lab_hotspots=_with_us(result["lab_hotspots"], result["me_us"]),
            )
        rows.append(row)
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            # Other work on the machine before the bench began: a high figure means noisy results.
            "load_average_1min_before": load_before,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_generator": {
            "program": wrk,
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
            "rounds": args.rounds,
        },
        "lab": {
            "url": url,
            "started_here": not args.url,
            "backends": None if args.url else args.backends,
            "workers": None if args.url else args.workers,
            "redis_counted": samples[PING][0]["redis_commands"] is not None,
        },
        "requests_in_process": args.requests_in_process,
        "targets": rows,
    }


def _with_us(found, request_us):
    return [{**hotspot, "us_per_request": hotspot["share"] * request_us} for hotspot in found]


def through_nginx_row(target, target_samples, baseline_rps):
    """Summarise one target's wrk runs: medians over rounds, totals for counts."""
    rps = [sample["rps"] for sample in target_samples]
    median_rps = statistics.median(rps)
    requests_made = sum(sample["requests"] for sample in target_samples)
    redis_counts = [sample["redis_commands"] for sample in target_samples]
    return {
        "target": target.name,
        "path": urlsplit(target.url).path,
        "rps_per_round": rps,
        "median_rps": median_rps,
        "ratio": median_rps / baseline_rps,
        "tax_us": 1e6 / median_rps - 1e6 / baseline_rps,
        "p50_ms": statistics.median(sample["p50_ms"] for sample in target_samples),
        "p99_ms": statistics.median(sample["p99_ms"] for sample in target_samples),
        "requests": requests_made,
        "non_2xx": sum(sample["non_2xx"] for sample in target_samples) / requests_made,
        "socket_errors": sum(sample["socket_errors"] for sample in target_samples),
        "credential_bytes": target.credential_bytes,
        "redis_commands_per_request": None
        if None in redis_counts
        else sum(redis_counts) / requests_made,
    }


COLUMNS = (
    ("target", lambda row: row["target"]),
    ("req/s", lambda row: f"{row['median_rps']:,.0f}"),
    ("vs ping", lambda row: f"{row['ratio']:.2f}"),
    ("aim", lambda row: _aim_cell(row)),
    ("auth tax µs/req", lambda row: f"{row['tax_us']:+,.0f}"),
    ("p50 ms", lambda row: f"{row['p50_ms']:.2f}"),
    ("p99 ms", lambda row: f"{row['p99_ms']:.2f}"),
    ("non-2xx", lambda row: f"{row['non_2xx']:.0%}"),
    ("credential bytes", lambda row: str(row["credential_bytes"])),
    ("Redis cmds/req", lambda row: _optional(row["redis_commands_per_request"], "{:.2f}")),
    ("in-process µs/req", lambda row: _optional(row["in_process_us"], "{:,.0f}")),
    ("in-process tax µs", lambda row: f"{row['in_process_tax_us']:+,.0f}"),
)


def _aim_cell(row):
    if row["aim"] is None:
        return ""
    return f"≥ {row['aim']:.2f} {'met' if row['aim_met'] else 'not met'}"


def _optional(value, template):
    return "n/a" if value is None else template.format(value)


def table_rows(report):
    """Return the table's cells, one list of strings per target."""
    return [[cell(row) for _, cell in COLUMNS] for row in report["targets"]]


def rich_table(report):
    """Return the report's table for the console."""
    table = Table(title=f"authlab bench, {report['load_generator']['program']}")
    for header, _ in COLUMNS:
        table.add_column(header, justify="left" if header == "target" else "right")
    for cells in table_rows(report):
        table.add_row(*cells)
    return table


def markdown_table(report):
    """Return the report's table in Markdown."""
    headers = [header for header, _ in COLUMNS]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|---|" + "---:|" * (len(headers) - 1),
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(report)]
    return "\n".join(lines) + "\n"


def markdown_report(report):
    """Return bench.md: the table, how it was measured, and where the cost sits."""
    load = report["load_generator"]
    lab = report["lab"]
    machine = report["machine"]
    backends = (
        f"{lab['backends']} backends of {lab['workers']} gunicorn workers, started by the bench"
        if lab["started_here"]
        else f"the lab already running at {lab['url']}"
    )
    parts = [
        f"# authlab bench, {report['date']}\n",
        markdown_table(report),
        f"Load generator: **{load['program']}** (connections: {load['connections']}, "
        f"threads: {load['threads']}, {load['duration_s']} s per run, rounds: {load['rounds']}, "
        "targets alternating); req/s and latencies are medians over the rounds. Through nginx "
        f"to {backends}. In-process: {report['requests_in_process']} requests per mode through "
        "Flask's test client in one process (no network, no proxy), against as many "
        "/api/ping.\n",
        f"These figures come from one run on one machine ({machine['cpu_count']} CPUs, shared "
        "by wrk, nginx, the backends and Redis; 1-minute load average "
        f"{machine['load_average_1min_before']:.2f} before the run): they are noisy. Compare the "
        "ratios and the tax, not the absolute req/s, and re-run before drawing conclusions.\n",
    ]
    if any(row["target"] == "session-local" for row in report["targets"]):
        parts.append(
            "session-local's row mixes 200s and 401s: behind round-robin nginx only the backend "
            "that holds the session answers 200, the others refuse (the non-2xx column). Its "
            "figures are not the cost of a working login.\n"
        )
    if not lab["redis_counted"]:
        parts.append("Redis commands were not counted: no --redis-url was given.\n")
    errors = [row["target"] for row in report["targets"] if row["socket_errors"]]
    if errors:
        parts.append(
            f"wrk saw socket errors (connect/read/write/timeout) on: {', '.join(errors)}.\n"
        )
    parts.append(markdown_aims(report))
    parts.append(markdown_hotspots(report))
    return "\n".join(parts)


def markdown_aims(report):
    """Return the section setting each mode's ratio against its aim and against the floor."""
    rows = {row["target"]: row for row in report["targets"]}
    lines = [
        "## Aims\n",
        f"A stateless check (jwt, signed-cookie) should keep ≥ {STATELESS_AIM:.2f} of "
        f"/api/ping's throughput, a mode with a Redis round trip per request ≥ {REDIS_AIM:.2f}. "
        f"{_count_met(report)}\n",
    ]
    floor = rows.get(ROUND_TRIP)
    if floor is not None:
        lines.append(
            f"The floor under the Redis-backed modes: `{ROUND_TRIP_PATH}`, which is /api/ping "
            f"plus one Redis GET through redis-py and nothing else, keeps {floor['ratio']:.2f} "
            f"(+{floor['tax_us']:,.0f} µs per request). A Redis-backed mode cannot do better "
            "than its floor: whatever it adds (reading the session, the signature check of "
            "jwt-blocklist) comes on top.\n"
        )
    return "\n".join(lines)


def _count_met(report):
    aimed = [row for row in report["targets"] if row["aim"] is not None]
    if not aimed:
        return ""
    met = [row["target"] for row in aimed if row["aim_met"]]
    missed = [row["target"] for row in aimed if not row["aim_met"]]
    return (
        f"In this run {len(met)} of {len(aimed)} reached theirs"
        + (f" ({', '.join(met)})" if met else "")
        + (f"; not reached: {', '.join(missed)}." if missed else ".")
    )


def markdown_hotspots(report):
    """Return the section listing, per mode, the functions where its time goes."""
    lines = [
        "## Hotspots (in-process, cProfile)\n",
        "Per mode, the library functions, then the lab's own, with the most cumulative time "
        "during the in-process /me loop, leaving out everything /api/ping also runs (test "
        "client, Flask dispatch, JSON). Share of the per-request time under the profiler; "
        "nested functions overlap.\n",
    ]
    for row in report["targets"]:
        if row["target"] == PING:
            continue
        lines.append(f"**{row['target']}**\n")
        lines += _hotspot_lines(row["library_hotspots"], "library") or [
            "- (no library function outside what /api/ping runs)"
        ]
        lines += _hotspot_lines(row["lab_hotspots"], "lab")
        lines.append("")
    return "\n".join(lines)


def _hotspot_lines(found, kind):
    return [
        f"- {kind}: `{hotspot['function']}`: {hotspot['share']:.0%} "
        f"(≈{hotspot['us_per_request']:,.0f} µs)"
        for hotspot in found
    ]

"""`python -m lab experiment SCENARIO`: many simulated clients, a report with tables and charts."""

import time
from datetime import UTC, datetime
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab import readings, report
from lab.processes import LabError
from lab.scenarios import SCENARIOS
from lab.simulation import Simulation
from lab.target import REPORTS, add_target_arguments, lab_target, mode_names, positive_int


def add_parser(commands):
    """Add the `experiment` subcommand."""
    parser = commands.add_parser(
        "experiment",
        help="simulate many clients in a scenario and write a report",
        description="Scenarios: "
        + "; ".join(f"{s.name}: {s.description}" for s in SCENARIOS.values()),
    )
    parser.add_argument("scenario", choices=list(SCENARIOS))
    add_target_arguments(parser)
    parser.add_argument("--clients", type=positive_int, default=50, help="clients per mode")
    parser.add_argument("--requests", type=positive_int, default=20, help="requests per client")
    parser.add_argument(
        "--modes",
        type=mode_names,
        help="comma-separated modes (default: all; token-expiry: the JWT modes)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' order")
    parser.add_argument("--out", type=Path, help="report folder (default: reports/SCENARIO-TIME)")
    parser.set_defaults(run=run)


def run(args, console):
    """Run the scenario, write the report, print its table; return the exit code."""
    scenario = SCENARIOS[args.scenario]
    modes = args.modes or scenario.default_modes
    if args.requests < scenario.minimum_requests:
        raise LabError(f"{scenario.name} needs --requests {scenario.minimum_requests} or more")
    if scenario.injects_faults and args.url:
        raise LabError(
            f"{scenario.name} stops parts of the lab on purpose: it needs a lab it starts "
            "itself, so drop --url"
        )
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    out = args.out or REPORTS / f"{scenario.name}-{datetime.now():%Y%m%d-%H%M%S}"
    status = console.status("starting the lab…")
    status.start()
    try:
        with lab_target(args, env=scenario.lab_env) as (url, lab):
            status.stop()
            started_lab = lab is not None
            backend_count = len(lab.backends) if started_lab else None
            results, records = _simulate(scenario, url, lab, modes, args, console)
    finally:
        status.stop()
    results.update(
        scenario=scenario.name,
        description=scenario.description,
        started_at=started_at,
        parameters={
            "clients": args.clients,
            "requests": args.requests,
            "modes": modes,
            "url": args.url,
            "seed": args.seed,
        },
        lab={
            "backends": backend_count or _backends_seen(records),
            "workers": args.workers if started_lab else None,
            "started_by_command": started_lab,
            "environment": scenario.lab_env,
        },
    )
    results["reading"] = readings.read(results)
    charts = report.write(out, _ordered(results))
    _print(console, results, out, charts)
    return 0


def _simulate(scenario, url, lab, modes, args, console):
    columns = [
        TextColumn(f"{scenario.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    total = scenario.progress_steps(modes, args.clients, args.requests)
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("requests", total=total)
        sim = Simulation(
            url, modes, args.clients, lambda n: progress.advance(task, n), seed=args.seed
        )
        begin = time.monotonic()
        try:
            checks = scenario.run(sim, lab, args.requests)
        finally:
            sim.close()
        duration = round(time.monotonic() - begin, 1)
    kinds = scenario.measured_kinds
    results = {
        "duration_s": duration,
        "modes": report.summarize(sim.records, modes, kinds),
        "timeline": report.timeline(sim.records, modes, kinds),
        "events": sim.events,
        "checks": checks,
        "clients_on_one_backend": _clients_on_one_backend(sim.records, kinds),
    }
    return results, sim.records


def _clients_on_one_backend(records, kinds):
    seen = {}
    for record in records:
        if record.kind in kinds:
            seen.setdefault((record.mode, record.client), set()).add(record.backend)
    counts = {}
    for (mode, _), backends in seen.items():
        counts[mode] = counts.get(mode, 0) + (len(backends) == 1)
    return counts


def _backends_seen(records):
    return len({record.backend for record in records if record.backend.startswith("backend-")})


def _ordered(results):
    order = [
        "scenario",
        "description",
        "started_at",
        "duration_s",
        "parameters",
        "lab",
        "reading",
        "modes",
        "checks",
        "events",
        "clients_on_one_backend",
        "timeline",
    ]
    return {key: results[key] for key in order}


def _print(console, results, out, charts):
    table = Table(title=f"experiment {results['scenario']}")
    for column in (
        "mode",
        "phase",
        "requests",
        "success",
        "by backend",
        "status codes",
        "p50/p99 ms",
    ):
        table.add_column(column)
    for mode, data in results["modes"].items():
        for phase, block in [("all", data), *data.get("phases", {}).items()]:
            table.add_row(
                mode,
                phase,
                str(block["requests"]),
                report.percent(block["success_rate"]),
                " ".join(
                    f"{b.removeprefix('backend-')}:{n}" for b, n in block["by_backend"].items()
                ),
                " ".join(f"{s}:{n}" for s, n in block["by_status"].items()),
                f"{block['latency_ms']['p50']}/{block['latency_ms']['p99']}",
            )
    console.print(table)
    for sentence in results["reading"]:
        console.print(f"• {sentence.replace('`', '')}")
    console.print(f"\nreport: {out / 'report.md'}  (+ results.json, {', '.join(charts)})")

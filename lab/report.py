"""An experiment's report: results.json, report.md and charts, from the simulation's records."""

import json
from collections import Counter

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed, none exists in CI

import matplotlib.pyplot as plt
import numpy as np

# Okabe-Ito, as on the demo page: safe for colour-blind readers.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]


def figures(records):
    """Return the figures people compare for a set of records."""
    statuses = Counter(record.status for record in records)
    successes = statuses.get(200, 0)
    latencies = np.array([record.latency_ms for record in records]) if records else None
    return {
        "requests": len(records),
        "successes": successes,
        "success_rate": round(successes / len(records), 4) if records else None,
        "by_backend": dict(sorted(Counter(record.backend for record in records).items())),
        "by_status": {str(status): count for status, count in sorted(statuses.items())},
        "latency_ms": {
            f"p{q}": round(float(np.percentile(latencies, q)), 2) if records else None
            for q in (50, 95, 99)
        },
    }


def summarize(records, modes, measured_kinds):
    """Return per-mode figures, overall and per phase, for the measured kinds of request."""
    measured = [record for record in records if record.kind in measured_kinds]
    summary = {}
    for mode in modes:
        mine = [record for record in measured if record.mode == mode]
        phases = list(dict.fromkeys(record.phase for record in mine))
        summary[mode] = figures(mine)
        if len(phases) > 1:
            summary[mode]["phases"] = {
                phase: figures([record for record in mine if record.phase == phase])
                for phase in phases
            }
    return summary


def timeline(records, modes, measured_kinds):
    """Return, per mode, [round, seconds since start, success rate] for each round."""
    series = {}
    for mode in modes:
        rounds = {}
        for record in records:
            if record.mode == mode and record.kind in measured_kinds and record.round >= 0:
                rounds.setdefault(record.round, []).append(record)
        series[mode] = [
            [
                number,
                round(float(np.mean([r.t for r in group])), 3),
                round(sum(r.status == 200 for r in group) / len(group), 4),
            ]
            for number, group in sorted(rounds.items())
        ]
    return series


def reproduce_command(results):
    """Return the command that runs this experiment again with the same settings."""
    parameters, lab = results["parameters"], results["lab"]
    target = (
        f"--backends {lab['backends']} --workers {lab['workers']}"
        if lab["started_by_command"]
        else f"--url {parameters['url']}"
    )
    return (
        f"python -m lab experiment {results['scenario']} --clients {parameters['clients']} "
        f"--requests {parameters['requests']} {target} --modes {','.join(parameters['modes'])} "
        f"--seed {parameters['seed']}"
    )


def write(out, results):
    """Write results.json, report.md and the charts into the folder out."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    charts = _charts(out, results)
    (out / "report.md").write_text(markdown(results, charts))
    return charts


def percent(rate):
    """Format a rate in 0..1 as a percentage."""
    return "-" if rate is None else f"{100 * rate:.1f}%"


def _table(rows, header):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _plain(value):
    if isinstance(value, dict):
        return ", ".join(f"{key}: {count}" for key, count in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return value


def mode_rows(results):
    """Return one table row per mode (and phase): the figures of the report's main table."""
    rows = []
    for mode, data in results["modes"].items():
        blocks = [("all", data), *data.get("phases", {}).items()]
        for phase, block in blocks:
            latency = block["latency_ms"]
            rows.append(
                [
                    f"`{mode}`",
                    phase,
                    block["requests"],
                    block["successes"],
                    percent(block["success_rate"]),
                    ", ".join(f"{b}: {n}" for b, n in block["by_backend"].items()),
                    ", ".join(f"{s}: {n}" for s, n in block["by_status"].items()),
                    f"{latency['p50']} / {latency['p95']} / {latency['p99']}",
                ]
            )
    return rows


MAIN_HEADER = [
    "mode",
    "phase",
    "requests",
    "successes",
    "success rate",
    "answers per backend",
    "status codes",
    "latency p50 / p95 / p99 (ms)",
]


def markdown(results, charts):
    """Return the report as Markdown: settings, reading, tables, charts."""
    parameters = results["parameters"]
    lines = [
        f"# Experiment `{results['scenario']}`",
        "",
        results["description"],
        "",
        f"Run on {results['started_at']}, {results['duration_s']} s; "
        f"{parameters['clients']} clients x {parameters['requests']} requests per mode, "
        f"{results['lab']['backends']} backends"
        + (f" x {results['lab']['workers']} workers" if results["lab"]["workers"] else "")
        + (
            f", lab at {parameters['url']}"
            if parameters.get("url")
            else ", lab started for this run"
        )
        + ".",
        "",
        "## What happened",
        "",
        *[f"- {sentence}" for sentence in results["reading"]],
        "",
    ]
    if results["events"]:
        lines += ["## Events", ""]
        lines += [f"- round {e['round']} (t = {e['t']} s): {e['label']}" for e in results["events"]]
        lines.append("")
    lines += ["## Figures per mode", "", _table(mode_rows(results), MAIN_HEADER), ""]
    if results["checks"]:
        checks = results["checks"].items()
        rows = [(name.replace("_", " "), _plain(value)) for name, value in checks]
        lines += ["## Checks", "", _table(rows, ["check", "value"]), ""]
    lines += ["## Charts", ""]
    lines += [f"![{title}]({name})" for name, title in charts.items()]
    lines += [
        "",
        f"Reproduce: `{reproduce_command(results)}`",
        "",
    ]
    return "\n".join(lines)


def _charts(out, results):
    modes = list(results["modes"])
    charts = {}

    fig, ax = plt.subplots(figsize=(10, 4.5))
    rates = [100 * (results["modes"][m]["success_rate"] or 0) for m in modes]
    bars = ax.bar(modes, rates, color=[PALETTE[i % len(PALETTE)] for i in range(len(modes))])
    ax.bar_label(bars, labels=[f"{r:.0f}%" for r in rates])
    ax.set_ylim(0, 110)
    ax.set_ylabel("requests that succeeded (%)")
    ax.set_title(f"{results['scenario']}: success rate per mode")
    _save(fig, out / "success_rate.png")
    charts["success_rate.png"] = "Success rate per mode"

    fig, ax = plt.subplots(figsize=(10, 4.5))
    backends = sorted({b for m in modes for b in results["modes"][m]["by_backend"]})
    bottom = np.zeros(len(modes))
    for i, backend in enumerate(backends):
        counts = np.array([results["modes"][m]["by_backend"].get(backend, 0) for m in modes])
        ax.bar(
            modes,
            counts,
            bottom=bottom,
            label=backend,
            color=PALETTE[i % len(PALETTE)],
            hatch="//" if i % 2 else "",
        )
        bottom += counts
    ax.set_ylabel("answers")
    ax.set_title(f"{results['scenario']}: which backend answered, per mode")
    ax.legend(title="answered by")
    _save(fig, out / "by_backend.png")
    charts["by_backend.png"] = "Answers per backend per mode"

    if results["events"]:
        _timeline_chart(out / "timeline.png", results)
        charts["timeline.png"] = "Success rate over time, with the events marked"
    return charts


def _timeline_chart(path, results):
    """One small chart per mode, sharing the round axis, with the events and fault shaded."""
    modes = list(results["modes"])
    # An event happens between two rounds: draw it just before the round it precedes.
    events = [(event["round"] - 0.5, event["label"]) for event in results["events"]]
    fig, axes = plt.subplots(len(modes), 1, figsize=(10, 1.2 * len(modes) + 1.4), sharex=True)
    axes = np.atleast_1d(axes)
    for i, (ax, mode) in enumerate(zip(axes, modes, strict=True)):
        points = results["timeline"][mode]
        if points:
            rounds, _, rate = zip(*points, strict=True)
            ax.plot(
                rounds,
                [100 * r for r in rate],
                marker="o",
                markersize=4,
                color=PALETTE[i % len(PALETTE)],
            )
        if len(events) >= 2:
            ax.axvspan(events[0][0], events[1][0], color="#ddd", zorder=0)
        for x, _ in events:
            ax.axvline(x, color="#444", linewidth=1)
        ax.set_ylim(-5, 105)
        ax.set_yticks([0, 50, 100])
        ax.set_ylabel(mode, rotation=0, ha="right", va="center", fontsize=9)
    for number, (x, _) in enumerate(events, start=1):
        axes[0].annotate(f"{number}", (x, 106), ha="center", fontsize=9, annotation_clip=False)
    axes[-1].set_xlabel("round (every client sends one request per round)")
    legend = "   ".join(f"{number}: {label}" for number, (_, label) in enumerate(events, start=1))
    fig.suptitle(f"{results['scenario']}: success rate per round (%)\n{legend}", fontsize=10)
    _save(fig, path)


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

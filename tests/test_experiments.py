"""Each experiment in a reduced form against a real lab it starts; its results asserted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lab.processes import free_port

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent
SURVIVORS = ["session-redis", "signed-cookie", "jwt", "jwt-blocklist"]


def experiment(scenario, out, *args, clients=4, requests=6):
    """Run `python -m lab experiment`; return (exit code, output, results or None)."""
    command = [
        sys.executable,
        "-m",
        "lab",
        "experiment",
        scenario,
        "--out",
        str(out),
        "--clients",
        str(clients),
        "--requests",
        str(requests),
        *args,
    ]
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
    )
    results = out / "results.json"
    parsed = json.loads(results.read_text()) if results.exists() else None
    return done.returncode, done.stdout + done.stderr, parsed


def no_server_errors(results, allowed=()):
    """Assert that no 5xx except the allowed statuses reached any client."""
    for mode, data in results["modes"].items():
        errors = {s for s in data["by_status"] if s.startswith("5") and s not in allowed}
        assert not errors, (mode, data["by_status"])


def test_round_robin(tmp_path):
    code, output, results = experiment("round-robin", tmp_path, requests=9)
    assert code == 0, output
    modes = results["modes"]
    assert 0 < modes["session-local"]["success_rate"] < 0.6
    for mode in ["session-sticky", *SURVIVORS]:
        assert modes[mode]["success_rate"] == 1.0, mode
        assert modes[mode]["requests"] == 4 * 9
    assert results["clients_on_one_backend"]["session-sticky"] == 4
    assert len(modes["jwt"]["by_backend"]) == 3
    assert set(modes["jwt"]["latency_ms"]) == {"p50", "p95", "p99"}
    assert results["parameters"] == {
        "clients": 4,
        "requests": 9,
        "modes": list(modes),
        "url": None,
        "seed": 1,
    }
    no_server_errors(results)
    for name in ("report.md", "success_rate.png", "by_backend.png"):
        assert (tmp_path / name).exists(), name
    assert (tmp_path / "success_rate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "report.md").read_text()
    assert "| `session-local` | all |" in report and "## What happened" in report
    assert "9 requests per mode, 3 backends x 2 workers" in report
    assert "--requests 9 --backends 3 --workers 2 --modes" in report  # the reproduce line
    assert "round-robin" in output and "report:" in output


def test_backend_down(tmp_path):
    code, output, results = experiment("backend-down", tmp_path)
    assert code == 0, output
    victim = results["checks"]["victim"]
    assert [event["label"].split(" ")[1] for event in results["events"]] == ["killed", "back,"]
    no_server_errors(results)
    for mode in SURVIVORS:
        for phase, block in results["modes"][mode]["phases"].items():
            assert block["success_rate"] == 1.0, (mode, phase)
    for mode, data in results["modes"].items():
        assert victim not in data["phases"]["during"]["by_backend"], mode  # nginx failed over
    # Back in the rotation once nginx tried it again.
    after = [data["phases"]["after"]["by_backend"] for data in results["modes"].values()]
    assert any(victim in by_backend for by_backend in after)
    assert (tmp_path / "timeline.png").exists()


def test_redis_down(tmp_path):
    code, output, results = experiment("redis-down", tmp_path)
    assert code == 0, output
    no_server_errors(results, allowed={"503"})
    for mode in ("session-redis", "jwt-blocklist"):
        phases = results["modes"][mode]["phases"]
        assert phases["before"]["success_rate"] == 1.0
        assert set(phases["during"]["by_status"]) == {"503"}, mode
        assert phases["after"]["success_rate"] == 1.0 and "503" not in phases["after"]["by_status"]
    for mode in ("signed-cookie", "jwt", "session-sticky"):
        assert results["modes"][mode]["success_rate"] == 1.0, mode
    assert results["checks"]["revoked_token_replays"] > 0
    assert results["checks"]["revoked_token_accepted"] == 0


def test_logout_replay(tmp_path):
    code, output, results = experiment("logout-replay", tmp_path)
    assert code == 0, output
    after = {mode: data["phases"]["after logout"] for mode, data in results["modes"].items()}
    assert after["jwt"]["success_rate"] == 1.0
    assert after["signed-cookie"]["success_rate"] == 1.0
    for mode in ("jwt-blocklist", "session-redis", "session-sticky"):
        assert after[mode]["success_rate"] == 0.0, mode
    assert results["checks"]["logout_by_status"] == {"200": 4 * 6}
    assert len(after["jwt"]["by_backend"]) == 3  # the replays reached every backend


def test_token_expiry(tmp_path):
    code, output, results = experiment("token-expiry", tmp_path, requests=8)
    assert code == 0, output
    checks = results["checks"]
    assert checks["access_token_lifetime_s"] == 2
    for mode in ("jwt", "jwt-blocklist"):
        assert results["modes"][mode]["success_rate"] == 1.0
        assert checks["expired_by_mode"][mode] > 0
        assert checks["refreshes_by_mode"][mode] > 0
    assert checks["refresh_by_status"] == {"200": checks["refreshes"]}
    assert checks["logins_with_password"] == 2 * 4  # once per client, never again
    assert checks["first_token_accepted"] == 0
    assert checks["first_token_rejected_by"] == ["backend-1", "backend-2", "backend-3"]


def test_unreachable_lab_is_a_clear_error(tmp_path):
    code, output, results = experiment(
        "round-robin", tmp_path, "--url", f"http://127.0.0.1:{free_port()}"
    )
    assert code == 1 and "no lab answers" in output and results is None


def test_faults_need_a_lab_of_their_own(tmp_path):
    code, output, _ = experiment("redis-down", tmp_path, "--url", "http://127.0.0.1:1")
    assert code == 1 and "drop --url" in output


def test_unknown_mode_is_refused(tmp_path):
    code, output, _ = experiment("round-robin", tmp_path, "--modes", "jwt,nope")
    assert code == 2 and "unknown mode 'nope'" in output

"""`python -m lab bench` on a real lab: the report's shape and what it observes, never its speed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auth.modes import MODES
from lab.processes import free_port

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent


def bench(*args, timeout=120):
    """Run `python -m lab bench` with args from the repository root; return the result."""
    return subprocess.run(
        [sys.executable, "-m", "lab", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One short bench run on a lab it starts: (bench.json as data, bench.md as text)."""
    out = tmp_path_factory.mktemp("bench")
    result = bench(
        "--duration", "1", "--rounds", "1", "--connections", "4", "--threads", "1",
        "--requests-in-process", "50", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "bench.json").read_text()), (out / "bench.md").read_text()


@pytest.fixture(scope="module")
def rows(report):
    """The report's rows by target name."""
    return {row["target"]: row for row in report[0]["targets"]}


def test_every_target_has_a_row_with_answers(rows):
    assert list(rows) == ["ping", "ping-redis", *MODES]
    for row in rows.values():
        assert row["median_rps"] > 0
        assert row["in_process_us"] > 0
    for mode in MODES:
        assert rows[mode]["ratio"] > 0
        assert isinstance(rows[mode]["tax_us"], float)


def test_credential_bytes_count_what_each_mode_sends(rows):
    assert rows["ping"]["credential_bytes"] == 0
    for mode in MODES:
        assert rows[mode]["credential_bytes"] > 0


@pytest.mark.parametrize(
    ("mode", "touches_redis"),
    [("session-redis", True), ("jwt-blocklist", True), ("jwt", False), ("signed-cookie", False)],
)
def test_redis_commands_per_request(rows, mode, touches_redis):
    commands = rows[mode]["redis_commands_per_request"]
    if touches_redis:
        assert commands >= 1
    else:
        assert commands == 0


def test_the_floor_makes_one_redis_round_trip_and_needs_no_credential(rows):
    floor = rows["ping-redis"]
    assert floor["path"] == "/api/ping-redis"
    assert floor["credential_bytes"] == 0 and floor["non_2xx"] == 0
    assert 0.99 <= floor["redis_commands_per_request"] <= 1.1


@pytest.mark.parametrize(
    ("target", "aim"),
    [
        ("ping", None),
        ("ping-redis", None),
        ("session-local", None),
        ("session-sticky", None),
        ("jwt", 0.9),
        ("signed-cookie", 0.9),
        ("session-redis", 0.85),
        ("jwt-blocklist", 0.85),
    ],
)
def test_each_mode_is_set_against_its_aim(rows, target, aim):
    row = rows[target]
    assert row["aim"] == aim
    assert row["aim_met"] == (None if aim is None else row["ratio"] >= aim)


def test_session_local_is_refused_by_the_backends_without_the_session(rows):
    assert rows["session-local"]["non_2xx"] > 0
    assert rows["session-redis"]["non_2xx"] == 0


def test_markdown_names_the_load_generator_and_the_hotspots(report):
    data, markdown = report
    assert "| target | req/s | vs ping | aim | auth tax µs/req |" in markdown
    assert "## Aims" in markdown and "The floor under the Redis-backed modes" in markdown
    assert "wrk" in markdown and data["load_generator"]["program"].startswith("wrk")
    assert "## Hotspots" in markdown
    assert "- lab: `auth/jws.py:" in markdown  # where jwt's own cost sits
    assert "- library: `itsdangerous/" in markdown  # and signed-cookie's, in its library
    assert data["load_generator"]["connections"] == 4


def test_a_bench_of_stateless_modes_has_no_floor(tmp_path):
    result = bench(
        "--modes", "jwt", "--duration", "1", "--rounds", "1", "--connections", "2",
        "--threads", "1", "--requests-in-process", "20", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "bench.json").read_text())
    assert [row["target"] for row in data["targets"]] == ["ping", "jwt"]
    assert "The floor" not in (tmp_path / "bench.md").read_text()


def test_unknown_mode_is_refused_by_the_parser():
    result = bench("--modes", "nosuchmode", timeout=30)
    assert result.returncode == 2
    assert "unknown mode 'nosuchmode'" in result.stderr
    assert "session-redis" in result.stderr


def test_a_lab_that_does_not_answer_is_reported(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = bench("--url", url, "--out", str(tmp_path), timeout=30)
    assert result.returncode == 1
    assert f"no lab answers at {url}/healthz" in result.stderr
    assert not (tmp_path / "bench.json").exists()

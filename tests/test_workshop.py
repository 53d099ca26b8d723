"""Every exercise's check of the course, against a real lab, so the course cannot drift."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from lab import Lab
from lab.processes import free_port
from tests.attacks import as_bob

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent
ALICE = {"username": "alice", "password": "wonderland"}


@pytest.fixture(scope="module")
def course_lab():
    """The lab of the course: the attack lab on, backend-2 with a secret of its own."""
    with Lab(backends=3, workers=1, env={"LAB_VULNERABLE": "1"}, odd_secret=2) as lab:
        yield lab


@pytest.fixture
def state(tmp_path):
    """A private state folder for the progress file."""
    return tmp_path / "state"


def workshop(state, *args):
    """Run `python -m lab workshop ...`; return (exit code, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "lab", "workshop", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_STATE_HOME": str(state), "COLUMNS": "200"},
    )
    return done.returncode, done.stdout + done.stderr


def token(lab, mode):
    """Alice's access token in mode."""
    return requests.post(f"{lab.url}/{mode}/api/login", json=ALICE, timeout=10).json()[
        "access_token"
    ]


@pytest.fixture(scope="module")
def bench_reports(course_lab, tmp_path_factory):
    """A real, short bench run against the course lab, as exercise 8 asks for."""
    reports = tmp_path_factory.mktemp("reports")
    command = [
        sys.executable,
        "-m",
        "lab",
        "bench",
        "--url",
        course_lab.url,
        "--redis-url",
        course_lab.redis_url,
        "--duration",
        "1",
        "--rounds",
        "1",
        "--connections",
        "4",
        "--threads",
        "1",
        "--requests-in-process",
        "20",
        "--modes",
        "jwt,signed-cookie",
        "--out",
        str(reports / "bench-20261204-000000"),
    ]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=180)
    return reports


def test_every_exercise_passes_on_a_lab_that_shows_it(course_lab, state, bench_reports):
    forged_hard = as_bob(token(course_lab, "jwt"))
    forged_weak = as_bob(token(course_lab, "jwt-vulnerable"), b"sunshine")
    extra = {
        5: ["--token", forged_hard],
        8: ["--reports", str(bench_reports)],
        9: ["--token", forged_weak],
    }
    for number in range(1, 10):
        code, output = workshop(
            state, "check", str(number), "--url", course_lab.url, *extra.get(number, [])
        )
        assert code == 0 and "PASS" in output, (number, output)
    code, output = workshop(state, "list")
    assert code == 0 and "9 of 9 done" in output


@pytest.mark.parametrize(
    ("number", "args", "hint"),
    [
        (4, [], "--odd-secret 2"),  # the shared lab has no odd secret
        (5, [], "--token"),
        (9, ["--token", "x.eyJzdWIiOiJib2IifQ.x"], "LAB_VULNERABLE=1"),
        (8, ["--reports", "/nonexistent"], "python -m lab bench"),
    ],
)
def test_a_check_gives_a_hint_when_the_outcome_is_not_there(lab, state, number, args, hint):
    code, output = workshop(state, "check", str(number), "--url", lab.url, *args)
    assert code == 1 and "NOT YET" in output and hint in output, output


def test_a_genuine_token_is_not_a_forgery(lab, state):
    code, output = workshop(state, "check", "5", "--url", lab.url, "--token", token(lab, "jwt"))
    assert code == 1 and "genuine" in output


def test_the_bench_exercise_needs_no_running_lab(state, tmp_path):
    # The course says to stop the lab before benchmarking: exercise 8 only reads reports.
    url = f"http://127.0.0.1:{free_port()}"
    code, output = workshop(state, "check", "8", "--url", url, "--reports", str(tmp_path))
    assert code == 1 and "no bench report yet" in output


def test_no_lab_no_pass(state):
    code, output = workshop(state, "check", "1", "--url", f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "no lab answers" in output
    assert workshop(state, "list")[1].count("not yet") == 9

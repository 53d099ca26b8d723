"""`python -m lab up` as a newcomer runs it: it serves, it stops cleanly, it explains failures."""

import os
import re
import signal
import subprocess
import sys
import time
from http import HTTPStatus
from pathlib import Path

import psutil
import pytest
import requests

from lab import Lab, LabError
from lab.processes import free_port

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent


def start_up(*args, env=None):
    """Start `python -m lab up` with args; return the process."""
    return subprocess.Popen(
        [sys.executable, "-m", "lab", "up", *args],
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process, pattern, timeout=60):
    """Read the process's output until a line matches pattern; return the match."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    process.kill()
    raise AssertionError(f"no line matched {pattern!r}; output:\n{''.join(seen)}")


def running_up(port, backends):
    """Start `lab up` and wait until it serves; return (process, runtime folder, children)."""
    process = start_up("--port", str(port), "--backends", str(backends), "--workers", "1")
    runtime = Path(read_until(process, r"logs: (\S+)/\*\.log").group(1))
    read_until(process, rf"Open http://127\.0\.0\.1:{port}/")
    return process, runtime, psutil.Process(process.pid).children(recursive=True)


def test_up_serves_the_lab_and_stops_everything_on_sigterm():
    port = free_port()
    process, runtime, children = running_up(port, backends=2)
    # redis, 2 gunicorn masters with 1 worker each, nginx master and its workers
    names = " ".join(" ".join(child.cmdline()) for child in children)
    assert "redis-server" in names and "gunicorn" in names and "nginx" in names

    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert health.status_code == HTTPStatus.OK
    assert {
        requests.get(f"http://127.0.0.1:{port}/api/ping", timeout=5).headers["X-Served-By"]
        for _ in range(4)
    } == {"backend-1", "backend-2"}
    for child in children:
        for connection in child.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN:
                assert connection.laddr.ip == "127.0.0.1", (child.cmdline(), connection)

    # Impatient: a second signal while the lab is stopping.
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "nothing left running" in output and "Traceback" not in output
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert not runtime.exists()


def test_children_die_with_a_killed_launcher():
    process, runtime, children = running_up(free_port(), backends=1)
    process.kill()  # no chance to clean up: the children must still go
    process.wait()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == []
    subprocess.run(["rm", "-rf", str(runtime)], check=True)


@pytest.mark.parametrize(
    ("variable", "package"), [("NGINX_BIN", "nginx"), ("REDIS_SERVER_BIN", "redis-server")]
)
def test_missing_program_is_one_line_naming_the_package_and_exit_2(variable, package):
    process = start_up("--port", str(free_port()), env={variable: "/nonexistent/program"})
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1
    assert f"apt-get install {package}" in lines[0]


def test_port_in_use_is_a_clear_error():
    with Lab(backends=1, workers=1) as lab:
        process = start_up("--port", str(lab.port))
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"port {lab.port} is already in use" in output


def test_bad_arguments_are_refused():
    process = start_up("--backends", "0")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "must be at least 1" in output


def test_lab_api_refuses_unknown_backends_and_external_redis():
    lab = Lab(backends=1, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(LabError, match="no backend-7"):
        lab.stop_backend(7)
    with pytest.raises(LabError, match="external Redis"):
        lab.stop_redis()

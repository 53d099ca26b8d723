"""Child processes of the lab: started in their own group, stopped with everything they spawned."""

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

# Debian puts nginx and redis-server in sbin, which is not on an ordinary user's PATH.
SYSTEM_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class LabError(Exception):
    """The lab could not do what was asked; the message says why."""


class MissingProgram(LabError):
    """A program the lab needs is not installed."""

    def __init__(self, program, package):
        super().__init__(
            f"{program} is not installed: install the Debian package '{package}' "
            f"(sudo apt-get install {package}), or set {_override_variable(program)} to its path"
        )
        self.program = program
        self.package = package


def _override_variable(program):
    return program.upper().replace("-", "_") + "_BIN"


def find_program(program, package):
    """Return the path of program, from $<PROGRAM>_BIN, PATH or sbin; raise MissingProgram."""
    override = os.environ.get(_override_variable(program))
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise MissingProgram(program, package)
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_SBIN])
    found = shutil.which(program, path=search_path)
    if found is None:
        raise MissingProgram(program, package)
    return found


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port):
    """Tell whether something already listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def http_ok(url, timeout=0.5):
    """Tell whether GET url answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:  # urllib.error.URLError included
        return False


_PR_SET_PDEATHSIG = 1


def _stop_with_parent():
    # Linux only: if the launcher itself is killed, its children get SIGTERM too,
    # so no orphan keeps a port or a file open.
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Service:
    """One server process of the lab, logging to its own file."""

    def __init__(self, name, argv, log_path, ready, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.ready = ready
        self.env = env
        self.cwd = cwd
        self.process = None

    @property
    def pid(self):
        """The process id, or None when not running."""
        return self.process.pid if self.running else None

    @property
    def running(self):
        """Tell whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Start the process in a process group of its own."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_stop_with_parent,
            )

    def wait_ready(self, timeout=20.0):
        """Wait until the ready check passes; raise LabError with the log's end if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise LabError(f"{self.name} exited at start:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.05)
        raise LabError(f"{self.name} was not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Stop the process and everything in its group; SIGKILL what outlives the timeout."""
        if self.process is None:
            return
        self._signal_group(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
        # Workers left behind by a killed master still belong to the group.
        self._signal_group(signal.SIGKILL)
        self.process = None

    def kill(self):
        """Kill the process group at once, as a crashed server would die."""
        self.stop(sig=signal.SIGKILL)

    def _signal_group(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def log_tail(self, lines=20):
        """Return the last lines of the log."""
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

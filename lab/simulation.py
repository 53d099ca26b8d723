"""Many simulated clients, each with its own cookie jar and tokens, sending requests in rounds.

Every client of every mode sends one request per round, so all modes live through the same
moments: a fault injected between two rounds hits them all alike.
"""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from lab.client import ModeClient

# Enough threads to keep nginx busy from one process, few enough for a 2-core machine.
MAX_THREADS = 32


@dataclass
class Record:
    """One answer a simulated client got."""

    mode: str
    client: int
    round: int
    phase: str
    kind: str
    t: float
    status: int
    backend: str
    latency_ms: float


class SimulatedClient:
    """One independent client of one mode: its own cookie jar, its own tokens."""

    def __init__(self, url, mode, index):
        self.mode = mode
        self.index = index
        self.api = ModeClient(url, mode)
        self.snapshot = None

    def timed(self, kind, send):
        """Send a request with send(); return (kind, response, latency in ms)."""
        start = time.perf_counter()
        try:
            response = send()
        except requests.RequestException:
            response = NoAnswer()
        return kind, response, (time.perf_counter() - start) * 1000


class NoAnswer:
    """Stands for a request that got no HTTP answer at all (connection refused, timeout)."""

    status_code = 0
    headers = {}  # noqa: RUF012 - read-only, like a response's headers


class Simulation:
    """Runs clients of several modes in rounds and collects a Record per answer."""

    def __init__(self, url, modes, clients_per_mode, progress=None, seed=0):
        self.url = url
        # Clients send in a shuffled order each round, as independent clients would: a fixed
        # order would line each client up with the same backend every round.
        self.random = random.Random(seed)
        self.clients = [
            SimulatedClient(url, mode, index) for mode in modes for index in range(clients_per_mode)
        ]
        self.records = []
        self.events = []
        self.started = time.monotonic()
        self.progress = progress or (lambda advance: None)
        self._pool = ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(self.clients)))

    def close(self):
        """Release the worker threads."""
        self._pool.shutdown(wait=True)

    def start_clock(self):
        """Count time from now on (once everyone has logged in)."""
        self.started = time.monotonic()

    def elapsed(self):
        """Seconds since the simulation started."""
        return time.monotonic() - self.started

    def mark(self, label, round_number):
        """Record an event (a fault, a recovery, a logout) at this moment."""
        self.events.append({"label": label, "round": round_number, "t": round(self.elapsed(), 3)})

    def each_client(self, action, round_number, phase, clients=None):
        """Run action(client) for every client concurrently; record what each answer was."""
        clients = list(self.clients if clients is None else clients)
        self.random.shuffle(clients)
        for client, answers in zip(clients, self._pool.map(action, clients), strict=True):
            for kind, response, latency_ms in answers:
                self.records.append(
                    Record(
                        mode=client.mode,
                        client=client.index,
                        round=round_number,
                        phase=phase,
                        kind=kind,
                        t=round(self.elapsed(), 3),
                        status=response.status_code,
                        backend=response.headers.get("X-Served-By", "nginx"),
                        latency_ms=round(latency_ms, 3),
                    )
                )
            self.progress(1)

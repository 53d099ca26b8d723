"""The experiments: what each auth mode does with many clients, faults and expiries."""

import time
from dataclasses import dataclass, field

from auth.modes import MODES
from lab.processes import LabError
from lab.simulation import SimulatedClient

ALL_MODES = list(MODES)
JWT_MODES = [name for name, mode in MODES.items() if mode.kind == "jwt"]

# Clients that hold a revoked jwt-blocklist token and keep trying it, in redis-down.
REVOKED_PROBES = 5


@dataclass
class Scenario:
    """One experiment: how clients behave, which faults happen when, and what it teaches."""

    name: str
    description: str
    run: callable
    default_modes: list = field(default_factory=lambda: list(ALL_MODES))
    # Faults need a lab this command started and can break.
    injects_faults: bool = False
    lab_env: dict = field(default_factory=dict)
    # The kinds of request the per-mode figures count (the others feed the checks).
    measured_kinds: tuple = ("me",)
    minimum_requests: int = 1
    # Rounds of every client beyond the login and the --requests rounds (logout-replay's logout).
    extra_rounds: int = 0
    # Whether jwt-blocklist's revoked-token probes act in every round (redis-down).
    probes_revoked_tokens: bool = False

    def progress_steps(self, modes, clients, requests):
        """Return how many client actions a run takes: what its progress bar counts to."""
        steps = len(modes) * clients * (1 + requests + self.extra_rounds)
        if self.probes_revoked_tokens and "jwt-blocklist" in modes:
            steps += REVOKED_PROBES * requests
        return steps


def me(client):
    """One ordinary request: who am I?"""
    return [client.timed("me", client.api.me)]


def log_in_everyone(sim):
    """Every client logs in once, with its password."""
    sim.each_client(lambda client: [client.timed("login", client.api.login)], -1, "login")
    refused = [r for r in sim.records if r.kind == "login" and r.status != 200]
    if refused:
        raise LabError(
            f"{len(refused)} simulated clients could not log in (status {refused[0].status})"
        )
    sim.start_clock()


def thirds(requests):
    """Return the rounds where a fault starts and where it ends."""
    start = max(1, requests // 3)
    return start, max(start + 1, (2 * requests) // 3)


def run_round_robin(sim, lab, requests):
    """Everyone logs in, then sends its requests: the baseline lesson."""
    log_in_everyone(sim)
    for round_number in range(requests):
        sim.each_client(me, round_number, "run")
    return {}


def _phase(round_number, start, end):
    if round_number < start:
        return "before"
    return "during" if round_number < end else "after"


def run_backend_down(sim, lab, requests):
    """A backend is killed a third of the way in, and replaced (empty) at two thirds."""
    victim = (len(lab.backends) + 1) // 2
    start, end = thirds(requests)
    log_in_everyone(sim)
    for round_number in range(requests):
        if round_number == start:
            lab.stop_backend(victim)
            sim.mark(f"backend-{victim} killed", round_number)
        if round_number == end:
            lab.start_backend(victim, fresh=True)
            waited = lab.wait_until_routed(victim)
            sim.mark(
                f"backend-{victim} back, empty (nginx used it after {waited:.1f}s)", round_number
            )
        sim.each_client(me, round_number, _phase(round_number, start, end))
    return {"victim": f"backend-{victim}"}


def run_redis_down(sim, lab, requests):
    """Redis is stopped a third of the way in and started again at two thirds."""
    start, end = thirds(requests)
    log_in_everyone(sim)
    probes = _revoked_probes(sim)
    for round_number in range(requests):
        if round_number == start:
            lab.stop_redis()
            sim.mark("Redis stopped", round_number)
        if round_number == end:
            lab.start_redis()
            sim.mark("Redis started", round_number)
        phase = _phase(round_number, start, end)
        sim.each_client(me, round_number, phase)
        if probes:
            sim.each_client(_replay_revoked, round_number, phase, clients=probes)
    replays = [r for r in sim.records if r.kind == "revoked-replay"]
    return {
        "revoked_token_replays": len(replays),
        "revoked_token_accepted": sum(r.status == 200 for r in replays),
        "revoked_token_by_status": _count(r.status for r in replays),
    }


def _revoked_probes(sim):
    """A few jwt-blocklist clients that log out, then keep trying their revoked token."""
    if "jwt-blocklist" not in {client.mode for client in sim.clients}:
        return []
    probes = [SimulatedClient(sim.url, "jwt-blocklist", -1 - n) for n in range(REVOKED_PROBES)]
    for probe in probes:
        if probe.api.login().status_code != 200:
            raise LabError("a revoked-token probe could not log in")
        probe.snapshot = probe.api.credential_snapshot()
        if probe.api.logout().status_code != 200:
            raise LabError("a revoked-token probe could not log out")
    return probes


def _replay_revoked(client):
    return [client.timed("revoked-replay", lambda: client.api.replay(client.snapshot))]


def run_logout_replay(sim, lab, requests):
    """Everyone logs out halfway, then replays the credential it held (a copy kept aside)."""
    half = max(1, requests // 2)
    log_in_everyone(sim)
    for round_number in range(requests):
        if round_number == half:
            sim.each_client(_log_out, round_number, "logout")
            sim.mark("every client logs out", round_number)
        if round_number < half:
            sim.each_client(me, round_number, "logged in")
        else:
            sim.each_client(_replay_own, round_number, "after logout")
    logouts = [r for r in sim.records if r.kind == "logout"]
    return {"logouts": len(logouts), "logout_by_status": _count(r.status for r in logouts)}


def _log_out(client):
    client.snapshot = client.api.credential_snapshot()
    return [client.timed("logout", client.api.logout)]


def _replay_own(client):
    return [client.timed("replay", lambda: client.api.replay(client.snapshot))]


TOKEN_LIFETIME_SECONDS = 2


def run_token_expiry(sim, lab, requests):
    """Access tokens expire during the run: clients refresh them and carry on."""
    log_in_everyone(sim)
    lifetimes = {client.api.expires_in for client in sim.clients if client.api.expires_in}
    if not lifetimes:
        raise LabError("token-expiry needs a JWT mode (--modes jwt,jwt-blocklist)")
    lifetime = max(lifetimes)
    if lifetime > 30:
        raise LabError(
            f"access tokens live {lifetime}s here: token-expiry needs short lifetimes; run it "
            f"without --url, or start the lab with ACCESS_TOKEN_EXPIRES={TOKEN_LIFETIME_SECONDS}"
        )
    # The first client of each mode keeps its first token, to replay once it has expired.
    probes = [c for c in sim.clients if c.index == 0 and c.api.access_token]
    first_tokens = {id(client): client.api.access_token for client in probes}
    # Spread the rounds over three lifetimes, so that every token expires at least twice.
    interval = (3 * lifetime + 1) / requests
    for round_number in range(requests):
        deadline = time.monotonic() + interval
        sim.each_client(_me_refreshing, round_number, "run")
        time.sleep(max(0.0, deadline - time.monotonic()))
    backends = len({r.backend for r in sim.records if r.kind == "me"})
    expired = [
        client.api.me(first_tokens[id(client)])
        for client in probes
        for _ in range(3 * backends)  # through round robin: every backend, three times
    ]
    passwords = sum(r.kind == "login" for r in sim.records)
    return {
        "access_token_lifetime_s": lifetime,
        "logins_with_password": passwords,
        "refreshes": sum(r.kind == "refresh" for r in sim.records),
        "refreshes_by_mode": _count(r.mode for r in sim.records if r.kind == "refresh"),
        "expired_by_mode": _count(r.mode for r in sim.records if r.kind == "expired"),
        "refresh_by_status": _count(r.status for r in sim.records if r.kind == "refresh"),
        "expired_rejections_by_backend": _count(
            r.backend for r in sim.records if r.kind == "expired"
        ),
        "first_token_replayed": len(expired),
        "first_token_accepted": sum(response.status_code == 200 for response in expired),
        "first_token_rejected_by": sorted(
            {response.headers.get("X-Served-By") for response in expired}
        ),
    }


def _me_refreshing(client):
    """Call /me; on an expired token, refresh it with the refresh token and call again."""
    answers = [client.timed("me", client.api.me)]
    _, response, _ = answers[0]
    if response.status_code == 401 and _error(response) == "token has expired":
        answers[0] = ("expired", *answers[0][1:])
        answers.append(client.timed("refresh", client.api.refresh))
        answers.append(client.timed("me", client.api.me))
    return answers


def _error(response):
    try:
        return response.json().get("error")
    except ValueError:
        return None


def _count(values):
    counts = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "round-robin",
            "Every client logs in once, then calls /me through round-robin nginx.",
            run_round_robin,
        ),
        Scenario(
            "backend-down",
            "A backend is killed a third of the way in and comes back empty at two thirds.",
            run_backend_down,
            injects_faults=True,
            minimum_requests=3,
        ),
        Scenario(
            "redis-down",
            "Redis is stopped a third of the way in and started again at two thirds.",
            run_redis_down,
            injects_faults=True,
            minimum_requests=3,
            probes_revoked_tokens=True,
        ),
        Scenario(
            "logout-replay",
            "Every client logs out halfway, then replays the credential it held before.",
            run_logout_replay,
            measured_kinds=("me", "replay"),
            minimum_requests=2,
            extra_rounds=1,
        ),
        Scenario(
            "token-expiry",
            f"Access tokens live {TOKEN_LIFETIME_SECONDS}s; clients refresh them when they expire.",
            run_token_expiry,
            default_modes=list(JWT_MODES),
            lab_env={"ACCESS_TOKEN_EXPIRES": str(TOKEN_LIFETIME_SECONDS)},
        ),
    )
}

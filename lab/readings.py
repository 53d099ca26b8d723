"""A short plain-language reading of an experiment's figures, for the report."""


def _pct(rate):
    return "no requests" if rate is None else f"{100 * rate:.0f}%"


def _phase_rates(data):
    phases = data.get("phases", {})
    return ", ".join(f"{phase} {_pct(block['success_rate'])}" for phase, block in phases.items())


def _server_errors(results):
    # 503 is the designed answer of a mode whose Redis is down; every other 5xx is a fault.
    return sum(
        count
        for data in results["modes"].values()
        for status, count in data["by_status"].items()
        if status.startswith("5") and status != "503"
    )


def read(results):
    """Return sentences saying what the figures show, mode by mode."""
    scenario = results["scenario"]
    backends = results["lab"]["backends"]
    reader = READERS[scenario]
    sentences = [reader(mode, data, results, backends) for mode, data in results["modes"].items()]
    if scenario in SUMMARIES:
        sentences.append(SUMMARIES[scenario](results))
    errors = _server_errors(results)
    five_oh_three = sum(d["by_status"].get("503", 0) for d in results["modes"].values())
    failed_closed = (
        f", apart from {five_oh_three} deliberate 503s (failing closed, with Retry-After)"
        if five_oh_three
        else ""
    )
    if errors:
        sentences.append(f"{errors} answers were server errors (5xx){failed_closed}.")
    else:
        sentences.append(f"No client ever got a server error (5xx){failed_closed}.")
    return sentences


def _round_robin(mode, data, results, backends):
    rate, used = data["success_rate"], len(data["by_backend"])
    if mode == "session-local":
        return (
            f"`session-local`: {_pct(rate)} of requests succeeded, close to 1/{backends} = "
            f"{_pct(1 / backends)}: only the backend holding a client's session knows it; "
            "the others answer 401."
        )
    if mode == "session-sticky":
        single = results["clients_on_one_backend"].get(mode, 0)
        return (
            f"`session-sticky`: {_pct(rate)}; {single} of {results['parameters']['clients']} "
            f"clients were answered by one single backend, and together they used {used} backends."
        )
    return f"`{mode}`: {_pct(rate)}, answered by {used} backends: every backend accepts it."


def _backend_down(mode, data, results, backends):
    victim = results["checks"].get("victim", "the stopped backend")
    during = data.get("phases", {}).get("during", {}).get("by_backend", {})
    failover = (
        "no answer came from it while it was down"
        if victim not in during
        else (f"{during[victim]} answers still came from it while it was down")
    )
    lesson = {
        "session-local": f"sessions held by {victim} are gone for good",
        "session-sticky": f"clients pinned to {victim} were moved and lost their session",
        "session-redis": "sessions live in Redis, so any surviving backend knows them",
        "signed-cookie": "the cookie is all the state there is",
        "jwt": "any backend verifies the token",
        "jwt-blocklist": "any backend verifies the token and asks Redis",
    }.get(mode, "")
    return f"`{mode}`: {_phase_rates(data)}; {lesson}; {failover}."


def _redis_down(mode, data, results, backends):
    during = data.get("phases", {}).get("during", {})
    refused = during.get("by_status", {}).get("503", 0)
    if mode in ("session-redis", "jwt-blocklist"):
        return (
            f"`{mode}`: {_phase_rates(data)}; it needs Redis and failed closed while Redis was "
            f"down ({refused} answers were 503), then recovered."
        )
    return f"`{mode}`: {_phase_rates(data)}; it does not use Redis."


def _logout_replay(mode, data, results, backends):
    after = data.get("phases", {}).get("after logout", {})
    rate = after.get("success_rate")
    why = {
        "session-local": "a logout deletes the session only on the backend that answers it, so "
        "where that was not the backend holding it, the session lives on there",
        "session-sticky": "the logout reached the pinned backend, which deleted the session",
        "session-redis": "the logout deleted the session from the shared Redis",
        "signed-cookie": "nothing on the server remembers the logout: a copy of the cookie "
        "stays valid until it expires",
        "jwt": "a stateless token stays valid on every backend until it expires",
        "jwt-blocklist": "the logout put the token's id in Redis, which every backend checks",
    }.get(mode, "")
    return f"`{mode}`: {_pct(rate)} of replays after logout got in; {why}."


def _token_expiry(mode, data, results, backends):
    checks = results["checks"]
    clients = results["parameters"]["clients"]
    return (
        f"`{mode}`: {_pct(data['success_rate'])} of requests succeeded although access tokens "
        f"lived {checks['access_token_lifetime_s']} s: {checks['expired_by_mode'].get(mode, 0)} "
        f"answers said a token had expired, and the {clients} clients refreshed "
        f"{checks['refreshes_by_mode'].get(mode, 0)} times without typing their password again."
    )


READERS = {
    "round-robin": _round_robin,
    "backend-down": _backend_down,
    "redis-down": _redis_down,
    "logout-replay": _logout_replay,
    "token-expiry": _token_expiry,
}


def _token_expiry_summary(results):
    checks = results["checks"]
    return (
        f"Every backend refused expired tokens ({', '.join(checks['first_token_rejected_by'])}): "
        f"the first token of each probe client, replayed {checks['first_token_replayed']} times "
        f"after it expired, got in {checks['first_token_accepted']} times. Passwords were typed "
        f"{checks['logins_with_password']} times in all, once per client at the start."
    )


SUMMARIES = {"token-expiry": _token_expiry_summary}

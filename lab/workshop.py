"""`python -m lab workshop`: check each exercise of docs/workshop.md against the running lab.

`check N` looks at what the attendee's lab really does (and at the token they forged, for the
exercises that ask for one) and prints a pass or a hint; `list` shows the progress so far.
"""

import base64
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from lab.client import ModeClient
from lab.stack import state_dir
from lab.target import REPORTS

CALLS = 12


class NotYet(Exception):
    """The exercise's outcome is not there yet; the message is the hint."""


@dataclass(frozen=True)
class Exercise:
    """One numbered exercise and the check of its observable outcome."""

    number: int
    title: str
    check: callable


def _calls(client, count=CALLS, token=None):
    answers = [client.me(token) for _ in range(count)]
    return (
        answers,
        Counter(a.status_code for a in answers),
        {a.headers.get("X-Served-By") for a in answers},
    )


def _logged_in(url, mode):
    client = ModeClient(url, mode)
    answer = client.login()
    if answer.status_code == 503:
        raise NotYet(f"{mode} answers 503: Redis is down. Start it again, then check again.")
    if answer.status_code != 200:
        raise NotYet(f"could not log in to {mode} ({answer.status_code}): is the lab running?")
    return client


def _server_errors(statuses):
    errors = {status for status in statuses if status >= 500}
    if errors:
        raise NotYet(f"the lab answered {sorted(errors)}: look at the backends' logs")


def check_problem(url, args):
    """Exercise 1: session-local fails on the backends that do not hold the session."""
    _, statuses, backends = _calls(_logged_in(url, "session-local"))
    _server_errors(statuses)
    if len(backends) < 2:
        raise NotYet("only one backend answered: start the lab with several (--backends 3)")
    if statuses[200] == CALLS:
        raise NotYet("every call succeeded: is nginx really balancing round robin?")
    return (
        f"{statuses[200]} of {CALLS} calls succeeded across {len(backends)} backends: only the "
        "backend that holds your session knows you."
    )


def check_sticky(url, args):
    """Exercise 2: each sticky client stays on one backend; clients spread over several."""
    homes = set()
    for _ in range(10):
        _, statuses, backends = _calls(_logged_in(url, "session-sticky"), 4)
        _server_errors(statuses)
        if statuses[200] != 4 or len(backends) != 1:
            raise NotYet("a sticky client was not answered by one backend every time")
        homes |= backends
    if len(homes) < 2:
        raise NotYet("all ten clients landed on one backend: are there several backends?")
    return f"each client stayed on its backend; ten clients used {len(homes)} backends."


def check_redis(url, args):
    """Exercise 3: the shared Redis store works on every backend."""
    _, statuses, backends = _calls(_logged_in(url, "session-redis"))
    if statuses[503]:
        raise NotYet("503: Redis is down. That is the single point of failure: start it again.")
    _server_errors(statuses)
    if statuses[200] != CALLS or len(backends) < 2:
        raise NotYet(f"expected {CALLS} successes from several backends, got {dict(statuses)}")
    return f"{CALLS} of {CALLS} calls succeeded on {len(backends)} backends sharing one Redis."


def check_odd_secret(url, args):
    """Exercise 4: a backend with another SECRET_KEY rejects the others' signed cookies."""
    failures = Counter()
    for _ in range(4):
        answers, statuses, _ = _calls(_logged_in(url, "signed-cookie"), 6)
        _server_errors(statuses)
        failures.update(a.headers.get("X-Served-By") for a in answers if a.status_code == 401)
    if not failures:
        raise NotYet(
            "every signed cookie was accepted everywhere: restart the lab with "
            "--odd-secret 2 to give backend-2 a secret of its own"
        )
    return (
        f"cookies were refused by {', '.join(sorted(failures))}: a backend that does not share "
        "the secret cannot verify the signature. Stateless still needs shared configuration."
    )


def _payload(token):
    try:
        segment = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (IndexError, ValueError):
        raise NotYet("that is not a JWT: three base64url parts joined by dots") from None


def _needs_token(args):
    if not args.token:
        raise NotYet("pass the token you forged: --token eyJ...")
    return args.token


def check_forged(url, args):
    """Exercise 5: a token whose payload you edited is refused for its signature."""
    token = _needs_token(args)
    payload = _payload(token)
    answer = ModeClient(url, "jwt").me(token)
    error = (
        answer.json().get("error", "")
        if answer.headers.get("Content-Type", "").startswith("application/json")
        else ""
    )
    if answer.status_code == 200:
        raise NotYet("the server accepted it: that token is genuine. Change its payload first.")
    if "Signature verification failed" not in error:
        raise NotYet(f"refused, but not for its signature ({error}): edit only the payload")
    return (
        f"you read and rewrote the payload (sub = {payload.get('sub')!r}) without any key; the "
        "server refused it because the HMAC over the edited payload no longer matches."
    )


def check_revocation(url, args):
    """Exercise 6: after logout, jwt still accepts the old token and jwt-blocklist does not."""
    outcomes = {}
    for mode in ("jwt", "jwt-blocklist"):
        client = _logged_in(url, mode)
        old = client.access_token
        if client.logout().status_code != 200:
            raise NotYet(f"logout in {mode} failed")
        outcomes[mode] = client.me(old).status_code
    if outcomes != {"jwt": 200, "jwt-blocklist": 401}:
        raise NotYet(f"replays after logout answered {outcomes}: expected jwt 200, blocklist 401")
    return "jwt let the logged-out token in (stateless); jwt-blocklist refused it (Redis state)."


def check_refresh(url, args):
    """Exercise 7: a refresh token gets a new access token without the password."""
    client = _logged_in(url, "jwt")
    first = client.access_token
    if client.refresh().status_code != 200 or client.access_token == first:
        raise NotYet("refresh failed: send the refresh token as Bearer to /jwt/api/refresh")
    if client.me().status_code != 200:
        raise NotYet("the refreshed access token was refused")
    if client.me(client.refresh_token).status_code != 401:
        raise NotYet("a refresh token was accepted as an access token")
    return (
        f"access tokens live {client.expires_in} s; the refresh token got a new one, and is "
        "itself refused where an access token is expected."
    )


def check_costs(url, args):
    """Exercise 8: a bench report exists; its figures are read back."""
    reports = sorted(Path(args.reports).glob("bench-*/bench.json"))
    if not reports:
        raise NotYet("no bench report yet: run python -m lab bench (about 90 s)")
    bench = json.loads(reports[-1].read_text())
    rows = {row["target"]: row for row in bench.get("targets", [])}
    if "jwt" not in rows or "signed-cookie" not in rows:
        raise NotYet(f"{reports[-1]} has no jwt and signed-cookie rows: run the bench in full")
    return (
        f"from {reports[-1].parent.name}: jwt sends {rows['jwt']['credential_bytes']} bytes of "
        f"credential per request, signed-cookie {rows['signed-cookie']['credential_bytes']}; "
        f"jwt runs at {rows['jwt']['ratio']:.2f} of the unauthenticated baseline."
    )


def check_attack(url, args):
    """Exercise 9: a forged token is accepted as bob by jwt-vulnerable and refused by jwt."""
    token = _needs_token(args)
    if _payload(token).get("sub") != "bob":
        raise NotYet("the goal is a token that says sub = bob")
    vulnerable = requests.get(
        f"{url}/jwt-vulnerable/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    if vulnerable.status_code == 404:
        raise NotYet("jwt-vulnerable is off: restart the lab with LAB_VULNERABLE=1")
    profile = requests.get(
        f"{url}/jwt-vulnerable/api/profile",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    accepted = vulnerable.status_code == 200 or profile.status_code == 200
    if not accepted:
        raise NotYet("jwt-vulnerable refused it: see the exercise's commands again")
    hardened = ModeClient(url, "jwt").me(token)
    if hardened.status_code != 401:
        raise NotYet(f"the hardened jwt mode answered {hardened.status_code}: it must refuse it")
    return "jwt-vulnerable took your forgery for bob; the hardened jwt mode refused it."


EXERCISES = {
    exercise.number: exercise
    for exercise in (
        Exercise(1, "The problem: session-local behind round robin", check_problem),
        Exercise(2, "Sticky routing", check_sticky),
        Exercise(3, "A shared Redis store", check_redis),
        Exercise(4, "Signed cookies, and a backend with another secret", check_odd_secret),
        Exercise(5, "JWT: read it, verify it, tamper with it", check_forged),
        Exercise(6, "Logout and revocation", check_revocation),
        Exercise(7, "Refresh tokens and expiry", check_refresh),
        Exercise(8, "Costs", check_costs),
        Exercise(9, "The attack lab (LAB_VULNERABLE=1)", check_attack),
    )
}


def progress_file():
    """Return the file that records which exercises passed."""
    return state_dir() / "workshop.json"


def load_progress():
    """Return {exercise number: when it passed}."""
    try:
        return {int(k): v for k, v in json.loads(progress_file().read_text()).items()}
    except (OSError, ValueError):
        return {}


def _save_progress(progress):
    path = progress_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({str(k): v for k, v in sorted(progress.items())}, indent=2))


def add_parser(commands):
    """Add the `workshop` subcommand."""
    parser = commands.add_parser("workshop", help="check the workshop's exercises")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="check exercise N against the running lab")
    check.add_argument("number", type=int, choices=sorted(EXERCISES))
    check.add_argument("--url", default="http://127.0.0.1:8080", help="the lab (default :8080)")
    check.add_argument("--token", help="the token you forged (exercises 5 and 9)")
    check.add_argument("--reports", default=str(REPORTS), help="where bench reports are")
    actions.add_parser("list", help="show the exercises and your progress")
    parser.set_defaults(run=run)


def run(args, console):
    """Check an exercise or list them; return 0 on a pass or a listing, 1 when not yet."""
    progress = load_progress()
    if args.action == "list":
        for number, exercise in EXERCISES.items():
            mark = f"[green]passed {progress[number]}" if number in progress else "[dim]not yet"
            console.print(f"{number}. {exercise.title}  {mark}")
        console.print(f"{len(progress)} of {len(EXERCISES)} done; the course: docs/workshop.md")
        return 0
    exercise = EXERCISES[args.number]
    url = args.url.rstrip("/")
    try:
        message = exercise.check(url, args)
    except requests.RequestException as error:
        console.print(f"[yellow]NOT YET[/yellow] no lab answers at {url} ({error}): run make up")
        return 1
    except NotYet as hint:
        console.print(f"[yellow]NOT YET[/yellow] exercise {exercise.number}: {hint}")
        return 1
    progress[exercise.number] = datetime.now(UTC).isoformat(timespec="seconds")
    _save_progress(progress)
    console.print(f"[green]PASS[/green] exercise {exercise.number}: {message}")
    return 0

"""The lesson itself, through a real nginx in front of three real gunicorn backends."""

from collections import Counter
from http import HTTPStatus

import pytest
import requests

from auth.modes import MODES
from lab.client import ModeClient

pytestmark = pytest.mark.stack

CALLS = 30


def served_by(response):
    """Return the backend that answered, checking that header and body agree."""
    backend = response.headers["X-Served-By"]
    assert response.json()["served_by"] == backend
    return backend


@pytest.mark.parametrize("mode", list(MODES))
def test_thirty_calls_after_one_login(lab, mode):
    client = ModeClient(lab.url, mode)
    login = client.login()
    assert login.status_code == HTTPStatus.OK
    login_backend = served_by(login)

    answers = [client.me() for _ in range(CALLS)]
    statuses = Counter(answer.status_code for answer in answers)
    backends = Counter(served_by(answer) for answer in answers)
    assert all(status < 500 for status in statuses), statuses

    if mode == "session-local":
        # Only the backend that holds the session knows the client; the others say 401.
        assert 0 < statuses[HTTPStatus.OK] < CALLS
        assert set(statuses) == {HTTPStatus.OK, HTTPStatus.UNAUTHORIZED}
        assert {served_by(a) for a in answers if a.status_code == HTTPStatus.OK} == {login_backend}
        assert statuses[HTTPStatus.OK] == backends[login_backend]
        assert len(backends) == 3
    elif mode == "session-sticky":
        assert statuses == {HTTPStatus.OK: CALLS}
        assert backends == {login_backend: CALLS}
    else:
        assert statuses == {HTTPStatus.OK: CALLS}
        assert len(backends) > 1


def test_sticky_clients_are_spread_over_the_backends(lab):
    pinned = Counter()
    for _ in range(12):
        client = ModeClient(lab.url, "session-sticky")
        first = served_by(client.login())
        assert {served_by(client.me()) for _ in range(4)} == {first}
        pinned[first] += 1
    # Each client stays on one backend, and the clients as a whole use several backends.
    assert len(pinned) > 1


def _credential_headers(client):
    mode = MODES[client.mode]
    if mode.kind == "jwt":
        return {"Authorization": f"Bearer {client.access_token}"}
    value = client.http.cookies.get(mode.cookie_name, path=mode.prefix)
    return {"Cookie": f"{mode.cookie_name}={value}", "X-CSRF-Token": client.csrf_token}


def _me_on_every_backend(lab, mode, headers):
    """Ask each backend directly (no nginx in between) whether it accepts the credential."""
    return {
        f"backend-{number}": requests.get(
            f"{lab.backend_url(number)}/{mode}/api/me", headers=headers, timeout=5
        ).status_code
        for number in lab.backends
    }


# After logging in on one backend and logging out on another: who still accepts the old
# credential when it is replayed?
REPLAY_AFTER_LOGOUT = {
    # The logout reached a backend without the session: the one holding it still accepts it.
    "session-local": "only the login backend",
    "session-redis": "nobody",
    # Stateless: nothing on the server remembers the logout.
    "signed-cookie": "everybody",
    "jwt": "everybody",
    "jwt-blocklist": "nobody",
}


@pytest.mark.parametrize("mode", list(REPLAY_AFTER_LOGOUT))
def test_logout_on_another_backend(lab, mode):
    client = ModeClient(lab.url, mode)
    login_backend = served_by(client.login())
    headers = _credential_headers(client)
    only_login_backend = {
        f"backend-{n}": HTTPStatus.OK
        if f"backend-{n}" == login_backend
        else HTTPStatus.UNAUTHORIZED
        for n in lab.backends
    }
    everybody = dict.fromkeys(only_login_backend, HTTPStatus.OK)
    before = _me_on_every_backend(lab, mode, headers)
    assert before == (only_login_backend if mode == "session-local" else everybody)

    other = next(n for n in lab.backends if f"backend-{n}" != login_backend)
    body = {"refresh_token": client.refresh_token} if client.refresh_token else None
    logout = requests.post(
        f"{lab.backend_url(other)}/{mode}/api/logout", headers=headers, json=body, timeout=5
    )
    assert logout.status_code == HTTPStatus.OK
    assert served_by(logout) == f"backend-{other}"

    expected = {
        "nobody": dict.fromkeys(everybody, HTTPStatus.UNAUTHORIZED),
        "everybody": everybody,
        "only the login backend": only_login_backend,
    }[REPLAY_AFTER_LOGOUT[mode]]
    assert _me_on_every_backend(lab, mode, headers) == expected
    if mode == "jwt":
        assert "stays valid" in logout.json()["message"]
    if mode == "jwt-blocklist":
        assert logout.json()["revoked"] == ["access", "refresh"]
        refresh = requests.post(
            f"{lab.url}/{mode}/api/refresh",
            headers={"Authorization": f"Bearer {client.refresh_token}"},
            timeout=5,
        )
        assert refresh.status_code == HTTPStatus.UNAUTHORIZED


def test_sticky_logout_destroys_the_session_on_its_backend(lab):
    client = ModeClient(lab.url, "session-sticky")
    served_by(client.login())
    headers = _credential_headers(client)
    assert HTTPStatus.OK in _me_on_every_backend(lab, "session-sticky", headers).values()
    logout = client.logout()
    assert logout.status_code == HTTPStatus.OK
    replay = _me_on_every_backend(lab, "session-sticky", headers)
    assert set(replay.values()) == {HTTPStatus.UNAUTHORIZED}, replay


def test_unknown_paths_answer_json_through_nginx(lab):
    for path in ("/nope", "/session-nowhere/api/me", "/jwt/api/nothing"):
        response = requests.get(lab.url + path, timeout=5)
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json()["error"]
        assert response.headers["X-Served-By"].startswith("backend-")


def test_front_page_and_static_files_through_nginx(lab):
    page = requests.get(lab.url + "/", timeout=5)
    assert page.status_code == HTTPStatus.OK and "authlab" in page.text
    css = requests.get(lab.url + "/static/lab.css", timeout=5)
    assert css.status_code == HTTPStatus.OK
    assert css.headers["Content-Type"].startswith("text/css")
    assert "X-Served-By" not in css.headers  # nginx serves static files itself
    assert "nginx/" not in css.headers.get("Server", "")  # no version disclosed


SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")


@pytest.mark.parametrize(
    "path", ["/", "/static/lab.css", "/session-sticky/api/me", "/jwt/api/me", "/nope"]
)
def test_nginx_adds_security_headers_everywhere(lab, path):
    response = requests.get(lab.url + path, timeout=5)
    for header in SECURITY_HEADERS:
        assert header in response.headers, (path, header)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Server"] == "nginx"  # no version


def test_oversized_headers_get_a_json_431(lab):
    response = requests.get(
        f"{lab.url}/session-redis/api/me", headers={"Cookie": "session_redis=" + "A" * 40_000}
    )
    assert response.status_code == 431
    assert response.json()["error"] == "request headers too large"

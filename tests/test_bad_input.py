"""Bad input through the real nginx: a clear 4xx JSON error every time, never a 5xx."""

import json
from http import HTTPStatus

import pytest
import requests

from auth.modes import MODES

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}

# (case, request keyword arguments, expected status) for POST /<mode>/api/login
LOGIN_CASES = [
    ("wrong password", {"json": {"username": "alice", "password": "nope"}}, 401),
    ("unknown user", {"json": {"username": "mallory", "password": "wonderland"}}, 401),
    ("other user's password", {"json": {"username": "bob", "password": "wonderland"}}, 401),
    ("empty object", {"json": {}}, 400),
    ("missing password", {"json": {"username": "alice"}}, 400),
    ("missing username", {"json": {"password": "wonderland"}}, 400),
    ("empty strings", {"json": {"username": "", "password": ""}}, 400),
    ("no body", {}, 400),
    ("form body", {"data": {"username": "alice", "password": "wonderland"}}, 400),
    ("broken JSON", {"data": '{"username": "alice",', "headers": JSON}, 400),
    ("JSON list", {"json": ["alice", "wonderland"]}, 400),
    ("JSON string", {"json": "alice"}, 400),
    ("JSON number", {"json": 42}, 400),
    ("JSON null", {"data": "null", "headers": JSON}, 400),
    ("number username", {"json": {"username": 1, "password": "wonderland"}}, 400),
    ("list password", {"json": {"username": "alice", "password": ["wonderland"]}}, 400),
    ("object username", {"json": {"username": {"$ne": ""}, "password": "x"}}, 400),
    ("null password", {"json": {"username": "alice", "password": None}}, 400),
    ("over-long username", {"json": {"username": "a" * 300, "password": "wonderland"}}, 400),
    ("over-long password", {"json": {"username": "alice", "password": "p" * 5000}}, 400),
    ("body over the app's limit", {"json": {"username": "alice", "password": "p" * 20_000}}, 413),
    ("body over nginx's limit", {"json": {"username": "alice", "password": "p" * 100_000}}, 413),
    ("not UTF-8", {"data": b'{"username": "\xff\xfe", "password": "x"}', "headers": JSON}, 400),
    ("SQL in username", {"json": {"username": "alice' OR '1'='1", "password": "x"}}, 401),
    ("NUL in username", {"json": {"username": "alice\u0000", "password": "wonderland"}}, 401),
]

LONG = "A" * 4000
AUTHORIZATION_CASES = [
    "Bearer",
    "Bearer ",
    "Bearer garbage",
    "Bearer a.b.c",
    "Bearer a.b",
    "Bearer a.b.c.d",
    "Bearer ...",
    "Bearer " + LONG,
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",
    "Bearer eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
    "Basic YWxpY2U6d29uZGVybGFuZA==",
    "bearer",
    "Token abc",
    "Bearer \u00ff\u00fe",
]

COOKIE_CASES = [
    "{name}=",
    "{name}=garbage",
    "{name}=" + LONG,
    "{name}=../../etc/passwd",
    "{name}=.eJwrzs9NVUhOTVEAAA.abc.def",
    "{name}=%00%ff",
    "{name}=a; {name}=b",
    "{name}",
    "=; ;;; {name}==",
]


def _mode_ids():
    return list(MODES)


def assert_clean_error(response, status):
    """Assert a JSON error with the expected status, from a backend or nginx."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize("mode", _mode_ids())
@pytest.mark.parametrize(("case", "kwargs", "status"), LOGIN_CASES, ids=[c[0] for c in LOGIN_CASES])
def test_bad_login(lab, mode, case, kwargs, status):
    response = requests.post(f"{lab.url}/{mode}/api/login", timeout=10, **kwargs)
    assert_clean_error(response, status)
    # No credential is issued.
    assert "access_token" not in response.text
    assert MODES[mode].cookie_name + "=" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("mode", _mode_ids())
@pytest.mark.parametrize("authorization", AUTHORIZATION_CASES)
def test_garbage_authorization_header(lab, mode, authorization):
    response = requests.get(
        f"{lab.url}/{mode}/api/me",
        headers={"Authorization": authorization.encode("latin-1")},
        timeout=10,
    )
    assert_clean_error(response, HTTPStatus.UNAUTHORIZED)


@pytest.mark.parametrize("mode", _mode_ids())
@pytest.mark.parametrize("cookie", COOKIE_CASES)
def test_garbage_cookie(lab, mode, cookie):
    header = cookie.format(name=MODES[mode].cookie_name)
    response = requests.get(f"{lab.url}/{mode}/api/me", headers={"Cookie": header}, timeout=10)
    assert_clean_error(response, HTTPStatus.UNAUTHORIZED)


@pytest.mark.parametrize("mode", [name for name, m in MODES.items() if m.kind == "jwt"])
@pytest.mark.parametrize("endpoint", ["refresh", "logout"])
@pytest.mark.parametrize("authorization", ["Bearer garbage", "Bearer " + LONG, None])
def test_garbage_tokens_on_refresh_and_logout(lab, mode, endpoint, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(f"{lab.url}/{mode}/api/{endpoint}", headers=headers, timeout=10)
    assert_clean_error(response, HTTPStatus.UNAUTHORIZED)


@pytest.mark.parametrize(
    "body",
    [json.dumps([1]), json.dumps({"refresh_token": 5}), json.dumps({"refresh_token": "garbage"})],
)
def test_bad_logout_body_in_jwt_blocklist_revokes_nothing(lab, body):
    from lab.client import ModeClient

    client = ModeClient(lab.url, "jwt-blocklist")
    client.login()
    bearer = {"Authorization": f"Bearer {client.access_token}", **JSON}
    response = requests.post(
        f"{lab.url}/jwt-blocklist/api/logout", data=body, headers=bearer, timeout=10
    )
    assert_clean_error(response, HTTPStatus.BAD_REQUEST)
    me = requests.get(f"{lab.url}/jwt-blocklist/api/me", headers=bearer, timeout=10)
    assert me.status_code == HTTPStatus.OK  # a refused logout changed nothing


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/jwt/api/login", 405),
        ("PUT", "/session-local/api/me", 405),
        ("DELETE", "/api/ping", 405),
        ("GET", "/no-such-mode/api/me", 404),
        ("GET", "/jwt/api/../../etc/passwd", 404),
    ],
)
def test_wrong_methods_and_paths(lab, method, path, status):
    response = requests.request(method, lab.url + path, timeout=10)
    assert_clean_error(response, status)


@pytest.mark.parametrize("mode", [name for name, m in MODES.items() if m.kind == "session"])
def test_csrf_less_logout_of_a_cookie_session_is_refused(lab, mode):
    from lab.client import ModeClient

    client = ModeClient(lab.url, mode)
    login = client.login()
    assert login.status_code == HTTPStatus.OK
    # A hostile page's request carries the cookie, not the token. Sent to the backend that
    # holds the session, so that there is a login to protect even in session-local.
    holder = int(login.headers["X-Served-By"].removeprefix("backend-"))
    client.base_url, client.csrf_token = lab.backend_url(holder), None
    assert_clean_error(client.logout(), HTTPStatus.FORBIDDEN)
    assert client.me().status_code == HTTPStatus.OK

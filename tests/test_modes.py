"""Each mode through the Flask test client, against a real Redis."""

import base64
import json
import os
import time
import zlib
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import jwt
import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from auth.modes import MODES
from auth.users import User, db, init_db
from lab.processes import free_port
from tests.attacks import payload_of
from tests.conftest import make_app

ALL_MODES = list(MODES)
SESSION_MODES = [name for name, mode in MODES.items() if mode.kind == "session"]
SERVER_SIDE_MODES = [
    name for name, mode in MODES.items() if mode.session_store in ("local", "redis")
]
JWT_MODES = [name for name, mode in MODES.items() if mode.kind == "jwt"]
ALICE = {"username": "alice", "password": "wonderland"}


def login(client, mode, credentials=ALICE):
    """Log in through the test client and return the response."""
    return client.post(f"/{mode}/api/login", json=credentials)


def bearer(token):
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def me(client, mode, login_body):
    """Call /me with whatever credential the mode uses."""
    headers = bearer(login_body["access_token"]) if mode in JWT_MODES else {}
    return client.get(f"/{mode}/api/me", headers=headers)


@pytest.mark.parametrize("mode", ALL_MODES)
def test_login_then_me_knows_the_user(client, mode):
    response = login(client, mode)
    assert response.status_code == HTTPStatus.OK
    body = response.get_json()
    assert (body["user"], body["mode"], body["served_by"]) == ("alice", mode, "backend-test")
    assert response.headers["X-Served-By"] == "backend-test"

    answer = me(client, mode, body)
    assert answer.status_code == HTTPStatus.OK
    assert answer.get_json() == {"user": "alice", "mode": mode, "served_by": "backend-test"}


@pytest.mark.parametrize("mode", ALL_MODES)
def test_me_without_credential_is_401_json(client, mode):
    response = client.get(f"/{mode}/api/me")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    body = response.get_json()
    assert body["mode"] == mode and body["served_by"] == "backend-test" and body["error"]
    assert response.headers["X-Served-By"] == "backend-test"


@pytest.mark.parametrize("mode", SESSION_MODES)
def test_session_cookie_is_named_and_scoped_per_mode(client, mode):
    response = login(client, mode)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith(MODES[mode].cookie_name + "=")
    assert f"Path=/{mode};" in cookie or cookie.endswith(f"Path=/{mode}")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_modes_never_accept_each_others_credentials(client):
    bodies = {mode: login(client, mode).get_json() for mode in ALL_MODES}
    # Each mode keeps its sessions apart: one mode's cookie value means nothing to another.
    issued = {
        mode: client.get_cookie(MODES[mode].cookie_name, path=f"/{mode}").value
        for mode in SESSION_MODES
    }
    for mode in SESSION_MODES:
        for other in SESSION_MODES:
            if other != mode:
                client.set_cookie(MODES[mode].cookie_name, issued[other], path=f"/{mode}")
                assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED
    # Tokens carry the mode that issued them.
    jwt_token = bodies["jwt"]["access_token"]
    answer = client.get("/jwt-blocklist/api/me", headers=bearer(jwt_token))
    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert "issued for mode 'jwt'" in answer.get_json()["error"]


@pytest.mark.parametrize("mode", JWT_MODES)
def test_jwt_login_returns_tokens_that_are_signed_not_encrypted(client, mode):
    response = login(client, mode)
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert jwt.get_unverified_header(body["access_token"]) == {"alg": "HS256", "typ": "JWT"}
    payload = payload_of(body["access_token"])  # readable by anyone, no key needed
    assert payload["sub"] == "alice" and payload["mode"] == mode and payload["type"] == "access"
    assert payload["iss"] == "authlab" and payload["aud"] == "authlab"
    assert payload["exp"] - payload["iat"] == 15 * 60
    assert payload_of(body["refresh_token"])["type"] == "refresh"
    # No cookie: the client holds the tokens itself.
    assert response.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("mode", JWT_MODES)
def test_refresh_token_gives_a_new_access_token_and_is_not_an_access_token(client, mode):
    body = login(client, mode).get_json()
    refreshed = client.post(f"/{mode}/api/refresh", headers=bearer(body["refresh_token"]))
    assert refreshed.status_code == HTTPStatus.OK
    new_token = refreshed.get_json()["access_token"]
    assert payload_of(new_token)["jti"] != payload_of(body["access_token"])["jti"]
    assert client.get(f"/{mode}/api/me", headers=bearer(new_token)).status_code == HTTPStatus.OK
    # The two kinds of token are not interchangeable.
    wrong = client.get(f"/{mode}/api/me", headers=bearer(body["refresh_token"]))
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED
    wrong = client.post(f"/{mode}/api/refresh", headers=bearer(body["access_token"]))
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("mode", SESSION_MODES)
def test_session_modes_have_no_refresh(client, mode):
    response = client.post(f"/{mode}/api/refresh")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "no refresh tokens" in response.get_json()["error"]


def csrf(login_response):
    """Return the CSRF header for the session a login response started."""
    return {"X-CSRF-Token": login_response.get_json()["csrf_token"]}


def test_session_redis_keeps_the_session_in_redis_and_logout_deletes_it(client, redis_client):
    logged_in = login(client, "session-redis")
    sid = client.get_cookie("session_redis", path="/session-redis").value
    assert redis_client.exists(f"session:session-redis:{sid}") == 1
    ttl = redis_client.ttl(f"session:session-redis:{sid}")
    assert 3500 < ttl <= 3600

    logout = client.post("/session-redis/api/logout", headers=csrf(logged_in))
    assert logout.status_code == HTTPStatus.OK
    assert redis_client.exists(f"session:session-redis:{sid}") == 0
    client.set_cookie("session_redis", sid, path="/session-redis")
    assert client.get("/session-redis/api/me").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("mode", ["session-local", "session-sticky"])
def test_local_sessions_live_on_this_backends_disk_and_not_in_redis(
    app, client, redis_client, mode
):
    session_dir = app.config["SESSION_DIR"]

    before = set(os.listdir(session_dir)) if os.path.isdir(session_dir) else set()
    login(client, mode)
    assert len(set(os.listdir(session_dir)) - before) == 1
    assert redis_client.dbsize() == 0

    # Another backend (another app, its own folder) does not know the session id.
    sid = client.get_cookie(MODES[mode].cookie_name, path=f"/{mode}").value
    other_backend = make_app(
        Path(session_dir).parent / "other",
        REDIS_URL=app.config["REDIS_URL"],
        BACKEND_NAME="backend-other",
    ).test_client()
    other_backend.set_cookie(MODES[mode].cookie_name, sid, path=f"/{mode}")
    answer = other_backend.get(f"/{mode}/api/me")
    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.get_json()["served_by"] == "backend-other"
    # ...and not knowing it does not hand the client a new cookie that would replace its own.
    assert answer.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("mode", SERVER_SIDE_MODES)
def test_login_gives_a_new_session_id_not_the_one_the_client_brought(client, mode):
    cookie_name = MODES[mode].cookie_name
    login(client, mode)
    first = client.get_cookie(cookie_name, path=f"/{mode}").value
    login(client, mode, {"username": "bob", "password": "builder"})
    second = client.get_cookie(cookie_name, path=f"/{mode}").value
    assert first != second
    # The old id is dead, not merely replaced in this client.
    client.set_cookie(cookie_name, first, path=f"/{mode}")
    assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED
    # A session id made up by an attacker before login is never adopted.
    client.set_cookie(cookie_name, "attacker-chosen-session-id", path=f"/{mode}")
    login(client, mode)
    assert client.get_cookie(cookie_name, path=f"/{mode}").value != "attacker-chosen-session-id"
    assert len(second) >= 22  # at least 128 random bits, base64url


def test_signed_cookie_holds_the_user_id_and_survives_logout_if_replayed(client):
    logged_in = login(client, "signed-cookie")
    value = client.get_cookie("signed_cookie", path="/signed-cookie").value
    # Flask's cookie is signed, not encrypted: its payload is readable (zlib + base64url).
    assert value.startswith(".")

    data = value[1:].split(".")[0]
    payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))))
    assert payload["_user_id"] == "alice"

    logout = client.post("/signed-cookie/api/logout", headers=csrf(logged_in))
    assert logout.status_code == HTTPStatus.OK
    assert "stays valid" in logout.get_json()["message"]
    assert client.get("/signed-cookie/api/me").status_code == HTTPStatus.UNAUTHORIZED
    # Nothing on the server remembers the logout: the old cookie still works.
    client.set_cookie("signed_cookie", value, path="/signed-cookie")
    assert client.get("/signed-cookie/api/me").status_code == HTTPStatus.OK


def test_signed_cookie_forged_without_the_secret_is_rejected(client):
    login(client, "signed-cookie")
    value = client.get_cookie("signed_cookie", path="/signed-cookie").value
    data, timestamp, signature = value[1:].split(".")
    forged = "." + ".".join(
        [data, timestamp, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")]
    )
    client.set_cookie("signed_cookie", forged, path="/signed-cookie")
    assert client.get("/signed-cookie/api/me").status_code == HTTPStatus.UNAUTHORIZED


def test_jwt_logout_says_the_token_stays_valid(client):
    body = login(client, "jwt").get_json()
    logout = client.post("/jwt/api/logout", headers=bearer(body["access_token"]))
    assert logout.status_code == HTTPStatus.OK
    assert logout.get_json()["revoked"] == []
    assert "stays valid" in logout.get_json()["message"]
    assert me(client, "jwt", body).status_code == HTTPStatus.OK


def test_jwt_blocklist_logout_revokes_access_and_refresh_tokens_with_ttl(client, redis_client):
    body = login(client, "jwt-blocklist").get_json()
    logout = client.post(
        "/jwt-blocklist/api/logout",
        headers=bearer(body["access_token"]),
        json={"refresh_token": body["refresh_token"]},
    )
    assert logout.status_code == HTTPStatus.OK
    assert logout.get_json()["revoked"] == ["access", "refresh"]

    access, refresh = payload_of(body["access_token"]), payload_of(body["refresh_token"])
    assert 0 < redis_client.ttl(f"revoked:{access['jti']}") <= access["exp"] - int(time.time())
    assert redis_client.ttl(f"revoked:{refresh['jti']}") > 15 * 60

    answer = me(client, "jwt-blocklist", body)
    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.get_json()["error"] == "token has been revoked"
    refused = client.post("/jwt-blocklist/api/refresh", headers=bearer(body["refresh_token"]))
    assert refused.status_code == HTTPStatus.UNAUTHORIZED


def test_jwt_blocklist_logout_refuses_someone_elses_refresh_token(client, redis_client):
    alice = login(client, "jwt-blocklist").get_json()
    bob = login(client, "jwt-blocklist", {"username": "bob", "password": "builder"}).get_json()
    response = client.post(
        "/jwt-blocklist/api/logout",
        headers=bearer(alice["access_token"]),
        json={"refresh_token": bob["refresh_token"]},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert redis_client.dbsize() == 0  # nothing was revoked


def test_expiry_is_configurable_and_expired_tokens_are_rejected(
    tmp_path, redis_server, monkeypatch
):
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRES", "1")
    monkeypatch.setenv("REFRESH_TOKEN_EXPIRES", "120")
    monkeypatch.setenv("SESSION_LIFETIME", "60")
    app = make_app(tmp_path, REDIS_URL=redis_server.url)
    client = app.test_client()
    body = login(client, "jwt").get_json()
    assert body["expires_in"] == 1
    payload = payload_of(body["refresh_token"])
    assert payload["exp"] - payload["iat"] == 120
    cookie = login(client, "session-redis").headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 60

    time.sleep(2.1)
    expired = me(client, "jwt", body)
    assert expired.status_code == HTTPStatus.UNAUTHORIZED
    assert expired.get_json()["error"] == "token has expired"
    # The refresh token outlives the access token and keeps the login alive.
    refreshed = client.post("/jwt/api/refresh", headers=bearer(body["refresh_token"]))
    assert refreshed.status_code == HTTPStatus.OK


@pytest.mark.parametrize("value", ["soon", "0", "-5", "1.5"])
def test_bad_expiry_setting_names_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRES", value)
    with pytest.raises(RuntimeError, match="ACCESS_TOKEN_EXPIRES"):
        make_app(tmp_path)


def test_production_refuses_development_secrets(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(tmp_path, LAB_ENV="production", SECRET_KEY="short")


def test_passwords_are_stored_hashed(app):
    with app.app_context():
        users = db.session.scalars(select(User)).all()
    assert {user.username for user in users} == {"alice", "bob"}
    for user in users:
        assert "wonderland" not in user.password_hash and "builder" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_seeding_twice_keeps_one_row_per_user(app):

    with app.app_context():
        init_db()
        assert len(db.session.scalars(select(User)).all()) == 2


@pytest.mark.parametrize("mode", ["session-redis", "jwt-blocklist"])
def test_modes_that_need_redis_fail_closed_with_503(tmp_path, mode):

    app = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    response = login(client, mode)
    if mode == "jwt-blocklist":
        # Issuing a token needs no Redis; checking it against the blocklist does.
        assert response.status_code == HTTPStatus.OK
        response = me(client, mode, response.get_json())
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.get_json()
    assert "Redis" in body["error"] and body["mode"] == mode
    assert response.headers["Retry-After"] == "1"


@pytest.mark.parametrize("mode", ["session-local", "signed-cookie", "jwt"])
def test_modes_without_redis_keep_working_when_redis_is_down(tmp_path, mode):

    app = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    body = login(client, mode).get_json()
    assert me(client, mode, body).status_code == HTTPStatus.OK


def test_ping_has_the_shape_of_me(client):
    ping = client.get("/api/ping")
    assert ping.status_code == HTTPStatus.OK
    assert set(ping.get_json()) == {"user", "mode", "served_by"}
    assert ping.headers["X-Served-By"] == "backend-test"
    assert ping.headers.getlist("Set-Cookie") == []


def test_ping_redis_is_ping_plus_exactly_one_redis_round_trip(client, redis_client):
    def commands():
        stats = redis_client.info("commandstats")
        return sum(stat["calls"] for name, stat in stats.items() if name != "cmdstat_info")

    client.get("/api/ping-redis")  # connects (redis-py's handshake commands are not counted)
    before = commands()
    answer = client.get("/api/ping-redis")
    assert commands() - before == 1
    assert answer.status_code == HTTPStatus.OK
    assert answer.get_json() == client.get("/api/ping").get_json()


def test_ping_redis_answers_503_without_redis(tmp_path):

    app = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    answer = app.test_client().get("/api/ping-redis")
    assert answer.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "Redis" in answer.get_json()["error"]


def test_healthz_and_modes(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "served_by": "backend-test"}
    modes = client.get("/api/modes").get_json()["modes"]
    assert [mode["name"] for mode in modes] == ALL_MODES
    assert all(mode["description"] and mode["prefix"] == f"/{mode['name']}" for mode in modes)


def test_front_page_describes_jwts_truthfully(client):
    page = client.get("/").get_data(as_text=True)
    assert "signed, not encrypted" in page
    assert "decrypt" not in page.replace("decrypts nothing", "")


def test_credential_report_masks_cookies(client):
    login(client, "session-redis")
    sid = client.get_cookie("session_redis", path="/session-redis").value
    report = client.get("/session-redis/api/credential").get_json()
    assert report["header"] == "Cookie" and report["readable_by_page"] is False
    assert sid not in str(report)  # an HttpOnly cookie is never handed to scripts
    assert report["value"] == f"session_redis={sid[:6]}…{sid[-4:]}"
    assert report["bytes"] == len(f"Cookie: session_redis={sid}")
    assert report["lookup"].startswith("Redis")


def test_credential_report_decodes_the_signed_cookie_without_trusting_it(client):
    login(client, "signed-cookie")
    report = client.get("/signed-cookie/api/credential").get_json()
    assert report["decoded"]["payload"]["_user_id"] == "alice"
    assert report["decoded"]["signature_valid"] is True


def test_signed_cookie_is_flasks_own_format_holding_only_what_the_lab_needs(app, client):
    login(client, "signed-cookie")
    value = client.get_cookie("signed_cookie", path="/signed-cookie").value
    # Flask's stock interface reads the lab's cookie: same signature, same JSON.
    payload = SecureCookieSessionInterface().get_signing_serializer(app).loads(value)
    assert payload["_user_id"] == "alice"
    assert set(payload) == {"_user_id", "_fresh", "_csrf_token", "_started", "_seen"}


def test_credential_report_of_a_bearer_token(client):
    token = login(client, "jwt").get_json()["access_token"]
    report = client.get("/jwt/api/credential", headers=bearer(token)).get_json()
    assert report["value"] == f"Bearer {token}"
    assert report["bytes"] == len(f"Authorization: Bearer {token}")
    empty = client.get("/jwt/api/credential").get_json()
    assert empty["bytes"] == 0 and empty["value"] == ""


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("session-local", "A backend that still holds its own copy accepts the old session id"),
        ("session-redis", "the old session id is worthless now"),
        ("signed-cookie", "A copy kept by the client stays valid"),
    ],
)
def test_logout_says_what_it_could_forget(client, mode, says):
    logged_in = login(client, mode)
    answer = client.post(f"/{mode}/api/logout", headers=csrf(logged_in))
    assert answer.status_code == HTTPStatus.OK and says in answer.get_json()["message"]


def test_logout_keeping_the_cookie_still_destroys_the_session(client, redis_client):
    logged_in = login(client, "session-redis")
    sid = client.get_cookie("session_redis", path="/session-redis").value
    logout = client.post("/session-redis/api/logout?keep_cookie=1", headers=csrf(logged_in))
    assert logout.status_code == HTTPStatus.OK
    assert logout.headers.getlist("Set-Cookie") == []  # the browser keeps its copy
    assert client.get_cookie("session_redis", path="/session-redis").value == sid
    assert redis_client.exists(f"session:session-redis:{sid}") == 0
    assert client.get("/session-redis/api/me").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("mode", SESSION_MODES)
@pytest.mark.parametrize("header", [None, "", "wrong-token"])
def test_cookie_logout_needs_the_csrf_token(client, mode, header):
    logged_in = login(client, mode)
    assert len(logged_in.get_json()["csrf_token"]) >= 43  # 256 random bits
    headers = {} if header is None else {"X-CSRF-Token": header}
    refused = client.post(f"/{mode}/api/logout", headers=headers)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "X-CSRF-Token" in refused.get_json()["error"]
    # A forged request changed nothing: the user is still logged in.
    assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.OK
    assert client.post(f"/{mode}/api/logout", headers=csrf(logged_in)).status_code == HTTPStatus.OK


def test_a_new_login_gets_a_new_csrf_token(client):
    first = login(client, "session-redis").get_json()["csrf_token"]
    second = login(client, "session-redis").get_json()["csrf_token"]
    assert first != second
    assert (
        client.post("/session-redis/api/logout", headers={"X-CSRF-Token": first}).status_code
        == HTTPStatus.FORBIDDEN
    )


@pytest.mark.parametrize("mode", JWT_MODES)
def test_bearer_requests_need_no_csrf_token(client, mode):
    body = login(client, mode).get_json()
    assert "csrf_token" not in body
    assert client.post(f"/{mode}/api/logout", headers=bearer(body["access_token"])).status_code == (
        HTTPStatus.OK
    )


@pytest.mark.parametrize("mode", SESSION_MODES)
def test_sessions_time_out_when_idle_and_after_their_lifetime(tmp_path, redis_server, mode):

    app = make_app(
        tmp_path,
        REDIS_URL=redis_server.url,
        SESSION_IDLE_TIMEOUT=timedelta(seconds=100),
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=250),
    )
    client = app.test_client()
    start = time.time()
    with mock.patch("auth.session_auth.time.time") as clock:
        clock.return_value = start
        login(client, mode)
        # Used every 90 s: never idle for 100 s, so it lives...
        for elapsed in (90, 180):
            clock.return_value = start + elapsed
            assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.OK, elapsed
        # ...until its absolute lifetime is over.
        clock.return_value = start + 260
        assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED

        clock.return_value = start
        login(client, mode)
        clock.return_value = start + 101  # idle too long
        assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED
        clock.return_value = start + 102  # and it stays logged out
        assert client.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("mode", SESSION_MODES)
def test_over_tls_cookies_are_secure_and_prefixed(app, mode):
    client = app.test_client()
    # nginx in front of a TLS listener says so in X-Forwarded-Proto; ProxyFix trusts one hop.
    behind_tls = client.post(
        f"/{mode}/api/login", json=ALICE, headers={"X-Forwarded-Proto": "https"}
    )
    cookie = behind_tls.headers["Set-Cookie"]
    assert cookie.startswith(f"__Secure-{MODES[mode].cookie_name}=")
    assert "; Secure" in cookie and "HttpOnly" in cookie and f"Path=/{mode}" in cookie
    # Plain HTTP keeps the plain name (a browser refuses __Secure- cookies without TLS).
    assert not login(client, mode).headers["Set-Cookie"].startswith("__Secure-")
    # And over https the prefixed cookie is the one that is read back.
    tls = app.test_client()
    tls.post(f"/{mode}/api/login", json=ALICE, base_url="https://localhost")
    assert tls.get(f"/{mode}/api/me", base_url="https://localhost").status_code == HTTPStatus.OK
    assert tls.get(f"/{mode}/api/me").status_code == HTTPStatus.UNAUTHORIZED

"""Failed logins are throttled per user and per address, across every backend."""

from http import HTTPStatus

import pytest
import requests

from lab import Lab
from tests.conftest import make_app

WRONG = {"username": "alice", "password": "not-wonderland"}
RIGHT = {"username": "alice", "password": "wonderland"}


@pytest.fixture
def throttled(tmp_path, redis_server, redis_client):
    """A test client with small limits: 3 failures per user, 5 per address."""
    app = make_app(
        tmp_path,
        REDIS_URL=redis_server.url,
        LOGIN_MAX_FAILURES_PER_USER=3,
        LOGIN_MAX_FAILURES_PER_ADDRESS=5,
        LOGIN_THROTTLE_SECONDS=60,
    )
    return app.test_client()


def test_a_user_is_locked_out_after_repeated_failures(throttled):
    for _ in range(3):
        assert throttled.post("/jwt/api/login", json=WRONG).status_code == HTTPStatus.UNAUTHORIZED
    # Even the right password waits now, in every mode: the attacker cannot tell.
    for mode in ("jwt", "session-redis"):
        locked = throttled.post(f"/{mode}/api/login", json=RIGHT)
        assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert 0 < int(locked.headers["Retry-After"]) <= 60
        assert "too many failed logins" in locked.get_json()["error"]
        assert "access_token" not in locked.get_json()
    # Another user is not locked out by alice's failures.
    bob = throttled.post("/jwt/api/login", json={"username": "bob", "password": "builder"})
    assert bob.status_code == HTTPStatus.OK


def test_a_successful_login_clears_the_users_failures(throttled):
    for _ in range(2):
        throttled.post("/jwt/api/login", json=WRONG)
    assert throttled.post("/jwt/api/login", json=RIGHT).status_code == HTTPStatus.OK
    for _ in range(2):
        assert throttled.post("/jwt/api/login", json=WRONG).status_code == HTTPStatus.UNAUTHORIZED


def test_an_address_is_locked_out_across_usernames(throttled):
    for number in range(5):
        guess = {"username": f"user{number}", "password": "guess"}
        assert throttled.post("/jwt/api/login", json=guess).status_code == HTTPStatus.UNAUTHORIZED
    locked = throttled.post("/jwt/api/login", json={"username": "bob", "password": "builder"})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.stack
def test_the_limit_holds_across_backends():
    limits = {"LOGIN_MAX_FAILURES_PER_USER": "3", "LOGIN_MAX_FAILURES_PER_ADDRESS": "100"}
    # One keep-alive connection: one nginx worker, whose round robin visits every backend.
    with Lab(backends=3, workers=1, env=limits) as lab, requests.Session() as http:
        answered = set()
        for _ in range(3):
            failed = http.post(f"{lab.url}/jwt/api/login", json=WRONG, timeout=10)
            assert failed.status_code == HTTPStatus.UNAUTHORIZED
            answered.add(failed.headers["X-Served-By"])
        assert len(answered) == 3  # one failure on each backend...
        for _ in range(3):  # ...and every backend refuses the next attempt
            locked = http.post(f"{lab.url}/jwt/api/login", json=RIGHT, timeout=10)
            assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
            assert locked.headers["Retry-After"]

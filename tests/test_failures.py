"""Faults on purpose: a backend killed mid-test, Redis stopped and started again."""

from collections import Counter
from http import HTTPStatus

import pytest

from lab import Lab
from lab.client import ModeClient

pytestmark = pytest.mark.stack

SURVIVORS = ["session-redis", "signed-cookie", "jwt", "jwt-blocklist"]


@pytest.fixture(scope="module")
def faulty_lab():
    """A lab of its own, since these tests break it on purpose."""
    with Lab(backends=3, workers=1) as lab:
        yield lab


def logged_in(lab, mode):
    """Return a client of mode that has logged in as alice."""
    client = ModeClient(lab.url, mode)
    assert client.login().status_code == HTTPStatus.OK
    return client


def test_one_backend_killed(faulty_lab):
    lab = faulty_lab
    clients = {mode: logged_in(lab, mode) for mode in SURVIVORS}
    sticky = [logged_in(lab, "session-sticky") for _ in range(9)]
    pinned = [client.me().headers["X-Served-By"] for client in sticky]
    victim_name = Counter(pinned).most_common(1)[0][0]
    victim = int(victim_name.removeprefix("backend-"))

    lab.stop_backend(victim)  # SIGKILL, like a crash

    for mode, client in clients.items():
        answers = [client.me() for _ in range(12)]
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {HTTPStatus.OK: 12}, (mode, statuses)
        backends = {answer.headers["X-Served-By"] for answer in answers}
        assert victim_name not in backends and len(backends) == 2

    for client, was_on in zip(sticky, pinned, strict=True):
        answer = client.me()
        assert answer.status_code < 500
        if was_on == victim_name:
            # Moved to a surviving backend, which never saw this session: log in again.
            assert answer.status_code == HTTPStatus.UNAUTHORIZED
            assert answer.headers["X-Served-By"] != victim_name
            relogin = client.login()
            assert relogin.status_code == HTTPStatus.OK
            new_home = relogin.headers["X-Served-By"]
            assert {client.me().headers["X-Served-By"] for _ in range(4)} == {new_home}
        else:
            assert answer.status_code == HTTPStatus.OK
            assert answer.headers["X-Served-By"] == was_on

    local = ModeClient(lab.url, "session-local")
    assert local.login().status_code == HTTPStatus.OK
    assert all(local.me().status_code in (200, 401) for _ in range(6))

    lab.start_backend(victim)
    answers = [clients["jwt"].me() for _ in range(9)]
    assert {answer.status_code for answer in answers} == {HTTPStatus.OK}


def test_redis_stopped_and_started_again(faulty_lab):
    lab = faulty_lab
    clients = {mode: logged_in(lab, mode) for mode in SURVIVORS}
    revoked = logged_in(lab, "jwt-blocklist")
    old_token = revoked.access_token
    assert revoked.logout().status_code == HTTPStatus.OK

    lab.stop_redis()
    try:
        for mode, client in clients.items():
            statuses = {client.me().status_code for _ in range(4)}
            if mode in ("session-redis", "jwt-blocklist"):
                assert statuses == {HTTPStatus.SERVICE_UNAVAILABLE}, mode
            else:
                assert statuses == {HTTPStatus.OK}, mode
        refused = ModeClient(lab.url, "session-redis").login()
        assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert "Redis" in refused.json()["error"] and refused.headers["Retry-After"]
        assert "session_redis" not in refused.headers.get("Set-Cookie", "")
        # Fail closed: a revoked token is not let in because nobody can check it.
        assert revoked.me(old_token).status_code == HTTPStatus.SERVICE_UNAVAILABLE
    finally:
        lab.start_redis()

    # Sessions and revocations were kept on disk: everything recovers as it was.
    for mode, client in clients.items():
        assert {client.me().status_code for _ in range(3)} == {HTTPStatus.OK}, mode
    assert revoked.me(old_token).status_code == HTTPStatus.UNAUTHORIZED

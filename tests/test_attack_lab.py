"""The opt-in attack lab: each exploit works on jwt-vulnerable and fails on the hardened jwt."""

import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest

from lab.crack import WORDLIST, crack
from tests.attacks import as_bob, b64, hmac_signed, payload_of
from tests.conftest import make_app

ALICE = {"username": "alice", "password": "wonderland"}
WORDS = WORDLIST.read_text().split()


@pytest.fixture
def attack_lab(tmp_path, redis_server, redis_client):
    """A test client of an app with LAB_VULNERABLE on."""
    return make_app(tmp_path, REDIS_URL=redis_server.url, LAB_VULNERABLE=True).test_client()


def tokens(client):
    """Alice's tokens from the vulnerable and the hardened mode."""
    weak = client.post("/jwt-vulnerable/api/login", json=ALICE).get_json()["access_token"]
    hard = client.post("/jwt/api/login", json=ALICE).get_json()["access_token"]
    return weak, hard


def answer(client, mode, token, endpoint="me"):
    """Call /me (or another endpoint) with a Bearer token."""
    return client.get(f"/{mode}/api/{endpoint}", headers={"Authorization": f"Bearer {token}"})


def assert_bob(response):
    """Assert the server took the forged token for bob's."""
    assert response.status_code == HTTPStatus.OK, response.get_json()
    assert response.get_json()["user"] == "bob"


def test_exploit_1_unverified_signature(attack_lab):
    weak, hard = tokens(attack_lab)
    assert_bob(answer(attack_lab, "jwt-vulnerable", as_bob(weak), "profile"))
    assert answer(attack_lab, "jwt", as_bob(hard)).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_exploit_2_alg_none(attack_lab, alg):
    weak, hard = tokens(attack_lab)
    for mode, token in (("jwt-vulnerable", weak), ("jwt", hard)):
        forged = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64({**payload_of(token), 'sub': 'bob'})}."
        if mode == "jwt-vulnerable":
            assert_bob(answer(attack_lab, mode, forged))
        else:
            assert answer(attack_lab, mode, forged).status_code == HTTPStatus.UNAUTHORIZED


def test_exploit_3_weak_secret_cracked_from_a_word_list(attack_lab):
    weak, hard = tokens(attack_lab)
    secret, guesses = crack(weak, WORDS)
    assert secret == "sunshine" and guesses <= len(WORDS)
    assert_bob(answer(attack_lab, "jwt-vulnerable", as_bob(weak, secret.encode())))
    # The hardened mode's secret is 48 random characters: in no word list.
    assert crack(hard, WORDS) == (None, len(WORDS))
    assert answer(attack_lab, "jwt", as_bob(hard, secret.encode())).status_code == 401


def test_exploit_4_kid_path_traversal(attack_lab):
    weak, hard = tokens(attack_lab)
    traversal = {"alg": "HS256", "typ": "JWT", "kid": "../../../../../../../../dev/null"}
    assert_bob(answer(attack_lab, "jwt-vulnerable", as_bob(weak, b"", traversal)))
    hard_forged = hmac_signed(traversal, {**payload_of(hard), "sub": "bob"}, b"")
    assert answer(attack_lab, "jwt", hard_forged).status_code == HTTPStatus.UNAUTHORIZED


def test_exploit_5_rs256_to_hs256_confusion(attack_lab):
    weak, hard = tokens(attack_lab)
    public_pem = attack_lab.get("/jwt-vulnerable/api/public-key").data
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    confused = {"alg": "HS256", "typ": "JWT", "kid": "sso.pub.pem"}
    assert_bob(answer(attack_lab, "jwt-vulnerable", as_bob(weak, public_pem, confused)))
    hard_forged = hmac_signed(confused, {**payload_of(hard), "sub": "bob"}, public_pem)
    assert answer(attack_lab, "jwt", hard_forged).status_code == HTTPStatus.UNAUTHORIZED


def test_honest_use_of_the_vulnerable_mode_works_and_garbage_is_refused(attack_lab):
    weak, _ = tokens(attack_lab)
    assert answer(attack_lab, "jwt-vulnerable", weak).get_json()["user"] == "alice"
    for garbage in ("x", "a.b.c", "eyJ9.eyJ9.x", weak[:-4] + "AAAA"):
        response = answer(attack_lab, "jwt-vulnerable", garbage)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.get_json()["mode"] == "jwt-vulnerable"


def test_it_says_so_everywhere(attack_lab):
    page = attack_lab.get("/")
    assert 'data-testid="vulnerable-banner"' in page.get_data(as_text=True)
    assert "DELIBERATELY INSECURE" in page.get_data(as_text=True)
    assert "deliberately insecure" in page.headers["X-Lab-Warning"]
    names = [mode["name"] for mode in attack_lab.get("/api/modes").get_json()["modes"]]
    assert names[-1] == "jwt-vulnerable"


def test_without_the_flag_it_does_not_exist(client):
    assert client.post("/jwt-vulnerable/api/login", json=ALICE).status_code == 404
    assert client.get("/jwt-vulnerable/api/public-key").status_code == 404
    page = client.get("/")
    assert "vulnerable-banner" not in page.get_data(as_text=True)
    assert "X-Lab-Warning" not in page.headers
    names = [mode["name"] for mode in client.get("/api/modes").get_json()["modes"]]
    assert "jwt-vulnerable" not in names


def test_never_in_production(tmp_path):
    with pytest.raises(RuntimeError, match="LAB_VULNERABLE=1 is refused with LAB_ENV=production"):
        make_app(tmp_path, LAB_VULNERABLE=True, LAB_ENV="production")


def test_the_crack_command(attack_lab):
    weak, hard = tokens(attack_lab)
    repo = Path(__file__).resolve().parent.parent
    found = subprocess.run(
        [sys.executable, "-m", "lab", "crack", weak], cwd=repo, capture_output=True, text=True
    )
    assert found.returncode == 0 and "sunshine" in found.stdout
    missed = subprocess.run(
        [sys.executable, "-m", "lab", "crack", hard], cwd=repo, capture_output=True, text=True
    )
    assert missed.returncode == 1 and "not found" in missed.stdout


def test_the_crack_command_refuses_what_is_not_a_jwt():
    repo = Path(__file__).resolve().parent.parent
    for garbage, message in (("abc", "three dot-separated"), ("a.b.c", "not base64url")):
        done = subprocess.run(
            [sys.executable, "-m", "lab", "crack", garbage],
            cwd=repo,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and message in done.stdout and not done.stderr

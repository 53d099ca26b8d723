"""Asymmetric signing: RS256, ES256 and EdDSA key pairs, the JWKS, rotation, verifier-only."""

import json
import os
import subprocess
import sys
from http import HTTPStatus

import jwt
import pytest
import requests

from auth.keys import generate_key_pair
from lab import Lab
from lab.stack import REPO_ROOT
from tests.attacks import RSA_PUBLIC_PEM, claims, hmac_signed
from tests.conftest import make_app

ALICE = {"username": "alice", "password": "wonderland"}


def keyed_app(tmp_path, redis_server, algorithm, folder, name="app"):
    """An app signing with the key pairs in folder."""
    return make_app(
        tmp_path / name,
        REDIS_URL=redis_server.url,
        JWT_ALGORITHM=algorithm,
        JWT_KEY_DIR=str(folder),
    )


def token_of(client, mode="jwt"):
    """Log alice in and return her access token."""
    return client.post(f"/{mode}/api/login", json=ALICE).get_json()["access_token"]


def me(client, token, mode="jwt"):
    """Call /me with a Bearer token."""
    return client.get(f"/{mode}/api/me", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_tokens_are_signed_with_the_private_key_and_verified_with_the_public(
    tmp_path, redis_server, redis_client, algorithm
):
    kid = generate_key_pair(algorithm, tmp_path / "keys")
    client = keyed_app(tmp_path, redis_server, algorithm, tmp_path / "keys").test_client()
    token = token_of(client)
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT", "kid": kid}
    assert me(client, token).status_code == HTTPStatus.OK

    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert [(key["kid"], key["alg"], key["use"]) for key in published] == [(kid, algorithm, "sig")]
    assert "d" not in published[0]  # the private part is never published
    # Anyone can verify with the published key, and nobody needs the private one for that.
    public = jwt.PyJWK(published[0])
    assert jwt.decode(token, public, algorithms=[algorithm], audience="authlab")["sub"] == "alice"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_asymmetric_attacks_are_refused(tmp_path, redis_server, redis_client, algorithm):
    kid = generate_key_pair(algorithm, tmp_path / "keys")
    client = keyed_app(tmp_path, redis_server, algorithm, tmp_path / "keys").test_client()
    # The public key as an HMAC secret (alg confusion), with our kid.
    confused = hmac_signed(
        {"alg": "HS256", "typ": "JWT", "kid": kid},
        claims("jwt"),
        (tmp_path / "keys" / f"{kid}.pub.pem").read_bytes(),
    )
    # A key pair of the attacker's, presented under our kid, and under its own.
    attacker = generate_key_pair(algorithm, tmp_path / "attacker")
    private = (tmp_path / "attacker" / f"{attacker}.pem").read_bytes()
    under_our_kid = jwt.encode(claims("jwt"), private, algorithm=algorithm, headers={"kid": kid})
    under_its_kid = jwt.encode(
        claims("jwt"), private, algorithm=algorithm, headers={"kid": attacker}
    )
    without_kid = jwt.encode(claims("jwt"), private, algorithm=algorithm)
    path_kid = jwt.encode(claims("jwt"), private, algorithm=algorithm, headers={"kid": "../../x"})
    rsa_pem = hmac_signed({"alg": "HS256", "typ": "JWT"}, claims("jwt"), RSA_PUBLIC_PEM)
    for token in (confused, under_our_kid, under_its_kid, without_kid, path_kid, rsa_pem):
        assert me(client, token).status_code == HTTPStatus.UNAUTHORIZED


def test_rotation_keeps_old_tokens_valid_until_their_public_key_goes(
    tmp_path, redis_server, redis_client
):
    folder = tmp_path / "keys"
    old_kid = generate_key_pair("ES256", folder)
    before = keyed_app(tmp_path, redis_server, "ES256", folder, "before").test_client()
    old_token = token_of(before)

    new_kid = generate_key_pair("ES256", folder)  # the rotation
    after = keyed_app(tmp_path, redis_server, "ES256", folder, "after").test_client()
    assert jwt.get_unverified_header(token_of(after))["kid"] == new_kid
    assert me(after, old_token).status_code == HTTPStatus.OK
    kids = [key["kid"] for key in after.get("/.well-known/jwks.json").get_json()["keys"]]
    assert kids == sorted([old_kid, new_kid])

    (folder / f"{old_kid}.pub.pem").unlink()
    (folder / f"{old_kid}.pem").unlink()
    retired = keyed_app(tmp_path, redis_server, "ES256", folder, "retired").test_client()
    assert me(retired, old_token).status_code == HTTPStatus.UNAUTHORIZED


def test_a_backend_with_public_keys_only_verifies_but_cannot_issue(
    tmp_path, redis_server, redis_client
):
    issuer_keys, verifier_keys = tmp_path / "issuer", tmp_path / "verifier"
    kid = generate_key_pair("RS256", issuer_keys)
    verifier_keys.mkdir()
    (verifier_keys / f"{kid}.pub.pem").write_bytes((issuer_keys / f"{kid}.pub.pem").read_bytes())
    issuer = keyed_app(tmp_path, redis_server, "RS256", issuer_keys, "issuer").test_client()
    verifier = keyed_app(tmp_path, redis_server, "RS256", verifier_keys, "verifier").test_client()
    assert me(verifier, token_of(issuer)).status_code == HTTPStatus.OK
    refused = verifier.post("/jwt/api/login", json=ALICE)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "cannot issue" in refused.get_json()["error"]


def test_the_hmac_secret_is_never_published(client):
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"JWT_ALGORITHM": "RS512"}, "JWT_ALGORITHM must be one of"),
        ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM must be one of"),
        ({"JWT_ALGORITHM": "ES256"}, "needs JWT_KEY_DIR"),
    ],
)
def test_bad_key_settings_say_what_to_set(tmp_path, config, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(tmp_path, **config)


def test_keys_list_shows_one_algorithm_and_its_signer(tmp_path):
    def keys_command(*args):
        done = subprocess.run(
            [sys.executable, "-m", "lab", "keys", *args, "--dir", str(tmp_path)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    old = generate_key_pair("ES256", tmp_path)
    other = generate_key_pair("EdDSA", tmp_path)
    new = generate_key_pair("ES256", tmp_path)
    listing = keys_command("list", "--algorithm", "ES256")
    assert other not in listing  # an EdDSA pair in the same folder is not an ES256 key
    rows = {kid: line for line in listing.splitlines() for kid in (old, new) if kid in line}
    assert rows[new].count("yes") == 2  # private key here, and it signs: the newest
    assert rows[old].count("yes") == 1  # private key here, no longer signing


@pytest.mark.stack
def test_the_launcher_creates_a_key_pair_outside_the_repository(tmp_path):
    env = {"JWT_ALGORITHM": "EdDSA", "XDG_STATE_HOME": str(tmp_path / "state")}
    with Lab(backends=2, workers=1, env=env) as lab:
        folder = tmp_path / "state" / "authlab" / "keys" / "EdDSA"
        assert len(list(folder.glob("EdDSA-*.pub.pem"))) == 1
        login = requests.post(f"{lab.url}/jwt-blocklist/api/login", json=ALICE, timeout=10).json()
        assert jwt.get_unverified_header(login["access_token"])["alg"] == "EdDSA"
        bearer = {"Authorization": f"Bearer {login['access_token']}"}
        answers = [
            requests.get(f"{lab.url}/jwt-blocklist/api/me", headers=bearer, timeout=10)
            for _ in range(4)
        ]
        assert {a.status_code for a in answers} == {200}
        assert len({a.headers["X-Served-By"] for a in answers}) == 2
        jwks = json.loads(requests.get(f"{lab.url}/.well-known/jwks.json", timeout=10).text)
        assert jwks["keys"][0]["kty"] == "OKP"

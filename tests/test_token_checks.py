"""Every check the token verifier makes, one forged token at a time (Flask test client)."""

import base64
import json
import time
import uuid
from http import HTTPStatus

import jwt
import pytest


def claims(**changes):
    """Return the claims of a valid jwt-mode access token, with changes (None removes one)."""
    now = int(time.time())
    payload = {
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "type": "access",
        "fresh": False,
        "iss": "authlab",
        "aud": "authlab",
        "mode": "jwt",
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def b64(data):
    """Encode JSON as unpadded base64url."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def tampered(key):
    """A genuine token whose payload was edited afterwards (sub: alice -> bob)."""
    header, _, signature = jwt.encode(claims(), key, algorithm="HS256").split(".")
    return f"{header}.{b64(claims(sub='bob'))}.{signature}"


FORGED = {
    "signed with another key": lambda key: jwt.encode(claims(), "x" * 48, algorithm="HS256"),
    "alg none": lambda key: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.",
    "alg NONE": lambda key: f"{b64({'alg': 'NONE', 'typ': 'JWT'})}.{b64(claims())}.",
    "HS512, not on the allowlist": lambda key: jwt.encode(claims(), key, algorithm="HS512"),
    "payload tampered": tampered,
    "expired": lambda key: jwt.encode(claims(exp=int(time.time()) - 10), key, algorithm="HS256"),
    "not yet valid": lambda key: jwt.encode(
        claims(nbf=int(time.time()) + 600), key, algorithm="HS256"
    ),
    "wrong issuer": lambda key: jwt.encode(claims(iss="evil"), key, algorithm="HS256"),
    "issuer substring": lambda key: jwt.encode(claims(iss="authla"), key, algorithm="HS256"),
    "wrong audience": lambda key: jwt.encode(claims(aud="someone-else"), key, algorithm="HS256"),
    "refresh token as access": lambda key: jwt.encode(
        claims(type="refresh"), key, algorithm="HS256"
    ),
    "another mode's token": lambda key: jwt.encode(
        claims(mode="jwt-blocklist"), key, algorithm="HS256"
    ),
    "sub not a string": lambda key: jwt.encode(claims(sub=42), key, algorithm="HS256"),
    **{
        f"missing {name}": (
            lambda key, name=name: jwt.encode(claims(**{name: None}), key, algorithm="HS256")
        )
        for name in ("exp", "iat", "nbf", "jti", "iss", "aud", "sub", "type", "mode")
    },
}


def test_a_well_formed_token_is_accepted(app, client):
    token = jwt.encode(claims(), app.config["JWT_SECRET_KEY"], algorithm="HS256")
    response = client.get("/jwt/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("case", list(FORGED))
def test_forged_token_is_refused(app, client, case):
    token = FORGED[case](app.config["JWT_SECRET_KEY"])
    response = client.get("/jwt/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED, case
    assert response.get_json()["error"]


def test_revoked_token_is_refused_before_its_expiry(client):
    login = client.post(
        "/jwt-blocklist/api/login", json={"username": "alice", "password": "wonderland"}
    ).get_json()
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    assert client.post("/jwt-blocklist/api/logout", headers=bearer).status_code == HTTPStatus.OK
    response = client.get("/jwt-blocklist/api/me", headers=bearer)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.get_json()["error"] == "token has been revoked"

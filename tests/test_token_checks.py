"""Every check the token verifier makes, one forged token at a time (Flask test client)."""

from http import HTTPStatus

import pytest

from tests.attacks import ATTACKS, forge


@pytest.mark.parametrize("mode", ["jwt", "jwt-blocklist"])
def test_a_well_formed_token_is_accepted(app, client, mode):
    token = forge("valid control", app.config["JWT_SECRET_KEY"], mode)
    response = client.get(f"/{mode}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("case", ATTACKS)
def test_forged_token_is_refused(app, client, case):
    token = forge(case, app.config["JWT_SECRET_KEY"], "jwt")
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

"""The JWT attack corpus through the real nginx, against every JWT mode: 401 JSON, never 5xx."""

from http import HTTPStatus

import pytest
import requests

from lab.client import ModeClient
from tests.attacks import ATTACKS, forge

pytestmark = pytest.mark.stack

JWT_MODES = ["jwt", "jwt-blocklist"]


def me(lab, mode, token):
    """Call /me through nginx with a Bearer token."""
    return requests.get(
        f"{lab.url}/{mode}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.mark.parametrize("mode", JWT_MODES)
def test_the_control_token_is_accepted(lab, mode):
    # Forged with the lab's real secret: proves the attacks fail for their flaw, not the key.
    assert me(lab, mode, forge("valid control", lab.secrets["JWT_SECRET_KEY"], mode)).ok


@pytest.mark.parametrize("mode", JWT_MODES)
@pytest.mark.parametrize("case", ATTACKS)
def test_attack_is_refused(lab, mode, case):
    response = me(lab, mode, forge(case, lab.secrets["JWT_SECRET_KEY"], mode))
    assert response.status_code == HTTPStatus.UNAUTHORIZED, (case, response.text[:200])
    assert response.json()["error"] and response.json()["mode"] == mode


@pytest.mark.parametrize("mode", JWT_MODES)
@pytest.mark.parametrize("endpoint", ["refresh", "logout"])
@pytest.mark.parametrize("case", ["alg none", "signed with another key", "expired"])
def test_attacks_on_refresh_and_logout_are_refused(lab, mode, endpoint, case):
    token = forge(case, lab.secrets["JWT_SECRET_KEY"], mode)
    response = requests.post(
        f"{lab.url}/{mode}/api/{endpoint}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("mode", JWT_MODES)
def test_access_and_refresh_tokens_are_not_interchangeable(lab, mode):
    client = ModeClient(lab.url, mode)
    assert client.login().status_code == HTTPStatus.OK
    client.refresh_token, client.access_token = client.access_token, client.refresh_token
    assert client.refresh().status_code == HTTPStatus.UNAUTHORIZED  # access used to refresh
    assert client.me().status_code == HTTPStatus.UNAUTHORIZED  # refresh used as access

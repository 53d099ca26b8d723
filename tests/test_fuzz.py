"""Property-based fuzzing: no login body, Authorization header or Cookie header gives a 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth.modes import MODES

# Header values travel as latin-1 text without line breaks.
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"),
    max_size=300,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
LOGIN_BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries({"username": JSON_VALUES, "password": JSON_VALUES}).map(json.dumps),
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("mode", list(MODES))
@FUZZ
@given(body=LOGIN_BODIES)
def test_login_body(client, mode, body):
    response = client.post(
        f"/{mode}/api/login", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code < 500
    assert response.is_json


@pytest.mark.parametrize("header", ["Authorization", "Cookie"])
@pytest.mark.parametrize("mode", list(MODES))
@FUZZ
@given(value=HEADER_TEXT)
def test_credential_header(client, mode, header, value):
    response = client.get(f"/{mode}/api/me", headers={header: value})
    assert response.status_code < 500
    assert response.is_json

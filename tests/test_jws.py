"""The lab's token verifier against PyJWT's decode: it never accepts what PyJWT refuses.

auth/jws.py replaces PyJWT's decode on the request path for speed; PyJWT, configured with the
same algorithm, key, issuer, audience and required claims, is the oracle here.
"""

import json
import secrets
import time

import jwt
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auth.jws import TokenVerifier
from auth.keys import KeySet, generate_key_pair, load_key_set
from auth.tokens import REQUIRED_CLAIMS
from tests.attacks import CORPUS, b64, claims, hmac_signed, signed_segments

SECRET = secrets.token_urlsafe(48)
KEYS = KeySet("HS256", signing_key=SECRET, verifying_keys={None: SECRET})
VERIFIER = TokenVerifier(KEYS, issuer="authlab", audience="authlab", required=REQUIRED_CLAIMS)
MODE = "jwt"

CHECKS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ours(token, verifier=VERIFIER):
    """Return the payload our verifier accepts, or None if it refuses the token."""
    try:
        return verifier.decode(token)[1]
    except jwt.PyJWTError:
        return None


def pyjwt(token, key=SECRET, algorithm="HS256"):
    """Return the payload PyJWT's decode accepts with the lab's options, or None."""
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience="authlab",
            issuer="authlab",
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        return None


def signed(header, payload):
    """Sign any header and payload with the lab's secret (the signature is always genuine)."""
    return hmac_signed(header, payload, SECRET.encode())


def test_a_genuine_token_is_accepted_with_its_payload():
    token = jwt.encode(claims(MODE), SECRET, algorithm="HS256")
    assert ours(token) == pyjwt(token) == jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_every_attack_gets_the_same_verdict_as_from_pyjwt(case):
    token = CORPUS[case](SECRET, MODE)
    assert ours(token) == pyjwt(token)


def _padded_header_token():
    header = b64({"alg": "HS256"})
    return signed_segments(header + "=" * (-len(header) % 4), b64(claims(MODE)), SECRET.encode())


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_padded_header_token, id="padded segment"),
        pytest.param(
            lambda: signed({"alg": "HS256", "b64": True, "crit": ["b64"]}, claims(MODE)),
            id="crit b64",
        ),
    ],
)
def test_what_the_lab_refuses_beyond_pyjwt(build):
    # Deliberately narrower: no padding (RFC 7515 forbids it) and no JWS extension at all.
    token = build()
    assert pyjwt(token) is not None
    assert ours(token) is None


# Characters that keep a mutated token looking like a JWT, and some that break it.
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ !é"


@CHECKS
@given(data=st.data())
def test_a_mutated_token_is_never_accepted_unless_pyjwt_accepts_it(data):
    token = jwt.encode(claims(MODE), SECRET, algorithm="HS256")
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.text(TOKEN_ALPHABET, max_size=3))
    length = data.draw(st.integers(0, 3))
    mutated = token[:position] + replacement + token[position + length :]
    assume(mutated != token)
    accepted = ours(mutated)
    if accepted is not None:
        assert pyjwt(mutated) == accepted


def _claim_values():
    now = int(time.time())
    times = st.one_of(
        st.integers(now - 10_000, now + 10_000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from([str(now), str(now + 600), True, False, None, [], {}]),
        st.integers(-(2**80), 2**80),
    )
    strings = st.one_of(
        st.sampled_from(["authlab", "authla", "authlab-evil", "", "AUTHLAB"]),
        st.text(max_size=8),
        st.integers(),
        st.none(),
        st.lists(st.sampled_from(["authlab", "other", 1]), max_size=3),
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "exp": times,
            "nbf": times,
            "iat": times,
            "iss": strings,
            "aud": strings,
            "sub": strings,
            "jti": strings,
            "type": strings,
            "mode": strings,
        },
    )


@CHECKS
@given(changes=_claim_values(), header_extra=st.sampled_from([{}, {"kid": 1}, {"kid": "k"}]))
def test_genuinely_signed_claims_get_the_same_verdict_as_from_pyjwt(changes, header_extra):
    payload = {**claims(MODE), **changes}
    # JSON has no NaN or infinity: the lab's parser refuses them, PyJWT's int() as well.
    token = signed({"alg": "HS256", "typ": "JWT", **header_extra}, payload)
    assert ours(token) == pyjwt(token)


@CHECKS
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "typ", "kid", "crit", "b64", "jku", "x5u", "jwk"]),
        st.one_of(st.sampled_from(["HS256", "none", "RS256", "HS512", ""]), st.integers()),
    )
)
def test_genuinely_signed_headers_are_never_accepted_unless_pyjwt_accepts_them(header):
    token = signed(header, claims(MODE))
    accepted = ours(token)
    if accepted is not None:
        assert pyjwt(token) == accepted
    if header.get("alg") != "HS256":
        assert accepted is None


def test_a_payload_that_is_not_json_is_refused():
    header = b64({"alg": "HS256"})
    for payload in (b"not json", b"[1, 2]", b'{"exp": NaN}', json.dumps("text").encode()):
        assert ours(signed_segments(header, b64(payload), SECRET.encode())) is None


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_public_key_tokens_are_checked_with_the_key_their_kid_names(tmp_path, algorithm):
    old_kid = generate_key_pair(algorithm, tmp_path)
    new_kid = generate_key_pair(algorithm, tmp_path)
    keys = load_key_set({"JWT_ALGORITHM": algorithm, "JWT_KEY_DIR": str(tmp_path)})
    verifier = TokenVerifier(keys, issuer="authlab", audience="authlab", required=REQUIRED_CLAIMS)
    old_private = (tmp_path / f"{old_kid}.pem").read_bytes()
    public = keys.verifying_keys[new_kid]

    for kid, private in ((new_kid, keys.signing_key), (old_kid, old_private)):
        token = jwt.encode(claims(MODE), private, algorithm=algorithm, headers={"kid": kid})
        assert ours(token, verifier) == pyjwt(token, keys.verifying_keys[kid], algorithm)
        assert ours(token, verifier) is not None

    signed_by_new = jwt.encode(claims(MODE), keys.signing_key, algorithm=algorithm)
    assert ours(signed_by_new, verifier) is None  # no kid: no key to choose
    misnamed = jwt.encode(
        claims(MODE), keys.signing_key, algorithm=algorithm, headers={"kid": old_kid}
    )
    assert ours(misnamed, verifier) is None  # the kid names a key that did not sign it
    assert pyjwt(misnamed, public, algorithm) is not None  # (the right key would accept it)
    hmac_with_public = hmac_signed(
        {"alg": "HS256", "kid": new_kid}, claims(MODE), b"any secret at all"
    )
    assert ours(hmac_with_public, verifier) is None

"""The corpus of JWT attacks the well-known JWT labs teach: each must be refused with a 401.

forge(case, key, mode) builds the attack token against a lab whose HS256 secret is key.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ATTACKER_SECRET = "attacker-chosen-secret-" + "x" * 48
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC_PEM = _RSA.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def claims(issued_for, **changes):
    """Return the claims of a valid access token of a mode; a change to None removes a claim."""
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
        "mode": issued_for,
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def b64(data):
    """Encode bytes, or JSON data, as unpadded base64url."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def payload_of(token):
    """Read a token's payload, as anyone can: base64url, no key needed."""
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _hs256(payload, key, **headers):
    return jwt.encode(payload, key, algorithm="HS256", headers=headers or None)


def _unsigned(alg, mode):
    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims(mode))}."


def _tampered(key, mode, header=None):
    # One part changed, the other two exactly as signed.
    genuine_header, genuine_payload, signature = _hs256(claims(mode), key).split(".")
    if header is not None:
        return f"{b64(header)}.{genuine_payload}.{signature}"
    return f"{genuine_header}.{b64(claims(mode, sub='bob'))}.{signature}"


def signed_segments(header_segment, payload_segment, secret, digest=hashlib.sha256):
    """Sign two already encoded segments with HMAC: a token with a genuine signature."""
    signing_input = f"{header_segment}.{payload_segment}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def hmac_signed(header, payload, secret, digest=hashlib.sha256):
    """Sign header and payload by hand, also with secrets PyJWT refuses (empty, a public key)."""
    return signed_segments(b64(header), b64(payload), secret, digest)


def as_bob(token, secret=None, header=None):
    """Alice's token rewritten to say bob: re-signed if a secret is given, else signature kept."""
    header = header or jwt.get_unverified_header(token)
    payload = {**payload_of(token), "sub": "bob"}
    if secret is None:
        return f"{b64(header)}.{b64(payload)}.{token.split('.')[2]}"
    return hmac_signed(header, payload, secret)


def _hmac_with_public_key(mode):
    # The RS256 -> HS256 confusion: the public key, which anyone may have, used as HMAC secret.
    return hmac_signed({"alg": "HS256", "typ": "JWT"}, claims(mode), RSA_PUBLIC_PEM)


CORPUS = {
    "valid control": lambda key, mode: _hs256(claims(mode), key),
    **{
        f"alg {alg}": (lambda key, mode, alg=alg: _unsigned(alg, mode))
        for alg in ("none", "None", "NONE", "nOnE")
    },
    "empty signature": lambda key, mode: _hs256(claims(mode), key).rsplit(".", 1)[0] + ".",
    "signed with another key": lambda key, mode: _hs256(claims(mode), ATTACKER_SECRET),
    "payload tampered": lambda key, mode: _tampered(key, mode),
    "header tampered": lambda key, mode: _tampered(key, mode, {"alg": "HS256", "typ": "JWS"}),
    "RS256 token": lambda key, mode: jwt.encode(claims(mode), _RSA, algorithm="RS256"),
    "RS256 public key as HMAC secret": lambda key, mode: _hmac_with_public_key(mode),
    "HS512 with the right secret": lambda key, mode: hmac_signed(
        {"alg": "HS512", "typ": "JWT"}, claims(mode), key.encode(), hashlib.sha512
    ),
    # /dev/null reads as an empty key: signed with an empty HMAC secret.
    "kid path traversal": lambda key, mode: hmac_signed(
        {"alg": "HS256", "typ": "JWT", "kid": "../../../../../../dev/null"}, claims(mode), b""
    ),
    # A key store queried with the kid would return 'x': signed with that.
    "kid SQL injection": lambda key, mode: hmac_signed(
        {"alg": "HS256", "typ": "JWT", "kid": "x' UNION SELECT 'x' --"}, claims(mode), b"x"
    ),
    "jku elsewhere": lambda key, mode: _hs256(
        claims(mode), ATTACKER_SECRET, jku="http://127.0.0.1:9/jwks.json"
    ),
    "x5u elsewhere": lambda key, mode: _hs256(
        claims(mode), ATTACKER_SECRET, x5u="http://127.0.0.1:9/cert.pem"
    ),
    "embedded jwk": lambda key, mode: _hs256(
        claims(mode),
        ATTACKER_SECRET,
        jwk={"kty": "oct", "k": b64(ATTACKER_SECRET.encode())},
    ),
    "expired": lambda key, mode: _hs256(claims(mode, exp=int(time.time()) - 30), key),
    "not yet valid": lambda key, mode: _hs256(claims(mode, nbf=int(time.time()) + 600), key),
    **{
        f"missing {name}": (lambda key, mode, name=name: _hs256(claims(mode, **{name: None}), key))
        for name in ("exp", "iat", "nbf", "jti", "iss", "aud", "sub", "type", "mode")
    },
    "wrong audience": lambda key, mode: _hs256(claims(mode, aud="another-service"), key),
    "wrong issuer": lambda key, mode: _hs256(claims(mode, iss="evil"), key),
    "issuer substring": lambda key, mode: _hs256(claims(mode, iss="authla"), key),
    "issuer superstring": lambda key, mode: _hs256(claims(mode, iss="authlab-evil"), key),
    "refresh token as access": lambda key, mode: _hs256(claims(mode, type="refresh"), key),
    "another mode's token": lambda key, mode: _hs256(
        claims("jwt-blocklist" if mode == "jwt" else "jwt"), key
    ),
    "sub not a string": lambda key, mode: _hs256(claims(mode, sub=42), key),
    "unknown crit": lambda key, mode: _hs256(claims(mode), key, crit=["x-unknown"]),
    "oversized forged token": lambda key, mode: _hs256(
        claims(mode, padding="p" * 5000), ATTACKER_SECRET
    ),
    "non-base64url segments": lambda key, mode: "eyJ!!!.eyJ$$$.sig***",
    "two segments": lambda key, mode: ".".join(_hs256(claims(mode), key).split(".")[:2]),
    "four segments": lambda key, mode: _hs256(claims(mode), key) + ".AAAA",
    "all-zero ES256 signature": lambda key, mode: (
        f"{b64({'alg': 'ES256', 'typ': 'JWT'})}.{b64(claims(mode))}.{b64(bytes(64))}"
    ),
    "ES256 token": lambda key, mode: jwt.encode(
        claims(mode), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"
    ),
}

ATTACKS = [case for case in CORPUS if case != "valid control"]


def forge(case, key, mode):
    """Return the token of an attack case against mode, for a lab signing with key."""
    return CORPUS[case](key, mode)

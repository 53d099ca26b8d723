"""Verify the lab's JWTs in one pass: the checks PyJWT's decode makes, without its overhead.

A JWT is three base64url segments, header.payload.signature. Verifying one means: decode the
header, accept only the algorithm the key set is configured for, check the signature over
"header.payload" with the key the server holds, and only then read the claims and check
them (expiry, not-before, issued-at, issuer, audience, the claims every token must carry).

PyJWT's decode makes the same checks at about 40 µs per token, most of it in validating
each base64url segment one character at a time, preparing the key anew, and merging options;
the HMAC itself is about 2 µs. Here each segment is checked by one regular expression, the key
is prepared once, JSON is parsed by msgspec, and the signature is still checked by PyJWT's own
algorithm classes (HMAC compared in constant time, RSA, ECDSA, EdDSA): about 8 µs for HS256.
Errors are PyJWT's exception classes with its messages, so flask-jwt-extended's error
handlers answer them as before.

This verifier is deliberately narrower than PyJWT: it refuses padded segments and any `crit`
header (the lab understands no JWS extension). tests/test_jws.py checks that it never accepts
a token PyJWT would refuse.
"""

import binascii
import re
import time
from datetime import timedelta

import jwt
import msgspec
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

# base64url without padding (RFC 7515 §2); a length of 4n+1 can never be valid.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# The bits the last character of a 2- or 3-character tail carries beyond the data: they
# must be zero, or one value would have several encodings.
_UNUSED_BITS = {2: 0b1111, 3: 0b11}


def _segment(text, name):
    """Decode one base64url segment, refusing anything but its one canonical encoding."""
    tail = len(text) % 4
    if tail == 1 or not _SEGMENT.fullmatch(text):
        raise DecodeError(f"Invalid {name} padding")
    if tail and _ALPHABET.index(text[-1]) & _UNUSED_BITS[tail]:
        raise DecodeError(f"Invalid {name} padding")
    # Cannot fail: the expression above admits only the alphabet, in a valid length.
    return binascii.a2b_base64(text.encode().translate(_TO_STANDARD) + b"=" * (-tail % 4))


# Strict JSON (no NaN, no lone surrogates) at a fifth of json.loads' cost.
_json = msgspec.json.Decoder()


def _json_object(raw, name):
    try:
        value = _json.decode(raw)
    except (msgspec.MsgspecError, RecursionError) as error:
        raise DecodeError(f"Invalid {name} string: {error}") from error
    if not isinstance(value, dict):
        raise DecodeError(f"Invalid {name} string: must be a json object")
    return value


def _int_claim(payload, name, error_class, message):
    try:
        return int(payload[name])
    except (ValueError, TypeError, OverflowError):
        raise error_class(message) from None


class TokenVerifier:
    """Verifies compact JWS tokens against one key set, issuer, audience and required claims."""

    def __init__(self, key_set, *, issuer, audience, required, leeway=0):
        # The allowlist: one algorithm, the key set's; never HMAC and public-key side by side.
        self.algorithm = key_set.algorithm
        self.issuer = issuer
        self.audience = audience
        self.required = tuple(required)
        self.leeway = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
        self._implementation = jwt.get_algorithm_by_name(key_set.algorithm)
        # Prepared once: PyJWT's decode prepares (and for HMAC re-inspects) the key per call.
        self._keys = {
            kid: self._implementation.prepare_key(key)
            for kid, key in key_set.verifying_keys.items()
        }
        self._by_kid = key_set.asymmetric

    def decode(self, token):
        """Return (header, payload) of a genuine, current token; raise a PyJWT error otherwise."""
        segments = token.split(".")
        if len(segments) != 3:
            raise DecodeError("Not enough segments" if len(segments) < 3 else "Too many segments")
        header_segment, payload_segment, signature_segment = segments
        header = _json_object(_segment(header_segment, "header"), "header")
        key = self._key(header)
        payload_json = _segment(payload_segment, "payload")
        signature = _segment(signature_segment, "crypto")
        signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode()
        if not self._implementation.verify(signing_input, key, signature):
            raise InvalidSignatureError("Signature verification failed")
        # Only a payload whose signature checked out is worth parsing.
        payload = _json_object(payload_json, "payload")
        self._check_claims(payload)
        return header, payload

    def _key(self, header):
        """Return the prepared key that must have signed a token with this header."""
        if header.get("alg") != self.algorithm:
            raise InvalidAlgorithmError("The specified alg value is not allowed")
        if "crit" in header:
            raise InvalidTokenError("Unsupported critical extension")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidTokenError("Key ID header parameter must be a string")
        if not self._by_kid:
            return self._keys[None]
        # The kid only ever selects among our own public keys; it never names a file or URL.
        if kid not in self._keys:
            raise InvalidTokenError("unknown key id (kid)")
        return self._keys[kid]

    def _check_claims(self, payload):
        for claim in self.required:
            if payload.get(claim) is None:
                raise MissingRequiredClaimError(claim)
        now = time.time()
        if "iat" in payload:
            iat = _int_claim(
                payload, "iat", InvalidIssuedAtError, "Issued At claim (iat) must be an integer."
            )
            if iat > now + self.leeway:
                raise ImmatureSignatureError("The token is not yet valid (iat)")
        if "nbf" in payload:
            nbf = _int_claim(
                payload, "nbf", DecodeError, "Not Before claim (nbf) must be an integer."
            )
            if nbf > now + self.leeway:
                raise ImmatureSignatureError("The token is not yet valid (nbf)")
        if "exp" in payload:
            exp = _int_claim(
                payload, "exp", DecodeError, "Expiration Time claim (exp) must be an integer."
            )
            if exp <= now - self.leeway:
                raise ExpiredSignatureError("Signature has expired")
        self._check_issuer(payload)
        self._check_audience(payload)
        if "sub" in payload and not isinstance(payload["sub"], str):
            raise InvalidSubjectError("Subject must be a string")
        if "jti" in payload and not isinstance(payload["jti"], str):
            raise InvalidJTIError("JWT ID must be a string")

    def _check_issuer(self, payload):
        if "iss" not in payload:
            raise MissingRequiredClaimError("iss")
        if not isinstance(payload["iss"], str):
            raise InvalidIssuerError("Payload Issuer (iss) must be a string")
        if payload["iss"] != self.issuer:
            raise InvalidIssuerError("Invalid issuer")

    def _check_audience(self, payload):
        audiences = payload.get("aud")
        if not audiences:
            raise MissingRequiredClaimError("aud")
        if isinstance(audiences, str):
            audiences = [audiences]
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            raise InvalidAudienceError("Invalid claim format in token")
        if self.audience not in audiences:
            raise InvalidAudienceError("Audience doesn't match")

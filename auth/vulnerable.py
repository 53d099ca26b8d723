"""jwt-vulnerable: a DELIBERATELY INSECURE JWT mode for the workshop's attack lab.

It exists only when LAB_VULNERABLE=1, never with LAB_ENV=production, and every page then says
so in a red banner. Each flaw below is a real bug that real applications have shipped; the
hardened `jwt` mode (auth/tokens.py) refuses every one of these attacks. Do not copy this code.

The flaws, one per workshop exercise (docs/workshop.md):
1. /profile decodes the token without verifying its signature at all.
2. /me accepts a token whose header says alg "none" (in any casing), unsigned.
3. Tokens are signed with a weak HMAC secret, a word from any password list.
4. The header's kid is a file name under vulnerable_keys/, read as the key: a path.
5. The algorithm comes from the token's header, so a token "signed" with HS256 and the
   published RSA public key of kid "sso.pub.pem" as HMAC secret passes (RS256 -> HS256 confusion).
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

from flask import Blueprint, current_app, request, send_file

from auth.errors import LabError, Unauthorized, error_response
from auth.users import authenticate, login_credentials

NAME = "jwt-vulnerable"
KEYS = Path(__file__).resolve().parent / "vulnerable_keys"
DESCRIPTION = (
    "DELIBERATELY INSECURE (workshop attack lab only): a JWT mode with five classic "
    "verification bugs to exploit, then compare with the hardened jwt mode."
)

bp = Blueprint("vulnerable", __name__, url_prefix=f"/{NAME}/api")


@bp.errorhandler(LabError)
def _error(error):
    return error_response(error.status, error.message, mode=NAME)


def describe():
    """Return this mode as /api/modes lists it."""
    return {
        "name": NAME,
        "prefix": f"/{NAME}",
        "description": DESCRIPTION,
        "credential": "Bearer token (HS256, weak secret)",
        "server_state": "nothing (stateless)",
        "lookup": "a key file named by the token's own kid header (flaw 4)",
        "kind": "jwt",
        "vulnerable": True,
    }


def _b64decode(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        raise Unauthorized("expected 'Authorization: Bearer <JWT>'")
    return token


def _parts(token):
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, binascii.Error):
        raise Unauthorized("malformed token") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Unauthorized("malformed token")
    return header, payload, signature, f"{header_b64}.{payload_b64}".encode()


def _sign(payload, kid="default"):
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    encoded = [_b64encode(json.dumps(part).encode()) for part in (header, payload)]
    signing_input = ".".join(encoded)
    key = (KEYS / kid).read_bytes()
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def _checked_claims(payload):
    if not isinstance(payload.get("exp"), int | float) or payload["exp"] < time.time():
        raise Unauthorized("token has expired")
    if not isinstance(payload.get("sub"), str):
        raise Unauthorized("token has no subject")
    return payload


def _vulnerable_verify(token):
    """Verify a token the wrong way: flaws 2, 4 and 5 (see the module's docstring)."""
    header, payload, signature, signing_input = _parts(token)
    algorithm = str(header.get("alg", ""))
    if algorithm.lower() == "none":  # FLAW 2: an unsigned token is taken at its word
        return _checked_claims(payload)
    try:  # FLAW 4: kid is a path; "../../../../dev/null" reads as an empty key
        key = (KEYS / str(header.get("kid", "default"))).read_bytes()
    except OSError:
        raise Unauthorized("unknown key") from None
    if algorithm == "HS256":  # FLAW 5: the header picks the algorithm, any key file is a secret
        expected = hmac.new(key, signing_input, hashlib.sha256).digest()
        if hmac.compare_digest(expected, signature):
            return _checked_claims(payload)
    raise Unauthorized("Signature verification failed")


def _user_body(payload):
    return {"user": payload["sub"], "mode": NAME, "served_by": current_app.config["BACKEND_NAME"]}


@bp.post("/login")
def login():
    """Log in and get an HS256 token signed with the weak secret (FLAW 3)."""
    user = authenticate(*login_credentials())
    if user is None:
        raise Unauthorized("wrong username or password")
    now = int(time.time())
    payload = {"sub": user, "iat": now, "exp": now + 900, "jti": str(uuid.uuid4())}
    return {**_user_body(payload), "access_token": _sign(payload), "token_type": "Bearer"}


@bp.get("/me")
def me():
    """Say who the token belongs to, after a flawed verification."""
    return _user_body(_vulnerable_verify(_token()))


@bp.get("/profile")
def profile():
    """Say who the token belongs to, without verifying it at all (FLAW 1)."""
    _, payload, _, _ = _parts(_token())
    return _user_body(_checked_claims(payload))


@bp.get("/public-key")
def public_key():
    """The RSA public key of kid "sso.pub.pem", published as public keys are (used in flaw 5)."""
    return send_file(KEYS / "sso.pub.pem", mimetype="application/x-pem-file")


def _refuse_in_production(app):
    if app.config["LAB_ENV"] == "production":
        raise RuntimeError("LAB_VULNERABLE=1 is refused with LAB_ENV=production: never ship it")


def init_app(app):
    """Register the vulnerable mode if, and only if, LAB_VULNERABLE is on."""
    if not app.config["LAB_VULNERABLE"]:
        return
    _refuse_in_production(app)
    app.logger.warning("LAB_VULNERABLE=1: the DELIBERATELY INSECURE jwt-vulnerable mode is on")
    app.register_blueprint(bp)

    @app.after_request
    def _warn(response):
        response.headers["X-Lab-Warning"] = "deliberately insecure mode enabled (LAB_VULNERABLE=1)"
        return response

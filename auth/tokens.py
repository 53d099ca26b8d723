"""JWT modes: tokens issued by flask-jwt-extended, verified by auth/jws.py, revoked in Redis.

A JWT is signed, not encrypted: HS256 is an HMAC-SHA256 over the base64url header and
payload, which anyone can decode and read. The server verifies the signature; it decrypts
nothing. A stateless token stays valid until it expires unless the server keeps state
(here Redis keys of revoked token ids) and checks it on every request.
"""

import time
from http import HTTPStatus

import jwt as pyjwt
from flask import current_app, request
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token
from flask_jwt_extended.exceptions import (
    InvalidHeaderError,
    NoAuthorizationError,
    RevokedTokenError,
    UserClaimsVerificationError,
    WrongTokenError,
)

from auth.errors import BadRequest, LabError, error_response
from auth.jws import TokenVerifier
from auth.keys import load_key_set
from auth.redis_store import redis_store

jwt = JWTManager()

# The claim that binds a token to the mode that issued it, so modes never accept each other's.
MODE_CLAIM = "mode"

# Every token this lab issues carries these; a token without one of them is refused.
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "jti", "iss", "aud", "sub", "type", MODE_CLAIM]


class RevokedTokens:
    """Ids (jti) of revoked tokens, kept in Redis until the token would have expired anyway."""

    key_prefix = "revoked:"

    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        """Register this store on the app."""
        app.extensions["revoked_tokens"] = self

    def revoke(self, *payloads):
        """Revoke the tokens with these payloads, on every backend at once."""
        now = int(time.time())
        pipeline = redis_store.client.pipeline(transaction=False)
        for payload in payloads:
            remaining = int(payload["exp"]) - now
            if remaining > 0:
                pipeline.set(self.key_prefix + payload["jti"], 1, ex=remaining)
        pipeline.execute()

    def is_revoked(self, jti):
        """Tell whether the token with this id was revoked."""
        return redis_store.client.exists(self.key_prefix + jti) == 1


revoked_tokens = RevokedTokens()


def init_app(app):
    """Configure flask-jwt-extended, the signing keys and the revoked-token store for the app."""
    app.config.setdefault("JWT_TOKEN_LOCATION", ["headers"])
    app.config.setdefault("JWT_ALGORITHM", "HS256")
    keys = load_key_set(app.config)
    app.extensions["jwt_keys"] = keys
    if keys.asymmetric:
        app.config["JWT_PRIVATE_KEY"] = keys.signing_key
    app.config.setdefault("JWT_ENCODE_ISSUER", "authlab")
    app.config.setdefault("JWT_DECODE_ISSUER", "authlab")
    app.config.setdefault("JWT_ENCODE_AUDIENCE", "authlab")
    app.config.setdefault("JWT_DECODE_AUDIENCE", "authlab")
    # Tokens travel in the Authorization header, which a browser never adds on its own:
    # no CSRF claim is needed (it would only make every token longer).
    app.config.setdefault("JWT_COOKIE_CSRF_PROTECT", False)
    jwt.init_app(app)
    app.extensions["token_verifier"] = TokenVerifier(
        keys,
        issuer=app.config["JWT_DECODE_ISSUER"],
        audience=app.config["JWT_DECODE_AUDIENCE"],
        required=REQUIRED_CLAIMS,
        leeway=app.config["JWT_DECODE_LEEWAY"],
    )
    revoked_tokens.init_app(app)


@jwt.unauthorized_loader
def _missing_token(reason):
    return error_response(HTTPStatus.UNAUTHORIZED, f"no token: {reason}")


@jwt.invalid_token_loader
def _invalid_token(reason):
    return error_response(HTTPStatus.UNAUTHORIZED, f"invalid token: {reason}")


@jwt.expired_token_loader
def _expired_token(jwt_header, jwt_payload):
    return error_response(HTTPStatus.UNAUTHORIZED, "token has expired")


@jwt.revoked_token_loader
def _revoked_token(jwt_header, jwt_payload):
    return error_response(HTTPStatus.UNAUTHORIZED, "token has been revoked")


@jwt.token_verification_failed_loader
def _wrong_mode(jwt_header, jwt_payload):
    return error_response(
        HTTPStatus.UNAUTHORIZED,
        f"token was issued for mode {jwt_payload.get(MODE_CLAIM)!r}, not this one",
    )


@jwt.needs_fresh_token_loader
def _needs_fresh_token(jwt_header, jwt_payload):
    return error_response(HTTPStatus.UNAUTHORIZED, "a fresh token is required")


@jwt.user_lookup_error_loader
def _unknown_user(jwt_header, jwt_payload):
    return error_response(HTTPStatus.UNAUTHORIZED, "the token's user does not exist")


def _expires_in():
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


def _signing_headers():
    """Return the kid header of the key that signs, refusing if this backend holds none."""
    keys = current_app.extensions["jwt_keys"]
    if keys.signing_key is None:
        raise LabError(
            "this backend holds only public keys: it verifies tokens but cannot issue them",
            HTTPStatus.SERVICE_UNAVAILABLE,
        )
    return {"kid": keys.signing_kid} if keys.signing_kid else None


def log_in(mode, username):
    """Issue an access token and a refresh token bound to this mode."""
    claims = {MODE_CLAIM: mode.name}
    headers = _signing_headers()
    return {
        "access_token": create_access_token(
            identity=username, additional_claims=claims, additional_headers=headers
        ),
        "refresh_token": create_refresh_token(
            identity=username, additional_claims=claims, additional_headers=headers
        ),
        "token_type": "Bearer",
        "expires_in": _expires_in(),
    }


def verify(token, mode, token_type="access"):
    """Verify a token in one pass; return its payload, or raise what the error loaders answer.

    flask-jwt-extended's verify_jwt_in_request decodes each token three times (unverified
    claims and header for its key loader, then verified) at about 140 µs; the lab's verifier
    (auth/jws.py) makes every check once: the algorithm allowlist, the signature, exp, nbf,
    iat, iss, aud and the required claims. Then, in this order because only a genuine token
    is worth a Redis lookup: the token type, the mode that issued it, and revocation.
    """
    try:
        header, payload = current_app.extensions["token_verifier"].decode(token)
    except pyjwt.ExpiredSignatureError as error:
        # flask-jwt-extended's handler hands these to the expired-token loader, which
        # answers without them: an expired token's contents are not to be trusted.
        error.jwt_header = error.jwt_data = None
        raise
    if payload["type"] != token_type:
        raise WrongTokenError(f"only {token_type} tokens are allowed here")
    if payload[MODE_CLAIM] != mode.name:
        raise UserClaimsVerificationError("token of another mode", header, payload)
    if mode.revocable and revoked_tokens.is_revoked(payload["jti"]):
        raise RevokedTokenError(header, payload)
    return payload


def _bearer_token():
    """Return the token of the request's 'Authorization: Bearer <JWT>' header."""
    value = request.headers.get("Authorization")
    if not value:
        raise NoAuthorizationError("missing Authorization header")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        raise NoAuthorizationError("expected 'Authorization: Bearer <JWT>'")
    token = token.strip()
    if not token or " " in token:
        raise InvalidHeaderError("expected 'Authorization: Bearer <JWT>'")
    return token


def verified_request_token(mode, token_type="access"):
    """Verify the request's Bearer token and return its payload."""
    return verify(_bearer_token(), mode, token_type)


def current_username(mode):
    """Verify the request's Bearer access token (signature, expiry, mode) and return its subject."""
    return verified_request_token(mode)["sub"]


def refresh(mode):
    """Exchange the request's Bearer refresh token for a new access token."""
    payload = verified_request_token(mode, "refresh")
    access_token = create_access_token(
        identity=payload["sub"],
        additional_claims={MODE_CLAIM: mode.name},
        additional_headers=_signing_headers(),
    )
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": _expires_in()}


def log_out(mode):
    """Revoke the presented tokens (jwt-blocklist), or say honestly that nothing can (jwt)."""
    access = verified_request_token(mode)
    if not mode.revocable:
        return {
            "revoked": [],
            "message": "Nothing was revoked: this stateless token stays valid on every backend "
            f"until it expires (exp={access['exp']}). Only the client can forget it.",
        }
    payloads = [access]
    refresh_payload = _refresh_token_from_body(mode, access)
    if refresh_payload is not None:
        payloads.append(refresh_payload)
    revoked_tokens.revoke(*payloads)
    return {
        "revoked": [payload["type"] for payload in payloads],
        "message": "Revoked on every backend: the ids stay in Redis until the tokens expire.",
    }


def _refresh_token_from_body(mode, access):
    """Return the payload of the refresh token sent in the logout body, if one was sent."""
    body = request.get_json(silent=True)
    if body is None:
        return None
    if not isinstance(body, dict):
        raise BadRequest('expected a JSON object such as {"refresh_token": "..."}')
    token = body.get("refresh_token")
    if token is None:
        return None
    if not isinstance(token, str):
        raise BadRequest("refresh_token must be a string")
    try:
        payload = verify(token, mode, "refresh")
    except pyjwt.ExpiredSignatureError:
        return None  # an expired token needs no revoking
    except RevokedTokenError:
        return None  # already revoked
    except (pyjwt.PyJWTError, WrongTokenError, UserClaimsVerificationError) as error:
        raise BadRequest(f"refresh_token is not a valid refresh token: {error}") from None
    if payload["sub"] != access["sub"]:
        raise BadRequest("refresh_token belongs to another user")
    return payload

"""The HTTP API: every mode under /<mode>/api/, plus health, ping and the list of modes."""

from http import HTTPStatus

from flask import Blueprint, current_app, jsonify, request

from auth import session_auth, tokens, vulnerable, wire
from auth.errors import LabError, Unauthorized
from auth.modes import MODES
from auth.redis_store import redis_store
from auth.throttle import login_throttle
from auth.users import authenticate, login_credentials

bp = Blueprint("api", __name__)

# A key nothing writes: /api/ping-redis reads it to pay one Redis round trip and no more.
ROUND_TRIP_KEY = "authlab:round-trip"


def mode_route(rule, methods):
    """Register a view under every mode's prefix (/jwt/api/me, ...), passing it the Mode.

    One static rule and endpoint per mode rather than a /<mode>/ converter: werkzeug
    matches static rules as cheaply as /api/ping (and, one rule per endpoint, has no sibling
    rule to consider redirecting to), so that /me and the baseline differ by authentication.
    """

    def register(view):
        for mode in MODES.values():
            bp.add_url_rule(
                mode.prefix + rule,
                endpoint=f"{view.__name__}-{mode.name}",
                view_func=view,
                methods=methods,
                defaults={"mode": mode},
            )
        return view

    return register


def all_modes():
    """Describe every mode this app serves, the vulnerable one included when it is on."""
    described = [mode.describe() for mode in MODES.values()]
    if current_app.config["LAB_VULNERABLE"]:
        described.append(vulnerable.describe())
    return described


def _handler(mode):
    return tokens if mode.kind == "jwt" else session_auth


def _served_by():
    return current_app.config["BACKEND_NAME"]


def _identity_body(user, mode_name):
    return {"user": user, "mode": mode_name, "served_by": _served_by()}


@bp.get("/healthz")
def healthz():
    """Answer that this backend is up (it does not depend on Redis being up)."""
    return {"status": "ok", "served_by": _served_by()}


@bp.get("/api/ping")
def ping():
    """Answer like /me does, minus authentication: the baseline for benchmarks."""
    return jsonify(_identity_body("anonymous", "none"))


@bp.get("/api/ping-redis")
def ping_redis():
    """Answer like /api/ping after one Redis GET: the least a Redis-backed mode can cost."""
    redis_store.client.get(ROUND_TRIP_KEY)
    return jsonify(_identity_body("anonymous", "none"))


@bp.get("/.well-known/jwks.json")
def jwks():
    """Publish the public keys that verify the lab's tokens (none with an HMAC secret)."""
    return current_app.extensions["jwt_keys"].jwks()


@bp.get("/api/modes")
def modes():
    """List every mode with what it demonstrates."""
    return {"modes": all_modes(), "served_by": _served_by()}


@mode_route("/api/login", methods=["POST"])
def login(mode):
    """Check the username and password, then issue this mode's credential."""
    username, password = login_credentials()
    login_throttle.check(username, request.remote_addr)
    user = authenticate(username, password)
    if user is None:
        login_throttle.record_failure(username, request.remote_addr)
        raise Unauthorized("wrong username or password")
    login_throttle.forget_user(username)
    body = _identity_body(user, mode.name)
    body.update(_handler(mode).log_in(mode, user))
    return body


@mode_route("/api/me", methods=["GET"])
def me(mode):
    """Say who the credential belongs to, if this backend accepts it."""
    user = _handler(mode).current_username(mode)
    if user is None:
        raise Unauthorized("not logged in on this backend")
    return _identity_body(user, mode.name)


@mode_route("/api/logout", methods=["POST"])
def logout(mode):
    """End the login as far as this mode can."""
    body = {"mode": mode.name, "served_by": _served_by()}
    body.update(_handler(mode).log_out(mode))
    return body


@mode_route("/api/credential", methods=["GET"])
def credential(mode):
    """Describe the credential this request carried, as it went over the wire."""
    return {"mode": mode.name, "served_by": _served_by(), **wire.describe(mode)}


@mode_route("/api/refresh", methods=["POST"])
def refresh(mode):
    """Exchange a refresh token for a new access token (JWT modes only)."""
    if mode.kind != "jwt":
        raise LabError(f"{mode.name} has no refresh tokens", HTTPStatus.NOT_FOUND)
    body = {"mode": mode.name, "served_by": _served_by()}
    body.update(tokens.refresh(mode))
    return body

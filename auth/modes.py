"""The auth modes the lab serves, each under its own URL prefix."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    """One way of remembering who a client is, and what that costs the servers."""

    name: str
    description: str
    credential: str
    server_state: str
    # What a backend must look up to accept the credential on each request.
    lookup: str
    # "session": Flask-Login on a session interface; "jwt": flask-jwt-extended.
    kind: str
    # For session modes: where the session lives ("local", "redis" or "cookie").
    session_store: str | None = None
    # For JWT modes: whether logout revokes the token in Redis.
    revocable: bool = False

    @property
    def prefix(self):
        """The URL prefix of this mode, which is also its cookie path."""
        return f"/{self.name}"

    @property
    def cookie_name(self):
        """The name of this mode's session cookie, distinct from every other mode's."""
        return self.name.replace("-", "_")

    @property
    def needs_redis(self):
        """Whether every request of this mode makes a Redis round trip."""
        return self.session_store == "redis" or self.revocable

    def cookie_name_over(self, secure):
        """The cookie's name over HTTPS (with the __Secure- prefix) or plain HTTP.

        __Host- would be stronger but demands Path=/, and each mode's cookie is scoped to
        the mode's own path; __Secure- makes the browser refuse it without TLS.
        """
        return f"__Secure-{self.cookie_name}" if secure else self.cookie_name

    def describe(self):
        """Return the public description of this mode, as /api/modes lists it."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "description": self.description,
            "credential": self.credential,
            "server_state": self.server_state,
            "lookup": self.lookup,
            "kind": self.kind,
        }


MODES = {
    mode.name: mode
    for mode in (
        Mode(
            name="session-local",
            description="Server-side sessions kept by each backend for itself: behind a "
            "round-robin balancer only the backend that logged you in knows you.",
            credential="session-id cookie",
            server_state="this backend's own disk",
            lookup="its own disk: the session file the cookie names (no other backend has it)",
            kind="session",
            session_store="local",
        ),
        Mode(
            name="session-sticky",
            description="The same per-backend sessions, but nginx pins each client to one "
            "backend: it works until that backend dies.",
            credential="session-id cookie (plus nginx's routing cookie)",
            server_state="this backend's own disk",
            lookup="its own disk: the session file the cookie names (nginx routes you to it)",
            kind="session",
            session_store="local",
        ),
        Mode(
            name="session-redis",
            description="Server-side sessions in one Redis shared by every backend: any "
            "backend knows you, and Redis becomes the single point of failure.",
            credential="session-id cookie",
            server_state="Redis (shared)",
            lookup="Redis: one GET of the session record named by the cookie",
            kind="session",
            session_store="redis",
        ),
        Mode(
            name="signed-cookie",
            description="Flask's signed cookie carries the user id itself: no server state, "
            "readable by the client, unforgeable without the shared secret.",
            credential="signed cookie holding the user id",
            server_state="nothing (stateless)",
            lookup="nothing: an HMAC check of the cookie's signature with the shared secret",
            kind="session",
            session_store="cookie",
        ),
        Mode(
            name="jwt",
            description="A signed (not encrypted) JWT sent as a Bearer token: every backend "
            "verifies its signature (HMAC by default); logout cannot revoke it before it expires.",
            credential="Bearer access token + refresh token",
            server_state="nothing (stateless)",
            lookup="nothing: an HMAC-SHA256 check of the token's signature with the shared secret "
            "(a public-key check when JWT_ALGORITHM is RS256, ES256 or EdDSA)",
            kind="jwt",
        ),
        Mode(
            name="jwt-blocklist",
            description="The same JWT, plus Redis keys of revoked token ids: logout works "
            "on every backend at once, at the price of state on every request.",
            credential="Bearer access token + refresh token",
            server_state="Redis (revoked token ids)",
            lookup="the signature check, then Redis: one EXISTS on the token's id (jti)",
            kind="jwt",
            revocable=True,
        ),
    )
}


def mode_for_path(path):
    """Return the mode whose prefix the URL path is under, or None."""
    name = path.split("/", 2)[1] if path.startswith("/") else ""
    return MODES.get(name)

"""Each session mode's own session store, chosen by the request's URL prefix.

One Flask app serves every mode, but Flask has one session interface per app. This
interface dispatches on the URL prefix to the store of that mode: a Flask-Session store
private to this backend (session-local, session-sticky), a Flask-Session store in the
shared Redis (session-redis), or Flask's own signed cookie (signed-cookie).
"""

import hashlib
import os
import tempfile
from collections import ChainMap

import msgspec
from cachelib import FileSystemCache
from flask import g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionInterface
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface
from redis.exceptions import RedisError

from auth.errors import store_unavailable
from auth.modes import MODES, mode_for_path

# Enough for every client of a load experiment; past it cachelib prunes expired sessions first.
LOCAL_STORE_MAX_SESSIONS = 20_000


class _ModeApp:
    """The app as one mode's store sees it: the same app, with that mode's cookie name and path.

    Flask's and Flask-Session's interfaces read the cookie settings from app.config; handing
    them this view instead keeps their code untouched while every mode gets its own cookie.
    """

    def __init__(self, app, mode, secure):
        self._app = app
        self.config = ChainMap(
            {
                "SESSION_COOKIE_NAME": mode.cookie_name_over(secure),
                "SESSION_COOKIE_PATH": mode.prefix,
                # Over TLS the cookie is Secure; the lab on plain HTTP could not set it then.
                "SESSION_COOKIE_SECURE": secure,
            },
            app.config,
        )

    def __getattr__(self, name):
        return getattr(self._app, name)


def local_session_dir(app):
    """Return the folder holding this backend's own sessions."""
    configured = app.config["SESSION_DIR"]
    if configured:
        return configured
    return os.path.join(tempfile.gettempdir(), f"authlab-sessions-{app.config['BACKEND_NAME']}")


class SessionJSON:
    """The signed cookie's payload as plain JSON, which is all the lab's sessions hold.

    Flask's default serializer tags the types JSON lacks (bytes, tuples, datetimes) and walks
    every value to restore them; the lab stores only strings, numbers and booleans.
    """

    _encoder = msgspec.json.Encoder()
    _decoder = msgspec.json.Decoder()

    def dumps(self, value):
        """Encode the session as compact JSON text."""
        return self._encoder.encode(value).decode()

    def loads(self, value):
        """Decode the session from JSON (text or bytes)."""
        return self._decoder.decode(value)


class SignedCookieStore(SecureCookieSessionInterface):
    """Flask's signed cookie (HMAC-SHA1 by itsdangerous), minus per-request waste.

    The serializer is built once rather than on every request; the digest is hashlib's own
    sha1, which HMAC runs in C, where Flask's lazy wrapper of it sends HMAC down its pure
    Python path: the same signature, at a fraction of the cost.
    """

    digest_method = staticmethod(hashlib.sha1)
    serializer = SessionJSON()

    def __init__(self):
        self._serializer = None

    def get_signing_serializer(self, app):
        """Return the serializer for the app's secret, derived on first use only."""
        # Flask builds a new serializer for each request, from the secret and its settings.
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer


class UnavailableSession(SecureCookieSession):
    """Stands in for a session whose store could not be read; the request is refused."""

    def __init__(self, error):
        super().__init__()
        self.error = error


class ModeSessionInterface(SessionInterface):
    """Session interface that hands each request to the store of its mode."""

    def __init__(self, app, redis_client):
        local_store = FileSystemCache(
            local_session_dir(app), threshold=LOCAL_STORE_MAX_SESSIONS, mode=0o600
        )
        self._stores = {}
        for mode in MODES.values():
            if mode.session_store == "local":
                store = CacheLibSessionInterface(client=local_store, key_prefix=f"{mode.name}:")
            elif mode.session_store == "redis":
                store = RedisSessionInterface(
                    app, client=redis_client, key_prefix=f"session:{mode.name}:"
                )
            elif mode.session_store == "cookie":
                store = SignedCookieStore()
            else:
                continue
            for secure in (False, True):
                self._stores[mode.name, secure] = (store, _ModeApp(app, mode, secure))

    def store_for(self, mode_name, secure):
        """Return (session interface, app view) of a mode over https or http, or None."""
        return self._stores.get((mode_name, secure))

    def _store(self):
        mode = mode_for_path(request.path)
        if mode is None or mode.session_store is None:
            return None  # not a session mode: JWT modes, /api/*, pages
        return self.store_for(mode.name, request.is_secure)

    def open_session(self, app, request):
        """Open the session of the request's mode; other URLs get Flask's null session."""
        entry = self._store()
        if entry is None:
            return None
        store, mode_app = entry
        try:
            return store.open_session(mode_app, request)
        except RedisError as error:
            # Flask opens the session before its error handlers apply: keep the error
            # for refuse_without_store(), which raises it where a 503 handler catches it.
            return UnavailableSession(error)

    def save_session(self, app, session, response):
        """Save the session into the store of the request's mode."""
        entry = self._store()
        if entry is None or isinstance(session, UnavailableSession):
            return
        store, mode_app = entry
        try:
            store.save_session(mode_app, session, response)
        except RedisError:
            # The view has answered but its session could not be stored: refuse the answer
            # rather than hand out a credential that no backend will recognise.
            _replace_with_refusal(response)
            return
        if g.get("keep_session_cookie"):
            _drop_cookie_deletion(response, mode_app.config["SESSION_COOKIE_NAME"])

    def regenerate(self, session):
        """Give the session a new id (server-side stores), deleting the old record."""
        entry = self._store()
        if entry is not None and hasattr(entry[0], "regenerate"):
            entry[0].regenerate(session)


def _drop_cookie_deletion(response, cookie_name):
    kept = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if not header.startswith(f"{cookie_name}=")
    ]
    response.headers.remove("Set-Cookie")
    for header in kept:
        response.headers.add("Set-Cookie", header)


def _replace_with_refusal(response):
    refusal = store_unavailable()
    response.status_code = refusal.status_code
    response.set_data(refusal.get_data())
    response.headers.remove("Set-Cookie")
    response.content_type = refusal.content_type
    response.headers["Retry-After"] = refusal.headers["Retry-After"]


def refuse_without_store():
    """Fail closed: a request whose session store is unreachable goes no further."""
    if isinstance(session, UnavailableSession):
        raise session.error


def init_app(app, redis_client):
    """Install the per-mode session interface on the app."""
    app.session_interface = ModeSessionInterface(app, redis_client)
    app.before_request(refuse_without_store)

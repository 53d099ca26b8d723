"""Session modes: Flask-Login keeps the user id in the session of the request's mode."""

import secrets
import time
from http import HTTPStatus

from flask import current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from auth.errors import LabError, Unauthorized
from auth.users import Identity

# A cookie travels with every request the browser makes, also those a hostile page triggers:
# a request that changes state must also carry this token, which only our page can read (from
# the login answer) and send as a header.
CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "_csrf_token"

# When the session started (absolute timeout) and when it was last used (idle timeout).
STARTED_KEY = "_started"
SEEN_KEY = "_seen"
# The last-use time is written at most this often: an idle timeout must not cost a session
# write on every request.
SEEN_GRANULARITY_SECONDS = 60

login_manager = LoginManager()
# Binding a session to IP address and User-Agent adds little security, and it is not what
# this lab compares: the session id (or the signed cookie) alone identifies the client.
login_manager.session_protection = None
# Flask-Login 0.6 hashes the address and User-Agent (SHA-512) on every request, even with
# protection off, and only compares the hash when protection is on: with it off, the hash is
# never used. Skipping it saves about 12 µs per request of every session mode.
login_manager._session_identifier_generator = lambda: None


@login_manager.user_loader
def _load_identity(username):
    # The store only ever holds a user id written after a verified login, so the id is
    # the identity: no database read per request, as a real session cache would do.
    return Identity(username)


@login_manager.unauthorized_handler
def _unauthorized():
    raise Unauthorized("not logged in")


def log_in(mode, username):
    """Start a fresh session for the user: a new session id, never the one the client brought."""
    current_app.session_interface.regenerate(session)
    session.clear()
    login_user(Identity(username))
    # Flask-Login's session-protection identifier: unused with protection off, and in the
    # signed cookie it would be dead weight on every request.
    session.pop("_id", None)
    session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    session[STARTED_KEY] = session[SEEN_KEY] = int(time.time())
    return {"csrf_token": session[CSRF_SESSION_KEY]}


def require_csrf_token():
    """Refuse a state-changing request whose session is logged in but whose CSRF header is wrong."""
    expected = session.get(CSRF_SESSION_KEY)
    if expected is None:
        return  # no login to abuse
    sent = request.headers.get(CSRF_HEADER, "")
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        raise LabError(
            f"missing or wrong {CSRF_HEADER} header: send the csrf_token from the login answer",
            HTTPStatus.FORBIDDEN,
        )


def current_username(mode):
    """Return the user this backend finds in the request's session, or None once it timed out."""
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return None
    data = session._get_current_object()
    now = int(time.time())
    started, seen = data.get(STARTED_KEY, 0), data.get(SEEN_KEY, 0)
    if (
        now - started > current_app.permanent_session_lifetime.total_seconds()
        or now - seen > current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    ):
        # Timed out: the record is destroyed, as a logout would.
        logout_user()
        data.clear()
        return None
    if now - seen >= SEEN_GRANULARITY_SECONDS:
        data[SEEN_KEY] = now
    return user.get_id()


def log_out(mode):
    """Forget the user: the server-side record is deleted, the cookie cleared.

    With ?keep_cookie=1 the browser is not told to delete its cookie: it keeps a copy, as
    someone who had copied it would, so that the demo can replay it.
    """
    require_csrf_token()
    logout_user()
    session.clear()
    g.keep_session_cookie = request.args.get("keep_cookie") == "1"
    if mode.session_store == "cookie":
        message = (
            "The signed cookie is cleared. A copy kept by the client stays valid until it "
            "expires: nothing on the server remembers it."
        )
    elif mode.session_store == "local":
        message = (
            "This backend deleted the session record if it held it. A backend that still "
            "holds its own copy accepts the old session id."
        )
    else:
        message = (
            "The session record is deleted on the server: the old session id is worthless now."
        )
    return {"logged_out": True, "message": message}

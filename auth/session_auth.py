"""Session modes: Flask-Login keeps the user id in the session of the request's mode."""

from flask import current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from auth.errors import Unauthorized
from auth.users import Identity

login_manager = LoginManager()
# Binding a session to IP address and User-Agent adds little security, and it is not what
# this lab compares: the session id (or the signed cookie) alone identifies the client.
login_manager.session_protection = None


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
    return {}


def current_username(mode):
    """Return the user this backend finds in the request's session, or None."""
    return current_user.get_id() if current_user.is_authenticated else None


def log_out(mode):
    """Forget the user: the server-side record is deleted, the cookie cleared.

    With ?keep_cookie=1 the browser is not told to delete its cookie: it keeps a copy, as
    someone who had copied it would, so that the demo can replay it.
    """
    logout_user()
    session.clear()
    g.keep_session_cookie = request.args.get("keep_cookie") == "1"
    if mode.session_store == "cookie":
        message = (
            "The signed cookie is cleared. A copy kept by the client stays valid until it "
            "expires: nothing on the server remembers it."
        )
    else:
        message = (
            "The session record is deleted on the server: the old session id is worthless now."
        )
    return {"logged_out": True, "message": message}

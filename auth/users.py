"""Users in a database every backend reaches, with hashed passwords."""

import time

from flask import current_app, request
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from auth.errors import BadRequest

db = SQLAlchemy()

DEMO_USERS = {"alice": "wonderland", "bob": "builder"}


class User(db.Model):
    """A person who can log in to the lab."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))


class Identity(UserMixin):
    """Who a session belongs to, as Flask-Login sees it: the username, nothing more."""

    def __init__(self, username):
        self.id = username


# A real hash of a password nobody has, so that an unknown username costs the same
# hashing time as a wrong password and the response time does not reveal which it was.
_UNKNOWN_USER_HASH = generate_password_hash("authlab-no-such-user")


def login_credentials():
    """Return (username, password) from the login request's JSON body, or raise BadRequest."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest('expected a JSON object {"username": "...", "password": "..."}')
    limit = current_app.config["MAX_FIELD_LENGTH"]
    values = []
    for field in ("username", "password"):
        value = body.get(field)
        if not isinstance(value, str) or not value:
            raise BadRequest(f"{field} must be a non-empty string")
        if len(value) > limit:
            raise BadRequest(f"{field} is longer than {limit} characters")
        values.append(value)
    return tuple(values)


def authenticate(username, password):
    """Return the username if the password is right for that user, else None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    return user.username if check_password_hash(user.password_hash, password) else None


def init_db(users=None, attempts=5):
    """Create the tables and seed the users that are missing; safe to run on every backend."""
    users = DEMO_USERS if users is None else users
    for attempt in range(attempts):
        try:
            db.create_all()
            existing = set(db.session.scalars(select(User.username)))
            for username, password in users.items():
                if username not in existing:
                    db.session.add(
                        User(username=username, password_hash=generate_password_hash(password))
                    )
            db.session.commit()
            return
        except (IntegrityError, OperationalError):
            # Several backends starting at once race to create the same tables and rows.
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))

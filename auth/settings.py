"""Configuration: defaults, then the environment, then what the caller passes."""

import os
from datetime import timedelta

# A development default is only acceptable because the app says loudly that it uses one
# (see check_secrets) and production refuses to start with it.
DEV_SECRET_KEY = "authlab-development-secret-key-do-not-use-in-production"
DEV_JWT_SECRET_KEY = "authlab-development-jwt-secret-do-not-use-in-production"

# Environment variable -> (config key, parser). Every variable is documented in .env.example.
_SECONDS = "seconds"
ENVIRONMENT = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "JWT_SECRET_KEY": ("JWT_SECRET_KEY", str),
    "JWT_ALGORITHM": ("JWT_ALGORITHM", str),
    "JWT_KEY_DIR": ("JWT_KEY_DIR", str),
    "REDIS_URL": ("REDIS_URL", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "LAB_ENV": ("LAB_ENV", str),
    "LAB_VULNERABLE": ("LAB_VULNERABLE", bool),
    "LAB_BACKEND_NAME": ("BACKEND_NAME", str),
    "LAB_SESSION_DIR": ("SESSION_DIR", str),
    "LAB_REPORTS_DIR": ("REPORTS_DIR", str),
    "ACCESS_TOKEN_EXPIRES": ("JWT_ACCESS_TOKEN_EXPIRES", _SECONDS),
    "REFRESH_TOKEN_EXPIRES": ("JWT_REFRESH_TOKEN_EXPIRES", _SECONDS),
    "SESSION_LIFETIME": ("PERMANENT_SESSION_LIFETIME", _SECONDS),
    "SESSION_IDLE_TIMEOUT": ("SESSION_IDLE_TIMEOUT", _SECONDS),
    "LOGIN_MAX_FAILURES_PER_USER": ("LOGIN_MAX_FAILURES_PER_USER", int),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": ("LOGIN_MAX_FAILURES_PER_ADDRESS", int),
    "LOGIN_THROTTLE_SECONDS": ("LOGIN_THROTTLE_SECONDS", int),
}


def defaults(instance_path, root_path):
    """Return the default configuration for an app with these instance and root folders."""
    return {
        "LAB_ENV": "development",
        # The workshop's deliberately insecure jwt-vulnerable mode: off unless asked for.
        "LAB_VULNERABLE": False,
        "BACKEND_NAME": "backend-1",
        "SECRET_KEY": DEV_SECRET_KEY,
        "JWT_SECRET_KEY": DEV_JWT_SECRET_KEY,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "authlab.db"),
        # Private to this backend: shared by its gunicorn workers, by no other backend.
        # None means a folder named after the backend in the system's temporary directory.
        "SESSION_DIR": None,
        # Where `python -m lab experiment` writes its reports; the page shows the newest.
        "REPORTS_DIR": os.path.join(root_path, "reports"),
        # Absolute session lifetime, counted from login, and the idle timeout.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=1),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=15),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=1),
        # Login bodies are tiny; anything larger is not a login.
        "MAX_CONTENT_LENGTH": 16 * 1024,
        "MAX_FIELD_LENGTH": 256,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A session is written when it changes (login, logout, and at most once a minute to
        # note it is in use, for the idle timeout), not on every request: /me then costs what
        # the mode needs, one read of the store. The lifetime counts from login.
        "SESSION_REFRESH_EACH_REQUEST": False,
    }


def from_environment(environ=None):
    """Read the configuration that the environment sets; empty values count as unset."""
    environ = os.environ if environ is None else environ
    config = {}
    for variable, (key, parse) in ENVIRONMENT.items():
        raw = environ.get(variable, "").strip()
        if not raw:
            continue
        if parse is _SECONDS:
            config[key] = _parse_seconds(variable, raw)
        elif parse is bool:
            config[key] = raw.lower() in ("1", "true", "yes", "on")
        elif parse is int:
            config[key] = _parse_positive(variable, raw)
        else:
            config[key] = raw
    return config


def _parse_positive(variable, raw):
    """Parse a positive whole number, naming the variable when it is not one."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise RuntimeError(f"{variable} must be a positive whole number, not {raw!r}")
    return value


def _parse_seconds(variable, raw):
    """Parse a positive number of seconds as a timedelta."""
    return timedelta(seconds=_parse_positive(variable, raw))


def check_secrets(app):
    """Refuse weak secrets in production; warn loudly about development defaults elsewhere."""
    weak = [
        name
        for name, dev_value in (
            ("SECRET_KEY", DEV_SECRET_KEY),
            ("JWT_SECRET_KEY", DEV_JWT_SECRET_KEY),
        )
        if not app.config.get(name) or app.config[name] == dev_value or len(app.config[name]) < 32
    ]
    if not weak:
        return
    if app.config["LAB_ENV"] == "production":
        raise RuntimeError(
            f"LAB_ENV=production needs real secrets: set {' and '.join(weak)} to at least 32 "
            "random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    app.logger.warning(
        "DEVELOPMENT SECRETS IN USE (%s): fine for a lab on your laptop, never for anything real. "
        "Set them in the environment; every backend must get the same values.",
        ", ".join(weak),
    )

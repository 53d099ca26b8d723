"""Login throttling: failed logins counted in Redis, per user and per client address.

Counted in Redis so that the limit holds across every backend: a counter in each backend's
memory would let an attacker try N times as often behind N backends (a multi-server bug of
its own). Only failures count, and a successful login clears its user's count.
"""

from http import HTTPStatus

from flask import current_app
from redis.exceptions import RedisError

from auth.errors import LabError
from auth.redis_store import redis_store


class TooManyFailedLogins(LabError):
    """Too many failed logins for this user or from this address: try again later."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, retry_after):
        super().__init__(f"too many failed logins: try again in {retry_after} s")
        self.retry_after = retry_after


class LoginThrottle:
    """Flask extension counting failed logins in Redis, with a window per counter."""

    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        """Set the default limits and register on the app."""
        app.config.setdefault("LOGIN_MAX_FAILURES_PER_USER", 5)
        app.config.setdefault("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
        app.config.setdefault("LOGIN_THROTTLE_SECONDS", 300)
        app.extensions["login_throttle"] = self

    @staticmethod
    def _keys(username, address):
        config = current_app.config
        return [
            (f"throttle:user:{username}", config["LOGIN_MAX_FAILURES_PER_USER"]),
            (f"throttle:address:{address}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        ]

    def check(self, username, address):
        """Raise TooManyFailedLogins if this user or address has failed too often lately."""
        keys = self._keys(username, address)
        try:
            pipeline = redis_store.client.pipeline(transaction=False)
            for key, _ in keys:
                pipeline.get(key)
                pipeline.ttl(key)
            replies = pipeline.execute()
        except RedisError:
            # Fail open, on purpose: refusing every login in every mode while Redis is down
            # would turn a Redis outage into a full one. The outage is logged.
            current_app.logger.warning("login throttle unavailable (Redis down): not counting")
            return
        for index, (_, limit) in enumerate(keys):
            count, ttl = replies[2 * index], replies[2 * index + 1]
            if count is not None and int(count) >= limit:
                raise TooManyFailedLogins(max(int(ttl), 1))

    def record_failure(self, username, address):
        """Count one more failed login for this user and this address."""
        window = current_app.config["LOGIN_THROTTLE_SECONDS"]
        try:
            pipeline = redis_store.client.pipeline(transaction=False)
            for key, _ in self._keys(username, address):
                pipeline.incr(key)
                pipeline.expire(key, window, nx=True)
            pipeline.execute()
        except RedisError:
            current_app.logger.warning("login throttle unavailable (Redis down): not counting")

    def forget_user(self, username):
        """Clear a user's failures after a successful login."""
        try:
            redis_store.client.delete(f"throttle:user:{username}")
        except RedisError:
            current_app.logger.warning("login throttle unavailable (Redis down): not counting")


login_throttle = LoginThrottle()

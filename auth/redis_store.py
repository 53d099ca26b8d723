"""The Redis connection every backend shares (sessions of session-redis, revoked token ids)."""

import redis
from flask import current_app

# Short timeouts: a lab whose Redis is gone must answer 503 quickly, not hang its workers.
SOCKET_TIMEOUT_SECONDS = 1.0


class RedisStore:
    """Flask extension holding one Redis client per app; it connects on first use."""

    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        """Create the app's Redis client from REDIS_URL (no connection is made yet)."""
        app.extensions["redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
        )

    @property
    def client(self):
        """The current app's Redis client."""
        return current_app.extensions["redis"]


redis_store = RedisStore()

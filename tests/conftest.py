"""Fixtures: a real Redis for unit tests, the app on it, and a real nginx + gunicorn lab."""

import secrets

import pytest
import redis

from app import create_app
from auth.users import init_db
from lab import Lab
from lab.processes import find_program, free_port
from lab.stack import redis_service

TEST_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(48),
    "JWT_SECRET_KEY": secrets.token_urlsafe(48),
}


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, for the whole session."""
    folder = tmp_path_factory.mktemp("redis")
    service = redis_service(
        find_program("redis-server", "redis-server"), free_port(), folder, folder / "redis.log"
    )
    service.start()
    service.wait_ready()
    yield service
    service.stop()


@pytest.fixture
def redis_client(redis_server):
    """A client of the test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    return client


def make_app(tmp_path, **config):
    """Create a test app whose database and local sessions live under tmp_path."""
    app = create_app(
        {
            "TESTING": True,
            "BACKEND_NAME": "backend-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'authlab.db'}",
            "SESSION_DIR": str(tmp_path / "sessions"),
            **TEST_SECRETS,
            **config,
        }
    )
    with app.app_context():
        init_db()
    return app


@pytest.fixture
def app(tmp_path, redis_server, redis_client):
    """The app, on the real test Redis."""
    return make_app(tmp_path, REDIS_URL=redis_server.url)


@pytest.fixture
def client(app):
    """A Flask test client of the app."""
    return app.test_client()


@pytest.fixture(scope="session")
def lab():
    """A real lab: Redis, three gunicorn backends and nginx, on free loopback ports."""
    with Lab(backends=3, workers=2) as running_lab:
        yield running_lab

"""Fixtures: a real Redis for unit tests, the app on it, a real nginx + gunicorn lab, Chromium."""

import re
from pathlib import Path

import pytest
import redis

from app import create_app
from auth.users import init_db
from lab import Lab
from lab.stack import running_redis

# Fixed, so that every import of this module agrees; long enough to pass the secret checks.
TEST_SECRETS = {
    "SECRET_KEY": "test-only-secret-key-of-the-authlab-unit-tests-0123456789",
    "JWT_SECRET_KEY": "test-only-jwt-secret-of-the-authlab-unit-tests-0123456789abcdefghij",
}


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, for the whole session."""
    with running_redis(tmp_path_factory.mktemp("redis")) as service:
        yield service


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


# The shared lab's bad-input table sends dozens of failing logins from one address: its
# throttle is set out of the way (tests/test_throttle.py checks the throttle itself).
UNTHROTTLED = {"LOGIN_MAX_FAILURES_PER_USER": "100000", "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}


@pytest.fixture(scope="session")
def lab():
    """A real lab: Redis, three gunicorn backends and nginx, on free loopback ports."""
    with Lab(backends=3, workers=2, env=UNTHROTTLED) as running_lab:
        yield running_lab


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright, for the whole session."""
    from playwright.sync_api import sync_playwright

    from lab.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def save_screenshot(page, request):
    """Save a full-page screenshot named after the test under test-artifacts/screenshots."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
def page(browser, lab, request):
    """A fresh browser page (its own cookies) on the lab's front page; screenshot afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    new_page = context.new_page()
    new_page.errors = []
    new_page.on("pageerror", lambda error: new_page.errors.append(str(error)))
    new_page.goto(f"{lab.url}/")
    new_page.wait_for_selector("body[data-ready='true']")
    yield new_page
    save_screenshot(new_page, request)
    context.close()
    assert new_page.errors == [], new_page.errors

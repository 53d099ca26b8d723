"""The browser demo in real headless Chromium, against the real stack through nginx."""

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import save_screenshot

pytestmark = pytest.mark.stack

JWT_MODES = ["jwt", "jwt-blocklist"]


def log_in(page, mode, username="alice", password="wonderland"):
    """Choose mode and log in through the page's form."""
    page.get_by_test_id("mode-select").select_option(mode)
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("login-status")).to_have_text(re.compile(r"^Logged in"))


def fire(page, count):
    """Send count requests to /me and return the tiles as (backend, status) pairs."""
    page.get_by_test_id("request-count").fill(str(count))
    page.get_by_test_id("send-requests").click()
    expect(page.locator("#tiles [data-testid=tile]")).to_have_count(count)
    expect(page.get_by_test_id("send-requests")).to_be_enabled()
    return tiles(page.locator("#tiles"))


def tiles(container):
    """Return the (backend, status) of every tile in container."""
    return [
        (tile.get_attribute("data-backend"), int(tile.get_attribute("data-status")))
        for tile in container.get_by_test_id("tile").all()
    ]


def success_percent(page):
    """Return the percentage the page shows as the success rate."""
    text = page.get_by_test_id("success-rate").text_content()
    return int(re.search(r"\((\d+)%\)", text).group(1))


def outcome(page, action):
    """Wait for the outcome of action and return (status, text)."""
    page.wait_for_selector(f"[data-testid=outcome][data-action='{action}']")
    box = page.get_by_test_id("outcome")
    return int(box.get_attribute("data-status")), box.text_content()


def test_session_local_loses_the_user_on_other_backends(page):
    log_in(page, "session-local")
    answers = fire(page, 24)
    statuses = Counter(status for _, status in answers)
    assert set(statuses) == {200, 401}
    assert len({backend for backend, _ in answers}) == 3
    assert len({backend for backend, status in answers if status == 200}) == 1
    assert success_percent(page) == round(100 * statuses[200] / 24) < 100
    summary = page.locator("#backend-summary tbody tr")
    assert summary.count() == 3


def test_jwt_is_accepted_by_every_backend(page):
    log_in(page, "jwt")
    answers = fire(page, 24)
    assert {status for _, status in answers} == {200}
    assert len({backend for backend, _ in answers}) == 3
    assert success_percent(page) == 100
    assert "Success: 24 of 24 (100%)" in page.get_by_test_id("success-rate").text_content()


def test_compare_all_modes_side_by_side(page):
    page.get_by_test_id("request-count").fill("12")
    page.get_by_test_id("compare-all").click()
    expect(page.locator("[data-testid=compare-row] [data-testid=tile]")).to_have_count(
        72, timeout=30_000
    )
    expect(page.get_by_test_id("compare-all")).to_be_enabled()
    rows = {
        row.get_attribute("data-mode"): tiles(row)
        for row in page.get_by_test_id("compare-row").all()
    }
    assert list(rows) == [
        "session-local",
        "session-sticky",
        "session-redis",
        "signed-cookie",
        "jwt",
        "jwt-blocklist",
    ]
    assert {status for _, status in rows["session-local"]} == {200, 401}
    for mode, answers in rows.items():
        if mode != "session-local":
            assert {status for _, status in answers} == {200}, mode
    assert len({backend for backend, _ in rows["session-sticky"]}) == 1
    assert len({backend for backend, _ in rows["session-redis"]}) == 3


def test_token_inspector_reads_the_token_without_a_key(page):
    log_in(page, "jwt")
    inspector = page.get_by_test_id("token-inspector")
    assert inspector.is_visible()
    text = inspector.text_content()
    assert "signed, not encrypted" in text and "decrypts nothing" in text
    parts = [
        page.locator(f"#token-parts .part-{name}").text_content()
        for name in ("header", "payload", "signature")
    ]
    assert all(parts) and ".".join(parts) == page.locator("#token-parts").text_content()
    assert '"alg": "HS256"' in page.locator("#token-header").text_content()
    payload = page.locator("#token-payload").text_content()
    assert '"sub": "alice"' in payload and '"mode": "jwt"' in payload
    claims = {
        row.locator("td").nth(0).text_content(): row.locator("td").nth(2).text_content()
        for row in page.locator("#token-claims tr").all()
    }
    assert {"sub", "exp", "iat", "jti", "iss", "aud"} <= set(claims)
    assert "expiry" in claims["exp"]
    assert re.search(r"Expires in 1[45] min", page.locator("#token-countdown").text_content())


def test_inspector_is_hidden_in_cookie_modes(page):
    log_in(page, "session-redis")
    assert not page.get_by_test_id("token-inspector").is_visible()


@pytest.mark.parametrize(
    ("button", "action", "reason"),
    [("tamper", "tamper", "Signature verification failed"), ("alg-none", "alg none", "allowlist")],
)
@pytest.mark.parametrize("mode", JWT_MODES)
def test_forged_tokens_are_rejected(page, mode, button, action, reason):
    log_in(page, mode)
    page.get_by_test_id(button).click()
    status, text = outcome(page, action)
    assert status == 401
    assert reason in text


def log_out(page):
    """Log out through the page and return the backend that answered."""
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-status")).to_have_text(re.compile(r"^Logged out"))
    status = page.get_by_test_id("login-status").text_content()
    return re.search(r"\((backend-\d+)\)", status).group(1)


def replay(page):
    """Replay the old credential once; return (status, backend, text)."""
    page.evaluate("document.querySelector('[data-testid=outcome]').removeAttribute('data-action')")
    page.get_by_test_id("replay").click()
    status, text = outcome(page, "replay")
    return status, re.search(r"by (backend-\d+)", text).group(1), text


REPLAY = {"jwt": 200, "jwt-blocklist": 401, "session-redis": 401, "signed-cookie": 200}


@pytest.mark.parametrize(("mode", "expected"), list(REPLAY.items()))
def test_logout_then_replay_the_old_credential(page, mode, expected):
    log_in(page, mode)
    log_out(page)
    backends = set()
    for _ in range(3):  # through round robin, so every backend gets the replay
        status, backend, text = replay(page)
        assert status == expected, text
        backends.add(backend)
    assert len(backends) == 3
    assert ("ACCEPTED" if expected == 200 else "REFUSED") in text


def test_session_local_logout_only_reaches_one_backend(page):
    log_in(page, "session-local")
    holder = {backend for backend, status in fire(page, 3) if status == 200}.pop()
    logout_backend = log_out(page)
    results = [replay(page) for _ in range(3)]
    replays = {backend: status for status, backend, _ in results}
    assert len(replays) == 3
    if logout_backend == holder:
        assert set(replays.values()) == {401}
    else:
        # The backend holding the session never heard of the logout.
        assert replays == {b: 200 if b == holder else 401 for b in replays}
        accepted = next(text for status, _, text in results if status == 200)
        assert "can only delete its own sessions" in accepted


def test_replay_without_logout_explains_itself(page):
    log_in(page, "jwt")
    page.get_by_test_id("replay").click()
    status, text = outcome(page, "replay")
    assert status == 0 and "nothing to replay" in text


def test_what_the_browser_sent(page):
    log_in(page, "session-redis")
    fire(page, 2)
    panel = page.get_by_test_id("credential")
    panel.locator("pre").wait_for()
    text = panel.text_content()
    assert re.search(r"Cookie: session_redis=\S+…\S+", text)
    assert re.search(r"\d+ bytes on every request", text)
    assert "Redis" in text and "HttpOnly" in text

    log_in(page, "jwt")
    fire(page, 2)
    panel.locator("pre").wait_for()
    text = panel.text_content()
    assert "Authorization: Bearer eyJ" in text and "nothing: an HMAC-SHA256 check" in text

    log_in(page, "signed-cookie")
    fire(page, 2)
    panel.locator("pre").wait_for()
    assert '"_user_id":"alice"' in panel.text_content()


def test_credentials_stay_out_of_script_reach_and_storage(page):
    log_in(page, "jwt")
    log_in(page, "session-local")
    storage = page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
    assert storage[0] == 0 and storage[1] == 0
    assert "session_local" not in storage[2]  # HttpOnly: invisible to scripts
    assert "JavaScript memory only" in page.locator("#storage-note").text_content()


def test_page_works_offline_and_within_its_content_security_policy(browser, lab, request):
    context = browser.new_context()
    page = context.new_page()
    origins = set()
    console = []
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{lab.url}/")
    page.wait_for_selector("body[data-ready='true']")
    log_in(page, "jwt")
    page.get_by_test_id("send-requests").click()
    expect(page.locator("#tiles [data-testid=tile]")).to_have_count(24)
    save_screenshot(page, request)
    context.close()
    assert origins == {urlsplit(lab.url).netloc}
    assert not [text for text in console if "Content Security Policy" in text], console


def test_usable_by_keyboard(page):
    page.get_by_test_id("mode-select").focus()
    page.keyboard.press("End")  # last mode
    page.get_by_test_id("username").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "password"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "login"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("login-status")).to_have_text(re.compile(r"^Logged in"))
    assert "jwt-blocklist" in page.get_by_test_id("login-status").text_content()


def test_every_control_has_a_label(page):
    unlabeled = page.evaluate(
        """[...document.querySelectorAll('input, select')]
             .filter(el => !el.labels || el.labels.length === 0).map(el => el.id)"""
    )
    assert unlabeled == []


def test_the_attack_lab_is_announced_and_its_flaw_explained(browser, request):
    from lab import Lab

    with Lab(backends=2, workers=1, env={"LAB_VULNERABLE": "1"}) as vulnerable_lab:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{vulnerable_lab.url}/")
        page.wait_for_selector("body[data-ready='true']")
        banner = page.get_by_test_id("vulnerable-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("DELIBERATELY INSECURE")
        log_in(page, "jwt-vulnerable")
        page.get_by_test_id("alg-none").click()
        status, text = outcome(page, "alg none")
        save_screenshot(page, request)
        context.close()
    assert status == 200 and "That is the bug" in text

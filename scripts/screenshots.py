"""Regenerate the README's screenshots of the browser demo: python scripts/screenshots.py."""

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab import Lab
from lab.browser import launch

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def main():
    """Run a lab, play the demo in Chromium and save the screenshots under docs/images."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with Lab(backends=3) as lab, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.goto(f"{lab.url}/")
        page.wait_for_selector("body[data-ready='true']")
        page.get_by_test_id("mode-select").select_option("session-local")
        page.get_by_test_id("login").click()
        page.wait_for_selector("text=Logged in to session-local")
        page.get_by_test_id("send-requests").click()
        expect(page.locator("#tiles li")).to_have_count(24)
        page.wait_for_timeout(300)
        page.screenshot(path=str(IMAGES / "demo.png"))

        page.get_by_test_id("request-count").fill("12")
        page.get_by_test_id("compare-all").click()
        expect(page.locator("[data-testid=compare-row] li")).to_have_count(72, timeout=30_000)
        page.locator("#compare-heading").locator("..").screenshot(path=str(IMAGES / "compare.png"))
        browser.close()
    print(f"wrote {IMAGES / 'demo.png'} and {IMAGES / 'compare.png'}")


if __name__ == "__main__":
    main()

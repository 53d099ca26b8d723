"""Headless Chromium for the page tests and the README screenshot: Debian's, never a download."""

from lab.processes import find_program

# Without the background-networking switches Chromium keeps trying to reach Google's
# services, which an offline workshop room (or this CI) refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    """Return the path of Debian's chromium, or raise MissingProgram naming the package."""
    return find_program("chromium", "chromium")


def launch(playwright):
    """Launch headless Chromium through Playwright with the system browser."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )

"""Headless Chromium for the page tests and the README screenshot: Debian's, never a download."""

import os
import shutil

from lab.processes import MissingProgram

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
    path = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium")
    if not path:
        raise MissingProgram("chromium", "chromium")
    return path


def launch(playwright):
    """Launch headless Chromium through Playwright with the system browser."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )

"""Headless Chromium from the operating system, driven by Playwright."""

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM_ENV = "SCIM_GATEWAY_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# No network but loopback is reachable, so nothing may phone home or wait for it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """Return the Chromium to use, failing loudly if it is not installed."""
    executable = os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM)
    if not os.access(executable, os.X_OK):
        raise RuntimeError(
            f"Chromium not found at {executable}: install Debian's chromium package "
            f"or point {CHROMIUM_ENV} at a Chromium executable"
        )
    return executable


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch headless Chromium; Playwright gives it a fresh temporary profile."""
    return playwright.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )


def save_screenshot(page: Page, directory: Path, name: str) -> Path:
    """Save a full-page screenshot as directory/name.png and return its path."""
    path = directory / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path

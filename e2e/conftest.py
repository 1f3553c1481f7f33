"""Browser tests: Playwright's Python package driving the system's Chromium (never a downloaded one).

They skip with a message where Chromium is absent, unless KCS_REQUIRE_BROWSER=1 (as in
.ci/run), where a missing browser fails the run. Screenshots of each step are saved under
var/screenshots/<test name>/ (CI keeps them as artifacts).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("KCS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _browser_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or set KCS_CHROMIUM)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def chromium():
    missing = _browser_missing()
    if missing:
        if os.environ.get("KCS_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (setting
    # up data, checking results) are ordinary synchronous code between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Journey:
    """A browser page plus helpers: sign in, numbered screenshots of each step."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def shot(self, label: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}.png"
        try:
            self.page.screenshot(path=str(path), full_page=True)
        except Exception:  # noqa: BLE001 — Chromium now and then fails a capture on a busy machine: once more
            self.page.wait_for_timeout(500)
            self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in(self, username: str, password: str = "kcs-demo") -> None:
        self.page.context.clear_cookies()
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("main form [type=submit]")  # not the header's language switcher
        self.page.wait_for_load_state()


@pytest.fixture
def journey(chromium, live_server, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Journey(page, live_server.url, request.node.name)
    context.close()


@pytest.fixture
def demo(demo):
    """The demo data (restored from the copy each test process loads once, see the root conftest),
    committed for the live server, and a search index built from it."""
    from django.core.management import call_command

    call_command("rebuild_index", verbosity=0)

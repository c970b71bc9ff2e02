"""Browser tests: Debian's Chromium driven by Playwright (no browser download), against the real stack.

The stack is the end-to-end one (real Rasa, action server and app, fake Twilio on 127.0.0.1),
shared with tests/e2e. Chromium is started headless from /usr/bin/chromium with everything
that would call out switched off; scripts/system_deps.sh installs it on a fresh machine.
axe-core comes bundled in the axe-playwright-python package, read from disk.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.console.auth import create_user
from bot.db import session_scope
from bot.devtools.demo import load_demo_outcomes
from tests.e2e.conftest import fake_twilio, model_path, stack  # noqa: F401  (shared fixtures)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = os.environ.get("CC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "browser-test-password"
USERS = {"sam": "link_worker", "alex": "link_worker", "cara": "curator", "pat": "partner", "ada": "admin"}


@pytest.fixture(scope="session")
def app_url(stack) -> str:  # type: ignore[no-untyped-def]  # noqa: F811
    with session_scope(stack.database_url) as session:
        for name, role in USERS.items():
            create_user(session, name, PASSWORD, role)
        load_demo_outcomes(session)
    return str(stack.services["app"].url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, not per session: Playwright's sync API runs an event loop in this thread while it
    is open, and the end-to-end tests collected after these call asyncio.run()."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `sudo bash scripts/system_deps.sh` "
                    "(it installs Debian's chromium package)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


class Console:
    """One person's browser tab on the console, logged in as them."""

    def __init__(self, context: BrowserContext, base_url: str, username: str) -> None:
        self.context, self.base_url, self.username = context, base_url, username
        self.page: Page = context.new_page()
        self.outside: list[str] = []  # any request that is not to the app: there must be none
        self.page.on("request", self._watch)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _watch(self, request: Any) -> None:
        if not request.url.startswith(self.base_url) and not request.url.startswith("data:"):
            self.outside.append(request.url)

    def go(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        return self.page

    def log_in(self) -> Page:
        self.go("/console/login")
        self.page.get_by_label("Username").fill(self.username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(self.base_url + "/console")
        return self.page


@pytest.fixture
def console(browser: Browser, app_url: str) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Console:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=app_url, locale="en-GB")
        contexts.append(context)
        tab = Console(context, app_url, username)
        tab.log_in()
        return tab

    yield open_as
    for context in contexts:
        context.close()

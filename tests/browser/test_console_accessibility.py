"""Every console page, as each role sees it, passes axe-core's WCAG 2.2 AA rules in real Chromium.

axe-core is the copy bundled in axe-playwright-python (read from disk, no network). Pages are
found by following the links a user would, so a new page is checked once it is linked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.fakes.twilio import FakeTwilio

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()


def violations(page: Page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def check(page: Page, path: str, problems: dict[str, list[str]], screenshots: Path | None = None,
          name: str = "") -> None:
    response = page.goto(page.url.split("/console")[0] + path)
    assert response is not None
    found = violations(page)
    if found:
        problems[path] = found
    wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    if wide:
        problems.setdefault(path, []).append("the page scrolls sideways at 1280px")
    if screenshots is not None and name:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


@pytest.fixture
def handoff_id(console: Any, fake_twilio: FakeTwilio) -> str:
    """A handoff in the queue to look at (a resident asks for a person)."""
    from tests.browser.test_link_worker_journey import wait_for_sms

    fake_twilio.text_in("+447700900778", "hi")
    wait_for_sms(fake_twilio, "+447700900778", lambda got: len(got) >= 1)
    fake_twilio.text_in("+447700900778", "i want to kill myself")
    wait_for_sms(fake_twilio, "+447700900778", lambda got: len(got) >= 3)
    admin = console("ada")
    admin.go("/console/handoffs")
    link = admin.page.locator("#queue a[href^='/console/handoffs/']").first
    return str(link.get_attribute("href")).rsplit("/", 1)[1]


def test_every_console_page_passes_axe_for_every_role(console: Any, handoff_id: str, screenshots: Path) -> None:
    problems: dict[str, list[str]] = {}
    anonymous = console("pat").context.new_page()  # a fresh page, logged out below
    listing: str | None = None

    for username, pages in {
        "sam": ["/console", "/console/handoffs", f"/console/handoffs/{handoff_id}",
                f"/console/handoffs/{handoff_id}/hand-back", f"/console/handoffs/{handoff_id}/close",
                "/console/directory", "/console/outcomes"],  # the last two answer 403 pages
        "cara": ["/console", "/console/directory", "/console/directory/listings", "/console/directory/new",
                 "/console/directory/listings?check=flagged", "/console/handoffs"],
        "pat": ["/console", "/console/outcomes", "/console/handoffs"],
        "ada": ["/console", "/console/handoffs", f"/console/handoffs/{handoff_id}", "/console/directory",
                "/console/outcomes"],
    }.items():
        tab = console(username)
        for path in pages:
            name = f"{username}-{re.sub(r'[^a-z0-9]+', '-', path.replace(handoff_id, 'one').lower()).strip('-')}"
            check(tab.page, path, problems, screenshots, name)
        if username == "cara":
            tab.go("/console/directory/listings")
            listing = tab.page.locator("a[href^='/console/directory/listings/']").first.get_attribute("href")
            assert listing
            check(tab.page, listing, problems, screenshots, "cara-listing")
            check(tab.page, listing + "/edit", problems, screenshots, "cara-listing-edit")
            tab.page.goto(tab.base_url + listing + "/edit")
            tab.page.get_by_label("Name (required)").fill("")
            tab.page.get_by_role("button", name="Save changes").click()  # the error summary page
            found = violations(tab.page)
            if found:
                problems["edit with errors"] = found
            tab.page.screenshot(path=str(screenshots / "cara-listing-edit-errors.png"), full_page=True)
        assert tab.outside == [], tab.outside

    anonymous.context.clear_cookies()
    anonymous.goto(anonymous.context.pages[0].url.split("/console")[0] + "/console/login")
    found = violations(anonymous)
    if found:
        problems["/console/login"] = found
    anonymous.screenshot(path=str(screenshots / "login.png"), full_page=True)

    assert problems == {}

"""An admin answers a resident's access request, then their erasure request, in a real browser.

Real Rasa writes the resident's conversation to its real tracker store; the export the admin
downloads must hold it, and erasing must remove it from that store. A link worker is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.browser.test_console_accessibility import violations
from tests.browser.test_link_worker_journey import wait_for_sms
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900779"


def _tracker_events(tracker_url: str, sender_id: str) -> int:
    engine = create_engine(tracker_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}).scalar() or 0
    finally:
        engine.dispose()


def test_admin_finds_exports_and_erases_a_resident(console: Any, fake_twilio: FakeTwilio, stack: Any,
                                                   screenshots: Path, tmp_path: Path) -> None:
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for_sms(fake_twilio, RESIDENT, lambda got: len(got) >= 1)
    fake_twilio.text_in(RESIDENT, "i feel lonely")
    wait_for_sms(fake_twilio, RESIDENT, lambda got: len(got) >= 2)

    problems: dict[str, list[str]] = {}
    ada = console("ada")
    page = ada.go("/console")
    page.get_by_role("link", name="Data requests").click()
    problems.update({"access": v} if (v := violations(page)) else {})
    page.get_by_label("Phone number or Telegram chat ID").fill("07700 900779")  # typed as people say it
    page.get_by_role("button", name="Find them").click()
    expect(page.get_by_text("1 person found")).to_be_visible()
    problems.update({"found": v} if (v := violations(page)) else {})
    page.screenshot(path=str(screenshots / "admin-access-found.png"), full_page=True)
    page.get_by_role("link", name="Person ").click()
    expect(page.get_by_role("heading", name="What we hold about person")).to_be_visible()
    rasa_row = page.locator("tr", has_text="Events in the conversation record (Rasa)")
    assert int(rasa_row.locator("td").last.inner_text()) > 0
    problems.update({"held": v} if (v := violations(page)) else {})
    page.screenshot(path=str(screenshots / "admin-access-held.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything (JSON)").click()
    saved = tmp_path / "export.json"
    download_info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert [a["address"] for a in data["channel_addresses"]] == [RESIDENT]
    said = [e.get("text") for e in data["rasa_transcript"] if e["event"] == "user"]
    assert "i feel lonely" in said  # what Rasa itself stored, read from its tracker store
    assert len(data["messages_received"]) >= 2 and len(data["messages_sent"]) >= 2  # rows held until retention
    assert ("ada", "access_export") in {(t["who"], t["action"]) for t in data["record_views_and_changes"]}
    conversation_id = data["person"]["conversation_id"]
    assert _tracker_events(stack.tracker_url, conversation_id) > 0

    page.get_by_role("link", name="Erase this person").click()
    problems.update({"erase": v} if (v := violations(page)) else {})
    page.get_by_role("button", name="Erase everything").click()  # not confirmed yet
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Tick the box")
    problems.update({"erase with errors": v} if (v := violations(page)) else {})
    page.screenshot(path=str(screenshots / "admin-erase-confirm.png"), full_page=True)
    page.get_by_label("I have checked that the person who asked").check()
    page.get_by_role("button", name="Erase everything").click()
    expect(page.get_by_text("Erased.")).to_be_visible()
    assert _tracker_events(stack.tracker_url, conversation_id) == 0  # Rasa's copy is gone too
    assert problems == {}
    assert ada.outside == []

    sam = console("sam")
    response = sam.page.goto(sam.base_url + "/console/access")
    assert response is not None and response.status == 403
    refused = sam.page
    expect(refused.get_by_role("heading", name="You cannot see this page")).to_be_visible()
    expect(refused.get_by_role("link", name="Data requests")).to_have_count(0)

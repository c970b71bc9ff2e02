"""A link worker's day in a real browser: an urgent text arrives, she takes it, talks, hands back.

Real Rasa, action server and app; the resident texts through fake Twilio and the fake phone
records what they receive. Nothing on the page is reloaded by the test while it waits for
something to arrive: a marker set on the window would be lost by any navigation.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from bot.gateway import messages as texts
from bot.policy.crisis import SAFETY_MESSAGE
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900777"
LIVE_TIMEOUT_MS = 20_000


def wait_for_sms(fake: FakeTwilio, number: str, predicate: Any, timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fake.received(number)
        if predicate(got):
            return got
        time.sleep(0.25)
    raise AssertionError(f"the phone never got what was expected; it has {fake.received(number)!r}")


def test_urgent_text_claimed_answered_and_handed_back(
    console: Any, fake_twilio: FakeTwilio, screenshots: Path,
) -> None:
    sam, alex = console("sam"), console("alex")
    fake_twilio.text_in(RESIDENT, "hi")
    greeted = wait_for_sms(fake_twilio, RESIDENT, lambda got: len(got) >= 1)

    queue = sam.go("/console/handoffs")
    alex.go("/console/handoffs")
    queue.evaluate("window.__notReloaded = true")
    urgent_before = queue.locator("tr.cc-urgent").count()  # other tests' residents may be waiting too

    # The urgent handoff appears on the open queue without a reload, tagged and counted.
    fake_twilio.text_in(RESIDENT, "i want to kill myself")
    wait_for_sms(fake_twilio, RESIDENT, lambda got: any(SAFETY_MESSAGE in m for m in got))
    urgent_row = queue.locator("tr.cc-urgent").nth(urgent_before)  # urgent first, then oldest: ours is last
    expect(urgent_row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(urgent_row.locator(".nhsuk-tag--red")).to_have_text("Urgent")
    expect(queue.locator('[data-count="urgent"]')).to_have_text(re.compile(r"[1-9]\d* urgent"), timeout=LIVE_TIMEOUT_MS)
    assert queue.evaluate("window.__notReloaded") is True
    queue.screenshot(path=str(screenshots / "link-worker-queue-urgent.png"), full_page=True)

    # Alex's queue also shows it (live); Sam claims first, so Alex is told who has it.
    alex_row = alex.page.locator("tr.cc-urgent").nth(urgent_before)
    expect(alex_row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    urgent_row.get_by_role("button", name=re.compile("Claim")).click()
    expect(queue.get_by_text("You have claimed this handoff.")).to_be_visible()
    handoff_url = queue.url.split("?")[0]
    alex_row.get_by_role("button", name=re.compile("Claim")).click()
    expect(alex.page.get_by_text("sam has already claimed this handoff.")).to_be_visible()
    expect(alex.page.get_by_role("button", name="Send reply")).to_have_count(0)

    # What they wrote is on the page for a human to read; their next text arrives live.
    expect(queue.locator("#thread")).to_contain_text("i want to kill myself")
    queue.evaluate("window.__notReloaded = true")
    fake_twilio.text_in(RESIDENT, "after 3 any day is good")
    expect(queue.locator("#thread")).to_contain_text("after 3 any day is good", timeout=LIVE_TIMEOUT_MS)
    assert queue.evaluate("window.__notReloaded") is True
    wait_for_sms(fake_twilio, RESIDENT, lambda got: texts.PERSON_REPLYING in got)

    # Sam replies; the phone gets it and the conversation shows its delivery.
    queue.get_by_label("Reply to them").fill("Hello, it's Sam from the team. I will ring you at 3pm today.")
    queue.get_by_role("button", name="Send reply").click()
    expect(queue.get_by_text("Your message is in the outbox.")).to_be_visible()
    reply = "Hello, it's Sam from the team. I will ring you at 3pm today."
    wait_for_sms(fake_twilio, RESIDENT, lambda got: reply in got)
    expect(queue.locator("#thread .cc-message--worker").last).to_contain_text("Delivered", timeout=LIVE_TIMEOUT_MS)
    queue.screenshot(path=str(screenshots / "link-worker-conversation.png"), full_page=True)

    # Hand back, with a confirmation page and a note; the bot answers the next text.
    queue.get_by_role("link", name="Hand back to the bot").click()
    queue.screenshot(path=str(screenshots / "link-worker-hand-back.png"), full_page=True)
    queue.get_by_label("Case note (optional)").fill("Rang at 3pm, going to the walking group.")
    queue.get_by_role("button", name="Hand back to the bot").click()
    expect(queue.get_by_text("Handed back to the bot.")).to_be_visible()
    expect(queue.get_by_text("Rang at 3pm, going to the walking group.")).to_be_visible()
    assert queue.url.startswith(handoff_url)
    wait_for_sms(fake_twilio, RESIDENT, lambda got: texts.BACK_WITH_BOT in got)

    before = len(fake_twilio.received(RESIDENT))
    fake_twilio.text_in(RESIDENT, "hi")
    after = wait_for_sms(fake_twilio, RESIDENT, lambda got: len(got) > before)
    assert after[before] not in (texts.PERSON_REPLYING, texts.BACK_WITH_BOT)  # the bot answered, not a notice
    assert greeted[0]
    assert sam.outside == [] and alex.outside == []  # nothing fetched from anywhere but the app


def test_curator_edits_a_listing_and_sees_it_in_the_audit_trail(console: Any, screenshots: Path) -> None:
    cara = console("cara")
    page = cara.go("/console/directory/listings?q=Hendon")
    page.screenshot(path=str(screenshots / "curator-listings.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Hendon")).first.click()
    page.get_by_role("link", name="Edit this listing").click()
    page.get_by_label("Description").fill("A gentle walk along the seafront, with a cuppa after.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    history = page.locator("#history + table")
    expect(history).to_contain_text("cara")
    expect(history).to_contain_text("A gentle walk along the seafront, with a cuppa after.")
    page.screenshot(path=str(screenshots / "curator-listing-history.png"), full_page=True)
    assert cara.outside == []

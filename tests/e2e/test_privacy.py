"""People's say over their own details, end to end: web chat -> gateway -> real Rasa -> real actions.

What a resident notices: a changed privacy notice is asked about once, then the conversation
carries on; "stop keeping my details" is answered plainly and nothing new is kept; asking for a
person asks what the link worker may see (and the console follows the answer); "what do you keep
about me?" is answered from their records.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.console.casefile import shared_context
from bot.db import session_scope
from bot.models import Consent, Handoff
from tests.e2e.records import kept_for, listed, options

pytestmark = pytest.mark.e2e

NOTICE = "2026-12"  # PRIVACY_NOTICE_VERSION's default, which the e2e stack runs with


def _agree_and_say_what_matters(phone) -> None:
    phone.say("hi")
    assert any("keep it safe" in t for t in phone.say("1"))
    assert any("postcode" in t for t in phone.say("I'd like to get out walking"))


def _to_matches(phone, location: str = "SR2 8PN") -> list[str]:
    replies = phone.say(location)
    if any("anything I should know" in t for t in replies):
        replies = phone.say("no")
    assert listed(replies), replies
    return replies


def test_a_changed_notice_is_asked_once_then_the_conversation_carries_on(stack, phone):
    _agree_and_say_what_matters(phone)
    kept = kept_for(stack, phone)
    assert [(c.purpose, c.notice_version) for c in kept.consents] == [("keep_data", NOTICE)]
    first = kept.consents[0]
    # Their "yes" was to an older notice (as if PRIVACY_NOTICE_VERSION moved on since).
    with session_scope(stack.database_url) as session:
        session.execute(update(Consent).where(Consent.id == first.id).values(notice_version="2026-06"))
    replies = phone.say("SR2 8PN")
    assert any("anything I should know" in t for t in replies)  # their message was answered first
    assert replies[-1].startswith("Before we go on: our privacy notice has changed.")
    assert options(replies) == ["Yes", "No"]
    carried_on = phone.say("yes")
    assert carried_on[0] == "Thank you. Let us carry on."
    assert any("anything I should know" in t or "day that suits you" in t for t in carried_on[1:])  # the form goes on
    assert listed(phone.say("no"))
    kept = kept_for(stack, phone)
    standing = sorted((c.notice_version, c.created_at) for c in kept.consents if c.withdrawn_at is None)
    assert [v for v, _ in standing] == ["2026-06", NOTICE]  # the new notice is on record
    assert standing[0][1] == first.created_at  # and the first "yes" still stands, with its date
    # Asked once: the next message is just answered.
    assert not any("privacy notice" in t for t in phone.say("more"))


def test_stop_keeping_my_details_is_plain_and_nothing_new_is_kept(stack, phone):
    _agree_and_say_what_matters(phone)
    phone.say("SR2 8PN")
    before = kept_for(stack, phone).person
    assert before.what_matters and before.postcode_district == "SR2"  # kept, with consent
    stopped = phone.say("stop keeping my details")
    assert any(t.startswith("OK, I will not keep your details now.") and "FORGET ME" in t for t in stopped)
    kept = kept_for(stack, phone)
    assert kept.person.what_matters is None and kept.person.postcode_district is None
    assert not kept.person.consent_to_keep and not kept.opted_out  # not STOP
    assert kept.person.conversation_id == before.conversation_id  # not "forget me": the conversation goes on
    # The journey goes on, and nothing new about them is stored.
    replies = phone.say("I'd like to get out walking")
    if any("postcode" in t for t in replies):
        replies = _to_matches(phone)
    elif any("anything I should know" in t for t in replies):
        replies = phone.say("no")
    assert listed(replies), replies
    chosen = phone.say("1")
    assert any("not kept any of your details" in t for t in chosen)
    kept = kept_for(stack, phone)
    assert kept.goals == [] and kept.follow_ups == [] and kept.outcomes == []
    assert kept.person.what_matters is None and kept.person.postcode_district is None
    assert [(c.purpose, c.given, c.withdrawn_at is None) for c in sorted(kept.consents, key=lambda c: c.created_at)] == [
        ("keep_data", True, False), ("keep_data", False, True)]  # their answers stay, as proof


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_asking_for_a_person_asks_what_the_link_worker_may_see(stack, phone, answer):
    _agree_and_say_what_matters(phone)
    _to_matches(phone)
    asked = phone.say("can I talk to a real person")
    assert any("link worker" in t and "get in touch" in t for t in asked)
    assert asked[-1].startswith("Can the link worker see what you told me?") and options(asked) == ["Yes", "No"]
    replied = phone.say(answer)
    assert replied == (["OK, they will not see it. They will still get in touch."] if answer == "no"
                       else ["Thank you. They will see it when they get in touch."])
    kept = kept_for(stack, phone)
    assert len(kept.handoffs) == 1 and kept.handoffs[0].status == "open"  # a no still makes the handoff
    with session_scope(stack.database_url) as session:
        seen = shared_context(session, session.get(Handoff, kept.handoffs[0].id))
    if answer == "no":
        assert not seen.agreed and seen.needs == [] and seen.area is None  # though they agreed to keeping
    else:
        assert seen.agreed and seen.needs and seen.area == "SR2"


def test_what_do_you_keep_about_me_is_answered_from_their_records(stack, phone):
    _agree_and_say_what_matters(phone)
    replies = phone.say("SR2 8PN")
    assert any("anything I should know" in t for t in replies)
    answer = phone.say("what do you keep about me?")
    assert answer[0] == ("I keep: what matters to you, your area (SR2), your yes or no answers and how to reach you. "
                         "Text FORGET ME to delete it all.")
    assert any("day that suits you" in t or "anything I should know" in t for t in answer[1:])  # then carry on


def test_what_do_you_keep_for_someone_who_said_no(stack, phone):
    phone.say("hi")
    phone.say("2")
    answer = phone.say("what have you got on me")
    assert answer[0].startswith("You did not say I can keep your details. I only keep:")

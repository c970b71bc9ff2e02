"""The privacy actions through the real gateway and outbox (tests/actions/dialogue.py): what the
person receives and what is kept. The dialogue itself (rules, forms) is tested with real Rasa in
tests/e2e/test_privacy.py and tests/stories/test_privacy.yml."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions import common, privacy
from actions.privacy import (
    ActionNoticeChanged,
    ActionRecordNotice,
    ActionRecordShare,
    ActionStopKeeping,
    ActionWhatWeKeep,
)
from actions.support import ActionRequestHuman
from bot.db import session_factory
from bot.dialogue.rasa_client import RasaClient
from bot.gateway.outbox import OutboxWorker
from bot.gateway.processor import Gateway
from bot.models import ChannelAddress, Consent, Goal, Handoff, Person
from bot.records.consent import KEEP_DATA, SHARE_WITH_LINK_WORKER, record_consent, standing_answer
from bot.records.goals import create_goal, record_outcome
from bot.records.people import get_or_create_address
from bot.statuses import OutcomeKind
from tests.actions.dialogue import RecordingSender, as_rest, dialogue, domain

NUMBER = "+447700900888"
VERSION = "2026-12"


@pytest.fixture(autouse=True)
def actions_use_the_test_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PRIVACY_NOTICE_VERSION", VERSION)
    for cached in (common.database_url, common.working_hours, privacy.notice_version):
        cached.cache_clear()
    yield
    for cached in (common.database_url, common.working_hours, privacy.notice_version):
        cached.cache_clear()


def _agreed(session, number=NUMBER, version=VERSION):
    person = get_or_create_address(session, "sms", number).person
    keep = record_consent(session, person, KEEP_DATA, True, "Can I keep it?", "sms", version)
    person.postcode_district = "SR2"
    goal = create_goal(session, person, keep, "go every tuesday")
    record_outcome(session, person, OutcomeKind.WELLBEING_START, score=6, goal=goal)
    record_outcome(session, person, OutcomeKind.WELLBEING_FOLLOW_UP, score=7, goal=goal)
    session.commit()
    return person


def test_what_we_keep_is_said_from_the_records(database_url, session):
    _agreed(session)
    talk = dialogue(database_url, {"what do you keep about me": ActionWhatWeKeep()})
    talk.text_in(NUMBER, "what do you keep about me")
    assert talk.sender.sent == [
        "I keep: your goal, your area (SR2), 2 wellbeing scores, your yes or no answers and how to reach you. "
        "Text FORGET ME to delete it all."]


def test_what_we_keep_for_someone_who_never_agreed(database_url, session):
    talk = dialogue(database_url, {"what have you got on me": ActionWhatWeKeep()})
    talk.text_in(NUMBER, "what have you got on me")
    assert talk.sender.sent == ["You did not say I can keep your details. I only keep: how to reach you. "
                                "Text FORGET ME to delete it all."]


def test_stop_keeping_says_what_it_deleted_and_keeps_the_conversation_going(database_url, session):
    person = _agreed(session)
    talk = dialogue(database_url, {"stop keeping my details": ActionStopKeeping()})
    talk.text_in(NUMBER, "stop keeping my details")
    assert talk.sender.sent == [
        "OK, I will not keep your details now. I have deleted your goal and 2 scores. I only keep that you said so, "
        "and any safety notes. I can still help. Text FORGET ME to delete it all."]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Goal)) == 0
    assert standing_answer(session, person.id, KEEP_DATA) is False
    no = session.scalar(select(Consent).where(Consent.given.is_(False)))
    assert no.wording == "Said: stop keeping my details" and no.notice_version == VERSION
    address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == NUMBER))
    assert not address.opted_out  # not STOP: they can still text and be answered


def _tracker(sender: str, slots: dict, text: str = "yes", loop: str | None = None) -> Tracker:
    return Tracker(sender_id=sender, slots=slots, latest_message={"text": text, "intent": {"name": "affirm"},
                                                                 "metadata": {"channel": "sms"}},
                   events=[], paused=False, followup_action=None, active_loop={"name": loop} if loop else {},
                   latest_action_name="action_listen")


def _run(action, tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain()))
    return [m for m in dispatcher.messages if not m.get("custom")], events


def test_asking_for_a_person_asks_what_they_may_see_and_a_no_still_makes_the_handoff(database_url, session):
    person = _agreed(session)
    conversation = person.conversation_id
    said, events = _run(ActionRequestHuman(), _tracker(conversation, {"needs": ["physical_activity"],
                                                                     "location": "SR2 8PN"}, "a person please"))
    assert {"event": "active_loop", "name": "share_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    said, _ = _run(ActionRecordShare(), _tracker(conversation, {"share_consent": False, "needs": ["physical_activity"]}))
    assert said[-1]["response"] == "utter_share_no"
    session.expire_all()
    handoff = session.scalar(select(Handoff))
    assert handoff.status == "open" and handoff.context == {"consent": False}
    assert standing_answer(session, person.id, SHARE_WITH_LINK_WORKER) is False
    # Asked again later: not asked twice.
    said, events = _run(ActionRequestHuman(), _tracker(conversation, {}, "when will they ring"))
    assert all(m.get("response") != "utter_ask_share_consent" for m in said)
    assert not [e for e in events if e.get("event") == "active_loop"]


def test_a_yes_to_sharing_shows_the_worker_what_they_told_us(database_url, session):
    person = _agreed(session)
    _run(ActionRequestHuman(), _tracker(person.conversation_id, {}, "a person please"))
    _run(ActionRecordShare(), _tracker(person.conversation_id, {"share_consent": True, "needs": ["loneliness"],
                                                                "location": "SR4 7AB"}))
    session.expire_all()
    assert session.scalar(select(Handoff)).context["needs"] == ["loneliness"]
    assert standing_answer(session, person.id, SHARE_WITH_LINK_WORKER) is True


def test_the_notice_question_remembers_the_form_and_carries_on_after_a_yes(database_url, session):
    person = _agreed(session, version="2026-06")
    _, events = _run(ActionNoticeChanged(), _tracker(person.conversation_id, {}, "", loop="goal_form"))
    assert {"event": "slot", "name": "resume_loop", "value": "goal_form"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    session.expire_all()
    assert session.get(Person, person.id).notice_asked_version == VERSION
    said, events = _run(ActionRecordNotice(), _tracker(person.conversation_id, {"notice_consent": True,
                                                                               "resume_loop": "goal_form"}))
    assert said[-1]["response"] == "utter_notice_yes"
    assert {"event": "followup", "name": "goal_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    session.expire_all()
    versions = sorted(c.notice_version for c in session.scalars(select(Consent).where(Consent.withdrawn_at.is_(None))))
    assert versions == ["2026-06", VERSION]


def test_a_no_to_the_changed_notice_stops_keeping_and_does_not_go_back_to_the_goal(database_url, session):
    person = _agreed(session, version="2026-06")
    said, events = _run(ActionRecordNotice(), _tracker(person.conversation_id, {"notice_consent": False,
                                                                               "resume_loop": "goal_form"}))
    assert said[-1]["text"].startswith("OK, I will not keep your details now.")
    assert not [e for e in events if e.get("event") == "followup"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Goal)) == 0


class NoticeRasa(httpx.AsyncBaseTransport):
    """Answers each message, and a changed-notice trigger by running the real action (as Rasa's rule would)."""

    def __init__(self) -> None:
        self.triggered: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/trigger_intent"):
            sender = request.url.path.split("/")[2]
            self.triggered.append(body["name"])
            dispatcher = CollectingDispatcher()
            await ActionNoticeChanged().run(dispatcher, _tracker(sender, {}, ""), domain())
            dispatcher.utter_message(response="utter_ask_notice_consent")  # the form then asks
            return httpx.Response(200, json={"messages": as_rest(sender, dispatcher.messages, domain()["responses"])})
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "Here is what I found."}])


def _gateway(database_url: str, transport: NoticeRasa) -> tuple[Gateway, OutboxWorker, RecordingSender]:
    sessions = session_factory(database_url)
    sender = RecordingSender()
    outbox = OutboxWorker(sessions, {"sms": sender}, max_attempts=3)
    rasa = RasaClient("http://rasa.test", 5.0, transport=transport)
    return Gateway(sessions, rasa, outbox, retry_seconds=0.1, rate_limit_per_minute=20, notice_version=VERSION), \
        outbox, sender


def _text(gateway: Gateway, outbox: OutboxWorker, number: str, text: str) -> None:
    async def run() -> None:
        accepted = gateway.accept("sms", number, f"SM{uuid.uuid4().hex}", text=text)
        await gateway.drain(accepted.address_id)
        while await outbox.send_due():
            pass
    asyncio.run(run())


def test_the_gateway_asks_once_after_answering_someone_whose_yes_was_to_an_older_notice(database_url, session):
    _agreed(session, version="2026-06")
    _agreed(session, number="+447700900889")  # agreed to this notice: never asked
    rasa = NoticeRasa()
    gateway, outbox, sender = _gateway(database_url, rasa)
    _text(gateway, outbox, NUMBER, "any walking groups")
    assert sender.received(NUMBER)[0] == "Here is what I found."  # their message is answered first
    assert sender.received(NUMBER)[1].startswith("Before we go on: our privacy notice has changed.")
    _text(gateway, outbox, NUMBER, "something else")  # not asked again while the question waits
    _text(gateway, outbox, "+447700900889", "hello")
    assert rasa.triggered == ["EXTERNAL_notice_changed"]
    assert sender.received("+447700900889") == ["Here is what I found."]

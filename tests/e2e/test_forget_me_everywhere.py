"""'Forget me' leaves nothing about the person anywhere we store data: the proof, end to end.

The real stack (Rasa writing its real tracker store, the action server, the app) on SQLite and
on PostgreSQL (app database and Rasa's tracker store both on a throwaway PostgreSQL). A resident
texts in over SMS (fake Twilio) and says a lot: consent, a need in their own words, a postcode, a
match, a goal in their own words, the wellbeing questions, a check-in weeks later with its scores
and a note, a handoff a link worker claims, replies to, writes a note on and hands back in the
console, and a message the worker reads while holding the conversation. A second resident does
the short version over Telegram (fake Telegram).

First the test proves it can see them: the phone number, the internal person id, Rasa's sender id,
the Telegram chat id and the resident's own phrases are found in the app's tables and in the
`events` Rasa itself wrote. Then the resident texts "forget me", and every table of both databases,
enumerated by reflection (so a table added tomorrow is scanned too), is searched for every one of
them, in every column, as text (JSON included). None may be found. The processes' log files are
searched for the number and the words too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, create_engine, select

from bot.console.auth import create_user
from bot.db import dispose_engines, session_scope
from bot.devtools.servers import PostgresServer
from bot.devtools.stack import Stack, free_port, start_demo_stack
from bot.dialogue.endpoints import app_tracker_url
from bot.models import ChannelAddress, Handoff
from tests.e2e.test_followups_over_sms import SmsPhone, aware, check_ins_of, options, send_due
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.stored_values import unknown_values

pytestmark = pytest.mark.e2e

ACCOUNT, TOKEN, OUR_NUMBER = "AC" + "f0e7" * 8, "forget-auth-token-0123456789abcdef", "+447700900000"
BOT_TOKEN, TELEGRAM_SECRET = "424242:forget-me-bot-token", "forget-me-telegram-secret"
ENGINES = [e.strip() for e in os.environ.get("CC_TEST_DATABASES", "sqlite,postgresql").split(",") if e.strip()]
NUMBER = "+447700954321"  # the resident's phone; scanned for in every format below
CHAT_ID = 731904265  # the Telegram resident's chat
WORKER, WORKER_PASSWORD = "sam.lw", "a-long-password-for-sam"
# What the SMS resident writes: names found nowhere in the demo directory, so a hit is their words.
NEED = "I'd like to get out walking with my dog Marmaduke"
GOAL = "walk Marmaduke to the Quillfeather bench on Tuesdays"
NOTE = "Auntie Glenda came along with me"
HELD = "Thursday suits me, ring after my shift at Scrumbles bakery"
# What the link worker writes about them (about the person too, so it must go with them).
WORKER_REPLY = "Hello, it is Sam. Shall we talk about the Quillfeather bench on Thursday?"
WORKER_NOTE = "Prefers a call after work; Glenda helps with walks"
TELEGRAM_NEED = "I want to meet people, my cat Pemberton is my only company"
TELEGRAM_NAME = "Wilhelmina"  # Telegram sends the user's name with every update: it must never be stored
STOPPED_NUMBER = "+447700954388"  # texts STOP, then asks (by letter, say) to be erased by an operator
STOPPED_NEED = "I need help with money, my landlord Mr Fothergill keeps the deposit"


def phone_pattern(number: str) -> re.Pattern[str]:
    """The national number's digits in any format: +44..., 44..., 07..., with spaces or dashes."""
    digits = number.removeprefix("+44")
    return re.compile(r"[\s\-()]*".join(digits))


@dataclass
class Everywhere:
    """The running stack, the fakes around it, and how to reach both of its databases."""

    stack: Stack
    twilio: FakeTwilio
    telegram: FakeTelegram
    engine: str
    postgres: PostgresServer | None = None
    app_url: str = ""

    @property
    def tracker_url(self) -> str:
        return app_tracker_url(self.stack.tracker_url)


@pytest.fixture(scope="module", params=ENGINES)
def everywhere(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               model_path: Path) -> Iterator[Everywhere]:
    twilio, telegram = FakeTwilio(ACCOUNT, TOKEN), FakeTelegram(BOT_TOKEN)
    twilio.server.start()
    telegram.server.start()
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    twilio.public_url = twilio.app_url = app_url
    env = {
        "PUBLIC_URL": app_url, "RASA_RETRY_SECONDS": "0.5", "RASA_TIMEOUT_SECONDS": "30",
        "HOLDING_REPLY_SECONDS": "30",  # this test reads exact replies: "one moment" only if Rasa gives out
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_BASE": twilio.url, "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE": telegram.url, "LOG_LEVEL": "DEBUG",  # the most a log could ever say
        # Weeks of a journey are texted here in about a minute; a real person never sends 20 a minute.
        "RATE_LIMIT_PER_MINUTE": "1000",
    }
    root = tmp_path_factory.mktemp(f"forget-{request.param}")
    postgres: PostgresServer | None = None
    try:
        if request.param == "sqlite":
            stack = start_demo_stack(root, model_path, port, **env)
        else:
            postgres = PostgresServer().start()
            stack = _start_postgres_stack(root, model_path, port, postgres, env)
    except BaseException:
        twilio.server.stop()
        telegram.server.stop()
        if postgres is not None:
            postgres.stop()
        raise
    telegram.app_url, telegram.secret = app_url, TELEGRAM_SECRET
    running = Everywhere(stack, twilio, telegram, request.param, postgres, app_url)
    try:
        yield running
        assert unknown_values(stack.database_url) == [], "values stored that bot/statuses.py does not define"
    finally:
        stack.stop()
        dispose_engines()
        twilio.server.stop()
        telegram.server.stop()
        if postgres is not None:
            postgres.stop()


def _start_postgres_stack(root: Path, model: Path, port: int, postgres: PostgresServer, env: dict[str, str]) -> Stack:
    """What start_demo_stack does, on PostgreSQL: the app database and Rasa's tracker store."""
    from bot.devtools.demo import load_demo_data
    from bot.migrate import upgrade

    database_url = postgres.create_database("community_connect")
    postgres.create_database("rasa_tracker")
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    stack = Stack(root / "logs", database_url, postgres.url("rasa_tracker", driver=""))
    try:
        stack.start_actions()
        stack.wait_ready("actions", timeout=60)
        stack.start_rasa(model)
        stack.start_app(port, **env)
        stack.wait_ready("rasa", timeout=600)  # a loaded shared machine can take minutes to load the model
        stack.wait_ready("app", timeout=60)
    except BaseException:
        stack.stop()
        raise
    return stack


# -- looking everywhere -----------------------------------------------------------------------------

@dataclass
class Found:
    """Where each needle was found: needle name -> ["table.column", ...] (one entry per cell)."""

    cells: dict[str, list[str]] = field(default_factory=dict)

    def tables(self, needle: str) -> set[str]:
        return {cell.split(".", 1)[0] for cell in self.cells.get(needle, [])}


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def scan(url: str, needles: dict[str, re.Pattern[str]]) -> Found:
    """Every row of every table in the database at `url` (found by reflection), every column as text."""
    engine = create_engine(url)
    found = Found()
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        assert metadata.tables, f"no tables found at {url}"
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    for column, value in row._mapping.items():
                        if value is None:
                            continue
                        text = _as_text(value)
                        for name, pattern in needles.items():
                            if pattern.search(text):
                                found.cells.setdefault(name, []).append(f"{table.name}.{column}")
    finally:
        engine.dispose()
    return found


def scan_logs(stack: Stack, needles: dict[str, re.Pattern[str]]) -> dict[str, list[str]]:
    """The processes' log files: needle name -> the files (and first line) it appears in."""
    hits: dict[str, list[str]] = {}
    for log in sorted(stack.var_dir.glob("*.log")):
        for line in log.read_text("utf-8", "replace").splitlines():
            for name, pattern in needles.items():
                if pattern.search(line):
                    hits.setdefault(name, []).append(f"{log.name}: {line[:300]}")
    return hits


def scan_files(stack: Stack, needles: dict[str, re.Pattern[str]], names: str) -> dict[str, list[str]]:
    """SQLite only: the bytes of the database files matching `names` (free pages and log included)."""
    hits: dict[str, list[str]] = {}
    files = sorted(Path(stack.database_url.split("///", 1)[1]).parent.glob(names))
    for path in files:
        data = path.read_bytes().decode("latin-1")
        for name, pattern in needles.items():
            count = len(pattern.findall(data))
            if count:
                hits.setdefault(name, []).append(f"{path.name}: {count}")
    return hits


def words(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)


# -- the conversations ------------------------------------------------------------------------------

class Worker:
    """A link worker in the console, through the app's real HTTP routes."""

    def __init__(self, app_url: str) -> None:
        self.client = httpx.Client(base_url=app_url, timeout=30, follow_redirects=True)

    def csrf(self, path: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text)
        assert found, f"no form on {path}"
        return found.group(1)

    def login(self) -> None:
        page = self.client.post("/console/login", data={"username": WORKER, "password": WORKER_PASSWORD,
                                                         "csrf": self.csrf("/console/login")})
        assert page.status_code == 200 and page.url.path == "/console", page.text[:500]

    def post(self, path: str, **data: str) -> httpx.Response:
        response = self.client.post(path, data={**data, "csrf": self.csrf("/console")})
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response


def wait_until(check, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def sms_conversation(everywhere: Everywhere) -> SmsPhone:
    """Everything a resident can leave behind over SMS, up to (not including) 'forget me'."""
    phone = SmsPhone(everywhere.twilio, NUMBER)
    assert options(phone.say("hi")) == ["Yes", "No"]
    assert any("What would make life a bit better" in t for t in phone.say("1"))
    assert any("postcode" in t for t in phone.say(NEED))
    assert any("anything I should know" in t for t in phone.say("SR2 8PN"))
    assert any(t.startswith("1) ") for t in phone.say("no"))
    assert any("your own words" in t for t in phone.say("1"))
    assert f"So your goal is: {GOAL}. Is that right?" in phone.say(GOAL)[-1]
    assert "In 2 weeks" in options(phone.say("yes"))
    assert any("4 quick questions" in t for t in phone.say("2"))
    for score in ("6", "7", "skip"):
        phone.say(score)
    assert any("I will text you in 2 weeks" in t for t in phone.say("3"))

    # Weeks later, the first check-in: went, how it went, what helped, and scores that fell.
    first = check_ins_of(everywhere.stack, NUMBER)[0]
    assert send_due(everywhere.stack, aware(first.due_at)) == 1
    assert options(phone.wait_for_more(60)) == ["Yes", "No"]
    assert "About what I hoped" in options(phone.say("1"))
    assert any("What helped, or what got in the way?" in t for t in phone.say("3"))
    phone.say(NOTE)
    for score in ("2", "5", "4"):
        phone.say(score)
    assert any("link worker will get in touch" in t for t in phone.say("8"))  # a handoff, from the scores

    # The link worker: the queue, the person, claim, a reply, the resident's answer held for them,
    # a note, and back to the bot.
    with session_scope(everywhere.stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == NUMBER))
        assert address is not None
        handoff_id = session.scalar(select(Handoff.id).where(Handoff.person_id == address.person_id))
        create_user(session, WORKER, WORKER_PASSWORD, "link_worker")
    worker = Worker(everywhere.app_url)
    worker.login()
    assert worker.client.get("/console/handoffs").status_code == 200
    assert worker.client.get(f"/console/handoffs/{handoff_id}").status_code == 200
    worker.post(f"/console/handoffs/{handoff_id}/claim")
    worker.post(f"/console/handoffs/{handoff_id}/reply", message=WORKER_REPLY)
    assert WORKER_REPLY in phone.wait_for_more(30)
    assert any("person from our team has your message" in t for t in phone.say(HELD))
    worker.post(f"/console/handoffs/{handoff_id}/notes", note=WORKER_NOTE)
    worker.post(f"/console/handoffs/{handoff_id}/hand-back", note="Handed back after arranging a call")
    assert any("back with the bot" in t for t in phone.wait_for_more(30))
    return phone


class TelegramUser:
    """A Telegram user whose name and username Telegram sends with every update."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    def say(self, text: str) -> list[str]:
        telegram = self.telegram
        before = len(telegram.chat(CHAT_ID))
        update = {"update_id": int(time.time() * 1000) % 10**9, "message": {
            "message_id": before + 1, "date": int(time.time()), "text": text,
            "from": {"id": CHAT_ID, "is_bot": False, "first_name": TELEGRAM_NAME, "username": "wilhelmina_sr2"},
            "chat": {"id": CHAT_ID, "type": "private", "first_name": TELEGRAM_NAME, "username": "wilhelmina_sr2"}}}
        assert telegram.post_update(update).status_code == 200
        wait_until(lambda: len(telegram.chat(CHAT_ID)) > before, 120, f"an answer to {text!r} on Telegram")
        time.sleep(3)  # the rest of the turn's messages (Telegram paces them a second apart)
        return [s.text for s in telegram.chat(CHAT_ID)[before:]]


# -- the test ---------------------------------------------------------------------------------------

def test_after_forget_me_no_table_of_either_database_holds_anything_about_the_person(everywhere: Everywhere) -> None:
    stack = everywhere.stack
    phone = sms_conversation(everywhere)
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == NUMBER))
        assert address is not None
        person_id, conversation_id = address.person_id, address.person.conversation_id
    needles = {
        "phone number": phone_pattern(NUMBER),
        "person id": re.compile(re.escape(person_id), re.IGNORECASE),
        "person id (hex)": re.compile(re.escape(person_id.replace("-", "")), re.IGNORECASE),
        "rasa sender id": re.compile(re.escape(conversation_id), re.IGNORECASE),
        "their words": words("Marmaduke", "Quillfeather", "Glenda", "Scrumbles"),
        "link worker's words": words(WORKER_REPLY, WORKER_NOTE, "arranging a call"),
    }

    # The data is there, where we expect it: the scan can see it.
    before_app, before_rasa = scan(stack.database_url, needles), scan(everywhere.tracker_url, needles)
    assert before_app.tables("phone number") >= {"channel_address"}
    assert before_app.tables("person id") >= {"consent", "goal", "follow_up", "wellbeing_answer", "handoff",
                                              "case_note", "audit_log"}
    assert before_app.tables("rasa sender id") == {"person"}
    assert before_app.tables("their words") >= {"goal", "follow_up", "inbound_message"}
    assert before_app.tables("link worker's words") >= {"case_note", "outbound_message"}
    assert before_rasa.tables("rasa sender id") == {"events"}  # what Rasa itself wrote
    assert before_rasa.tables("their words") == {"events"}
    assert "phone number" not in before_rasa.cells and "person id" not in before_rasa.cells  # Rasa never sees them

    # Forget me.
    assert any("deleted what I kept about you" in t for t in phone.say("forget me"))
    time.sleep(3)  # Twilio's delivery callbacks for the confirmation, which come afterwards

    after_app, after_rasa = scan(stack.database_url, needles), scan(everywhere.tracker_url, needles)
    assert after_app.cells == {}, f"left in the app database after 'forget me': {after_app.cells}"
    assert after_rasa.cells == {}, f"left in Rasa's tracker store after 'forget me': {after_rasa.cells}"
    logged = scan_logs(stack, {k: needles[k] for k in ("phone number", "their words", "link worker's words")})
    assert logged == {}, f"written to the log files: {logged}"
    if everywhere.engine == "sqlite":  # Rasa's file, free pages and write-ahead log included
        assert scan_files(stack, needles, "tracker.db*") == {}


def test_after_forget_me_on_telegram_neither_database_holds_the_chat_or_the_words(everywhere: Everywhere) -> None:
    stack, user = everywhere.stack, TelegramUser(everywhere.telegram)
    assert any("keep what you tell me" in t for t in user.say("hi"))
    assert any("What would make life a bit better" in t for t in user.say("yes"))
    assert any("postcode" in t for t in user.say(TELEGRAM_NEED))
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == str(CHAT_ID)))
        assert address is not None
        person_id, conversation_id = address.person_id, address.person.conversation_id
    telegram_needles = {"chat id": re.compile(rf"(?<!\d){CHAT_ID}(?!\d)"),
                        "person id": re.compile(re.escape(person_id), re.IGNORECASE),
                        "rasa sender id": re.compile(re.escape(conversation_id), re.IGNORECASE),
                        "their words": words("Pemberton"),
                        "their name": words(TELEGRAM_NAME, "wilhelmina_sr2")}
    before_app, before_rasa = scan(stack.database_url, telegram_needles), scan(everywhere.tracker_url, telegram_needles)
    assert before_app.tables("chat id") >= {"channel_address"}
    assert before_rasa.tables("their words") == {"events"} and before_rasa.tables("rasa sender id") == {"events"}
    assert "their name" not in before_app.cells and "their name" not in before_rasa.cells  # never stored at all

    assert any("deleted what I kept about you" in t for t in user.say("forget me"))
    after_app, after_rasa = scan(stack.database_url, telegram_needles), scan(everywhere.tracker_url, telegram_needles)
    assert after_app.cells == {}, f"left in the app database after 'forget me' on Telegram: {after_app.cells}"
    assert after_rasa.cells == {}, f"left in Rasa's tracker store after 'forget me' on Telegram: {after_rasa.cells}"
    assert scan_logs(stack, telegram_needles) == {}


def test_an_operator_erasing_someone_who_texted_stop_keeps_only_the_opt_out(everywhere: Everywhere) -> None:
    """The one thing kept: an opted-out number, so we never text it again (the suppression record).

    It is the channel address row itself (the number, `opted_out`, when) on a fresh person that
    holds nothing and whose ids appear nowhere else. `erase-person` is the operator's command.
    """
    stack = everywhere.stack
    phone = SmsPhone(everywhere.twilio, STOPPED_NUMBER)
    phone.say("hi")
    assert any("What would make life a bit better" in t for t in phone.say("1"))
    phone.say(STOPPED_NEED)
    assert any("will not get any more messages" in t for t in phone.say("STOP"))
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == STOPPED_NUMBER))
        assert address is not None and address.opted_out
        person_id, conversation_id = address.person_id, address.person.conversation_id
    needles = {"phone number": phone_pattern(STOPPED_NUMBER),
               "person id": re.compile(re.escape(person_id), re.IGNORECASE),
               "rasa sender id": re.compile(re.escape(conversation_id), re.IGNORECASE),
               "their words": words("Fothergill")}
    assert scan(everywhere.tracker_url, needles).tables("their words") == {"events"}

    erased = subprocess.run([sys.executable, "-m", "bot.cli", "erase-person", person_id], env=stack.env(),
                            capture_output=True, text=True, timeout=120)
    assert erased.returncode == 0, erased.stderr

    after_app, after_rasa = scan(stack.database_url, needles), scan(everywhere.tracker_url, needles)
    assert after_app.cells == {"phone number": ["channel_address.address"]}, after_app.cells
    assert after_rasa.cells == {}, after_rasa.cells
    with session_scope(stack.database_url) as session:
        kept = session.scalar(select(ChannelAddress).where(ChannelAddress.address == STOPPED_NUMBER))
        assert kept is not None and kept.opted_out and kept.person_id != person_id
        shell = {c.name: getattr(kept.person, c.name) for c in kept.person.__table__.columns}
    assert {k for k, v in shell.items() if v not in (None, False)} == {"id", "conversation_id", "created_at"}
    assert not any(needle.search(text) for needle in needles.values() for text in erased.stdout.splitlines())
    # And the number stays opted out: a text now is not answered.
    phone.fake.text_in(STOPPED_NUMBER, "hello again")
    assert phone.wait_for_more(timeout=8) == []

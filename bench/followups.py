"""`make bench-followups`: 10,000 due check-ins sent by one sender process, then by two at once.

What it measures is claiming and sending: the claim UPDATE that only one sender can win, the
checks before it (consent, opt-out, not mid-conversation), the outbox write. Rasa is a fake HTTP
server on 127.0.0.1 that answers trigger_intent at once, so Rasa's own time is left out (it is
measured by `make bench` and `make bench-sms`). The database is SQLite (the default) in WAL
mode, both processes writing to the same file; on PostgreSQL the same claims run with row locks.

Judged by the outbox afterwards: every check-in must have exactly one message queued (0
duplicates) and be marked sent (0 lost). Options: --check-ins N (default 10000).
Results: results/bench-followups.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

from bot.config import PROJECT_ROOT
from bot.migrate import upgrade
from bot.models import ChannelAddress, Consent, FollowUp, Goal, OutboundMessage, Person

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # a Tuesday, noon in London: inside the window


MESSAGES_PER_CHECK_IN = 2  # the fake's reply: the opening and "Did you go?"; more for one address is a duplicate


class InstantRasa:
    """Rasa's trigger_intent on 127.0.0.1, answered at once with a check-in text (HTTP/1.1, keep-alive).

    A bare asyncio server in its own thread, so the benchmark times our claiming and sending, not
    a web framework: every POST gets the same two-message reply; GET / says it is up.
    """

    REPLY = json.dumps(
        {
            "tracker": {},
            "messages": [
                {"text": "Hi, it is Community Connect. Your goal was: go to the group."},
                {
                    "text": "Did you go?",
                    "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
                },
            ],
        }
    ).encode()

    def __init__(self) -> None:
        self.port = 0
        self.requests = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> InstantRasa:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                body = self.REPLY if head.startswith(b"POST") else b"Hello from Rasa: 3.6.21"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def seed(url: str, count: int) -> None:
    """`count` people, each with consent, a goal and one check-in due just before NOW."""
    engine = create_engine(url)
    people, addresses, consents, goals, follow_ups = [], [], [], [], []
    for n in range(count):
        pid, keep, follow, goal = (str(uuid.uuid4()) for _ in range(4))
        people.append({"id": pid, "conversation_id": str(uuid.uuid4()), "created_at": NOW, "consent_to_keep": True})
        addresses.append(
            {
                "id": str(uuid.uuid4()),
                "person_id": pid,
                "channel": "sms",
                "address": f"+4477{n:09d}",
                "opted_out": False,
                "created_at": NOW,
            }
        )
        for cid, purpose in ((keep, "keep_data"), (follow, "follow_up")):
            consents.append(
                {
                    "id": cid,
                    "person_id": pid,
                    "purpose": purpose,
                    "given": True,
                    "wording": "bench",
                    "channel": "sms",
                    "created_at": NOW,
                }
            )
        goals.append(
            {
                "id": goal,
                "person_id": pid,
                "consent_id": keep,
                "text": "go to the group",
                "status": "open",
                "created_at": NOW,
            }
        )
        follow_ups.append(
            {
                "id": str(uuid.uuid4()),
                "person_id": pid,
                "goal_id": goal,
                "consent_id": follow,
                "sequence": 1,
                "due_on": NOW.date(),
                "due_at": NOW - timedelta(seconds=count - n),
                "status": "scheduled",
                "attempts": 0,
            }
        )
    with engine.begin() as conn:
        for model, rows in (
            (Person, people),
            (ChannelAddress, addresses),
            (Consent, consents),
            (Goal, goals),
            (FollowUp, follow_ups),
        ):
            for i in range(0, len(rows), 2000):
                conn.execute(insert(model), rows[i : i + 2000])
    engine.dispose()


def worker(url: str, rasa_url: str, name: str) -> None:
    """One sender process: one scheduler round at NOW, which takes every due check-in it can claim."""
    from bot.db import session_factory
    from bot.dialogue.rasa_client import RasaClient
    from bot.jobs.followups import FollowUpScheduler

    async def go() -> int:
        rasa = RasaClient(rasa_url, 30.0)
        try:
            return await FollowUpScheduler(session_factory(url), rasa, interval_seconds=60, sender_name=name).send_due(
                NOW
            )
        finally:
            await rasa.close()

    sent = asyncio.run(go())
    print(json.dumps({"worker": name, "sent": sent}))


def run(template: Path, work: Path, rasa_url: str, senders: int) -> dict[str, object]:
    db = work / f"senders-{senders}.db"
    shutil.copy(template, db)
    url = f"sqlite:///{db}"
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.followups", "--worker", url, rasa_url, f"s{i}"],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(senders)
    ]
    reported = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    elapsed = time.perf_counter() - started
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(FollowUp)) or 0
        sent = conn.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.status == "sent")) or 0
        per_address = (
            select(OutboundMessage.address_id, func.count().label("n")).group_by(OutboundMessage.address_id).subquery()
        )
        duplicates = conn.scalar(select(func.count()).select_from(per_address).where(per_address.c.n > MESSAGES_PER_CHECK_IN)) or 0
        messaged = conn.scalar(select(func.count()).select_from(per_address)) or 0
    engine.dispose()
    return {
        "senders": senders,
        "check_ins": total,
        "sent": sent,
        "duplicates": duplicates,
        "lost": total - messaged,
        "not_marked_sent": total - sent,
        "seconds": round(elapsed, 1),
        "per_second": round(total / elapsed, 1),
        "sent_by_each": [r["sent"] for r in reported],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-ins", type=int, default=10_000)
    parser.add_argument("--worker", nargs=3, metavar=("DATABASE_URL", "RASA_URL", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    fake = InstantRasa().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            template = work / "template.db"
            upgrade(f"sqlite:///{template}")
            seed(f"sqlite:///{template}", args.check_ins)
            results = [run(template, work, fake.url, senders) for senders in (1, 2)]
    finally:
        fake.stop()
    one, two = results
    summary = {
        "what": (
            "due check-ins claimed and sent; fake Rasa on 127.0.0.1 (instant), SQLite WAL, "
            "one scheduler round per process"
        ),
        "runs": results,
        "two_against_one": round(two["seconds"] / one["seconds"], 2) if one["seconds"] else None,
        "ok": all(r["duplicates"] == 0 and r["lost"] == 0 and r["not_marked_sent"] == 0 for r in results),
    }
    out = PROJECT_ROOT / "results" / "bench-followups.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

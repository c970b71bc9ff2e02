"""`make bench-overhead`: what the application itself costs per turn, with Rasa taken out.

`make bench` and `make bench-sms` time the whole path next to Rasa's REST channel, so on a
shared 2-core machine their ratios move with the neighbours' load. This measures the app alone:
it runs in its own process against a fake Rasa that answers at once (two messages, the second
with two options, as a typical turn), and the figure is the app process's CPU time per turn
(user + system, from /proc), which a neighbour's load hardly changes. The app's idle CPU (the
outbox and sweeper polling) is measured first and taken off.

Paths: web chat (the page's POST until its reply) and SMS (a signed webhook from the fake Twilio
until both reply parts reach the fake phone, with Twilio's status callbacks, two per part, coming
back as they do in production). Options: --turns N (default 300), --only webchat|sms (one path,
so a profile shows that path alone), --profile DIR (the app runs under bot/devtools/profiling.py:
its stacks and every SQL statement's time, by caller; PROFILE_CLOCK=cpu samples on CPU time).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.run import cpu_seconds, percentile
from bench.sms import ACCOUNT, OUR_NUMBER, TOKEN
from bot.devtools.stack import Stack, free_port
from bot.migrate import upgrade
from tests.fakes.rasa import FakeRasa
from tests.fakes.twilio import FakeTwilio

REPLY = [{"text": "Hello there."}, {"text": "Pick one", "buttons": [{"title": "A", "payload": "/affirm"},
                                                                     {"title": "B", "payload": "/deny"}]}]
WARM_UP = 30


def measure(pid: int, turn: Callable[[], float], turns: int) -> tuple[float, list[float]]:
    """(app CPU ms per turn, each turn's wall time in ms)."""
    for _ in range(WARM_UP):
        turn()
    time.sleep(1.0)
    idle_from = cpu_seconds(pid)
    time.sleep(2.0)
    idle_per_second = (cpu_seconds(pid) - idle_from) / 2.0
    started_cpu, started = cpu_seconds(pid), time.perf_counter()
    walls = [turn() for _ in range(turns)]
    time.sleep(0.6)  # the last turn's outbox work and callbacks
    seconds = time.perf_counter() - started
    return 1000 * (cpu_seconds(pid) - started_cpu - idle_per_second * seconds) / turns, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--only", choices=["webchat", "sms"], default=None)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    rasa = FakeRasa()
    rasa.server.start()
    rasa.replies["hello"] = REPLY
    twilio = FakeTwilio(ACCOUNT, TOKEN)
    twilio.server.start()
    root = Path(tempfile.mkdtemp(prefix="cc-bench-overhead-"))
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    twilio.public_url = twilio.app_url = app_url
    stack = Stack(root / "logs", database_url, root / "tracker.db", profile_dir=args.profile)
    results: dict[str, tuple[float, list[float]]] = {}
    try:
        stack.start_app(
            port, RASA_URL=rasa.url, LOG_LEVEL="INFO", RATE_LIMIT_PER_MINUTE="100000", PUBLIC_URL=app_url,
            TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM_NUMBER=OUR_NUMBER, TWILIO_API_BASE=twilio.url,
        )
        stack.wait_ready("app")
        pid = stack.services["app"].process.pid
        if args.only != "sms":
            with httpx.Client(base_url=app_url, timeout=30) as client:
                client.get("/chat")

                def webchat_turn() -> float:
                    started = time.perf_counter()
                    r = client.post("/chat/api/messages", json={"text": "hello", "client_id": uuid.uuid4().hex},
                                    headers={"X-Webchat": "1"})
                    r.raise_for_status()
                    assert len(r.json()["messages"]) == len(REPLY)
                    return (time.perf_counter() - started) * 1000

                results["web chat"] = measure(pid, webchat_turn, args.turns)

        if args.only != "webchat":
            number = "+447700900123"

            def sms_turn() -> float:
                before = len(twilio.received(number))
                started = time.perf_counter()
                assert twilio.text_in(number, "hello").status_code == 200
                assert twilio.wait_received(number, before + len(REPLY), 30)
                return (time.perf_counter() - started) * 1000

            results["SMS"] = measure(pid, sms_turn, args.turns)
    finally:
        stack.stop()
        rasa.server.stop()
        twilio.server.stop()
    print(f"\nApplication cost per turn, Rasa answering at once ({args.turns} turns each, one after another)")
    print(f"  {'path':<12}{'app CPU ms':>12}{'wall p50 ms':>13}{'wall p95 ms':>13}{'wall max ms':>13}{'wall mean ms':>14}")
    for name, (cpu, walls) in results.items():
        print(f"  {name:<12}{cpu:>12.1f}{percentile(walls, 50):>13.1f}{percentile(walls, 95):>13.1f}{max(walls):>13.1f}"
              f"{statistics.mean(walls):>14.1f}")
    print("  (SMS: until both parts reach the phone; its CPU includes Twilio's four status callbacks)")
    if args.profile:
        print(f"  app profile: {args.profile / 'summary.txt'}, SQL: {args.profile / 'sql.txt'}")


if __name__ == "__main__":
    main()

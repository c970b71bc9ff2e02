"""`make bench-sms`: simulated residents texting over the SMS path end to end, next to Rasa's own
REST channel on the same model in the same run.

SMS path: fake Twilio (127.0.0.1) signs and posts each inbound text to the app's real webhook;
the app stores it, runs the gateway, calls the real Rasa and action server, and sends the reply
through the real `twilio` client back to the fake Twilio. Latency is from the inbound POST to the
first reply part reaching the "phone". Options: --residents N (default 50).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bench.run import percentile
from bot.db import session_scope
from bot.devtools.demo import load_demo_data
from bot.devtools.stack import Stack, free_port
from bot.devtools.training import ensure_model
from bot.migrate import upgrade
from tests.fakes.twilio import FakeTwilio

SCRIPT = ["hi", "1", "I would like to meet people", "SR2 8PN", "no", "1", "ok", "4"]
ACCOUNT, TOKEN, OUR_NUMBER = "AC" + "0" * 32, "bench-auth-token-0123456789", "+447700900000"


def sms_resident(fake: FakeTwilio, number: str, out: list[float], errors: list[str]) -> None:
    for text in SCRIPT:
        before = len(fake.received(number))
        started = time.perf_counter()
        if fake.text_in(number, text).status_code != 200:
            errors.append("webhook refused")
            return
        deadline = started + 60
        while len(fake.received(number)) == before:
            if time.perf_counter() > deadline:
                errors.append("no reply within 60s")
                return
            time.sleep(0.05)
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(0.3)  # let the rest of the turn's parts arrive before the next text


def rest_resident(rasa_url: str, out: list[float]) -> None:
    payloads = {1: "/affirm", 5: '/choose_option{"number": "1"}', 7: "/deny"}
    sender = uuid.uuid4().hex
    with httpx.Client(timeout=60) as client:
        for i, text in enumerate(SCRIPT):
            started = time.perf_counter()
            client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": payloads.get(i, text)}).raise_for_status()
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)


def run_all(target, args_list) -> float:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, args=a) for a in args_list]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    args = parser.parse_args()
    model, _ = ensure_model()
    root = Path(tempfile.mkdtemp(prefix="cc-bench-sms-"))
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    fake = FakeTwilio(ACCOUNT, TOKEN)
    fake.server.start()
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    fake.public_url = fake.app_url = app_url
    stack = Stack(root / "logs", database_url, root / "tracker.db")
    try:
        stack.start_actions()
        stack.wait_ready("actions")
        stack.start_rasa(model)
        stack.start_app(
            port, LOG_LEVEL="WARNING", RATE_LIMIT_PER_MINUTE="1000", PUBLIC_URL=app_url, TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM_NUMBER=OUR_NUMBER, TWILIO_API_BASE=fake.url,
        )
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app")
        sms: list[float] = []
        rest: list[float] = []
        errors: list[str] = []
        numbers = [f"+4477009{n:05d}" for n in range(args.residents)]
        sms_wall = run_all(sms_resident, [(fake, n, sms, errors) for n in numbers])
        rest_wall = run_all(rest_resident, [(stack.services["rasa"].url, rest) for _ in numbers])
    finally:
        stack.stop()
        fake.server.stop()

    total = args.residents * len(SCRIPT)
    print(f"\nSMS path benchmark: {args.residents} residents x {len(SCRIPT)} texts, all at once")
    print(f"  answered: {len(sms)}/{total} over SMS, errors: {len(errors)} {sorted(set(errors))}")
    print(f"  {'path':<30}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'msg/s':>8}")
    for name, values, wall in (("SMS via gateway + Twilio", sms, sms_wall), ("Rasa REST channel", rest, rest_wall)):
        print(f"  {name:<30}{percentile(values, 50):>10.1f}{percentile(values, 95):>10.1f}"
              f"{statistics.mean(values):>10.1f}{len(values) / wall:>8.1f}")
    print(f"  ratio SMS/REST: p50 {percentile(sms, 50) / percentile(rest, 50):.2f}x, p95 {percentile(sms, 95) / percentile(rest, 95):.2f}x")


if __name__ == "__main__":
    main()

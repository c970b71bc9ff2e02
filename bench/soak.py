"""`make bench-soak`: texts at a steady rate for a long while; nothing may fail and no memory may grow.

The stack is the scaled one (`bot.devtools.scaled.start_scaled`: two app processes, two Rasa
servers, the action server, PostgreSQL and Redis; `--stack scaled`, the default) or the
single-process SQLite one (`--stack single`, what `make run` starts). A fake Twilio on 127.0.0.1
stands in for Twilio and for the proxy in front of the apps. New residents start at a steady rate,
each texting the benchmark's script (bench/sms.py) with a pause between texts, so texts arrive
at about `--rate` a second however fast the stack answers (an open loop: a slow stack does not
slow the load down).

Printed at the end: errors (a webhook refused, a text not answered within a minute, any message
left unanswered or failed in the database, and ERROR lines in the processes' logs), throughput
and latency (from the inbound POST to the first reply part at the phone, p50/p95), and the
resident memory (RSS, from /proc) of every process at the start, middle and end of the soak, with
the growth between the middle and the end: after warm-up, a leak shows as growth there.

  python -m bench.soak --minutes 10 --rate 2 [--stack single]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.run import percentile, rss_mb
from bench.sms import ACCOUNT, OUR_NUMBER, SCRIPT, TOKEN
from bot.db import dispose_engines, session_scope
from bot.devtools.stack import Stack, free_port
from bot.models import ChannelAddress, InboundMessage, OutboundMessage
from tests.fakes.twilio import FakeTwilio

PUBLIC_URL = "https://connect.example.org"  # the proxy the apps sit behind
REPLY_WITHIN = 60.0  # seconds: a text not answered by then is an error
PAUSE = 2.0  # seconds a resident takes to read a reply and type the next text
SAMPLE_EVERY = 10.0  # seconds between memory samples


@dataclass
class Running:
    """What the soak drives: the processes by name, the database, and how to stop it all."""

    stack: Stack
    database_url: str
    pids: Callable[[], dict[str, int]]
    stop: Callable[[], None]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


def _app_env(fake: FakeTwilio, public_url: str) -> dict[str, str]:
    return {
        "PUBLIC_URL": public_url, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER, "TWILIO_API_BASE": fake.url, "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_MINUTE": "1000",
    }


def start_scaled_stack(model: Path, fake: FakeTwilio) -> Running:
    from bot.devtools.scaled import start_scaled

    scaled = start_scaled(model, logs=Path(tempfile.mkdtemp(prefix="cc-soak-scaled-")), app_env=_app_env(fake, PUBLIC_URL))
    fake.public_url = PUBLIC_URL
    fake.app_urls = [scaled.url(name) for name in scaled.apps]

    def pids() -> dict[str, int]:
        found = {name: service.process.pid for name, service in scaled.stack.services.items()}
        for name, process in (("postgres", scaled.postgres.process), ("redis", scaled.redis.process)):
            if process is not None:
                found[name] = process.pid  # PostgreSQL's figure includes its backends (one per connection)
        return found

    return Running(scaled.stack, scaled.database_url, pids, scaled.stop)


def start_single_stack(model: Path, fake: FakeTwilio) -> Running:
    from bot.devtools.demo import load_demo_data
    from bot.migrate import upgrade

    root = Path(tempfile.mkdtemp(prefix="cc-soak-single-"))
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    fake.public_url = fake.app_url = app_url
    stack = Stack(root / "logs", database_url, root / "tracker.db")
    try:
        stack.start_actions()
        stack.wait_ready("actions")
        stack.start_rasa(model)
        stack.start_app(port, **_app_env(fake, app_url))
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app")
    except BaseException:
        stack.stop()
        raise

    def stop() -> None:
        stack.stop()
        dispose_engines()

    return Running(stack, database_url, lambda: {n: s.process.pid for n, s in stack.services.items()}, stop)


STACKS = {"scaled": start_scaled_stack, "single": start_single_stack}


@contextmanager
def running(kind: str) -> Iterator[tuple[Running, FakeTwilio]]:
    from bot.devtools.training import ensure_model

    model, _ = ensure_model()
    fake = FakeTwilio(ACCOUNT, TOKEN)
    fake.server.start()
    try:
        stack = STACKS[kind](model, fake)
        try:
            yield stack, fake
        finally:
            stack.stop()
    finally:
        fake.server.stop()


def resident(fake: FakeTwilio, number: str, results: Results) -> None:
    """One phone: the script, each text once the last was answered (or given up on)."""
    for words in SCRIPT:
        before = len(fake.received(number))
        started = time.perf_counter()
        try:
            status = fake.text_in(number, words).status_code
        except Exception as exc:  # noqa: BLE001 - any failure to hand a text over is an error
            results.error(f"webhook {type(exc).__name__}")
            return
        if status != 200:
            results.error(f"webhook {status}")
            return
        while len(fake.received(number)) == before:
            if time.perf_counter() - started > REPLY_WITHIN:
                results.error(f"no reply within {REPLY_WITHIN:.0f}s")
                return
            time.sleep(0.05)
        with results.lock:
            results.latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(PAUSE)


def memory(pids: dict[str, int]) -> dict[str, float]:
    found: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            found[name] = rss_mb(pid)
        except (FileNotFoundError, ProcessLookupError):  # a process (or a child) ended between looks
            found[name] = float("nan")
    return found


# Rasa 3.6 logs at ERROR that a button payload's JSON ("/choose_checkin{...}") is not a slot to fill
# in; the response is sent unchanged. Counted apart, so a real error is not lost among them.
RASA_NOTICES = ("interpolator.interpolate.text",)


def log_errors(stack: Stack, since: dict[str, int]) -> tuple[Counter[str], Counter[str]]:
    """ERROR lines each process wrote since `since` (byte offsets into the logs): errors, and notices."""
    found: Counter[str] = Counter()
    notices: Counter[str] = Counter()
    for name, service in stack.services.items():
        with open(service.log_path, "rb") as log:
            log.seek(since.get(name, 0))
            for raw in log:
                line = raw.decode("utf-8", "replace")
                if any(notice in line for notice in RASA_NOTICES):
                    notices[name] += 1
                    continue
                if line.startswith("{"):
                    try:
                        if json.loads(line).get("level") in ("ERROR", "CRITICAL"):
                            found[name] += 1
                    except ValueError:
                        pass
                elif " ERROR " in line or line.startswith(("ERROR", "Traceback")):
                    found[name] += 1
    return found, notices


def unfinished(database_url: str, numbers: list[str]) -> Counter[str]:
    """Texts not answered and replies not handed over, for the soak's own phones."""
    with session_scope(database_url) as session:
        ours = select(ChannelAddress.id).where(ChannelAddress.address.in_(numbers))
        inbound: dict[str, int] = {status: count for status, count in session.execute(
            select(InboundMessage.status, func.count()).where(InboundMessage.address_id.in_(ours))
            .group_by(InboundMessage.status))}
        outbound: dict[str, int] = {status: count for status, count in session.execute(
            select(OutboundMessage.status, func.count()).where(OutboundMessage.address_id.in_(ours))
            .group_by(OutboundMessage.status))}
    left: Counter[str] = Counter()
    for status, count in inbound.items():
        if status != "done":
            left[f"text {status}"] += count
    for status, count in outbound.items():
        if status not in ("sent", "delivered"):
            left[f"reply {status}"] += count
    return left


def soak(stack: Running, fake: FakeTwilio, minutes: float, rate: float) -> dict[str, object]:
    results = Results()
    offsets = {name: service.log_path.stat().st_size for name, service in stack.stack.services.items()}
    samples: list[tuple[float, dict[str, float]]] = []
    done = threading.Event()

    def sample() -> None:
        while True:
            samples.append((time.monotonic(), memory(stack.pids())))
            if done.wait(SAMPLE_EVERY):
                samples.append((time.monotonic(), memory(stack.pids())))
                return

    sampler = threading.Thread(target=sample, daemon=True)
    numbers: list[str] = []
    threads: list[threading.Thread] = []
    every = len(SCRIPT) / rate  # a new resident this often keeps `rate` texts a second coming
    started = time.monotonic()
    sampler.start()
    while time.monotonic() - started < minutes * 60:
        number = f"+4477006{len(numbers):05d}"
        numbers.append(number)
        thread = threading.Thread(target=resident, args=(fake, number, results), daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(max(0.0, started + len(numbers) * every - time.monotonic()))
    for thread in threads:
        thread.join(timeout=len(SCRIPT) * (REPLY_WITHIN + PAUSE))
    wall = time.monotonic() - started
    done.set()
    sampler.join(timeout=30)
    time.sleep(5)  # the last replies' delivery receipts
    left = unfinished(stack.database_url, numbers)
    logged, notices = log_errors(stack.stack, offsets)
    return {"results": results, "samples": samples, "numbers": numbers, "wall": wall, "left": left, "logged": logged,
            "notices": notices}


def report(kind: str, minutes: float, rate: float, outcome: dict[str, object]) -> int:
    results: Results = outcome["results"]  # type: ignore[assignment]
    samples: list[tuple[float, dict[str, float]]] = outcome["samples"]  # type: ignore[assignment]
    numbers: list[str] = outcome["numbers"]  # type: ignore[assignment]
    wall: float = outcome["wall"]  # type: ignore[assignment]
    left: Counter[str] = outcome["left"]  # type: ignore[assignment]
    logged: Counter[str] = outcome["logged"]  # type: ignore[assignment]
    latencies = results.latencies
    sent = len(numbers) * len(SCRIPT)
    errors = sum(results.errors.values()) + sum(left.values()) + sum(logged.values())
    print(f"\nSoak of the {kind} stack: {minutes:g} min at {rate:g} texts/s ({len(numbers)} residents x {len(SCRIPT)} texts)")
    print(f"  answered {len(latencies)}/{sent} texts in {wall:.0f}s: {len(latencies) / wall:.2f} answers/s")
    if latencies:
        print(f"  latency ms: p50 {percentile(latencies, 50):.0f}  p95 {percentile(latencies, 95):.0f}  "
              f"mean {statistics.mean(latencies):.0f}  max {max(latencies):.0f}")
    print(f"  errors: {errors}  at the phones {dict(results.errors)}  in the database {dict(left)}  "
          f"logged {dict(logged)}")
    notices: Counter[str] = outcome.get("notices") or Counter()  # type: ignore[assignment]
    if notices:
        print(f"  Rasa's interpolator notices (logged at ERROR, response sent unchanged; not errors): {dict(notices)}")
    if samples:
        first, middle, last = samples[0][1], samples[len(samples) // 2][1], samples[-1][1]
        print(f"  memory (RSS MB, {len(samples)} samples every {SAMPLE_EVERY:.0f}s)")
        print(f"  {'process':<10}{'start':>9}{'middle':>9}{'end':>9}{'max':>9}{'middle->end':>13}")
        for name in first:
            peak = max(s[1].get(name, 0.0) for s in samples)
            growth = last.get(name, 0.0) - middle.get(name, 0.0)
            print(f"  {name:<10}{first[name]:>9.0f}{middle.get(name, 0.0):>9.0f}{last.get(name, 0.0):>9.0f}"
                  f"{peak:>9.0f}{growth:>+12.1f}")
    return 0 if errors == 0 and len(latencies) == sent else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2.0, help="texts a second, steadily (default 2)")
    parser.add_argument("--stack", choices=sorted(STACKS), default="scaled")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the stack on the way out
    with running(args.stack) as (stack, fake):
        outcome = soak(stack, fake, args.minutes, args.rate)
    return report(args.stack, args.minutes, args.rate, outcome)


if __name__ == "__main__":
    raise SystemExit(main())

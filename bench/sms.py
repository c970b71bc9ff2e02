"""`make bench-sms`: simulated residents texting over the SMS path end to end, next to Rasa's own
REST channel on the same model in the same run.

SMS path: fake Twilio (127.0.0.1) signs and posts each inbound text to the app's real webhook;
the app stores it, runs the gateway, calls the real Rasa and action server, and sends the reply
through the real `twilio` client back to the fake Twilio. Latency is from the inbound POST to the
first reply part reaching the "phone" (the fake wakes the resident as the send lands, so no
polling interval is counted). The REST path sends the same script straight to Rasa's REST channel,
as the gateway would (bench/rest_baseline.py: a resident in the records, numbers mapped to the options offered).

Both paths are warmed up first, then each round runs the SMS burst and the REST burst one after
the other (the order swaps each round), so a neighbour's load on a shared machine falls on both.
Printed: answered texts, p50/p95/mean, throughput, and the worst-off person (whose replies were
slowest on average, and the longest single wait), each next to Rasa REST.

Options: --residents N (default 50), --rounds R (default 1), --profile DIR (the app runs under the
sampling profiler, bot/devtools/profiling.py, and writes its summary there).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.rest_baseline import RestResident
from bench.run import PROCESSES, cpu_seconds, percentile
from bot.db import session_scope
from bot.devtools.demo import load_demo_data
from bot.devtools.stack import Stack, free_port
from bot.devtools.training import ensure_model
from bot.gateway.messages import HOLDING
from bot.migrate import upgrade
from tests.fakes.twilio import FakeTwilio

SCRIPT = ["hi", "1", "I would like to meet people", "SR2 8PN", "no", "1", "ok", "4"]
ACCOUNT, TOKEN, OUR_NUMBER = "AC" + "0" * 32, "bench-auth-token-0123456789", "+447700900000"
PAUSE = 0.3  # a resident's pause after a reply: lets the rest of the turn's parts arrive first
WAIT = 60.0  # a reply later than this is late: counted and printed for both paths
# Neither path gives up before this. A resident who gave up at 60 s took their remaining texts out
# of the burst, which lightened the load on the others and left only the quicker waits in that
# path's figures (at 200 residents, 75 REST residents gave up, and REST looked faster than it was).
GIVE_UP = 600.0


def sms_resident(fake: FakeTwilio, number: str, out: list[float], errors: list[str]) -> None:
    for text in SCRIPT:
        before = len(fake.received(number))
        started = time.perf_counter()
        if fake.text_in(number, text).status_code != 200:
            errors.append("webhook refused")
            return
        if not _wait_for_answer(fake, number, before, started + GIVE_UP):
            errors.append(f"no reply within {GIVE_UP:.0f}s")
            return
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(PAUSE)


def _wait_for_answer(fake: FakeTwilio, number: str, before: int, deadline: float) -> bool:
    """Until a text other than the holding reply ("one moment") arrives: that is not the answer."""
    count = before + 1
    while fake.wait_received(number, count, max(deadline - time.perf_counter(), 0.0)):
        if any(body != HOLDING for body in fake.received(number)[before:]):
            return True
        count += 1
    return False


def rest_resident(rasa_url: str, database_url: str, out: list[float], errors: list[str] | None = None) -> None:
    """The same script straight to Rasa's REST channel, as the gateway would send it (bench/rest_baseline.py).
    A failed request ends this resident's script, and is counted in `errors` when given."""
    resident = RestResident(rasa_url, database_url, timeout=GIVE_UP)
    with httpx.Client(timeout=GIVE_UP) as client:
        for text in SCRIPT:
            try:
                out.append(resident.send(client, text))
            except httpx.HTTPError as exc:
                if errors is None:
                    raise
                errors.append(type(exc).__name__)
                return
            time.sleep(PAUSE)


def run_all(target, args_list) -> float:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, args=a) for a in args_list]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


class Figures:
    """One path's figures over every round: each resident's latencies, the wall time, and the CPU
    each process used during its bursts (a neighbour's load on a shared machine does not change
    how much CPU a text costs, so this is the steadier figure)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.people: list[list[float]] = []
        self.wall = 0.0
        self.cpu: dict[str, float] = {}

    def cpu_row(self) -> str:
        n = len(self.values) or 1
        return f"  {self.name:<28}" + "".join(f"{1000 * self.cpu.get(name, 0.0) / n:>9.1f}" for name in PROCESSES)

    def late(self, seconds: float) -> int:
        return sum(1 for v in self.values if v > seconds * 1000)

    @property
    def values(self) -> list[float]:
        return [v for person in self.people for v in person]

    def row(self) -> str:
        values = self.values
        if not values:
            return f"  {self.name:<28}{'-':>9}{'-':>9}{'-':>9}{0.0:>7.1f}{'-':>10}{'-':>10}"
        means = [statistics.mean(p) for p in self.people if p]
        longest = max(max(p) for p in self.people if p)
        return (f"  {self.name:<28}{percentile(values, 50):>9.0f}{percentile(values, 95):>9.0f}"
                f"{statistics.mean(values):>9.0f}{len(values) / self.wall:>7.1f}{max(means):>10.0f}{longest:>10.0f}")


def burst(path: Figures, target, args_for, pids: dict[str, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    """One burst: every resident at once; `args_for(person)` gives a resident's arguments, `person`
    being the list its latencies go into. `pids`: the processes whose CPU to count."""
    people: list[list[float]] = [[] for _ in args_for]
    pids = pids or {}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    path.wall += run_all(target, [make(person) for make, person in zip(args_for, people, strict=True)])
    for name, pid in pids.items():
        path.cpu[name] = path.cpu.get(name, 0.0) + cpu_seconds(pid) - before[name]
    path.people += people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None, help="profile the app process into this folder")
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
    stack = Stack(root / "logs", database_url, root / "tracker.db", profile_dir=args.profile)
    sms, rest = Figures("SMS via gateway + Twilio"), Figures("Rasa REST channel")
    errors: list[str] = []
    rest_errors: list[str] = []
    texted: list[str] = []
    try:
        stack.start_actions()
        stack.wait_ready("actions")
        stack.start_rasa(model)
        stack.start_app(
            port, LOG_LEVEL="WARNING", RATE_LIMIT_PER_MINUTE="1000", PUBLIC_URL=app_url,
            TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM_NUMBER=OUR_NUMBER, TWILIO_API_BASE=fake.url,
        )
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app")
        rasa_url = stack.services["rasa"].url
        sms_resident(fake, "+447700899999", [], [])  # warm-up: first requests load models and caches
        rest_resident(rasa_url, database_url, [])
        for round_ in range(args.rounds):
            numbers = [f"+4477{round_ % 10}{n:07d}" for n in range(args.residents)]
            texted += numbers
            runs = [(sms, sms_resident, [lambda p, n=n: (fake, n, p, errors) for n in numbers]),
                    (rest, rest_resident, [lambda p: (rasa_url, database_url, p, rest_errors) for _ in numbers])]
            pids = {name: stack.services[name].process.pid for name in PROCESSES}
            for path, target, args_for in runs if round_ % 2 == 0 else reversed(runs):
                burst(path, target, args_for, pids)
    finally:
        stack.stop()
        fake.server.stop()

    total = args.residents * len(SCRIPT) * args.rounds
    print(f"\nSMS path benchmark: {args.residents} residents x {len(SCRIPT)} texts, all at once, {args.rounds} round(s)")
    print(f"  answered: {len(sms.values)}/{total} over SMS ({sms.late(WAIT)} after more than {WAIT:.0f} s), "
          f"errors: {len(errors)} {sorted(set(errors))}; "
          f"holding replies (not counted as answers): {sum(fake.received(n).count(HOLDING) for n in texted)}")
    print(f"  answered: {len(rest.values)}/{total} over Rasa REST ({rest.late(WAIT)} after more than {WAIT:.0f} s), "
          f"errors: {len(rest_errors)} {sorted(set(rest_errors))}")
    print(f"  {'path':<28}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'msg/s':>7}{'worst mean':>11}{'longest':>9}")
    print(sms.row())
    print(rest.row())
    if sms.values and rest.values:
        s, r = sms.values, rest.values
        print(f"  ratio SMS/REST: p50 {percentile(s, 50) / percentile(r, 50):.2f}x, p95 {percentile(s, 95) / percentile(r, 95):.2f}x, "
              f"throughput {(len(s) / sms.wall) / (len(r) / rest.wall):.2f}x")
    print("  (worst mean: the worst-off person's average wait; longest: the longest single wait)")
    print(f"  {'CPU ms per answered text':<28}" + "".join(f"{name:>9}" for name in PROCESSES))
    print(sms.cpu_row())
    print(rest.cpu_row())
    if args.profile:
        print(f"  app profile: {args.profile / 'summary.txt'}")


if __name__ == "__main__":
    main()

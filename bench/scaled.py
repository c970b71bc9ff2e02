"""`make bench-scaled`: the scaled stack (two app processes, two Rasa servers, PostgreSQL, Redis)
under a burst of SMS residents, next to Rasa's own REST channel on the same model and servers in
the same run.

The stack is `bot.devtools.scaled.start_scaled`, what `make run-scaled` starts. A fake Twilio on
127.0.0.1 posts each resident's texts to the two apps in turn (as a proxy would) and receives the
replies from the apps' real twilio clients; latency is from the inbound POST to the first reply
part reaching the phone (bench/sms.py, reused). REST residents are spread over both Rasa servers.

Options: --residents N (default 200). The soak at a steady rate is `make bench-soak` (bench/soak.py).
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

from bench.run import percentile
from bench.sms import ACCOUNT, OUR_NUMBER, SCRIPT, TOKEN, rest_resident, run_all, sms_resident
from bot.devtools.scaled import ScaledStack, start_scaled
from bot.devtools.training import ensure_model
from tests.fakes.twilio import FakeTwilio

PUBLIC_URL = "https://connect.example.org"  # the proxy both apps sit behind


def _row(name: str, values: list[float], wall: float) -> str:
    if not values:
        return f"  {name:<34}{'-':>10}{'-':>10}{'-':>10}{0.0:>8.1f}"
    return (f"  {name:<34}{percentile(values, 50):>10.1f}{percentile(values, 95):>10.1f}"
            f"{statistics.mean(values):>10.1f}{len(values) / wall:>8.1f}")


def _rest(rasa_url: str, database_url: str, out: list[float], errors: list[str]) -> None:
    """bench/sms.py's REST resident, its failures counted rather than lost in a thread."""
    try:
        rest_resident(rasa_url, database_url, out)
    except httpx.HTTPError as exc:
        errors.append(type(exc).__name__)


def burst(scaled: ScaledStack, fake: FakeTwilio, residents: int) -> None:
    sms: list[float] = []
    rest: list[float] = []
    errors: list[str] = []
    rest_errors: list[str] = []
    numbers = [f"+4477008{n:05d}" for n in range(residents)]
    sms_wall = run_all(sms_resident, [(fake, n, sms, errors) for n in numbers])
    rasa_urls = [scaled.url(name) for name in scaled.rasas]
    rest_wall = run_all(_rest, [(rasa_urls[i % len(rasa_urls)], scaled.database_url, rest, rest_errors) for i in range(residents)])
    total = residents * len(SCRIPT)
    print(f"\nScaled stack ({len(scaled.apps)} apps, {len(scaled.rasas)} Rasa servers, PostgreSQL, Redis): "
          f"{residents} residents x {len(SCRIPT)} texts, all at once")
    print(f"  answered: {len(sms)}/{total} over SMS, errors: {len(errors)} {sorted(set(errors))}")
    print(f"  answered: {len(rest)}/{total} over Rasa's REST channel, errors: {len(rest_errors)} {sorted(set(rest_errors))}")
    print(f"  {'path':<34}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'msg/s':>8}")
    print(_row("SMS via 2 apps + Twilio", sms, sms_wall))
    print(_row(f"Rasa REST channel ({len(rasa_urls)} servers)", rest, rest_wall))
    if sms and rest:
        print(f"  ratio SMS/REST: p50 {percentile(sms, 50) / percentile(rest, 50):.2f}x, "
              f"p95 {percentile(sms, 95) / percentile(rest, 95):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    args = parser.parse_args()
    model, _ = ensure_model()
    fake = FakeTwilio(ACCOUNT, TOKEN)
    fake.server.start()
    env = {
        "PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER, "TWILIO_API_BASE": fake.url, "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_MINUTE": "1000",
        # The app waits for Rasa as long as the REST residents do (bench/sms.py: 60 s), so both paths
        # meet a slow Rasa alike; a shorter wait would cancel turns and repeat them (docs/deployment.md).
        "RASA_TIMEOUT_SECONDS": "60",
    }
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the stack on the way out
    scaled = start_scaled(model, logs=Path(tempfile.mkdtemp(prefix="cc-bench-scaled-")), app_env=env)
    fake.public_url = PUBLIC_URL
    fake.app_urls = [scaled.url(name) for name in scaled.apps]
    try:
        burst(scaled, fake, args.residents)
    finally:
        scaled.stop()
        fake.server.stop()


if __name__ == "__main__":
    main()

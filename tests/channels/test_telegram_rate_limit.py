"""The Telegram send limiter: one chat is spaced out, different chats are not held up by it.

Real time, so the bounds are wide: a lower bound is what the limiter guarantees (a sleep never
ends early), and an upper bound sits far from the spacing it tells apart, so a loaded machine's
late wake-ups do not fail it but a limiter that spaced the wrong thing would.
"""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram import SendRateLimiter


def _send_times(limiter: SendRateLimiter, chats: list[str]) -> list[float]:
    async def run() -> list[float]:
        start, times = time.monotonic(), []
        for chat in chats:
            await limiter.wait(chat)
            times.append(time.monotonic() - start)
        return times

    return asyncio.run(run())


def test_one_chat_gets_at_most_one_message_per_interval() -> None:
    times = _send_times(SendRateLimiter(per_chat=0.6, per_second=100), ["a", "a", "a"])

    assert times[0] < 0.3  # the first message does not wait for a spacing of its own
    assert all(later - earlier >= 0.59 for earlier, later in zip(times, times[1:], strict=False))


def test_many_chats_share_the_overall_rate_but_do_not_wait_on_each_other() -> None:
    times = _send_times(SendRateLimiter(per_chat=5.0, per_second=50), [f"chat{i}" for i in range(6)])

    assert all(later - earlier >= 0.019 for earlier, later in zip(times, times[1:], strict=False))  # 50 a second overall
    assert times[-1] < 2.5  # ideally 0.1 s; half of one chat's spacing would mean they waited on each other

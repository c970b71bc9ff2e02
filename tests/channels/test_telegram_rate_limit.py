"""The Telegram send limiter: one chat is spaced out, different chats are not held up by it."""

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
    times = _send_times(SendRateLimiter(per_chat=0.2, per_second=100), ["a", "a", "a"])

    assert times[0] < 0.05
    assert all(later - earlier >= 0.19 for earlier, later in zip(times, times[1:]))


def test_many_chats_share_the_overall_rate_but_do_not_wait_on_each_other() -> None:
    times = _send_times(SendRateLimiter(per_chat=1.0, per_second=50), [f"chat{i}" for i in range(6)])

    assert all(later - earlier >= 0.019 for earlier, later in zip(times, times[1:]))  # 50 a second overall
    assert times[-1] < 0.5  # nowhere near the one-second per-chat spacing

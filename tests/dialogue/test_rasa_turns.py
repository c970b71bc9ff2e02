"""Turns at a Rasa server: at most RASA_CONCURRENCY at once, the rest served strictly in arrival order.

Why it matters: with hundreds of residents at once, turns sent to Rasa all together ran past the
timeout and were sent again; and asyncio.Semaphore on Python 3.10 lets a newcomer overtake a woken
waiter, so some people waited far longer than others.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.dialogue.rasa_client import RasaClient, Turns


def test_turns_are_handed_on_in_arrival_order_and_never_exceed_the_limit():
    async def main() -> tuple[list[int], int]:
        turns = Turns(2)
        order: list[int] = []
        inside = most = 0

        async def one(n: int) -> None:
            nonlocal inside, most
            async with turns:
                inside += 1
                most = max(most, inside)
                order.append(n)
                await asyncio.sleep(0.01)
                inside -= 1

        tasks = []
        for n in range(12):
            tasks.append(asyncio.create_task(one(n)))
            await asyncio.sleep(0)  # each starts waiting before the next arrives
        await asyncio.gather(*tasks)
        return order, most

    order, most = asyncio.run(main())
    assert order == list(range(12)) and most == 2


def test_a_waiter_cancelled_in_the_queue_neither_holds_nor_loses_a_slot():
    async def main() -> list[str]:
        turns = Turns(1)
        seen: list[str] = []
        release = asyncio.Event()

        async def holder() -> None:
            async with turns:
                seen.append("holder")
                await release.wait()

        async def waiter(name: str) -> None:
            async with turns:
                seen.append(name)

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        cancelled = asyncio.create_task(waiter("cancelled"))
        after = asyncio.create_task(waiter("after"))
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(first, after)
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        async with turns:  # the one slot is free again
            seen.append("again")
        return seen

    assert asyncio.run(main()) == ["holder", "after", "again"]


def test_the_client_keeps_at_most_its_concurrency_at_the_server_and_reports_the_wait():
    inside = most = 0
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await gate.wait()
        inside -= 1
        return httpx.Response(200, json=[{"text": "hello"}])

    async def main() -> list[float]:
        client = RasaClient("http://rasa.test", 5.0, transport=httpx.MockTransport(handler), concurrency=3)
        sent = asyncio.ensure_future(asyncio.gather(*(client.send(f"c{n}", "hi") for n in range(9))))
        while inside < 3:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # the other six wait their turn meanwhile
        gate.set()
        replies = await sent
        await client.close()
        return [r.queued_ms for r in replies]

    queued = asyncio.run(main())
    assert most == 3
    assert sorted(queued)[3:] == sorted(q for q in queued if q >= 150)  # six waited, and it was reported

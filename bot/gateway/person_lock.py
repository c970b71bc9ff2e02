"""One drain at a time per address, across every application process sharing the database.

The gateway answers a person's messages strictly in order, so only one worker may drain an address
at a time. With SQLite there is one application process by design, and an asyncio lock per address
is enough. With PostgreSQL several processes share the database, so the lock lives there: a
session-level advisory lock (`pg_try_advisory_lock`) keyed by a stable 64-bit hash of the address
id, held on a connection of its own for as long as the address is being drained and released
after. If the process dies, PostgreSQL ends its connections and the lock goes with them, so
another process's sweeper picks the address up.

The in-process lock is always taken first, so one process never spends two database connections on
the same address. The lock connections come from a small pool of their own (`max_held`), never from
the pool the drain's own queries use: a drain holding a lock can therefore never wait for a
connection that other lock holders have taken, and the pool size caps how many conversations one
process sends to Rasa at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import Connection, Engine, create_engine, text

# Waits between tries while another process drains the address (seconds), and how long to keep
# trying before leaving the message to the sweepers (it stays pending, so nothing is lost).
_RETRY_WAITS = (0.02, 0.05, 0.1, 0.2, 0.4)
_GIVE_UP_AFTER = 30.0


def lock_key(address_id: str) -> int:
    """A stable signed 64-bit key for `pg_try_advisory_lock` (the same in every process and run)."""
    return int.from_bytes(hashlib.sha256(f"cc-address:{address_id}".encode()).digest()[:8], "big", signed=True)


class PersonLocks:
    """Per-address locks: in-process only (SQLite), or in-process then in PostgreSQL."""

    def __init__(self, database_url: str | None = None, *, max_held: int = 16) -> None:
        self._local: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._engine: Engine | None = None
        self._slots: asyncio.Semaphore | None = None
        if database_url and database_url.startswith("postgresql"):
            # AUTOCOMMIT: the lock belongs to the session, not to a transaction left open.
            self._engine = create_engine(
                database_url, pool_size=max_held, max_overflow=0, pool_pre_ping=True, isolation_level="AUTOCOMMIT",
            )
            self._slots = asyncio.Semaphore(max_held)

    @property
    def shared(self) -> bool:
        """True when the locks hold across processes (PostgreSQL)."""
        return self._engine is not None

    def busy_here(self, address_id: str) -> bool:
        """This process is draining (or about to drain) the address."""
        lock = self._local.get(address_id)
        return lock is not None and lock.locked()

    @asynccontextmanager
    async def hold(self, address_id: str, still_needed: Callable[[], bool] | None = None) -> AsyncIterator[bool]:
        """Yield True while this process alone drains `address_id`; False if it could not get it.

        Without `still_needed` another process's lock is tried once (the sweeper: whoever holds it
        is already draining). With it, the lock is tried again after short waits for as long as
        `still_needed()` says there is work left (a webhook's message, which the holder may have
        looked past just before it was stored), up to a limit; the sweepers retry after that.
        """
        async with self._local[address_id]:
            if self._engine is None:
                yield True
                return
            connection = await self._acquire(address_id, still_needed)
            if connection is None:
                yield False
                return
            try:
                yield True
            finally:
                self._release(connection, address_id)

    async def _acquire(self, address_id: str, still_needed: Callable[[], bool] | None) -> Connection | None:
        assert self._slots is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _GIVE_UP_AFTER
        tries = 0
        while True:
            await self._slots.acquire()
            connection = self._try_lock(address_id)
            if connection is not None:
                return connection  # the slot is given back with the lock
            self._slots.release()
            if still_needed is None or loop.time() > deadline or not still_needed():
                return None
            await asyncio.sleep(_RETRY_WAITS[min(tries, len(_RETRY_WAITS) - 1)])
            tries += 1

    def _try_lock(self, address_id: str) -> Connection | None:
        assert self._engine is not None
        connection = self._engine.connect()
        try:
            key = {"key": lock_key(address_id)}
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar()
        except BaseException:
            connection.close()
            raise
        if taken:
            return connection
        connection.close()
        return None

    def _release(self, connection: Connection, address_id: str) -> None:
        assert self._slots is not None
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(address_id)})
        except Exception:
            connection.invalidate()  # a broken connection: closing it ends the session and its locks
        finally:
            connection.close()
            self._slots.release()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

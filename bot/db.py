"""Database engine and sessions for the application, the action server and the CLIs.

There is one engine factory, in the directory library (community_directory/database.py), so
the app, the action server and the directory benchmark all run with the same SQLite settings.
This module is the application's name for it, plus the gateway's group commit (`DiskSync`).
"""

from __future__ import annotations

import asyncio

from community_directory.database import (
    dispose_engines,
    engine_for,
    make_engine,
    session_factory,
    session_scope,
    sqlite_file,
    sync_to_disk,
)

__all__ = ["DiskSync", "dispose_engines", "engine_for", "make_engine", "session_factory", "session_scope", "sync_to_disk"]


class DiskSync:
    """Group commit for the gateway's sessions (`session_factory(url, durable_commits=False)`).

    Why: on SQLite every durable commit is an fsync (several milliseconds on a virtual disk), and
    the gateway commits several times per message, on the event loop, so under load most of the
    loop's time went into fsyncs. The gateway now commits without them (a process crash still
    loses nothing: the commits are in the WAL) and awaits this before anything that tells the
    outside world a commit happened: answering a webhook (the provider will not send it again),
    sending a message (the outbox's lease and attempt are recorded first), showing web chat replies.
    One fsync, in a worker thread so the loop keeps serving, covers every commit made before it
    started, so many messages share it. On PostgreSQL (commits are durable) it does nothing.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._needed = sqlite_file(url) is not None
        self._requested = 0  # callers so far
        self._done = 0  # callers whose commits are known on disk
        self._running: asyncio.Future[None] | None = None

    async def __call__(self) -> None:
        """Return once every commit this caller made before the call is on disk."""
        if not self._needed:
            return
        self._requested += 1
        mine = self._requested
        while self._done < mine:
            running = self._running
            if running is None or running.get_loop() is not asyncio.get_running_loop():
                # Covers everyone who asked so far; a sync already under way may predate our
                # commit, so those who asked after it started wait for the next one.
                running = self._running = asyncio.ensure_future(self._sync(self._requested))
            await asyncio.shield(running)

    async def _sync(self, covers: int) -> None:
        try:
            await asyncio.to_thread(sync_to_disk, self._url)
            self._done = max(self._done, covers)
        finally:
            self._running = None

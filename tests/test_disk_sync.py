"""The gateway's group commit (bot/db.py DiskSync, community_directory.database.sync_to_disk).

The gateway's sessions commit without an fsync; before a webhook is answered or a message sent,
one fsync of SQLite's WAL makes every earlier commit survive a power cut. These check the settings
that makes, and that many callers share one fsync without anyone returning before theirs is done.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

from sqlalchemy import text

from bot import db
from bot.db import DiskSync, engine_for, sync_to_disk


def _synchronous(url: str, durable: bool) -> int:
    with engine_for(url, durable_commits=durable).connect() as conn:
        return int(conn.execute(text("PRAGMA synchronous")).scalar_one())


def test_only_the_gateways_sqlite_engine_commits_without_an_fsync(database_url):
    if database_url.startswith("sqlite"):
        assert _synchronous(database_url, durable=True) == 2  # FULL: the console, the jobs, the actions
        assert _synchronous(database_url, durable=False) == 1  # NORMAL, in WAL mode: safe from a crash
    else:  # PostgreSQL commits durably: one engine, one pool, whatever is asked
        assert engine_for(database_url, durable_commits=False) is engine_for(database_url)


def test_sync_to_disk_fsyncs_the_wal_and_is_a_no_op_elsewhere(sqlite_url, monkeypatch):
    with engine_for(sqlite_url, durable_commits=False).begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    sync_to_disk(sqlite_url)
    assert len(synced) == 1
    sync_to_disk("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects, never fsyncs
    sync_to_disk("sqlite://")
    assert len(synced) == 1


def test_many_callers_share_fsyncs_and_none_returns_before_its_commit_is_synced(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    calls: list[float] = []
    lock = threading.Lock()

    def slow_sync(_url: str) -> None:
        with lock:
            calls.append(time.monotonic())
        time.sleep(0.05)

    monkeypatch.setattr(db, "sync_to_disk", slow_sync)

    async def main() -> list[float]:
        sync = DiskSync(url)
        done: list[float] = []

        async def caller(delay: float) -> None:
            await asyncio.sleep(delay)
            asked = time.monotonic()
            await sync()
            assert any(started >= asked for started in calls)  # a sync that began after we asked
            done.append(time.monotonic())

        await asyncio.gather(*(caller(n * 0.004) for n in range(30)))
        return done

    done = asyncio.run(main())
    assert len(done) == 30
    assert len(calls) <= 6  # 30 callers over ~0.12 s, syncs of 0.05 s: a handful, not thirty


def test_a_failed_fsync_reaches_every_caller_waiting_on_it(monkeypatch, tmp_path):
    def broken(_url: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(db, "sync_to_disk", broken)

    async def main() -> list[BaseException | None]:
        sync = DiskSync(f"sqlite:///{tmp_path / 'app.db'}")
        return await asyncio.gather(*(sync() for _ in range(3)), return_exceptions=True)

    assert all(isinstance(r, OSError) for r in asyncio.run(main()))


def test_nothing_to_wait_for_on_postgresql(monkeypatch):
    monkeypatch.setattr(db, "sync_to_disk", lambda _url: (_ for _ in ()).throw(AssertionError("no fsync on PostgreSQL")))
    asyncio.run(DiskSync("postgresql+psycopg://cc@127.0.0.1/cc")())

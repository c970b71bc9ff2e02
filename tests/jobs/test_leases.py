"""A periodic job runs in one process at a time, and moves on when its holder dies."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.db import session_factory
from bot.jobs.leases import release, try_acquire
from bot.models import JobLease, utcnow


def test_only_one_holder_wins_and_renews(session):
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-1")
    assert not try_acquire(session, "retention", timedelta(minutes=5), holder="app-2")
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-1")  # renewal
    assert try_acquire(session, "sweep", timedelta(minutes=5), holder="app-2")  # other jobs are separate


def test_an_expired_lease_is_taken_over(session):
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-1")
    lease = session.get(JobLease, "retention")
    lease.expires_at = utcnow() - timedelta(seconds=1)  # app-1 died and never renewed
    session.commit()
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-2")
    assert not try_acquire(session, "retention", timedelta(minutes=5), holder="app-1")


def test_release_hands_over_at_once(session):
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-1")
    release(session, "retention", holder="app-1")
    assert try_acquire(session, "retention", timedelta(minutes=5), holder="app-2")


def test_racing_processes_never_both_win(database_url):
    sessions = session_factory(database_url)
    for round_ in range(10):
        winners: list[str] = []
        barrier = threading.Barrier(4)

        def contend(holder: str, barrier: threading.Barrier = barrier, job: str = f"job-{round_}",
                    winners: list[str] = winners) -> None:
            with sessions() as s:
                barrier.wait()
                if try_acquire(s, job, timedelta(minutes=5), holder=holder):
                    winners.append(holder)

        threads = [threading.Thread(target=contend, args=(f"app-{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1, winners

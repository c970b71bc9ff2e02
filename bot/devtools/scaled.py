"""`make run-scaled`: the scale-out shape on one machine, from the machine's own binaries.

PostgreSQL and Redis on loopback with throwaway data folders, the database migrated and the demo
data loaded, the action server, two Rasa servers (tracker store on the PostgreSQL, Redis lock
store) and two application processes on the same DATABASE_URL, each with RASA_URL listing both
Rasa servers. Ctrl-C stops everything and removes the data folders.

`start_scaled` is what this command, the end-to-end tests (tests/e2e/test_scaled.py) and the
benchmark (bench/scaled.py) all start, so they exercise exactly what a user runs.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import VAR_DIR
from bot.db import dispose_engines, session_scope
from bot.devtools.demo import create_demo_users, load_demo_data
from bot.devtools.servers import PostgresServer, RedisServer
from bot.devtools.stack import Stack
from bot.migrate import upgrade

APP_DATABASE, TRACKER_DATABASE = "community_connect", "rasa_tracker"


@dataclass
class ScaledStack:
    """The running servers and processes; `stop()` ends them all and removes the data folders."""

    postgres: PostgresServer
    redis: RedisServer
    stack: Stack
    apps: list[str] = field(default_factory=list)  # service names: app, app2, ...
    rasas: list[str] = field(default_factory=list)  # rasa, rasa2, ...
    demo_users: list[tuple[str, str, str]] = field(default_factory=list)
    app_env: dict[str, str] = field(default_factory=dict)  # what every app process was started with

    @property
    def database_url(self) -> str:
        return self.stack.database_url

    @property
    def tracker_url(self) -> str:
        return self.postgres.url(TRACKER_DATABASE)

    def url(self, name: str) -> str:
        return self.stack.services[name].url

    def stop(self) -> None:
        try:
            self.stack.stop()
        finally:
            dispose_engines()  # this process's own pooled connections, before the server goes
            self.redis.stop()
            self.postgres.stop()


def start_scaled(
    model: Path, *, logs: Path, apps: int = 2, rasas: int = 2, app_env: dict[str, str] | None = None,
    demo_users: bool = False, timeout: float = 300.0,
) -> ScaledStack:
    """Start everything and wait until each process answers; on any failure, stop what started."""
    postgres, redis = PostgresServer(), RedisServer()
    postgres.start()
    try:
        redis.start()
    except BaseException:
        postgres.stop()
        raise
    database_url = postgres.create_database(APP_DATABASE)
    postgres.create_database(TRACKER_DATABASE)
    stack = Stack(logs, database_url, postgres.url(TRACKER_DATABASE, driver=""), lock_store_url=redis.url)
    scaled = ScaledStack(postgres, redis, stack, app_env=dict(app_env or {}))
    try:
        upgrade(database_url)
        with session_scope(database_url) as session:
            load_demo_data(session)
            if demo_users:
                scaled.demo_users = create_demo_users(session)
        stack.start_actions()
        stack.wait_ready("actions", timeout=60)
        # All Rasa servers start at once: Rasa's SQL tracker store copes with several creating its
        # table together (the losers log an error and retry), and a start is the slow part.
        scaled.rasas = ["rasa"] + [f"rasa{n}" for n in range(2, rasas + 1)]
        for name in scaled.rasas:
            stack.start_rasa(model, name=name)
        scaled.apps = ["app"] + [f"app{n}" for n in range(2, apps + 1)]
        for name in scaled.apps:  # every app lists every Rasa server (RASA_URL)
            stack.start_app(name=name, **scaled.app_env)  # type: ignore[arg-type]  # settings only
        for name in scaled.apps + scaled.rasas:
            stack.wait_ready(name, timeout=timeout)
        return scaled
    except BaseException:
        scaled.stop()
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=2, help="application processes (default 2)")
    parser.add_argument("--rasa-servers", type=int, default=2, help="Rasa servers (default 2)")
    args = parser.parse_args(argv)
    from bot.devtools.training import ensure_model

    model, trained = ensure_model()
    print(f"==> Rasa model: {model.name}" + (f" (trained in {trained:.0f}s)" if trained else " (unchanged)"))
    logs = Path(tempfile.mkdtemp(prefix="scaled-", dir=VAR_DIR / "logs" if (VAR_DIR / "logs").exists() else None))
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print("==> Starting PostgreSQL, Redis, the action server, Rasa and the apps (a minute or two)...")
    scaled = start_scaled(model, logs=logs, apps=args.apps, rasas=args.rasa_servers, demo_users=True)
    try:
        print("\nCommunity Connect is running, scaled out:")
        for name in scaled.apps:
            print(f"  {name:6} web chat {scaled.url(name)}/chat   console {scaled.url(name)}/console")
        for name in scaled.rasas:
            print(f"  {name:6} {scaled.url(name)}")
        print(f"  DATABASE_URL={scaled.database_url}")
        print(f"  RASA_TRACKER_DB_URL={scaled.tracker_url}   RASA_LOCK_STORE_URL={scaled.redis.url}")
        print(f"  Logs: {logs}")
        for username, password, role in scaled.demo_users:
            print(f"  demo login {role.replace('_', ' '):12} {username} / {password}")
        print("\nPress Ctrl-C to stop (the data folders are removed).")
        while not stopping:
            for name, service in scaled.stack.services.items():
                if not service.is_running():
                    print(f"{name} stopped unexpectedly; see {service.log_path}")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("\nStopping...")
        scaled.stop()
        print("Stopped.")


if __name__ == "__main__":
    raise SystemExit(main())

"""Starting the three processes (Rasa, action server, application) on loopback.

One implementation shared by `make run`, the end-to-end tests and the benchmarks, so what the
tests exercise is exactly what a user runs.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.config import PROJECT_ROOT
from bot.dialogue.endpoints import app_tracker_url, write_endpoints

RASA_BIN = PROJECT_ROOT / ".venv" / "rasa" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    ready_path: str
    log_path: Path

    def is_running(self) -> bool:
        return self.process.poll() is None


@dataclass
class Stack:
    """The running processes, with their URLs; stop() ends them all."""

    var_dir: Path
    database_url: str
    tracker_db: Path | str  # a SQLite file, or any tracker store URL (postgresql://...)
    services: dict[str, Service] = field(default_factory=dict)
    lock_store_url: str = ""  # redis://... when several Rasa servers share the tracker store
    # What Rasa must send the action server (?token=): ACTION_SERVER_TOKEN, else one made per stack,
    # so even another local user cannot call the actions on loopback.
    action_token: str = field(default_factory=lambda: os.environ.get("ACTION_SERVER_TOKEN")
                              or secrets.token_urlsafe(32))
    profile_dir: Path | None = None  # app processes run under the sampling profiler, writing here

    @property
    def tracker_url(self) -> str:
        if isinstance(self.tracker_db, Path):
            return f"sqlite:///{self.tracker_db}"
        return app_tracker_url(self.tracker_db)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            RASA_TRACKER_DB_URL=self.tracker_url,
            PYTHONPATH=str(PROJECT_ROOT),
            PYTHONUNBUFFERED="1",
            RASA_TELEMETRY_ENABLED="false",  # no calls out from a server on loopback
        )
        env.pop("RASA_TRACKER_DB", None)
        if self.lock_store_url:  # the apps read Rasa's locks too (bot/dialogue/lock_store.py)
            env["RASA_LOCK_STORE_URL"] = self.lock_store_url
        if "actions" in self.services:
            env["ACTION_ENDPOINT_URL"] = self.services["actions"].url + "/webhook"
            env["ACTION_SERVER_URL"] = self.services["actions"].url
        rasa_urls = [service.url for name, service in self.services.items() if name.startswith("rasa")]
        if rasa_urls:
            env["RASA_URL"] = ",".join(rasa_urls)
        env.update(extra)
        return env

    def _spawn(self, name: str, cmd: list[str], port: int, ready_path: str, env: dict[str, str]) -> Service:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.var_dir / f"{name}.log"
        log = open(log_path, "ab")
        process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        service = Service(name, process, f"http://127.0.0.1:{port}", ready_path, log_path)
        self.services[name] = service
        return service

    def start_actions(self, port: int | None = None, host: str = "127.0.0.1") -> Service:
        """Our wrapper around rasa_sdk (actions/server.py): loopback, and the stack's token required."""
        port = port or free_port()
        cmd = [sys.executable, "-m", "actions.server", "--host", host, "--port", str(port)]
        return self._spawn("actions", cmd, port, "/health", self.env(ACTION_SERVER_TOKEN=self.action_token))

    def start_rasa(self, model: Path, port: int | None = None, name: str = "rasa") -> Service:
        """A Rasa server; give each of several a different `name` (rasa, rasa2, ...)."""
        port = port or free_port()
        action_url = self.services["actions"].url + "/webhook" if "actions" in self.services else "http://127.0.0.1:5055/webhook"
        endpoints_file = write_endpoints(self.var_dir / f"{name}-endpoints.yml", self.tracker_url, action_url,
                                         self.lock_store_url, action_token=self.action_token)
        cmd = [
            str(RASA_BIN), "run", "--enable-api", "--model", str(model), "--port", str(port), "-i", "127.0.0.1",
            "--endpoints", str(endpoints_file), "--credentials", "credentials.yml",
        ]
        return self._spawn(name, cmd, port, "/", self.env())

    def restart_rasa(self, model: Path, name: str = "rasa") -> Service:
        old = self.services[name]
        port = int(old.url.rsplit(":", 1)[1])
        return self.start_rasa(model, port, name)

    def start_app(self, port: int | None = None, name: str = "app", **extra_env: str) -> Service:
        """An application process; give each of several a different `name` (app, app2, ...).

        With `profile_dir` set on the stack, it runs under the sampling profiler
        (bot/devtools/profiling.py), which writes its figures there when the process stops.
        """
        port = port or free_port()
        profiler = ["-m", "bot.devtools.profiling", str(self.profile_dir)] if self.profile_dir else []
        cmd = [
            sys.executable, *profiler, "-m", "uvicorn", "bot.app:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--ws", "none",  # rasa-sdk pins an old websockets
        ]
        return self._spawn(name, cmd, port, "/healthz", self.env(APP_PORT=str(port), **extra_env))

    def wait_ready(self, name: str, timeout: float = 180.0) -> None:
        service = self.services[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not service.is_running():
                raise RuntimeError(f"{name} exited early; see {service.log_path}")
            try:
                if httpx.get(service.url + service.ready_path, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{name} not ready after {timeout:.0f}s; see {service.log_path}")

    def kill(self, name: str) -> None:
        service = self.services[name]
        if service.is_running():
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait(timeout=30)

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            if service.is_running():
                try:
                    os.killpg(service.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for service in self.services.values():
            try:
                service.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)


def start_demo_stack(root: Path, model: Path, app_port: int | None = None, **app_env: str) -> Stack:
    """A fresh database under `root` with the demo directory, then the three processes, all ready.

    What the end-to-end tests and the scenario benchmark run: migrations, the bundled postcodes
    and the demo listings, the action server, Rasa with `model`, and the app (extra environment
    in `app_env`). If anything fails to start, what was started is stopped before raising.
    """
    from bot.db import session_scope
    from bot.devtools.demo import load_demo_data
    from bot.migrate import upgrade

    root.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    stack = Stack(root / "logs", database_url, root / "tracker.db")
    try:
        stack.start_actions()
        stack.wait_ready("actions", timeout=60)
        stack.start_rasa(model)
        stack.start_app(app_port, **app_env)
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app", timeout=60)
    except BaseException:
        stack.stop()
        raise
    return stack

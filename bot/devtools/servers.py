"""Throwaway PostgreSQL and Redis servers from the machine's own binaries, on loopback.

Used by the storage tests, the scaled stack and the benchmarks, so PostgreSQL and Redis are
tested for real without any accounts or containers. Each server gets a fresh data folder, listens
only on 127.0.0.1 on a free port and is stopped (and its folder removed) by `stop()`.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user that Debian's
package creates. Install the packages with `bash scripts/system_deps.sh`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.devtools.stack import free_port

INSTALL_HINT = "run `bash scripts/system_deps.sh` (as root it installs PostgreSQL, Redis and Chromium)"


class ServerUnavailable(RuntimeError):
    """The server's binaries are missing or it would not start."""


def postgres_bin_dir() -> Path:
    def version(path: str) -> list[int]:
        return [int(x) for x in Path(path).parent.name.split(".") if x.isdigit()]

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ServerUnavailable(f"PostgreSQL is not installed; {INSTALL_HINT}")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in a temporary folder; `url(db)` gives a SQLAlchemy URL for a database in it."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cc-pg-")))
    port: int = field(default_factory=free_port)
    user: str = "cc"
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            uid = pwd.getpwnam("postgres").pw_uid
            for path in (self.root, data):
                os.chown(path, uid, -1)
        log = self.root / "postgres.log"
        subprocess.run(
            _as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                             "--no-instructions", "--locale=C"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.process = subprocess.Popen(
            _as_server_user([str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-h", "127.0.0.1",
                             "-k", str(self.root), "-c", "fsync=off", "-c", "max_connections=200",
                             "-c", "shared_buffers=64MB"]),
            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(f"PostgreSQL exited early; see {log}")
            ready = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        raise ServerUnavailable(f"PostgreSQL not ready after {timeout:.0f}s; see {log}")

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisServer:
    """A Redis server with no persistence in a temporary folder."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cc-redis-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable(f"Redis is not installed; {INSTALL_HINT}")
        log = self.root / "redis.log"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--protected-mode", "yes"],
            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(f"Redis exited early; see {log}")
            try:
                if redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.1)
        raise ServerUnavailable(f"Redis not ready after {timeout:.0f}s; see {log}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

"""Rasa's endpoints file, written from our settings each time the stack starts Rasa.

One setting names the tracker store for both sides (`RASA_TRACKER_DB_URL`): the app reads and
erases conversations through SQLAlchemy 2 with psycopg 3, Rasa writes them through SQLAlchemy 1.4
with psycopg2, so only the driver part of the URL differs. Rasa's SQL tracker store accepts a whole
URL as its `url`. The lock store is Redis when `RASA_LOCK_STORE_URL` is set (several Rasa
servers), else in memory (one server). The committed `endpoints.yml` is the single-server default
for running Rasa by hand; the stack always passes the generated file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

# Rasa's RedisLockStore keys are "<prefix>:lock:<conversation id>"; the app reads them (lock_store.py).
LOCK_KEY_PREFIX = "cc"


def rasa_tracker_url(url: str) -> str:
    """The tracker store URL in the form Rasa's own SQLAlchemy understands."""
    if url.startswith("postgresql+"):
        return "postgresql://" + url.split("://", 1)[1]
    return url


def app_tracker_url(url: str) -> str:
    """The same store in the form the app's SQLAlchemy 2 (psycopg 3) understands."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def endpoints(tracker_url: str, action_url: str, lock_store_url: str = "", action_token: str = "") -> dict[str, Any]:
    """Rasa's endpoints; `action_token` is sent by Rasa as ?token= on every action call."""
    action: dict[str, Any] = {"url": action_url}
    if action_token:
        action["token"] = action_token
    config: dict[str, Any] = {
        "action_endpoint": action,
        "tracker_store": {"type": "SQL", "dialect": urlparse(tracker_url).scheme.split("+")[0],
                          "url": rasa_tracker_url(tracker_url)},
    }
    if lock_store_url:
        parsed = urlparse(lock_store_url)
        lock: dict[str, Any] = {"type": "redis", "url": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379,
                                "db": int((parsed.path or "/1").lstrip("/") or 1), "key_prefix": LOCK_KEY_PREFIX}
        if parsed.password:
            lock["password"] = parsed.password
        if parsed.scheme == "rediss":
            lock["use_ssl"] = True
        config["lock_store"] = lock
    else:
        config["lock_store"] = {"type": "in_memory"}
    return config


def write_endpoints(path: Path, tracker_url: str, action_url: str, lock_store_url: str = "",
                    action_token: str = "") -> Path:
    """Written readable by its owner only: it may hold the action server's token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints(tracker_url, action_url, lock_store_url, action_token), sort_keys=False))
    path.chmod(0o600)
    return path

"""Structured logs: one JSON object per line, and never message text or phone numbers.

Only ids, channel names, statuses and timings are logged. `log_event` refuses field names that
would carry personal content, so a careless call fails in tests rather than leaking in production.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_FORBIDDEN = frozenset({"text", "body", "message", "address", "phone", "number", "from", "to", "postcode", "payload"})
logger = logging.getLogger("community_connect")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            data.update(fields)
        else:
            data["event"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = record.exc_info[0].__name__
        return json.dumps(data, default=str)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Access logs print URLs with query strings; ours carry no personal data but keep them quiet.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Client libraries log request parameters (message text) and URLs holding tokens at DEBUG.
    for noisy in ("twilio", "telegram", "httpcore", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    leaked = _FORBIDDEN.intersection(fields)
    if leaked:
        raise ValueError(f"log fields {sorted(leaked)} could carry personal data")
    logger.log(level, event, extra={"fields": {"event": event, **fields}})

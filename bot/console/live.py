"""The live part of the workspace: HTML fragments that /static/console/live.js polls.

The pages are complete without JavaScript; the script only swaps in a fresh copy of the queue
table or the conversation every few seconds, drawn by the same template partials as the page,
so there is one way to render each. Refreshes are audited when what the worker sees changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.console import casefile
from bot.console.auth import require_user
from bot.console.handoffs import ROLE, _load, audit, audit_queue_view, queue_rows
from bot.console.routes import page, queue_counts

router = APIRouter(prefix="/console/live")


def _fragment(request: Request, name: str, **context: Any) -> Response:
    response = page(request, name, **context)
    counts = queue_counts(request)
    response.headers["X-Queue-Counts"] = f"{counts['new']} {counts['urgent']} {counts['active']}"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/queue", response_class=HTMLResponse)
async def queue_fragment(request: Request) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        rows = queue_rows(session)
        audit_queue_view(request, session, user, rows, live=True)
        session.commit()
    return _fragment(request, "_queue_table.html", rows=rows)


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
async def conversation_fragment(request: Request, handoff_id: str) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        lines = casefile.conversation(session, handoff)
        seen = [handoff_id, len(lines)]  # one entry only: the session cookie must stay small
        if request.session.get("thread_seen") != seen:
            request.session["thread_seen"] = seen
            audit(session, user["username"], "view_person", "person", handoff.person_id, handoff=handoff.id, live=True)
        session.commit()
        return _fragment(request, "_thread.html", lines=lines)

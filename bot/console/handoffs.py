"""The link workers' queue: urgent first, the context the person agreed to share, reply, hand back."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, select

from bot.console.auth import check_csrf, require_user
from bot.console.routes import page
from bot.gateway.outbox import enqueue
from bot.models import AuditLog, ChannelAddress, Handoff, Person, utcnow
from bot.statuses import HandoffStatus, MessageKind, Role
from bot.text.sms_text import count_segments, to_gsm7

router = APIRouter(prefix="/console/handoffs")
ROLE = Role.LINK_WORKER


@router.get("", response_class=HTMLResponse)
async def queue(request: Request) -> Response:
    require_user(request, ROLE)
    with request.app.state.sessions() as session:
        rows = list(
            session.scalars(
                select(Handoff).where(Handoff.status != HandoffStatus.CLOSED)
                .order_by(case((Handoff.urgent.is_(True), 0), else_=1), Handoff.created_at)
            )
        )
        # What matters in their own words: kept only with consent (bot/records/people.keep_what_matters).
        kept = select(Person.id, Person.what_matters).where(
            Person.id.in_([h.person_id for h in rows]),
            Person.consent_to_keep.is_(True),
            Person.what_matters.is_not(None),
        )
        words = dict(session.execute(kept).tuples().all()) if rows else {}
        session.expunge_all()
    return page(request, "handoffs.html", handoffs=rows, words=words, flash=request.query_params.get("done"))


def _load(session, handoff_id: str) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HTTPException(404, "No such handoff.")
    return handoff


@router.post("/{handoff_id}/claim")
async def claim(request: Request, handoff_id: str, csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        handoff.status, handoff.claimed_by = HandoffStatus.CLAIMED, user["username"]
        session.add(AuditLog(actor=user["username"], action="claim", entity="handoff", entity_id=handoff_id))
        session.commit()
    return RedirectResponse("/console/handoffs?done=claimed", status_code=303)


@router.post("/{handoff_id}/reply")
async def reply(request: Request, handoff_id: str, message: str = Form(...), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    text = to_gsm7(message.strip())
    if not text:
        raise HTTPException(400, "The message is empty.")
    if count_segments(text).segments > 3:
        raise HTTPException(400, "The message is too long for three text messages. Please make it shorter.")
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        address = session.scalar(
            select(ChannelAddress).where(ChannelAddress.person_id == handoff.person_id).order_by(ChannelAddress.created_at.desc())
        )
        if address is None:
            raise HTTPException(409, "This person can no longer be reached.")
        enqueue(session, address, text, kind=MessageKind.HUMAN)
        handoff.status, handoff.claimed_by = HandoffStatus.CLAIMED, handoff.claimed_by or user["username"]
        session.add(AuditLog(actor=user["username"], action="reply", entity="handoff", entity_id=handoff_id,
                             changes={"segments": count_segments(text).segments}))
        session.commit()
    request.app.state.outbox.notify()
    return RedirectResponse("/console/handoffs?done=sent", status_code=303)


@router.post("/{handoff_id}/close")
async def hand_back(request: Request, handoff_id: str, csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        handoff.status, handoff.closed_at = HandoffStatus.CLOSED, utcnow()
        session.add(AuditLog(actor=user["username"], action="hand_back", entity="handoff", entity_id=handoff_id))
        session.commit()
    return RedirectResponse("/console/handoffs?done=closed", status_code=303)

"""The link workers' workspace: the queue, one person's conversation, claim, reply, hand back, close.

The life cycle rules live in bot/records/handoffs.py; this module reads forms, checks who may
act, writes the audit log (every view of a person's data included) and draws pages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.console import casefile
from bot.console.auth import check_csrf, require_user
from bot.console.routes import page
from bot.gateway.outbox import enqueue
from bot.models import AuditLog, ConsoleUser, Handoff, utcnow
from bot.records import handoffs as life
from bot.statuses import HANDOFF_ACTIVE, HANDOFF_HELD, HandoffOutcome, HandoffStatus, MessageKind, OutboundStatus, Role
from bot.text.sms_text import count_segments, to_gsm7

router = APIRouter(prefix="/console/handoffs")
ROLE = Role.LINK_WORKER
OUTCOME_WORDS = {
    HandoffOutcome.PHONED: "Phoned them",
    HandoffOutcome.REFERRED_ELSEWHERE: "Referred them elsewhere",
    HandoffOutcome.NO_RESPONSE: "No response",
    HandoffOutcome.SAFEGUARDING_REFERRAL: "Safeguarding referral made",
}
STATUS_WORDS = {
    HandoffStatus.OPEN: ("New", "blue"),
    HandoffStatus.CLAIMED: ("Claimed", "purple"),
    HandoffStatus.IN_CONVERSATION: ("In conversation", "green"),
    HandoffStatus.HANDED_BACK: ("Handed back to the bot", "grey"),
    HandoffStatus.CLOSED: ("Closed", "grey"),
}
FLASH = {
    "claimed": "You have claimed this handoff. The bot is paused for this person until you hand back or close.",
    "sent": "Your message is in the outbox. Its delivery status shows in the conversation.",
    "not_sent": "Not sent: this person has opted out of messages from us.",
    "handed_back": "Handed back to the bot. The person has been told, and the bot answers their next message.",
    "closed": "Handoff closed.",
    "noted": "Note added.",
    "reassigned": "Handoff reassigned.",
}


def audit(session: Session, actor: str, action: str, entity: str, entity_id: str, **changes: Any) -> None:
    session.add(AuditLog(actor=actor, action=action, entity=entity, entity_id=entity_id, changes=changes))


def queue_rows(session: Session) -> list[dict[str, Any]]:
    """Active handoffs, urgent first then oldest, with what the queue may show of each."""
    now = utcnow()
    found = session.scalars(
        select(Handoff).where(Handoff.status.in_(HANDOFF_ACTIVE))
        .order_by(case((Handoff.urgent.is_(True), 0), else_=1), Handoff.created_at)
    )
    rows = []
    for h in found:
        shared = casefile.shared_context(session, h)
        words, colour = STATUS_WORDS[HandoffStatus(h.status)]
        rows.append({
            "id": h.id, "person_id": h.person_id, "ref": h.person_id[:6].upper(), "urgent": h.urgent,
            "reason": casefile.REASON_WORDS.get(h.reason, h.reason), "status": words, "colour": colour,
            "is_new": h.status == HandoffStatus.OPEN, "claimed_by": h.claimed_by,
            "created_at": casefile.aware(h.created_at), "waited": casefile.waited(h.created_at, now),
            "out_of_hours": casefile.out_of_hours(h.created_at), "shared": shared,
            "warnings": [w for w in (h.context or {}).get("warnings", []) if isinstance(w, str)],
        })
    return rows


def audit_queue_view(request: Request, session: Session, user: dict[str, str], rows: list[dict[str, Any]],
                     *, live: bool = False) -> None:
    """Seeing the queue is seeing people's needs and areas: audited. Live refreshes are audited
    when what the worker can see changes, not on every poll."""
    people = sorted({r["person_id"] for r in rows})
    seen = request.session.get("queue_seen")
    if live and seen == people:
        return
    request.session["queue_seen"] = people
    audit(session, user["username"], "view_queue", "handoff_queue", "queue", people=people)


def _load(session: Session, handoff_id: str) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HTTPException(404, "There is no handoff with that link. It may have been erased.")
    return handoff


@router.get("", response_class=HTMLResponse)
async def queue(request: Request) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        rows = queue_rows(session)
        audit_queue_view(request, session, user, rows)
        session.commit()
    return page(request, "handoffs.html", rows=rows)


def view_context(session: Session, handoff: Handoff, user: dict[str, str]) -> dict[str, Any]:
    words, colour = STATUS_WORDS[HandoffStatus(handoff.status)]
    workers = [] if user["role"] != Role.ADMIN else list(session.scalars(
        select(ConsoleUser.username)
        .where(ConsoleUser.active.is_(True), ConsoleUser.role.in_((Role.LINK_WORKER, Role.ADMIN)))
        .order_by(ConsoleUser.username)))
    return {
        "h": handoff, "status_words": words, "status_colour": colour,
        "reason": casefile.REASON_WORDS.get(handoff.reason, handoff.reason),
        "shared": casefile.shared_context(session, handoff), "lines": casefile.conversation(session, handoff),
        "notes": life.notes_for(session, handoff.person_id), "ref": handoff.person_id[:6].upper(),
        "active": handoff.status in HANDOFF_ACTIVE, "held": handoff.status in HANDOFF_HELD,
        "mine": handoff.claimed_by == user["username"], "can_reply": _may_write(handoff, user),
        "waited": casefile.waited(handoff.created_at, utcnow()), "created_at": casefile.aware(handoff.created_at),
        "out_of_hours": casefile.out_of_hours(handoff.created_at), "outcome_words": OUTCOME_WORDS,
        "workers": workers, "opted_out": _opted_out(session, handoff),
    }


def _opted_out(session: Session, handoff: Handoff) -> bool:
    address = life.reply_address(session, handoff.person_id)
    return address is None or address.opted_out


def _may_write(handoff: Handoff, user: dict[str, str]) -> bool:
    return handoff.status in HANDOFF_HELD and (handoff.claimed_by == user["username"] or user["role"] == Role.ADMIN)


@router.get("/{handoff_id}", response_class=HTMLResponse)
async def view(request: Request, handoff_id: str) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        context = view_context(session, handoff, user)
        audit(session, user["username"], "view_person", "person", handoff.person_id, handoff=handoff.id)
        session.commit()
        done = request.query_params.get("done", "")
        flash = FLASH.get(done)
        taken = (f"{handoff.claimed_by} has already claimed this handoff."
                 if done == "taken" and handoff.claimed_by else None)
        return page(request, "handoff.html", flash=flash, taken=taken, **context)


@router.post("/{handoff_id}/claim")
async def claim(request: Request, handoff_id: str, csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        _load(session, handoff_id)
        result = life.claim(session, handoff_id, user["username"])
        if result.ok:
            audit(session, user["username"], "claim", "handoff", handoff_id)
        session.commit()
    done = "claimed" if result.ok else "taken"
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done={done}", status_code=303)


@router.post("/{handoff_id}/reassign")
async def reassign(request: Request, handoff_id: str, to: str = Form(...), csrf: str = Form("")) -> Response:
    user = require_user(request, Role.ADMIN)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        target = session.scalar(select(ConsoleUser).where(ConsoleUser.username == to, ConsoleUser.active.is_(True)))
        if target is None or target.role not in (Role.LINK_WORKER, Role.ADMIN):
            raise HTTPException(400, "Choose a link worker to give this handoff to.")
        before = handoff.claimed_by
        if not life.reassign(session, handoff_id, to):
            raise HTTPException(409, "This handoff is finished, so it cannot be reassigned.")
        audit(session, user["username"], "reassign", "handoff", handoff_id, claimed_by=[before, to])
        session.commit()
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done=reassigned", status_code=303)


@router.post("/{handoff_id}/reply")
async def reply(request: Request, handoff_id: str, message: str = Form(""), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    text = to_gsm7(message.strip())
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        problem = None
        if not _may_write(handoff, user):
            problem = ("Claim this handoff before you reply." if handoff.status == HandoffStatus.OPEN else
                       f"{handoff.claimed_by} holds this conversation." if handoff.status in HANDOFF_HELD else
                       "This handoff is finished. The bot is answering this person again.")
        elif not text:
            problem = "Enter a message to send."
        elif count_segments(text).segments > 3:
            problem = "The message is too long for three text messages. Please make it shorter."
        address = life.reply_address(session, handoff.person_id)
        if problem is None and address is None:
            problem = "This person can no longer be reached."
        if problem is not None:
            context = view_context(session, handoff, user)
            return page(request, "handoff.html", status_code=400, errors={"message": problem}, draft=message, **context)
        assert address is not None
        out = enqueue(session, address, text, kind=MessageKind.HUMAN)
        if address.opted_out:  # honest from the first moment: it will never be sent
            out.status = OutboundStatus.SUPPRESSED
        life.mark_in_conversation(handoff)
        audit(session, user["username"], "reply", "handoff", handoff_id, outbound_id=out.id,
              segments=count_segments(text).segments)
        opted_out = address.opted_out
        session.commit()
    request.app.state.outbox.notify()
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done={'not_sent' if opted_out else 'sent'}#conversation",
                            status_code=303)


@router.get("/{handoff_id}/hand-back", response_class=HTMLResponse)
async def hand_back_form(request: Request, handoff_id: str) -> Response:
    require_user(request, ROLE)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        return page(request, "hand_back.html", h=handoff, ref=handoff.person_id[:6].upper())


@router.post("/{handoff_id}/hand-back")
async def hand_back(request: Request, handoff_id: str, note: str = Form(""), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        _finish_check(handoff, user)
        life.hand_back(session, handoff, user["username"])
        if note.strip():
            life.add_note(session, handoff.person_id, user["username"], note, handoff.id)
        audit(session, user["username"], "hand_back", "handoff", handoff_id)
        session.commit()
    request.app.state.outbox.notify()
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done=handed_back", status_code=303)


def _finish_check(handoff: Handoff, user: dict[str, str]) -> None:
    if handoff.status not in HANDOFF_ACTIVE:
        raise HTTPException(409, "This handoff is already finished.")
    if handoff.status in HANDOFF_HELD and handoff.claimed_by != user["username"] and user["role"] != Role.ADMIN:
        raise HTTPException(403, f"{handoff.claimed_by} holds this conversation. Ask them, or an admin, to finish it.")


@router.get("/{handoff_id}/close", response_class=HTMLResponse)
async def close_form(request: Request, handoff_id: str) -> Response:
    require_user(request, ROLE)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        return page(request, "close.html", h=handoff, ref=handoff.person_id[:6].upper(), outcome_words=OUTCOME_WORDS)


@router.post("/{handoff_id}/close")
async def close(request: Request, handoff_id: str, outcome: str = Form(""), note: str = Form(""),
                csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        _finish_check(handoff, user)
        if outcome not in OUTCOME_WORDS:
            return page(request, "close.html", status_code=400, h=handoff, ref=handoff.person_id[:6].upper(),
                        outcome_words=OUTCOME_WORDS, errors={"outcome": "Choose how this handoff ended."}, note=note)
        life.close(session, handoff, user["username"], outcome)
        if note.strip():
            life.add_note(session, handoff.person_id, user["username"], note, handoff.id)
        audit(session, user["username"], "close", "handoff", handoff_id, outcome=outcome)
        session.commit()
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done=closed", status_code=303)


@router.post("/{handoff_id}/notes")
async def add_note(request: Request, handoff_id: str, note: str = Form(""), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        handoff = _load(session, handoff_id)
        if not note.strip():
            context = view_context(session, handoff, user)
            return page(request, "handoff.html", status_code=400, errors={"note": "Enter a note."}, **context)
        life.add_note(session, handoff.person_id, user["username"], note, handoff.id)
        audit(session, user["username"], "add_note", "person", handoff.person_id, handoff=handoff.id)
        session.commit()
    return RedirectResponse(f"/console/handoffs/{handoff_id}?done=noted#notes", status_code=303)

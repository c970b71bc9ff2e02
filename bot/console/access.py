"""Access and erasure requests (admins only): find a resident, see what is held, export it, erase it.

A resident asks "what do you hold about me?" or "delete me" by phone, letter or in person; the
admin finds them by the number they text from (any usual UK form) or their Telegram chat id,
sees how many records of each kind are held, downloads the complete export (JSON, from
bot/records/access.py, the Rasa transcript included) and, for erasure, confirms before
bot/policy/erasure.py deletes it and Rasa's copy is forgotten.

Every look-up, view, download and erasure is written to the audit log: who, when, which person.
The number typed is never stored or logged (the look-up is a POST, so it is not in any URL or
access log either); a look-up that finds no one is audited as such.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.channels import registry
from bot.console.auth import check_csrf, require_user
from bot.console.routes import page
from bot.dialogue.tracker_store import forget_conversation
from bot.logging_setup import log_event
from bot.models import AuditLog, Person, utcnow
from bot.policy.erasure import forget_person
from bot.records.access import export_person, find_people, summary
from bot.statuses import Role

router = APIRouter(prefix="/console/access")
ROLE = Role.ADMIN
ENTITY = "person"
FLASH = {"erased": "Erased. Everything we held about them has gone, apart from how to reach them and any opt-out, "
                   "so a STOP they sent still holds."}


def _page(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    names = {c.name: c.label or c.name for c in registry.channels()}
    return page(request, name, status_code=status_code, channel_names=names, **context)


def _audit(session: Session, actor: str, action: str, entity_id: str, **changes: Any) -> None:
    session.add(AuditLog(actor=actor, action=action, entity=ENTITY, entity_id=entity_id, changes=changes))


def _ref(person_id: str) -> str:
    return person_id[:6].upper()


def _load(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.pseudonym:
        raise HTTPException(404, "There is no one with that link. They may have been erased.")
    return person


def _found(person: Person) -> dict[str, Any]:
    return {"id": person.id, "ref": _ref(person.id), "created_at": person.created_at,
            "addresses": [(a.channel, a.address, a.opted_out) for a in person.addresses]}


@router.get("", response_class=HTMLResponse)
async def access_home(request: Request) -> Response:
    require_user(request, ROLE)
    return _page(request, "access.html", flash=FLASH.get(request.query_params.get("done", "")))


@router.post("", response_class=HTMLResponse)
async def look_up(request: Request, query: str = Form(""), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    if not query.strip():
        return _page(request, "access.html", status_code=400,
                    errors={"query": "Enter the phone number or Telegram chat ID they use"})
    with request.app.state.sessions() as session:
        people = find_people(session, query[:64])
        for person in people:
            _audit(session, user["username"], "access_lookup", person.id, matches=len(people))
        if not people:
            session.add(AuditLog(actor=user["username"], action="access_lookup", entity="person_lookup",
                                 entity_id="none", changes={"matches": 0}))
        found = [_found(p) for p in people]
        session.commit()
    log_event("access_lookup", role=user["role"], matches=len(found))
    return _page(request, "access.html", query=query, found=found, searched=True)


def _export(request: Request, session: Session, person_id: str) -> dict[str, Any]:
    try:
        return export_person(session, person_id, request.app.state.settings.rasa_tracker_db)
    except LookupError:
        raise HTTPException(404, "There is no one with that link. They may have been erased.") from None


@router.get("/{person_id}", response_class=HTMLResponse)
async def held(request: Request, person_id: str) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        person = _load(session, person_id)
        _audit(session, user["username"], "access_view", person.id)
        session.commit()
        data = _export(request, session, person_id)
        context: dict[str, Any] = {"person": _found(person), "consent_to_keep": person.consent_to_keep,
                                   "counts": summary(data)}
    return _page(request, "access_person.html", **context)


@router.get("/{person_id}/export.json")
async def download(request: Request, person_id: str) -> Response:
    user = require_user(request, ROLE)
    with request.app.state.sessions() as session:
        person = _load(session, person_id)
        _audit(session, user["username"], "access_export", person.id)
        session.commit()  # the download itself appears in the audit trail it carries
        data = _export(request, session, person_id)
    log_event("access_export", role=user["role"])
    exported_at = utcnow()
    body = {"exported_at": exported_at.isoformat(), "exported_by": user["username"], **data}
    name = f"subject-access-{_ref(person_id)}-{exported_at.date().isoformat()}.json"
    return Response(json.dumps(body, indent=2, ensure_ascii=False), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/{person_id}/erase", response_class=HTMLResponse)
async def erase_form(request: Request, person_id: str) -> Response:
    require_user(request, ROLE)
    with request.app.state.sessions() as session:
        person = _found(_load(session, person_id))
    return _page(request, "access_erase.html", person=person)


@router.post("/{person_id}/erase")
async def erase(request: Request, person_id: str, confirm: str = Form(""), csrf: str = Form("")) -> Response:
    user = require_user(request, ROLE)
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        person = _load(session, person_id)
        if confirm != "yes":
            return _page(request, "access_erase.html", status_code=400, person=_found(person),
                        errors={"confirm": "Tick the box to confirm you have checked who asked"})
        result = forget_person(session, person.id, "console")
        # Named by the erasure request, like the rest of the person's audit trail (bot/policy/erasure.py):
        # an audit row naming the erased id would itself be a row about them.
        _audit(session, user["username"], "erase", f"erased:{result.request_id}", erasure_request=result.request_id)
        session.commit()
    for conversation_id in result.conversation_ids_to_forget:  # Rasa's copy, now that ours is gone
        forget_conversation(request.app.state.settings.rasa_tracker_db, conversation_id)
    log_event("access_erased", role=user["role"])
    return RedirectResponse("/console/access?done=erased", status_code=303)

"""The application: channel webhooks, the gateway workers, the console and the HSDS API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from bot import api as directory_api
from bot import logging_setup
from bot.channels import registry
from bot.config import ConfigError, Settings, load_settings
from bot.console import access as console_access
from bot.console import directory as console_directory
from bot.console import handoffs as console_handoffs
from bot.console import live as console_live
from bot.console import outcomes as console_outcomes
from bot.console import routes as console_routes
from bot.console.auth import LoginRequired
from bot.db import DiskSync, session_factory
from bot.dialogue.lock_store import turn_in_progress
from bot.dialogue.rasa_client import RasaClient
from bot.dialogue.tracker_store import taken_turn, tracker_forgetter
from bot.gateway.outbox import OutboxWorker
from bot.gateway.person_lock import PersonLocks
from bot.gateway.processor import SWEEP_GRACE_SECONDS, Gateway
from bot.jobs.followups import FollowUpScheduler
from bot.jobs.retention import RetentionScheduler
from bot.jobs.send_window import FollowUpPolicy
from bot.policy import crisis
from bot.request_limits import BodySizeLimit


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logging_setup.configure(settings.log_level)
    safety = crisis.CrisisConfig.from_settings(settings)
    on = {c.name for c in registry.channels() if c.enabled(settings)}
    if safety.duty_contact and safety.duty_contact[0] not in on:  # an alert nobody could send is no alert
        raise ConfigError(f"DUTY_CONTACT names a channel that is not set up: {safety.duty_contact[0]!r}")
    crisis.configure(safety)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from bot.risk import warm_up

        warm_up()  # load the crisis classifier now, not on the first person's message
        sessions = session_factory(settings.database_url)
        # The message path commits without an fsync each time and syncs once for many, before any
        # webhook is answered or message sent (bot/db.py, DiskSync); the console and jobs commit durably.
        gateway_sessions = session_factory(settings.database_url, durable_commits=False)
        disk_sync = DiskSync(settings.database_url)
        rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds, concurrency=settings.rasa_concurrency)
        senders = registry.build_senders(settings)
        outbox = OutboxWorker(
            gateway_sessions, senders, settings.outbox_max_attempts,
            lease=timedelta(seconds=settings.outbox_lease_seconds), disk_sync=disk_sync,
        )
        person_locks = PersonLocks(settings.database_url, max_held=settings.person_lock_connections)
        gateway = Gateway(
            gateway_sessions, rasa, outbox, retry_seconds=settings.rasa_retry_seconds,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            forget_conversation=tracker_forgetter(settings.rasa_tracker_db),
            taken_turn=partial(taken_turn, settings.rasa_tracker_db),
            turn_in_progress=turn_in_progress(settings.rasa_lock_store_url) if settings.rasa_lock_store_url else None,
            person_locks=person_locks, sweep_grace_seconds=SWEEP_GRACE_SECONDS if person_locks.shared else 0.0,
            disk_sync=disk_sync,
            notice_version=settings.privacy_notice_version,
            holding_after_seconds=settings.holding_reply_seconds,
        )
        app.state.settings, app.state.sessions, app.state.gateway_sessions = settings, sessions, gateway_sessions
        app.state.gateway, app.state.outbox = gateway, outbox
        follow_ups = FollowUpScheduler(
            sessions, rasa, interval_seconds=settings.follow_up_interval_seconds, notify=outbox.notify,
            policy=FollowUpPolicy.from_settings(settings),
        )
        retention = RetentionScheduler(
            sessions, settings.rasa_tracker_db, no_consent_hours=settings.retention_no_consent_hours,
            message_days=settings.retention_message_days, interval_seconds=settings.retention_interval_seconds,
            pseudonymise_after_days=settings.pseudonymise_after_days,
        )
        tasks = [
            asyncio.create_task(outbox.run()),
            asyncio.create_task(gateway.sweep_forever()),
            asyncio.create_task(follow_ups.run()),
            asyncio.create_task(retention.run()),
        ]
        try:
            yield
        finally:
            gateway.stop()
            outbox.stop()
            follow_ups.stop()
            retention.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await outbox.finish_sending(timeout=5.0)
            await rasa.close()
            for sender in senders.values():
                await sender.aclose()

    # /openapi.json describes the public HSDS API only: console, webhooks and chat are left out.
    app = FastAPI(title="Community Connect", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="cc_console",
        same_site="strict", https_only=settings.secure_cookies, max_age=settings.console_session_hours * 3600,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _console_error_page(request: Request, exc: StarletteHTTPException) -> Response:
        # Console pages answer errors with a page in the console's layout; APIs keep JSON.
        if request.url.path.startswith("/console") and not request.url.path.endswith((".json", ".csv")):
            return console_routes.error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, HTTPException(exc.status_code, exc.detail, exc.headers))

    static = Path(__file__).resolve().parent / "static"
    app.mount("/static/nhsuk", StaticFiles(directory=static / "nhsuk"), name="nhsuk")
    app.mount("/static/console", StaticFiles(directory=static / "console"), name="console-static")
    # The design system's stylesheet asks for its icons at /assets/images/...
    app.mount("/assets", StaticFiles(directory=static / "nhsuk" / "assets"), name="nhsuk-assets")

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> JSONResponse:
        rasa_ok = await request.app.state.gateway._rasa.is_ready()
        return JSONResponse({"app": "ok", "rasa": "ok" if rasa_ok else "unavailable"})

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/chat", status_code=307)

    for channel in registry.channels():  # each answers 404 while the settings leave it off
        app.include_router(channel.router, include_in_schema=False)
    for console in (console_routes, console_live, console_handoffs, console_directory, console_outcomes, console_access):
        app.include_router(console.router, include_in_schema=False)
    app.include_router(directory_api.router)
    return app

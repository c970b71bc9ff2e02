"""`make run`: bring everything up on loopback with embedded defaults, and down again on Ctrl-C."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from bot.config import VAR_DIR, Settings
from bot.db import session_scope
from bot.devtools.demo import create_demo_users, load_demo_data, load_demo_outcomes
from bot.devtools.stack import Stack
from bot.devtools.training import ensure_model
from bot.migrate import upgrade


def _port(url: str) -> int:
    return urlparse(url).port or 80


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise SystemExit("make run uses SQLite for Rasa's tracker store; set RASA_TRACKER_DB_URL to a sqlite:/// URL")
    return Path(url.removeprefix("sqlite:///"))


def run(settings: Settings) -> int:
    # `make run` is the demo: demo mode is on unless DEMO_MODE was set off explicitly. The app it
    # starts reads the same variable, so its console accepts the demo logins printed below.
    if os.environ.get("DEMO_MODE", "") == "":
        os.environ["DEMO_MODE"] = "1"
        settings = replace(settings, demo_mode=True)
    print("==> Database migrations")
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        counts = load_demo_data(session)
        users = create_demo_users(session) if settings.demo_mode else []
        demo_people = load_demo_outcomes(session) if settings.demo_mode else 0
    print(f"==> Demo data: {counts['services']} directory services, {counts['postcodes']} SR postcodes")
    if demo_people:
        print(f"==> Demo outcomes: {demo_people} made-up people (shown as demo data on /console/outcomes)")
    model, trained = ensure_model()
    print(f"==> Rasa model: {model.name}" + (f" (trained in {trained:.0f}s)" if trained else " (unchanged, not retrained)"))

    tracker = settings.rasa_tracker_db
    stack = Stack(VAR_DIR / "logs", settings.database_url, sqlite_path(tracker) if tracker.startswith("sqlite") else tracker,
                  lock_store_url=settings.rasa_lock_store_url)
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start_actions(_port(settings.action_server_url))
        stack.wait_ready("actions", timeout=60)
        stack.start_rasa(model, _port(settings.rasa_url.split(",")[0]))
        stack.start_app(settings.app_port)
        print("==> Starting Rasa (about 30 seconds)...")
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app", timeout=60)
        app_url = stack.services["app"].url
        print(
            f"\nCommunity Connect is running.\n"
            f"  Web chat (behaves like an SMS phone): {app_url}/chat\n"
            f"  Console for link workers and curators: {app_url}/console\n"
            f"  Open Referral (HSDS 3.0) API:         {app_url}/api/\n"
            f"  Rasa: {stack.services['rasa'].url}   Action server: {stack.services['actions'].url}\n"
            f"  Logs: {VAR_DIR / 'logs'}"
        )
        if users:
            print("\nDemo console logins (demo data only):")
            for username, password, role in users:
                print(f"  {role.replace('_', ' '):12} {username} / {password}")
        print("\nPress Ctrl-C to stop.")
        while not stopping:
            for name, service in stack.services.items():
                if not service.is_running():
                    print(f"{name} stopped unexpectedly; see {service.log_path}")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("\nStopping...")
        stack.stop()
        print("Stopped.")

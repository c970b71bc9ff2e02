"""Command line for operators: `python -m bot.cli COMMAND` (see --help)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import ConfigError, load_settings
from bot.console.auth import ROLES
from bot.db import session_scope
from bot.models import ConsoleUser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("create-user", help="create a console user (an existing one only with --reset-password)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=list(ROLES))
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.add_argument("--reset-password", action="store_true",
                      help="if the user exists, give them this password and role (and log them out everywhere)")
    password = sub.add_parser("set-password", help="give a console user a new password (logs them out everywhere)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    role = sub.add_parser("set-role", help="change a console user's role (logs them out everywhere)")
    role.add_argument("username")
    role.add_argument("role", choices=list(ROLES))
    deactivate = sub.add_parser("deactivate-user", help="stop a console user logging in (ends their sessions now)")
    deactivate.add_argument("username")
    totp = sub.add_parser("totp-enrol", help="turn on two-step login for a user (admins): prints the otpauth URI")
    totp.add_argument("username")
    sub.add_parser("load-demo", help="DEMO_MODE only: SR postcodes, the demo directory, demo logins and outcomes")
    export = sub.add_parser("export-person", help="print everything held about one person as JSON (subject access)")
    export.add_argument("person", help="a phone number (07..., +447...), a Telegram chat id, or an internal person id")
    erase = sub.add_parser("erase-person", help="erase everything held about one person")
    erase.add_argument("person", help="a phone number (07..., +447...), a Telegram chat id, or an internal person id")
    sub.add_parser("purge-expired", help="delete what is past its retention time now (the app also does this hourly)")
    sub.add_parser("run", help="set up and start Rasa, the action server and the app (what `make run` does)")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2

    if args.command == "migrate":
        from bot.migrate import upgrade

        upgrade(settings.database_url)
        print("Database is up to date.")
    elif args.command in {"create-user", "set-password", "set-role", "deactivate-user", "totp-enrol"}:
        return _user_command(args, settings.database_url)
    elif args.command == "load-demo":
        if not settings.demo_mode:
            print("load-demo adds made-up listings, people and logins with published passwords, so it only "
                  "runs with DEMO_MODE=1. For real postcodes use `python -m community_directory load-postcodes`.",
                  file=sys.stderr)
            return 2
        from bot.devtools.demo import create_demo_users, load_demo_data, load_demo_outcomes

        with session_scope(settings.database_url) as session:
            counts = load_demo_data(session)
            create_demo_users(session)
            demo_people = load_demo_outcomes(session)
        print(f"Loaded {counts['postcodes']} postcodes and {counts['services']} directory services.")
        if demo_people:
            print(f"Added {demo_people} made-up people to the demo outcomes report.")
    elif args.command == "export-person":
        from bot.models import AuditLog
        from bot.records.access import export_person

        with session_scope(settings.database_url) as session:
            person_id = _one_person(session, args.person)
            if person_id is None:
                return 1
            session.add(AuditLog(actor="cli", action="access_export", entity="person", entity_id=person_id))
            session.flush()
            print(json.dumps(export_person(session, person_id, settings.rasa_tracker_db), indent=2))
    elif args.command == "erase-person":
        from bot.dialogue.tracker_store import forget_conversation
        from bot.models import AuditLog
        from bot.policy.erasure import forget_person

        with session_scope(settings.database_url) as session:
            person_id = _one_person(session, args.person)
            if person_id is None:
                return 1
            result = forget_person(session, person_id, "console")
            session.add(AuditLog(actor="cli", action="erase", entity="person", entity_id=f"erased:{result.request_id}",
                                 changes={"erasure_request": result.request_id}))
        for conversation_id in result.conversation_ids_to_forget:
            forget_conversation(settings.rasa_tracker_db, conversation_id)
        print("Erased.")
    elif args.command == "purge-expired":
        from bot.db import session_factory
        from bot.jobs.retention import purge_expired

        purged = purge_expired(
            session_factory(settings.database_url), settings.rasa_tracker_db,
            no_consent_hours=settings.retention_no_consent_hours, message_days=settings.retention_message_days,
            pseudonymise_after_days=settings.pseudonymise_after_days,
        )
        for name, value in vars(purged).items():
            print(f"{name.replace('_', ' ')}: {value}")
    elif args.command == "run":
        from bot.devtools.devserver import run

        return run(settings)
    return 0


def _one_person(session: Session, given: str) -> str | None:
    """The one person a phone number, Telegram chat id or internal id names; None (said why) otherwise."""
    from bot.records.access import find_person_by_id_or_address

    found = find_person_by_id_or_address(session, given)
    if len(found) == 1:
        return found[0].id
    if not found:
        print("No one is held under that phone number, Telegram chat id or person id.", file=sys.stderr)
    else:
        print("More than one person matches; give one of these person ids instead:", file=sys.stderr)
        for person in found:
            print(f"  {person.id}", file=sys.stderr)
    return None


def _read_password(from_stdin: bool) -> str:
    return sys.stdin.readline().rstrip("\n") if from_stdin else getpass.getpass("Password: ")


def _user_command(args: argparse.Namespace, database_url: str) -> int:
    """Console accounts; every change that alters what a user may do ends their sessions."""
    from bot.console import auth

    try:
        with session_scope(database_url) as session:
            if args.command == "create-user":
                password = _read_password(args.password_stdin)
                existed = args.reset_password and session.scalar(
                    select(ConsoleUser).where(ConsoleUser.username == args.username)) is not None
                auth.create_user(session, args.username, password, args.role, reset_password=args.reset_password)
                done = (f"User {args.username} ({args.role}) had their password reset and was logged out everywhere."
                        if existed else f"User {args.username} ({args.role}) is ready.")
            elif args.command == "set-password":
                ended = auth.set_password(session, args.username, _read_password(args.password_stdin))
                done = f"Password changed for {args.username}; {ended} session(s) ended."
            elif args.command == "set-role":
                ended = auth.set_role(session, args.username, args.role)
                done = f"{args.username} is now {args.role}; {ended} session(s) ended."
            elif args.command == "deactivate-user":
                ended = auth.deactivate_user(session, args.username)
                done = f"{args.username} can no longer log in; {ended} session(s) ended."
            else:
                uri = auth.enrol_totp(session, args.username)
                done = ("Two-step login is on. Add this to an authenticator app (or make a QR code of it); "
                        f"from now on the login asks for its 6-digit code:\n{uri}")
    except ValueError as exc:
        print(f"Not done: {exc}", file=sys.stderr)
        return 1
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main())

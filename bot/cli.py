"""Command line for operators: `python -m bot.cli COMMAND` (see --help)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from bot.config import ConfigError, load_settings
from bot.console.auth import ROLES
from bot.db import session_scope


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("create-user", help="create or update a console user")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=list(ROLES))
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("load-demo", help="load SR postcodes, the demo directory and demo console users")
    export = sub.add_parser("export-person", help="print everything held about one person as JSON")
    export.add_argument("person_id")
    erase = sub.add_parser("erase-person", help="erase everything held about one person")
    erase.add_argument("person_id")
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
    elif args.command == "create-user":
        from bot.console.auth import create_user

        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
        try:
            with session_scope(settings.database_url) as session:
                create_user(session, args.username, password, args.role)
        except ValueError as exc:
            print(f"Not created: {exc}", file=sys.stderr)
            return 1
        print(f"User {args.username} ({args.role}) is ready.")
    elif args.command == "load-demo":
        from bot.devtools.demo import create_demo_users, load_demo_data, load_demo_outcomes

        with session_scope(settings.database_url) as session:
            counts = load_demo_data(session)
            create_demo_users(session)
            demo_people = load_demo_outcomes(session) if settings.demo_mode else 0
        print(f"Loaded {counts['postcodes']} postcodes and {counts['services']} directory services.")
        if demo_people:
            print(f"Added {demo_people} made-up people to the demo outcomes report.")
    elif args.command == "export-person":
        from bot.records.erasure import export_person

        with session_scope(settings.database_url) as session:
            print(json.dumps(export_person(session, args.person_id), indent=2))
    elif args.command == "erase-person":
        from bot.dialogue.tracker_store import forget_conversation
        from bot.policy.erasure import forget_person

        with session_scope(settings.database_url) as session:
            try:
                result = forget_person(session, args.person_id, "console")
            except LookupError as exc:
                print(f"Not erased: {exc}", file=sys.stderr)
                return 1
        for conversation_id in result.conversation_ids_to_forget:
            forget_conversation(settings.rasa_tracker_db, conversation_id)
        print("Erased.")
    elif args.command == "purge-expired":
        from bot.db import session_factory
        from bot.jobs.retention import purge_expired

        counts = purge_expired(
            session_factory(settings.database_url), settings.rasa_tracker_db,
            no_consent_hours=settings.retention_no_consent_hours, message_days=settings.retention_message_days,
        )
        for name, value in vars(counts).items():
            print(f"{name.replace('_', ' ')}: {value}")
    elif args.command == "run":
        from bot.devtools.devserver import run

        return run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

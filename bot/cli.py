"""Command line for operators: `python -m bot.cli COMMAND` (see --help)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from bot.config import ConfigError, load_settings
from bot.db import session_scope


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("create-user", help="create or update a console user")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["link_worker", "curator", "admin"])
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("load-demo", help="load SR postcodes, the demo directory and demo console users")
    export = sub.add_parser("export-person", help="print everything held about one person as JSON")
    export.add_argument("person_id")
    erase = sub.add_parser("erase-person", help="erase everything held about one person")
    erase.add_argument("person_id")
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
        from bot.demo import create_demo_users, load_demo_data

        with session_scope(settings.database_url) as session:
            counts = load_demo_data(session)
            create_demo_users(session)
        print(f"Loaded {counts['postcodes']} postcodes and {counts['services']} directory services.")
    elif args.command == "export-person":
        from bot.records.erasure import export_person

        with session_scope(settings.database_url) as session:
            print(json.dumps(export_person(session, args.person_id), indent=2))
    elif args.command == "erase-person":
        from bot.records.erasure import erase_person
        from bot.rasa_tracker import forget_conversation
        from bot.models import Person

        with session_scope(settings.database_url) as session:
            person = session.get(Person, args.person_id)
            old_conversation = person.conversation_id if person else None
            erase_person(session, args.person_id, "console")
        if old_conversation:
            forget_conversation(settings.rasa_tracker_db, old_conversation)
        print("Erased.")
    elif args.command == "run":
        from bot.devserver import run

        return run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

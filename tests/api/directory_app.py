"""A migrated database holding the demo directory and the SR postcodes, and an app over it.

Building it takes about two seconds, so it is built once per run and copied for each user.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from bot.app import create_app
from bot.config import load_settings
from bot.migrate import upgrade
from community_directory.database import make_engine
from community_directory.demo import load_demo
from community_directory.geography import load_nspl

_TEMPLATE: dict[str, Path] = {}


def demo_database(folder: Path, target: Path) -> str:
    """Copy the demo database (built into `folder` on first use) to `target`; returns its URL."""
    if "db" not in _TEMPLATE:
        template = folder / "demo_directory.db"
        url = f"sqlite:///{template}"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_nspl(session)
            load_demo(session)
            session.commit()
        engine.dispose()  # checkpoints the WAL, so copying the one file is enough
        _TEMPLATE["db"] = template
    shutil.copyfile(_TEMPLATE["db"], target)
    return f"sqlite:///{target}"


def make_app(database_url: str):  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(load_settings(), database_url=database_url, rasa_url="http://127.0.0.1:9")
    return create_app(settings)

"""The directory library's edges: one engine factory, one writer, dependencies pointing one way."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import text

import bot.db
from community_directory import database

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(folder: Path) -> dict[Path, set[str]]:
    """Every module each .py file under `folder` imports (top-level and inside functions)."""
    found: dict[Path, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def test_the_application_uses_the_library_s_engine_factory() -> None:
    assert bot.db.make_engine is database.make_engine
    assert bot.db.engine_for is database.engine_for and bot.db.session_scope is database.session_scope


def test_every_sqlite_connection_gets_the_same_settings(tmp_path: Path) -> None:
    """The benchmark's database is opened exactly as the action server's, pragmas and all."""
    engine = database.make_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    with engine.connect() as conn:
        settings = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("foreign_keys", "journal_mode", "busy_timeout", "cache_size")}
    engine.dispose()
    assert settings == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000, "cache_size": -65536}


def test_the_library_imports_no_application_and_no_web_code() -> None:
    for path, names in imported_modules(ROOT / "community_directory").items():
        bad = {n for n in names if n.split(".")[0] in ("bot", "actions", "fastapi", "starlette", "jinja2")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_console_uses_the_listing_editor_not_demo_code_or_its_own_writes() -> None:
    for path, names in imported_modules(ROOT / "bot" / "console").items():
        assert not any(n.startswith("community_directory.demo") for n in names), path.name
        assert "community_directory.search_index" not in names, path.name  # index refreshes belong to the writer
    source = (ROOT / "bot" / "console" / "directory.py").read_text(encoding="utf-8")
    assert "session.add(" not in source.replace("session.add(AuditLog", "")  # the audit log is the app's own

"""Database engine and sessions for the application, the action server and the CLIs.

There is one engine factory, in the directory library (community_directory/database.py), so
the app, the action server and the directory benchmark all run with the same SQLite settings.
This module is the application's name for it.
"""

from __future__ import annotations

from community_directory.database import dispose_engines, engine_for, make_engine, session_factory, session_scope

__all__ = ["dispose_engines", "engine_for", "make_engine", "session_factory", "session_scope"]

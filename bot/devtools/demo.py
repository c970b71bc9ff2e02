"""Demo set-up for `make run`: postcodes, the demo directory, console logins and demo outcomes.

Demo logins and made-up outcomes are only created when DEMO_MODE is on (off by default;
`make run` turns it on), and the console refuses demo logins whenever it is off. Demo people's
consent rows carry the channel "demo", so the outcomes page can say how many of the people it
counts are made up. Each step is idempotent, so running it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.console.auth import create_user
from bot.statuses import Role

DEMO_USERS = (
    ("linkworker", "linkworker-demo-1", Role.LINK_WORKER),
    ("curator", "curator-demo-1", Role.CURATOR),
    ("partner", "partner-demo-1", Role.PARTNER),
    ("admin", "admin-demo-123", Role.ADMIN),
)
NSPL_FILE = PROJECT_ROOT / "community_directory" / "data" / "nspl" / "NSPL_NOV_2021_UK_SR.csv"


def load_demo_data(session: Session) -> dict[str, int]:
    from community_directory.demo import load_demo
    from community_directory.geography import Postcode, load_nspl
    from community_directory.models import Service

    counts: dict[str, int] = {}
    if not session.scalar(select(func.count()).select_from(Postcode)):
        load_nspl(session, NSPL_FILE)
    counts["postcodes"] = session.scalar(select(func.count()).select_from(Postcode)) or 0
    load_demo(session)
    counts["services"] = session.scalar(select(func.count()).select_from(Service)) or 0
    return counts


def create_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """The demo logins (marked demo, so the console refuses them unless DEMO_MODE is on)."""
    from bot.models import ConsoleUser

    for username, password, role in DEMO_USERS:
        if session.scalar(select(ConsoleUser).where(ConsoleUser.username == username)) is None:
            create_user(session, username, password, role, demo=True, actor="demo")
    return list(DEMO_USERS)


def load_demo_outcomes(session: Session) -> int:
    """Made-up people with goals, check-ins and scores, so the outcomes page has something to show."""
    from bot.devtools.demo_outcomes import seed_demo_outcomes

    return seed_demo_outcomes(session)

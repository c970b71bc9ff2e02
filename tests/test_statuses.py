"""Status and kind values are defined once, in bot/statuses.py.

Two nets. Every database fixture checks, when its test ends, that each stored status, kind,
reason, purpose and role is a member of its column's enum (tests/stored_values.py); the first
tests here prove that check really catches a stray value. The static scan below covers code the
suites may not run: any string literal the code assigns or compares to those fields, or passes
where one is expected, must be an enum value.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import session_factory
from bot.models import Base
from bot.statuses import (
    DELIVERY_ORDER,
    ConsentPurpose,
    FollowUpStatus,
    GoalStatus,
    HandoffReason,
    HandoffStatus,
    InboundStatus,
    MessageKind,
    OutboundStatus,
    OutcomeKind,
    Role,
)
from tests.stored_values import enum_columns, unknown_values

ROOT = Path(__file__).resolve().parents[1]


def test_the_stored_value_check_catches_a_value_no_enum_defines(tmp_path: Path) -> None:
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'stray.db'}"
    upgrade(url)
    with session_factory(url)() as session:
        session.execute(text("INSERT INTO person (id, conversation_id, created_at) VALUES ('p1', 'c1', '2026-01-01')"))
        session.execute(text(
            "INSERT INTO handoff (id, person_id, reason, urgent, status, context, created_at)"
            " VALUES ('h1', 'p1', 'crisis', 0, 'reopened', '{}', '2026-01-01')"
        ))
        session.execute(text(
            "INSERT INTO channel_address (id, person_id, channel, address, opted_out, created_at)"
            " VALUES ('a1', 'p1', 'pigeon', 'x', 0, '2026-01-01')"
        ))
        session.commit()
    assert unknown_values(url) == ["channel_address.channel='pigeon'", "handoff.status='reopened'"]


def test_every_status_kind_reason_purpose_and_role_column_names_its_enum() -> None:
    named = {f"{c.table.name}.{c.name}" for c in enum_columns()}
    fields = {"status", "kind", "reason", "purpose", "role", "precheck", "outcome"}
    ours = {
        f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns
        if c.name in fields and t.name != "delivery_event"  # the provider's own word, kept as reported
    }
    assert named == ours
    for column in enum_columns():
        default = column.default.arg if column.default is not None else None
        assert default is None or default in column.info["enum"].values(), column


def test_values_are_the_stored_strings_and_fit_their_columns() -> None:
    assert OutboundStatus.QUEUED == "queued" and f"{MessageKind.FOLLOW_UP}" == "follow_up"
    for column in enum_columns():
        assert all(len(v) <= column.type.length for v in column.info["enum"].values()), column


def test_delivery_order_ranks_every_outbound_status_and_receipts_win_over_failures() -> None:
    assert set(DELIVERY_ORDER) == set(OutboundStatus)
    order = DELIVERY_ORDER
    assert order[OutboundStatus.QUEUED] < order[OutboundStatus.SENT] < order[OutboundStatus.UNDELIVERED]
    assert order[OutboundStatus.UNDELIVERED] == order[OutboundStatus.FAILED] < order[OutboundStatus.DELIVERED]


# -- the static scan ---------------------------------------------------------------------------
STATUSES = {*InboundStatus.values(), *OutboundStatus.values(), *GoalStatus.values(), *FollowUpStatus.values(),
            *HandoffStatus.values()}
FIELDS: dict[str, set[str]] = {
    "status": STATUSES,
    "kind": {*MessageKind.values(), *OutcomeKind.values()},
    "reason": set(HandoffReason.values()),
    "purpose": set(ConsentPurpose.values()),
    "role": set(Role.values()),
}
# Functions that take one of these values by position: name -> (index, allowed values).
POSITIONAL = {
    "request_handoff": (2, set(HandoffReason.values())),
    "record_outcome": (2, set(OutcomeKind.values())),
    "record_consent": (2, set(ConsentPurpose.values())),
    "current_consents": (2, set(ConsentPurpose.values())),
    "active_consent": (2, set(ConsentPurpose.values())),
    "create_user": (3, set(Role.values())),
}
# HSDS statuses (services, postcodes) belong to community_directory, not to bot/statuses.py:
# the files that handle only those, and the name our code gives a postcode look-up's result.
HSDS_FILES = ("bot/api/", "bot/console/directory")
NOT_OURS = {"found"}  # `found = lookup_postcode(...)`: found.status is "ok", "terminated", ...


def _field(node: ast.expr) -> str | None:
    if not isinstance(node, ast.Attribute) or node.attr not in FIELDS:
        return None
    return None if isinstance(node.value, ast.Name) and node.value.id in NOT_OURS else node.attr


def _strings(node: ast.expr) -> list[ast.Constant]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [n for e in node.elts for n in _strings(e)]
    return []


def literal_uses(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, field, literal) for each string given as a status/kind/reason/purpose/role."""
    uses: list[tuple[int, str, str]] = []

    def add(name: str, value: ast.expr) -> None:
        uses.extend((c.lineno, name, str(c.value)) for c in _strings(value))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets, values = ([target], [node.value])
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    targets, values = list(target.elts), list(node.value.elts)
                for t, v in zip(targets, values, strict=False):
                    if (name := _field(t)) is not None:
                        add(name, v)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for name in filter(None, map(_field, sides)):
                for side in sides:
                    if _field(side) is None:
                        add(name, side)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in FIELDS:
                    add(keyword.arg, keyword.value)
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if func in POSITIONAL and len(node.args) > POSITIONAL[func][0]:
                add(func, node.args[POSITIONAL[func][0]])
    return uses


def _allowed(name: str) -> set[str]:
    return FIELDS[name] if name in FIELDS else POSITIONAL[name][1]


def test_the_scan_finds_literals_in_each_form_it_checks() -> None:
    code = (
        'm.status = "queud"\nm.kind, m.x = "reply", 1\nif h.status != "closd": pass\n'
        'enqueue(s, a, "hi", kind="sistem")\nrequest_handoff(s, p, "bored")\nf.status in ("sent", "answerd")\n'
    )
    bad = [(line, name, value) for line, name, value in literal_uses(ast.parse(code)) if value not in _allowed(name)]
    assert [value for _, _, value in bad] == ["queud", "closd", "sistem", "bored", "answerd"]


@pytest.mark.parametrize("folder", ["bot", "actions"])
def test_every_literal_the_code_assigns_is_an_enum_value(folder: str) -> None:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(HSDS_FILES):
            continue
        for line, name, value in literal_uses(ast.parse(path.read_text())):
            if value not in _allowed(name):
                found.append(f"{rel}:{line} {name}={value!r}")
    assert found == []

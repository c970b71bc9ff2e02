"""Conversation scenarios end to end: residents' conversations played against the real stack.

    PYTHONPATH=. .venv/app/bin/python -m bench.scenarios [--split dev|held_out|all] [--only ID] [--min-rate 0.9]

Starts the real Rasa server (the trained model), the real action server and the app with the
demo directory, exactly as the end-to-end tests do, then plays every scenario in
tests/scenarios/<split>.yml through a fresh web-chat session (which renders replies as SMS
would). It recognises the bot's questions from domain/responses.yml, reads the listing names
of every set of matches shown, answers optional questions from the scenario's
`optional_answers`, and checks the expectations (format: tests/scenarios/README.md) with the
listing kinds in tests/scenarios/kinds.yml.

Prints PASS/FAIL per scenario with what failed and what was shown, then the pass rate per split,
and writes results/scenarios/<split>.json. A benchmark: exits 0 whatever the rate, unless
--min-rate is given and the held-out pass rate is below it (exit 1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = ROOT / "tests" / "scenarios"
KINDS_FILE = SCENARIO_DIR / "kinds.yml"
SPLITS = ("dev", "held_out")
RESULTS_DIR = ROOT / "results" / "scenarios"
RESPONSES_FILE = ROOT / "domain" / "responses.yml"

# The questions the runner recognises, by the responses that ask them. Texts come from
# domain/responses.yml, so a reworded question is still recognised.
QUESTION_RESPONSES: dict[str, tuple[str, ...]] = {
    "consent": ("utter_ask_consent_given",),
    "needs": ("utter_ask_needs", "utter_needs_not_understood", "utter_ask_different"),
    "place": ("utter_ask_location", "utter_location_not_found"),
    "preference": ("utter_ask_preferences",),
    "goal": ("utter_ask_goal_text",),
    "goal_confirm": ("utter_ask_goal_confirmed",),
    "checkin": ("utter_ask_checkin_period",),
    "score": ("utter_ask_wellbeing_score",),
}
# Questions written by actions rather than responses.yml (actions/needs_form.py).
EXTRA_QUESTION_TEXTS: dict[str, tuple[str, ...]] = {
    "place": ("Sorry, I could not find that postcode",),
}
QUESTION_KINDS = frozenset(QUESTION_RESPONSES)
# A question asked again straight after the resident answered it means the answer was not heard.
NOT_TWICE = ("consent", "needs", "place", "preference")
HOLDING_TEXT = "I am a bit slow right now"

TOP_LEVEL_KEYS = frozenset({
    "top3_any", "top3_all_of_any", "top3_none", "max_miles", "reply_contains_any", "reply_not_contains",
    "asks", "asks_not", "never_asks_twice", "kept_needs_include", "kept_nothing",
})
TURN_KEYS = frozenset({
    "top3_any", "top3_all_of_any", "top3_none", "max_miles", "reply_contains_any", "reply_not_contains",
})
KIND_LIST_KEYS = ("top3_any", "top3_all_of_any", "top3_none")
MATCH_LINE = re.compile(r"^([1-9])\) (.+?)\. ", re.MULTILINE)
MILES = re.compile(r"(\d+(?:\.\d+)?) miles away")


# -- loading and validating -----------------------------------------------------------------------


def load_kinds(path: Path = KINDS_FILE) -> dict[str, re.Pattern[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["kinds"]
    return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in raw.items()}


def load_split(split: str, directory: Path = SCENARIO_DIR) -> list[dict[str, Any]]:
    data = yaml.safe_load((directory / f"{split}.yml").read_text(encoding="utf-8"))
    return list(data["scenarios"])


def turn_parts(turn: Any) -> tuple[str, dict[str, Any], str | None]:
    """(text, per-turn expectations, if_asked) of one turn, a string or a mapping."""
    if isinstance(turn, str):
        return turn, {}, None
    return str(turn["say"]), dict(turn.get("expect") or {}), turn.get("if_asked")


def problems(scenario: dict[str, Any], kinds: dict[str, Any]) -> list[str]:
    """What is wrong with one scenario's format (empty when it is fine)."""
    sid = scenario.get("id", "?")
    out: list[str] = []
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(scenario.get("id", ""))):
        out.append(f"{sid}: id must be kebab-case")
    if not scenario.get("about"):
        out.append(f"{sid}: no about")
    unknown = set(scenario) - {"id", "about", "turns", "optional_answers", "expect"}
    if unknown:
        out.append(f"{sid}: unknown fields {sorted(unknown)}")
    turns = scenario.get("turns") or []
    if not turns:
        out.append(f"{sid}: no turns")
    for n, turn in enumerate(turns):
        if isinstance(turn, dict):
            extra = set(turn) - {"say", "expect", "if_asked"}
            if extra or "say" not in turn:
                out.append(f"{sid}: turn {n} must have say and only say/expect/if_asked")
                continue
            if turn.get("if_asked") is not None and turn["if_asked"] not in QUESTION_KINDS:
                out.append(f"{sid}: turn {n} if_asked {turn['if_asked']!r} is not a question kind")
            bad = set(turn.get("expect") or {}) - TURN_KEYS
            if bad:
                out.append(f"{sid}: turn {n} unknown expectations {sorted(bad)}")
            out += _kind_problems(sid, turn.get("expect") or {}, kinds)
        elif not isinstance(turn, str):
            out.append(f"{sid}: turn {n} must be a string or a mapping")
    optional = scenario.get("optional_answers") or {}
    for key in optional:
        if key not in QUESTION_KINDS:
            out.append(f"{sid}: optional answer for unknown question {key!r}")
    expect = scenario.get("expect") or {}
    bad = set(expect) - TOP_LEVEL_KEYS
    if bad:
        out.append(f"{sid}: unknown expectations {sorted(bad)}")
    out += _kind_problems(sid, expect, kinds)
    for key in ("asks", "asks_not"):
        for q in expect.get(key) or []:
            if q not in QUESTION_KINDS:
                out.append(f"{sid}: {key} names unknown question {q!r}")
    if expect.get("kept_nothing") and expect.get("kept_needs_include"):
        out.append(f"{sid}: kept_nothing and kept_needs_include contradict")
    return out


def _kind_problems(sid: str, expect: dict[str, Any], kinds: dict[str, Any]) -> list[str]:
    out = []
    for key in KIND_LIST_KEYS:
        for kind in expect.get(key) or []:
            if kind not in kinds:
                out.append(f"{sid}: {key} names unknown kind {kind!r}")
    return out


# -- reading what the bot says ---------------------------------------------------------------------


def question_patterns(path: Path = RESPONSES_FILE) -> dict[str, list[re.Pattern[str]]]:
    responses = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for kind, names in QUESTION_RESPONSES.items():
        # A question asked again in other words (utter_ask_<slot>_again, actions/asking.py) is the same question.
        names = tuple(names) + tuple(f"{name}_again" for name in names)
        texts = [variant["text"] for name in names for variant in responses.get(name, []) if variant.get("text")]
        texts += EXTRA_QUESTION_TEXTS.get(kind, ())
        patterns[kind] = [_pattern(text) for text in texts]
    return patterns


def _pattern(text: str) -> re.Pattern[str]:
    # "{slot}" placeholders match anything; the first sentence is enough to know the question.
    parts = re.split(r"\{[a-z_]+\}", text)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


@dataclass
class Shown:
    names: list[str]
    texts: list[str]
    miles: list[float]


def matches_in(replies: list[str]) -> list[Shown]:
    """Every set of numbered matches in these replies, in order ("1) Name. When. Where...")."""
    sets: list[Shown] = []
    current: Shown | None = None
    for text in replies:
        found = MATCH_LINE.match(text)
        if not found:
            continue
        if found.group(1) == "1" or current is None:
            current = Shown([], [], [])
            sets.append(current)
        current.names.append(found.group(2).strip())
        current.texts.append(text)
        current.miles += [float(m) for m in MILES.findall(text)]
    return sets


def kinds_of(name: str, kinds: dict[str, re.Pattern[str]]) -> list[str]:
    return [k for k, rx in kinds.items() if rx.search(name)]


# -- playing one scenario -------------------------------------------------------------------------


@dataclass
class Exchange:
    sent: str
    replies: list[str]
    asked: list[str]  # question kinds asked anywhere in the replies
    last_asked: list[str]  # question kinds asked by the last reply (the question now open)
    scripted: bool  # False: an optional answer the runner sent
    turn: int | None  # index of the scripted turn this belongs to


@dataclass
class Outcome:
    id: str
    split: str
    passed: bool
    failures: list[str]
    exchanges: list[Exchange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None

    def shown(self) -> list[list[str]]:
        return [s.names for e in self.exchanges for s in matches_in(e.replies)]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "split": self.split, "passed": self.passed, "failures": self.failures,
            "error": self.error, "shown": self.shown(), "skipped_turns": self.skipped,
            "transcript": [
                {"sent": e.sent, "scripted": e.scripted, "asked": e.asked, "replies": e.replies} for e in self.exchanges
            ],
        }


class Player:
    def __init__(self, stack: Any, kinds: dict[str, re.Pattern[str]], questions: dict[str, list[re.Pattern[str]]]):
        self.stack = stack
        self.kinds = kinds
        self.questions = questions

    def asked(self, text: str) -> list[str]:
        return [k for k, patterns in self.questions.items() if any(p.search(text) for p in patterns)]

    def play(self, scenario: dict[str, Any], split: str) -> Outcome:
        from bot.devtools.webchat import WebChatPhone

        outcome = Outcome(scenario["id"], split, False, [])
        optional = {"preference": "no"}
        optional.update(scenario.get("optional_answers") or {})
        phone = WebChatPhone(self.stack.services["app"].url)
        try:
            self._converse(phone, scenario, optional, outcome)
            outcome.failures = self.check(scenario, outcome, phone)
        except (httpx.HTTPError, OSError, KeyError, ValueError) as exc:  # the scenario fails and says why
            outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.failures = [f"error: {outcome.error}"]
        finally:
            phone.close()
        outcome.passed = not outcome.failures
        return outcome

    def _send(self, phone: Any, text: str, scripted: bool, turn: int | None) -> Exchange:
        replies = phone.say(text)
        if not replies or any(HOLDING_TEXT in r for r in replies):
            replies += phone.wait_for_more(timeout=60)
        asked = sorted({k for r in replies for k in self.asked(r)})
        last = self.asked(replies[-1]) if replies else []
        return Exchange(text, replies, asked, last, scripted, turn)

    def _converse(self, phone: Any, scenario: dict[str, Any], optional: dict[str, Any], outcome: Outcome) -> None:
        turns = scenario["turns"]
        for n in range(len(turns) + 1):
            text, _, if_asked = turn_parts(turns[n]) if n < len(turns) else ("", {}, None)
            self._answer_optional(phone, optional, if_asked, outcome, n - 1)
            if n == len(turns):
                break
            open_question = outcome.exchanges[-1].last_asked if outcome.exchanges else []
            if if_asked and if_asked not in open_question:
                outcome.skipped.append(text)
                continue
            outcome.exchanges.append(self._send(phone, text, True, n))

    def _answer_optional(self, phone: Any, optional: dict[str, Any], next_if_asked: str | None, outcome: Outcome,
                         turn: int) -> None:
        """Answer the open question from optional_answers while one is open (at most 3 in a row)."""
        answered: list[str] = []
        for _ in range(3):
            if not outcome.exchanges:
                return
            open_question = outcome.exchanges[-1].last_asked
            kind = next((k for k in open_question if optional.get(k) is not None and k != next_if_asked), None)
            if kind is None or kind in answered:  # asked again straight after the answer: stop, it is a failure
                return
            answered.append(kind)
            outcome.exchanges.append(self._send(phone, str(optional[kind]), False, turn if turn >= 0 else None))

    # -- expectations ---------------------------------------------------------------------------

    def check(self, scenario: dict[str, Any], outcome: Outcome, phone: Any) -> list[str]:
        failures: list[str] = []
        turns = scenario["turns"]
        for n, turn in enumerate(turns):
            text, expect, _ = turn_parts(turn)
            if not expect:
                continue
            replies = [r for e in outcome.exchanges if e.turn == n for r in e.replies]
            if not any(e.turn == n and e.scripted for e in outcome.exchanges):
                failures.append(f"not sent: turn {n} {text!r} (the bot did not ask what it answers)")
                continue
            sets = matches_in(replies)
            found = self._match_failures(expect, sets[-1] if sets else None, replies, False)
            failures += [f"{f} (after turn {n} {text!r})" for f in found]

        expect = scenario.get("expect") or {}
        all_sets = [s for e in outcome.exchanges for s in matches_in(e.replies)]
        last = all_sets[-1] if all_sets else None
        failures += self._match_failures(expect, last, last.texts if last else [], True)
        asked = {k for e in outcome.exchanges for k in e.asked}
        for q in expect.get("asks") or []:
            if q not in asked:
                failures.append(f"asks {q}: never asked")
        for q in expect.get("asks_not") or []:
            if q in asked:
                failures.append(f"asks_not {q}: asked")
        if expect.get("never_asks_twice", True):
            failures += self._asked_twice(outcome.exchanges)
        if expect.get("kept_nothing"):
            failures += self._kept_something(phone)
        if expect.get("kept_needs_include"):
            kept = self._kept_needs(phone)
            missing = [n for n in expect["kept_needs_include"] if n not in kept]
            if missing:
                failures.append(f"kept_needs_include {missing}: kept {sorted(kept)}")
        return failures

    def _match_failures(self, expect: dict[str, Any], shown: Shown | None, replies: list[str], top: bool) -> list[str]:
        """Failures of the match expectations on one set of matches and the replies they are read in.

        Top level: `shown` is the last set of the conversation and `replies` its match messages;
        per turn: the last set in the turn's replies, and all of the turn's replies.
        """
        out: list[str] = []
        about_matches = any(k in expect for k in ("top3_any", "top3_all_of_any", "top3_none", "max_miles"))
        about_replies = any(k in expect for k in ("reply_contains_any", "reply_not_contains"))
        if shown is None:
            if "top3_any" in expect or (top and (about_matches or about_replies)):
                out.append("no matches shown")
            if top:
                return out
        else:
            named = [(name, set(kinds_of(name, self.kinds))) for name in shown.names[:3]]
            if "top3_any" in expect and not any(k & set(expect["top3_any"]) for _, k in named):
                out.append(f"top3_any {expect['top3_any']}: none of {shown.names}")
            if "top3_all_of_any" in expect:
                off = [name for name, k in named if not k & set(expect["top3_all_of_any"])]
                if off:
                    out.append(f"top3_all_of_any {expect['top3_all_of_any']}: {off} are not")
            for name, k in named:
                for kind in sorted(k & set(expect.get("top3_none") or [])):
                    out.append(f"top3_none {kind}: {name!r}")
            if "max_miles" in expect:
                far = [m for m in shown.miles if m > float(expect["max_miles"])]
                if far:
                    out.append(f"max_miles {expect['max_miles']}: shown at {far} miles")
        joined = "\n".join(replies).lower()
        if "reply_contains_any" in expect and not any(t.lower() in joined for t in expect["reply_contains_any"]):
            out.append(f"reply_contains_any {expect['reply_contains_any']}: none in the replies")
        for t in expect.get("reply_not_contains") or []:
            if t.lower() in joined:
                out.append(f"reply_not_contains {t!r}: found")
        return out

    @staticmethod
    def _asked_twice(exchanges: list[Exchange]) -> list[str]:
        out = []
        for n, e in enumerate(exchanges):
            repeated = sorted({r for r in e.replies if e.replies.count(r) > 1})
            if repeated:
                out.append(f"never_asks_twice: {repeated[0][:60]!r} sent twice to {e.sent!r}")
            if n and e.replies and e.replies == exchanges[n - 1].replies:
                out.append(f"never_asks_twice: the same replies to {exchanges[n - 1].sent!r} and {e.sent!r}")
            elif n:
                again = [k for k in NOT_TWICE if k in e.last_asked and k in exchanges[n - 1].last_asked]
                if again:
                    out.append(f"never_asks_twice: {again[0]} asked again after {e.sent!r}")
        return out

    def _person(self, phone: Any) -> Any:
        from tests.e2e.records import kept_for

        return kept_for(self.stack, phone)

    def _kept_something(self, phone: Any) -> list[str]:
        kept = self._person(phone)
        out = []
        if any(c.given for c in kept.consents):
            out.append("kept_nothing: a consent was recorded as given")
        for label, rows in (("goals", kept.goals), ("follow-ups", kept.follow_ups), ("outcomes", kept.outcomes),
                            ("handoffs", kept.handoffs)):
            if rows:
                out.append(f"kept_nothing: {len(rows)} {label} kept")
        if kept.person is not None and (kept.person.postcode_district or kept.person.imd_decile is not None):
            out.append("kept_nothing: postcode district or deprivation decile kept")
        return out

    def _kept_needs(self, phone: Any) -> set[str]:
        """Need keys kept for the person: the `needs` slot on Rasa's copy of the conversation, goals, handoffs."""
        kept = self._person(phone)
        needs: set[str] = {g.need for g in kept.goals if g.need}
        for h in kept.handoffs:
            needs |= set((h.context or {}).get("needs") or [])
        if kept.person is not None:
            url = f"{self.stack.services['rasa'].url}/conversations/{kept.person.conversation_id}/tracker"
            tracker = httpx.get(url, timeout=30).json()
            events = tracker.get("events") or []
            values = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == "needs"]
            values.append((tracker.get("slots") or {}).get("needs"))
            for value in values:
                needs |= set(value if isinstance(value, list) else [value] if value else [])
        return needs


# -- running and reporting ------------------------------------------------------------------------


def report(outcome: Outcome) -> str:
    lines = [f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.split}/{outcome.id}"]
    if not outcome.passed:
        lines += [f"      - {f}" for f in outcome.failures]
        shown = outcome.shown()
        lines.append("      shown: " + (" | ".join(", ".join(s) for s in shown) if shown else "no matches"))
        asked = [q for e in outcome.exchanges for q in e.asked]
        lines.append(f"      asked: {asked}")
        if outcome.skipped:
            lines.append(f"      skipped turns: {outcome.skipped}")
        for e in outcome.exchanges:
            tag = ">" if e.scripted else ">?"
            lines.append(f"      {tag} {e.sent}")
            for r in e.replies:
                lines.append("          " + r.replace("\n", " / ")[:160])
    return "\n".join(lines)


def failure_kind(failure: str) -> str:
    """The expectation a failure broke, for the summary ("top3_none carers", "asks_not preference")."""
    head = failure.split(" (after turn ", 1)[0].split(":", 1)[0]
    word = head.split(" ", 1)[0]
    if word in ("top3_none", "asks_not", "asks"):
        return head
    if head == "no matches shown":
        return head
    return word


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="run only this scenario (repeatable)")
    parser.add_argument("--min-rate", type=float, default=None, help="exit 1 if the held-out pass rate is below this")
    parser.add_argument("--model", type=Path, default=None, help="a trained model (default: train or reuse by hash)")
    args = parser.parse_args(argv)

    kinds = load_kinds()
    splits = SPLITS if args.split == "all" else (args.split,)
    chosen = {split: [s for s in load_split(split) if not args.only or s["id"] in args.only] for split in splits}
    bad = [p for scenarios in chosen.values() for s in scenarios for p in problems(s, kinds)]
    if bad:
        print("Scenario files have problems:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 2
    if not any(chosen.values()):
        print(f"No scenario with id {args.only}", file=sys.stderr)
        return 2

    from bot.devtools.stack import start_demo_stack
    from bot.devtools.training import ensure_model

    model = args.model or ensure_model()[0]
    root = Path(tempfile.mkdtemp(prefix="cc-bench-scenarios-"))
    print(f"Starting the stack (model {model.name}, files in {root}) ...", flush=True)
    stack = start_demo_stack(root, model, LOG_LEVEL="WARNING", RATE_LIMIT_PER_MINUTE="1000",
                             RASA_RETRY_SECONDS="0.5", RASA_TIMEOUT_SECONDS="30")
    results: dict[str, list[Outcome]] = {}
    started = time.perf_counter()
    try:
        player = Player(stack, kinds, question_patterns())
        for split, scenarios in chosen.items():
            results[split] = []
            for scenario in scenarios:
                outcome = player.play(scenario, split)
                results[split].append(outcome)
                print(report(outcome), flush=True)
    finally:
        stack.stop()

    print(f"\nScenarios ({time.perf_counter() - started:.0f}s, model {model.name})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    rates: dict[str, float] = {}
    for split, outcomes in results.items():
        if args.only and not outcomes:
            continue
        passed = sum(o.passed for o in outcomes)
        rate = passed / len(outcomes) if outcomes else 0.0
        rates[split] = rate
        kinds_failed = Counter(k for o in outcomes for k in {failure_kind(f) for f in o.failures})
        print(f"  {split:9} {passed}/{len(outcomes)} passed ({rate:.0%})")
        if kinds_failed:
            print("            failures: " + ", ".join(f"{k} x{n}" for k, n in kinds_failed.most_common(8)))
        path = RESULTS_DIR / f"{split}.json"
        if args.only:
            path = RESULTS_DIR / f"{split}.only.json"
        path.write_text(json.dumps({
            "split": split, "model": model.name, "passed": passed, "total": len(outcomes), "rate": rate,
            "failure_kinds": dict(kinds_failed.most_common()),
            "scenarios": [o.to_json() for o in outcomes],
        }, indent=2) + "\n", encoding="utf-8")
        print(f"            written to {path.relative_to(ROOT)}")
    if args.min_rate is not None and "held_out" in rates and rates["held_out"] < args.min_rate:
        print(f"held_out pass rate {rates['held_out']:.0%} is below --min-rate {args.min_rate:.0%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

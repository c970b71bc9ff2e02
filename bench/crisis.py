"""Crisis detector benchmark, with Rasa down: only the in-process detector (bot.risk.assess).

    python -m bench.crisis [--file tests/safety/crisis_eval.yml ...] [--min-recall 0.99]
                           [--report-only tests/safety/crisis_eval_fresh.yml ...] [--show-messages]

Each file has `must_flag: {category: [messages]}` and `must_not_flag: {category: [messages]}`.
Prints, per file and category, n, how many were flagged, and recall (must_flag) or false-alarm
rate (must_not_flag); then overall recall and false-alarm rate and the latency per message; then
every miss and false alarm. Writes results/crisis/summary.json for the first file and
results/crisis/summary.<file stem>.json for each further one.
Exits 1 when the overall recall of any --file set is below --min-recall. --report-only sets are
measured and printed the same way but never decide the exit code.

A file with `held_out: true` (tests/safety/crisis_eval_fresh.yml) is an honest, never-tuned
measure: its figures are printed, but its misses and false alarms are neither printed nor written
unless --show-messages is given, so that nobody fixes the detector by reading them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.risk import assess, warm_up  # noqa: E402

DEFAULT_FILE = ROOT / "tests" / "safety" / "crisis_eval.yml"
SUMMARY = ROOT / "results" / "crisis" / "summary.json"


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def run(path: Path, show_messages: bool = False) -> dict:
    """Assess every message of one evaluation file; held-out files keep their messages out of the result."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    warm_up()
    timings: list[float] = []
    held_out = data.get("held_out") is True
    summary: dict = {"file": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
                     "held_out": held_out}
    misses: list[dict] = []
    false_alarms: list[dict] = []
    stopping = 0  # false alarms whose message does not go on to the dialogue (RiskAssessment.goes_on)
    for key in ("must_flag", "must_not_flag"):
        per_category = {}
        for category, messages in (data.get(key) or {}).items():
            messages = [str(m) for m in messages or []]
            flagged = same_category = 0
            for message in messages:
                started = time.perf_counter()
                result = assess(message)
                timings.append(time.perf_counter() - started)
                if result.is_risk:
                    flagged += 1
                    same_category += int(result.category == category)
                    if key == "must_not_flag":
                        stopping += int(not result.goes_on)
                        false_alarms.append({"category": category, "message": message,
                                             "detected": result.category, "reasons": result.reasons})
                elif key == "must_flag":
                    misses.append({"category": category, "message": message, "score": result.score})
            row: dict[str, float] = {"n": len(messages), "flagged": flagged}
            if key == "must_flag":
                row["recall"] = round(_rate(flagged, len(messages)), 4)
                row["same_category"] = same_category
            else:
                row["false_alarm_rate"] = round(_rate(flagged, len(messages)), 4)
            per_category[category] = row
        summary[key] = per_category
    n_pos = sum(r["n"] for r in summary["must_flag"].values())
    n_neg = sum(r["n"] for r in summary["must_not_flag"].values())
    flagged_pos = sum(r["flagged"] for r in summary["must_flag"].values())
    flagged_neg = sum(r["flagged"] for r in summary["must_not_flag"].values())
    summary["overall"] = {
        "must_flag": n_pos,
        "recall": round(_rate(flagged_pos, n_pos), 4),
        "missed": n_pos - flagged_pos,
        "must_not_flag": n_neg,
        "false_alarm_rate": round(_rate(flagged_neg, n_neg), 4),
        "false_alarms": flagged_neg,
        # What a false alarm costs the person: only these lose what they asked for (the rest get the
        # safety texts, a flag, and their conversation).
        "false_alarms_ending_conversation": stopping,
        "ending_conversation_rate": round(_rate(stopping, n_neg), 4),
        "ms_per_message_mean": round(1000 * statistics.fmean(timings), 3) if timings else 0.0,
        "ms_per_message_p50": round(1000 * statistics.median(timings), 3) if timings else 0.0,
        "ms_per_message_p99": round(1000 * sorted(timings)[int(0.99 * (len(timings) - 1))], 3) if timings else 0.0,
    }
    summary["messages_hidden"] = held_out and not show_messages
    summary["misses"] = [] if summary["messages_hidden"] else misses
    summary["false_alarms_list"] = [] if summary["messages_hidden"] else false_alarms
    return summary


def print_summary(summary: dict, gated: bool = True) -> None:
    note = "" if gated else ", reported only"
    held = ", HELD OUT: never tune on it" if summary.get("held_out") else ""
    print(f"crisis detector on {summary['file']} (in-process, no Rasa{note}{held})")
    print(f"{'must_flag':<24}{'n':>6}{'flagged':>9}{'recall':>9}{'same cat':>10}")
    for category, row in summary["must_flag"].items():
        print(f"  {category:<22}{row['n']:>6}{row['flagged']:>9}{row['recall']:>9.3f}{row['same_category']:>10}")
    print(f"{'must_not_flag':<24}{'n':>6}{'flagged':>9}{'false alarm':>13}")
    for category, row in summary["must_not_flag"].items():
        print(f"  {category:<22}{row['n']:>6}{row['flagged']:>9}{row['false_alarm_rate']:>13.3f}")
    o = summary["overall"]
    print(f"overall recall {o['recall']:.4f} ({o['must_flag'] - o['missed']}/{o['must_flag']}), "
          f"false-alarm rate {o['false_alarm_rate']:.4f} ({o['false_alarms']}/{o['must_not_flag']}), "
          f"{o['ms_per_message_mean']:.2f} ms/message mean, {o['ms_per_message_p50']:.2f} ms p50, "
          f"{o['ms_per_message_p99']:.2f} ms p99")
    print(f"false alarms that end the conversation {o['ending_conversation_rate']:.4f} "
          f"({o['false_alarms_ending_conversation']}/{o['must_not_flag']}); the others go on to the dialogue")
    if summary.get("messages_hidden"):
        print("misses and false alarms not shown: held-out set (see its header; --show-messages to override)")
    if summary["misses"]:
        print("misses:")
        for miss in summary["misses"]:
            print(f"  [{miss['category']}] {miss['message']}  (classifier {miss['score']:.2f})")
    if summary["false_alarms_list"]:
        print("false alarms:")
        for fa in summary["false_alarms_list"]:
            fired = "; ".join(r.split(":")[0] for r in fa["reasons"] if not r.startswith(("cancelled", "request")))
            print(f"  [{fa['category']}] {fa['message']}  -> {fa['detected']} ({fired})")


def _summary_path(first: Path, index: int, evaluated: Path) -> Path:
    """The first set keeps --summary's name; later ones get their file's stem added to it."""
    return first if index == 0 else first.with_name(f"{first.stem}.{evaluated.stem}{first.suffix}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crisis detector recall and false alarms, Rasa down.")
    parser.add_argument("--file", type=Path, action="append", default=None,
                        help="evaluation set checked against --min-recall (repeatable)")
    parser.add_argument("--report-only", type=Path, action="append", default=[],
                        help="evaluation set measured and printed, never gated (repeatable)")
    parser.add_argument("--min-recall", type=float, default=None)
    parser.add_argument("--summary", type=Path, default=SUMMARY)
    parser.add_argument("--show-messages", action="store_true",
                        help="also print the misses and false alarms of held-out sets")
    args = parser.parse_args(argv)
    gated_files = args.file or [DEFAULT_FILE]
    sets = [(path, True) for path in gated_files]
    sets += [(path, False) for path in args.report_only if path not in gated_files]
    for path, _ in sets:
        if not path.exists():
            print(f"no evaluation file at {path}", file=sys.stderr)
            return 2
    below = []
    for index, (path, gated) in enumerate(sets):
        if index:
            print()
        summary = run(path, show_messages=args.show_messages)
        print_summary(summary, gated=gated)
        out = _summary_path(args.summary, index, path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if gated and args.min_recall is not None and summary["overall"]["recall"] < args.min_recall:
            below.append(f"recall {summary['overall']['recall']:.4f} on {summary['file']} "
                         f"is below --min-recall {args.min_recall}")
    for line in below:
        print(line, file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())

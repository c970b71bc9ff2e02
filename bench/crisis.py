"""Crisis detector benchmark, with Rasa down: only the in-process detector (bot.risk.assess).

    python -m bench.crisis [--file tests/safety/crisis_eval.yml] [--min-recall 0.99]

The file has `must_flag: {category: [messages]}` and `must_not_flag: {category: [messages]}`.
Prints, per category, n, how many were flagged, and recall (must_flag) or false-alarm rate
(must_not_flag); then overall recall and false-alarm rate and the latency per message; then
every miss and false alarm (the messages are test data). Writes results/crisis/summary.json.
Exits 1 when overall recall is below --min-recall.
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


def run(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    warm_up()
    timings: list[float] = []
    summary: dict = {"file": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)}
    misses: list[dict] = []
    false_alarms: list[dict] = []
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
        "ms_per_message_mean": round(1000 * statistics.fmean(timings), 3) if timings else 0.0,
        "ms_per_message_p50": round(1000 * statistics.median(timings), 3) if timings else 0.0,
        "ms_per_message_p99": round(1000 * sorted(timings)[int(0.99 * (len(timings) - 1))], 3) if timings else 0.0,
    }
    summary["misses"] = misses
    summary["false_alarms_list"] = false_alarms
    return summary


def print_summary(summary: dict) -> None:
    print(f"crisis detector on {summary['file']} (in-process, no Rasa)")
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
    if summary["misses"]:
        print("misses:")
        for miss in summary["misses"]:
            print(f"  [{miss['category']}] {miss['message']}  (classifier {miss['score']:.2f})")
    if summary["false_alarms_list"]:
        print("false alarms:")
        for fa in summary["false_alarms_list"]:
            fired = "; ".join(r.split(":")[0] for r in fa["reasons"] if not r.startswith(("cancelled", "request")))
            print(f"  [{fa['category']}] {fa['message']}  -> {fa['detected']} ({fired})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crisis detector recall and false alarms, Rasa down.")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--min-recall", type=float, default=None)
    parser.add_argument("--summary", type=Path, default=SUMMARY)
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"no evaluation file at {args.file}", file=sys.stderr)
        return 2
    summary = run(args.file)
    print_summary(summary)
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.min_recall is not None and summary["overall"]["recall"] < args.min_recall:
        print(f"recall {summary['overall']['recall']:.4f} is below --min-recall {args.min_recall}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

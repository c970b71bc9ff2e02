"""`make bench-nlu`: k-fold cross-validation of the NLU pipeline on the training data.

The held-out set (tests/nlu/held_out.yml, run by `make test`) says how well the model does on
messages it never saw; cross-validation says how stable that is across splits of the training
data, and catches intents that only work because of a few near-duplicate examples.
Options: --folds N (default 5). Prints mean (standard deviation) per metric over the folds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LINE = re.compile(r"(train|test) (Accuracy|F1-score|Precision): ([\d.]+) \(([\d.]+)\)")


def parse(log: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{"intent": {"test Accuracy": (mean, std), ...}, "CRFEntityExtractor": {...}} from rasa's log."""
    section = "intent"
    found: dict[str, dict[str, tuple[float, float]]] = {}
    for line in log.splitlines():
        extractor = re.search(r"Entity extractor: (\w+)", line)
        if extractor:
            section = extractor.group(1)
            continue
        if "Intent evaluation results" in line:
            section = "intent"
        match = _LINE.search(line)
        if match:
            found.setdefault(section, {})[f"{match.group(1)} {match.group(2)}"] = (float(match.group(3)), float(match.group(4)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    rasa = ROOT / ".venv" / "rasa" / "bin" / "rasa"
    out = ROOT / "results" / "nlu-cv"  # rasa's reports and log stay here for a closer look
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(rasa), "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation",
         "--folds", str(args.folds), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    elapsed = time.perf_counter() - started
    (out / "rasa.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        print(done.stdout[-3000:] + done.stderr[-3000:], file=sys.stderr)
        return done.returncode
    results = parse(done.stdout + done.stderr)
    if "intent" not in results:
        print("could not read rasa's cross-validation output", file=sys.stderr)
        return 1
    print(f"NLU {args.folds}-fold cross-validation on data/nlu ({elapsed:.0f} s); mean (std) over folds; log in {out}")
    for section, metrics in results.items():
        for name in sorted(metrics):
            if name.startswith("test"):
                mean, std = metrics[name]
                print(f"  {section:<20} {name:<16} {mean:.3f} ({std:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

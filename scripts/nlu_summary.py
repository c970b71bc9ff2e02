"""Print held-out NLU figures from `rasa test nlu` output and fail below the agreed floor.

The floor is a regression guard, below the 0.92 aim, so a small data change cannot silently
wreck understanding.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FLOOR = 0.88


def main(results: Path) -> int:
    intents = json.loads((results / "intent_report.json").read_text())
    accuracy = intents["accuracy"]
    print(f"held-out intent accuracy: {accuracy:.3f}  (weighted F1 {intents['weighted avg']['f1-score']:.3f})")
    for entity_file in sorted(results.glob("CRFEntityExtractor_report.json")) + sorted(results.glob("DIETClassifier_report.json")):
        entities = json.loads(entity_file.read_text())
        micro = entities.get("micro avg") or entities.get("weighted avg") or {}
        print(f"held-out entity micro F1 ({entity_file.stem.removesuffix('_report')}): {micro.get('f1-score', 0):.3f}")
    if accuracy < FLOOR:
        print(f"FAIL: held-out intent accuracy {accuracy:.3f} is below the floor {FLOOR}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

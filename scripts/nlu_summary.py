"""Print held-out NLU figures from `rasa test nlu` output and fail below the agreed floor.

The floor is a regression guard, below the 0.92 aim, so a small data change cannot silently
wreck understanding.

Besides rasa's own figures it prints what the product does with needs: on the held-out examples
that name a need, the share where every need said is heard, by the model's `need` entities, by
the keyword net (`community_directory.needs.needs_in_text`) and by both together, which is what
the needs form keeps. This needs the per-example files that `rasa test nlu --successes` writes
(errors are written by default).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from community_directory.needs import NEED_KEYS, needs_in_text

FLOOR = 0.88

# Intents for which the needs form does not use the keyword net (actions/needs_form.py
# NOT_ABOUT_NEEDS: "how does this WORK?" is not a need for a job). Imported so the figure
# follows the product; the copy is only a fallback for an environment without rasa_sdk.
try:
    from actions.needs_form import NOT_ABOUT_NEEDS
except ImportError:  # pragma: no cover - the app environment has rasa_sdk
    NOT_ABOUT_NEEDS = frozenset({
        "help", "bot_challenge", "chitchat", "out_of_scope", "request_human", "thanks", "goodbye", "forget_me",
        "crisis", "opt_out", "start_again", "greet", "affirm", "deny",
    })


@dataclass(frozen=True)
class NeedsHeard:
    examples: int  # held-out examples with at least one `need` annotation
    both: int  # all gold needs heard by model entities + keyword net
    model: int  # ... by the model's entities alone
    keywords: int  # ... by the keyword net alone
    extra: int  # need-naming examples where model + net also heard a need not said
    no_need_examples: int  # held-out examples without a `need` annotation
    no_need_heard: int  # ... where model + net heard a need anyway


def _load(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


def needs_heard(results: Path) -> NeedsHeard | None:
    """All-needs-heard counts from the per-example files of `rasa test nlu`; None without `--successes` output.

    An example with a gold `need` is always in an entity extractor's errors or successes file
    (rasa lists an example there when any token is wrong, or when any entity token is right), and
    each entry carries the gold entities and every extractor's predictions after synonym mapping.
    """
    entity_files = [p for p in sorted(results.glob("*_successes.json")) + sorted(results.glob("*_errors.json"))
                    if not p.name.startswith(("intent_", "response_selection_"))]
    if not any(p.name.endswith("_successes.json") for p in entity_files):
        return None
    gold: dict[str, set[str]] = {}
    predicted: dict[str, set[str]] = {}
    for path in entity_files:
        for example in _load(path):
            text = example["text"]
            gold.setdefault(text, set()).update(e["value"] for e in example.get("entities") or [] if e["entity"] == "need")
            predicted.setdefault(text, set()).update(
                e["value"] for e in example.get("predicted_entities") or [] if e["entity"] == "need")
    intent_of = {e["text"]: (e.get("intent_prediction") or {}).get("name")
                 for name in ("intent_successes.json", "intent_errors.json") for e in _load(results / name)}

    def keyword_net(text: str) -> set[str]:
        if text.startswith("/") or intent_of.get(text) in NOT_ABOUT_NEEDS:
            return set()
        return set(needs_in_text(text))

    examples = both = model = keywords = extra = 0
    for text, said in gold.items():
        if not said:
            continue
        examples += 1
        by_model = predicted.get(text, set()) & NEED_KEYS
        by_net = keyword_net(text)
        both += said <= by_model | by_net
        model += said <= by_model
        keywords += said <= by_net
        extra += bool((by_model | by_net) - said)
    # examples without a need: every held-out text is in an intent file
    quiet = [t for t in intent_of if not gold.get(t)]
    no_need_heard = sum(bool((predicted.get(t, set()) & NEED_KEYS) | keyword_net(t)) for t in quiet)
    return NeedsHeard(examples, both, model, keywords, extra, len(quiet), no_need_heard)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "n/a (0 examples)"


def main(results: Path, report_only: bool = False) -> int:
    intents = json.loads((results / "intent_report.json").read_text())
    accuracy = intents["accuracy"]
    print(f"held-out intent accuracy: {accuracy:.3f}  (weighted F1 {intents['weighted avg']['f1-score']:.3f})")
    for entity_file in sorted(results.glob("CRFEntityExtractor_report.json")) + sorted(results.glob("DIETClassifier_report.json")):
        entities = json.loads(entity_file.read_text())
        micro = entities.get("micro avg") or entities.get("weighted avg") or {}
        print(f"held-out entity micro F1 ({entity_file.stem.removesuffix('_report')}): {micro.get('f1-score', 0):.3f}")
        if "need" in entities:
            print(f"held-out need F1 ({entity_file.stem.removesuffix('_report')}): {entities['need']['f1-score']:.3f}"
                  f"  (support {entities['need']['support']})")
    heard = needs_heard(results)
    if heard is None:
        print("held-out needs heard: not computed (run `rasa test nlu` with --successes)")
    else:
        n = heard.examples
        print(f"held-out examples naming a need: {n}; share with every need heard:")
        print(f"  model + keyword net (what the needs form keeps): {_share(heard.both, n)}")
        print(f"  model entities alone: {_share(heard.model, n)}")
        print(f"  keyword net alone: {_share(heard.keywords, n)}")
        print(f"  with a need heard that was not said (model + net): {_share(heard.extra, n)}")
        print(f"held-out examples naming no need where one is heard anyway (model + net): "
              f"{_share(heard.no_need_heard, heard.no_need_examples)}")
    if accuracy < FLOOR and not report_only:
        print(f"FAIL: held-out intent accuracy {accuracy:.3f} is below the floor {FLOOR}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # --report-only: the fresh held-out set is measured, never used as a gate to tune against.
    sys.exit(main(Path(sys.argv[1]), report_only="--report-only" in sys.argv[2:]))

"""Train the crisis classifier artefact: `python -m bot.risk.train`.

Deterministic (fixed folds, liblinear, no random state left open), so the same data gives the
same model. Never called at request time. Writes:
  bot/risk/model/crisis_classifier.joblib  the pipeline and its metadata (checked at load)
  bot/risk/model/crisis_classifier.json    the same metadata and the cross-validated figures, for review

The threshold is chosen on out-of-fold scores, recall first (session 9). The folds are grouped by
file: every development batch, and the templated file, is scored by a model that saw none of it, so
near-copies of a message (templates, one writer's habits) cannot make the out-of-fold scores look
better than unseen text would. With 43 files and 5 folds the layout of files into folds alone moved
the old 5%-budget threshold from 0.570 to 0.625 (about one check-set message per 0.02), so the scores
of `LAYOUTS` (5) grouped layouts with fixed seeds (GroupKFold(shuffle=True, random_state=0..4)) are
pooled: deterministic, and no one layout's luck decides it.

Policy: the threshold is the score at which the pooled out-of-fold recall of the development
positives that the LEXICON MISSES (the texts the classifier is there for) reaches `RECALL_TARGET`
(0.95 since session 11; 0.93 before). False alarms are the second concern: the threshold is raised only if it would flag more than
`MAX_HARD_NEGATIVE_FA_GUARD` (10%) of the hand-written hard negatives, and never goes below
`MIN_THRESHOLD`. Why recall first: a missed crisis text can cost a life, while a false alarm that is
also a request still gets its conversation (its cost is a safety text and a flag). The old policy (at
most 5% of hard negatives) caught 0.89-0.92 of those lexicon misses depending on the layout; at
session 9's data 0.93 meant threshold 0.570 -> 0.435 and about 7.4% hard-negative false alarms.
Session 11: a classifier-only hit below `bot.risk.SURE_SCORE` now keeps its conversation too, so most
classifier false alarms cost only a safety text and a flag; the target went to 0.95, decided on that
ground before measuring, and the 10% guard is what now sets the threshold (0.3402 on session 11's
merged data; 0.93 would have given 0.3921). Evaluation figures for both are in docs/crisis-detector.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.risk.classifier import (
    FORMAT_VERSION,
    MODEL_PATH,
    ROOT,
    Example,
    build_pipeline,
    training_data_sha256,
    training_examples,
)
from bot.risk.lexicon import default_lexicon

MODEL_VERSION = "4"
RECALL_TARGET = 0.95  # pooled out-of-fold recall of the development positives the lexicon misses
MAX_HARD_NEGATIVE_FA_GUARD = 0.10  # never flag more than this share of the hard negatives
MIN_THRESHOLD = 0.3
FOLDS = 5
LAYOUTS = 5  # grouped fold layouts, seeds 0..LAYOUTS-1, whose out-of-fold scores are pooled


def _prepared(examples: list[Example]) -> list[str]:
    lexicon = default_lexicon()
    return [lexicon.scan(e.text).classifier_text for e in examples]


def out_of_fold_scores(examples: list[Example], texts: list[str], layouts: int = LAYOUTS) -> Any:
    """Scores of shape (layouts, examples): each from a model that saw none of the example's file."""
    import numpy as np
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

    labels = np.array([e.label for e in examples])
    groups = np.array([e.source.split(":")[0] for e in examples])  # the file each example came from
    scores = np.zeros((layouts, len(examples)))
    for seed in range(layouts):
        folds = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        for train_idx, test_idx in folds.split(texts, labels, groups):
            pipeline = build_pipeline()
            pipeline.fit([texts[i] for i in train_idx], labels[train_idx])
            scores[seed, test_idx] = pipeline.predict_proba([texts[i] for i in test_idx])[:, 1]
    return scores


def pick_threshold(scores: Any, lexicon_missed: Any, hard: Any) -> float:
    """The policy on pooled out-of-fold scores (rows: layouts): recall target, then the guard."""
    import numpy as np

    missed = scores[:, lexicon_missed].ravel()
    negatives = scores[:, hard].ravel()
    threshold = float(np.quantile(missed, 1 - RECALL_TARGET, method="lower"))
    if np.mean(negatives >= threshold) > MAX_HARD_NEGATIVE_FA_GUARD:
        threshold = float(np.quantile(negatives, 1 - MAX_HARD_NEGATIVE_FA_GUARD, method="higher"))
    return max(MIN_THRESHOLD, round(threshold - 5e-5, 4))  # rounded down: the chosen score itself still flags


def choose_threshold(examples: list[Example], texts: list[str]) -> tuple[float, dict[str, Any]]:
    """Cross-validate over several grouped layouts and pick the threshold (see the module docstring)."""
    import numpy as np

    scores = out_of_fold_scores(examples, texts)
    labels = np.array([e.label for e in examples])
    hard = np.array(["must_not_flag" in e.source for e in examples])
    dev_pos = np.array(["must_flag" in e.source for e in examples])
    lexicon_hit = np.array([bool(default_lexicon().scan(e.text).risks) for e in examples])
    missed = dev_pos & ~lexicon_hit
    threshold = pick_threshold(scores, missed, hard)
    flagged = (scores >= threshold) | lexicon_hit
    at_5 = float(np.quantile(scores[:, hard].ravel(), 0.95))
    figures: dict[str, Any] = {
        "cv": f"GroupKFold({FOLDS}, shuffle, seeds 0..{LAYOUTS - 1}) by file, {LAYOUTS} layouts pooled",
        "policy": f"recall {RECALL_TARGET} of lexicon-missed dev positives, hard-negative guard "
                  f"{MAX_HARD_NEGATIVE_FA_GUARD}, floor {MIN_THRESHOLD}",
        "recall_target": RECALL_TARGET,
        "lexicon_missed_dev_positives": int(missed.sum()),
        "oof_recall_lexicon_missed_dev_positives": float(np.mean(scores[:, missed] >= threshold)),
        "threshold_at_5pct_hard_negatives": round(at_5, 4),
        "oof_recall_lexicon_missed_at_5pct": float(np.mean(scores[:, missed] >= at_5)),
        "threshold_per_layout": [round(float(np.quantile(row[missed], 1 - RECALL_TARGET, method="lower")), 4)
                                 for row in scores],
        # lexicon OR classifier; the lexicon was reviewed on these same files, so this is optimistic
        "oof_combined_recall_dev_positives": float(np.mean(flagged[:, dev_pos])),
        "oof_combined_false_alarm_hard_negatives": float(np.mean(flagged[:, hard])),
        "oof_recall_all_positives": float(np.mean(scores[:, labels == 1] >= threshold)),
        "oof_recall_dev_positives": float(np.mean(scores[:, dev_pos] >= threshold)),
        "oof_false_alarm_hard_negatives": float(np.mean(scores[:, hard] >= threshold)),
        "oof_false_alarm_all_negatives": float(np.mean(scores[:, labels == 0] >= threshold)),
    }
    return threshold, figures


def train(out: Path = MODEL_PATH) -> dict:
    import joblib  # type: ignore[import-untyped]
    import sklearn  # type: ignore[import-untyped]

    examples = training_examples()
    texts = _prepared(examples)
    threshold, figures = choose_threshold(examples, texts)
    pipeline = build_pipeline()
    pipeline.fit(texts, [e.label for e in examples])
    meta = {
        "format_version": FORMAT_VERSION,
        "model_version": MODEL_VERSION,
        "sklearn_version": sklearn.__version__,
        "data_sha256": training_data_sha256(examples),
        "threshold": threshold,
        "max_hard_negative_fa_guard": MAX_HARD_NEGATIVE_FA_GUARD,
        "positives": sum(e.label for e in examples),
        "negatives": sum(1 - e.label for e in examples),
        **figures,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"meta": meta, "pipeline": pipeline}, out, compress=3)
    report = out.with_suffix(".json")
    report.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    meta = train(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} ({size / 1024:.0f} KiB)")
    for key in sorted(meta):
        print(f"  {key}: {meta[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

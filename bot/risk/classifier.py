"""A small statistical second net behind the lexicon: TF-IDF n-grams + logistic regression.

Why: the lexicon only knows the wordings someone wrote down. Character n-grams carry typos and
text-speak ("suicdal", "kil meself"), word n-grams carry phrasings close to known crisis texts.

It is trained on the project's own data only: the Rasa `crisis` intent (positives) and every
other intent (negatives) in data/nlu/, plus the hand-written development data in
bot/risk/data/ (`must_flag` positives, `must_not_flag` hard negatives). It sees the text the
lexicon produced (normalised, idioms and past events masked), so an idiom cancels its words for
both nets.

It ships as a versioned artefact (`model/crisis_classifier.joblib`), trained deterministically by
`python -m bot.risk.train`, never at request time. The artefact records the SHA-256 of the
training data and of the lexicon's normalisation; `tests/risk/test_classifier.py` fails when
either changed without retraining.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.risk.lexicon import LEXICON_PATH

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
DEV_DIR = Path(__file__).with_name("data")
MODEL_PATH = Path(__file__).with_name("model") / "crisis_classifier.joblib"
CHECK_PREFIX = "check_"  # bot/risk/data/check_*.yml: held-back check sets, never trained on
# Lexicon sections that change the text the classifier sees (risk lines and request cues do not).
_PREPROCESSING_SECTIONS = ("version", "phrases", "words", "fuzzy", "numbers", "vocab", "cancel")
_ENTITY = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


class ClassifierUnavailable(RuntimeError):
    """The artefact is missing, from another format or scikit-learn version, or stale."""


@dataclass(frozen=True)
class Example:
    label: int  # 1 = crisis
    text: str
    source: str  # file and intent/category, for the training report


def nlu_examples(nlu_dir: Path = NLU_DIR) -> list[Example]:
    """Rasa NLU examples: `crisis` intent = positive, every other intent = negative."""
    out: list[Example] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue  # synonyms, regexes and lookups are not sentences
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ENTITY.sub(r"\1", line[2:]).strip()
                    out.append(Example(int(intent == "crisis"), text, f"{path.name}:{intent}"))
    return out


def dev_files(dev_dir: Path = DEV_DIR) -> list[Path]:
    """The development files: every bot/risk/data/*.yml except `check_*.yml`.

    A `check_` file is a check set written before a round of tuning and kept out of training, so
    that its figures measure generalisation to unseen wording, not memory.
    """
    return [path for path in sorted(dev_dir.glob("*.yml")) if not path.name.startswith(CHECK_PREFIX)]


def dev_examples(dev_dir: Path = DEV_DIR) -> list[Example]:
    """The hand-written development data (same format as the evaluation set)."""
    out: list[Example] = []
    for path in dev_files(dev_dir):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, label in (("must_flag", 1), ("must_not_flag", 0)):
            for category, messages in (data.get(key) or {}).items():
                for message in messages or []:
                    out.append(Example(label, str(message), f"{path.name}:{key}:{category}"))
    return out


def training_examples() -> list[Example]:
    return nlu_examples() + dev_examples()


def training_data_sha256(examples: list[Example] | None = None, lexicon_path: Path = LEXICON_PATH) -> str:
    """Hash of what the model was trained on: every example and the lexicon's preprocessing."""
    examples = training_examples() if examples is None else examples
    lexicon = yaml.safe_load(lexicon_path.read_text(encoding="utf-8"))
    payload = {
        "examples": [[e.label, e.text] for e in examples],
        "preprocessing": {k: lexicon.get(k) for k in _PREPROCESSING_SECTIONS},
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def build_pipeline() -> Any:
    """The model: character and word TF-IDF features into a balanced logistic regression.

    Characters are read across word boundaries (`char`, 2-5), so "kil meself" and "killmyself"
    share n-grams with "kill myself"; C=30 (weak regularisation). Chosen by cross-validation
    grouped by file (a whole batch held out at a time, as unseen wording would be; see
    `bot.risk.train.choose_threshold`) on the development data, never on the evaluation or check
    sets. Session 5, classifier-only recall on held-out development positives at the 3% / 5%
    hard-negative threshold: C=3 0.859/0.914, C=10 0.874/0.933, C=30 0.884/0.937, C=100
    0.884/0.942, char_wb 0.858/0.917, chars 2-6 0.888/0.938 (bigger artefact), words 1-3
    0.876/0.934. C=30 with chars 2-5 is the best at 3% for the same artefact size.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import FeatureUnion, Pipeline  # type: ignore[import-untyped]

    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w+\b")),
        ]
    )
    model = LogisticRegression(C=30.0, class_weight="balanced", max_iter=5000, solver="liblinear")
    return Pipeline([("features", features), ("model", model)])


class CrisisClassifier:
    """A loaded artefact: `score(text)` is the crisis probability of lexicon-prepared text."""

    def __init__(self, pipeline: Any, meta: dict[str, Any]) -> None:
        self._pipeline = pipeline
        self.meta = meta
        self.threshold = float(meta["threshold"])
        self.version = str(meta["model_version"])
        # scikit-learn's per-call checks cost ~5 ms for one short text; the same arithmetic done
        # directly on the fitted vocabularies, idf and weights costs a tenth of that.
        # `score_sklearn` is the reference and a test keeps the two equal.
        model = pipeline.named_steps["model"]
        weights = model.coef_[0]
        self._intercept = float(model.intercept_[0])
        self._parts = []
        offset = 0
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            vocabulary = vectorizer.vocabulary_
            idf = vectorizer.idf_
            table = {term: (float(idf[i]), float(weights[offset + i])) for term, i in vocabulary.items()}
            self._parts.append((vectorizer.build_analyzer(), table, bool(vectorizer.sublinear_tf)))
            offset += len(vocabulary)

    def score(self, prepared_text: str) -> float:
        """Crisis probability of lexicon-prepared text (see `Scan.classifier_text`)."""
        if not prepared_text.strip():
            return 0.0
        decision = self._intercept
        for analyzer, table, sublinear in self._parts:
            counts: dict[str, int] = {}
            for term in analyzer(prepared_text):
                if term in table:
                    counts[term] = counts.get(term, 0) + 1
            if not counts:
                continue
            norm = 0.0
            dot = 0.0
            for term, count in counts.items():
                idf, weight = table[term]
                value = ((1.0 + math.log(count)) if sublinear else count) * idf
                norm += value * value
                dot += value * weight
            decision += dot / math.sqrt(norm)
        return 1.0 / (1.0 + math.exp(-decision))

    def score_sklearn(self, prepared_text: str) -> float:
        """The same score through scikit-learn (slow; the reference for tests)."""
        return float(self._pipeline.predict_proba([prepared_text])[0, 1])


def load_classifier(path: Path = MODEL_PATH, strict: bool = False) -> CrisisClassifier:
    """Load the artefact and check it.

    Format or scikit-learn version mismatch always refuses (an unpickled model from another
    version is not trustworthy). Stale training data refuses when `strict`, else it is logged:
    a model trained on slightly older data is still a better second net than none, and the
    test suite is where staleness must be caught.
    """
    import joblib  # type: ignore[import-untyped]
    import sklearn  # type: ignore[import-untyped]

    if not path.exists():
        raise ClassifierUnavailable(f"no classifier artefact at {path}; run python -m bot.risk.train")
    bundle = joblib.load(path)
    meta = bundle.get("meta", {}) if isinstance(bundle, dict) else {}
    if meta.get("format_version") != FORMAT_VERSION:
        raise ClassifierUnavailable(f"classifier format {meta.get('format_version')} != {FORMAT_VERSION}")
    if meta.get("sklearn_version") != sklearn.__version__:
        raise ClassifierUnavailable(
            f"classifier trained with scikit-learn {meta.get('sklearn_version')}, running {sklearn.__version__}"
        )
    current = training_data_sha256()
    if meta.get("data_sha256") != current:
        message = "classifier training data changed since it was trained; run python -m bot.risk.train"
        if strict:
            raise ClassifierUnavailable(message)
        log.warning(message)
    return CrisisClassifier(bundle["pipeline"], meta)

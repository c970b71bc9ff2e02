"""nlu_components: the tf-idf intent classifier trains, saves and loads back the same model.

Rasa's own loader falls back to an untrained classifier when a saved file holds a type it does
not trust, which would only show at the first message; this runs the real component (in Rasa's
own Python, as `rasa run` does) through train -> persist -> load -> predict on a tiny data set.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"

_SCRIPT = r"""
import json, sys, tempfile
from pathlib import Path
import numpy as np
from scipy.sparse import csr_matrix
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu_components.tfidf_classifier import TfidfLogisticRegressionClassifier

VOCAB = ["hiya", "hello", "pet", "bye", "tara", "food", "bank", "lonely", "2"]

def message(text, intent=None):
    row = np.zeros((1, len(VOCAB)))
    for word in text.split():
        row[0, VOCAB.index(word)] += 1
    data = {"text": text, **({"intent": intent} if intent else {})}
    msg = Message(data=data)
    msg.add_features(Features(csr_matrix(row), "sentence", "text", "test"))
    return msg

train = [("hiya", "greet"), ("hello pet", "greet"), ("hiya pet", "greet"), ("bye", "goodbye"),
         ("tara pet", "goodbye"), ("bye pet", "goodbye"), ("food bank", "express_need"),
         ("lonely", "express_need"), ("food", "express_need")]
tests = ["hello", "tara", "food bank pet", "lonely pet"]
with tempfile.TemporaryDirectory() as tmp:
    storage = LocalModelStorage(Path(tmp))
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    config = {**TfidfLogisticRegressionClassifier.get_default_config(), "C": 10}
    trained = TfidfLogisticRegressionClassifier.create(config, storage, resource, context)
    trained.train(TrainingData([message(t, i) for t, i in train]))
    before = [m.get("intent")["name"] for m in trained.process([message(t) for t in tests])]
    loaded = TfidfLogisticRegressionClassifier.load(config, storage, resource, context)
    after = [m.get("intent")["name"] for m in loaded.process([message(t) for t in tests])]
    print(json.dumps({"before": before, "after": after, "C": loaded.clf.named_steps["logreg"].C,
                      "steps": list(loaded.clf.named_steps)}))
"""


def test_tfidf_classifier_round_trip() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", _SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"] == ["greet", "goodbye", "express_need", "express_need"]
    assert result["after"] == result["before"]
    assert result["C"] == 10
    assert result["steps"] == ["tfidf", "logreg"]

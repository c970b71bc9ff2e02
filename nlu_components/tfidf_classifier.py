"""Intent classifier: logistic regression on tf-idf weighted, length-normalised n-gram counts.

Rasa's LogisticRegressionClassifier fits raw counts with a fixed C of 1. Residents' texts run
from "2" to a rambling paragraph, and on raw counts a long text's many character n-grams swamp
the few words that decide its intent. Weighting by inverse document frequency and scaling each
message to unit length (sklearn's TfidfTransformer) makes rare, telling words count and length
not; with less regularisation (C) it scored higher on the session-5 check set and in
cross-validation (issue 15). The transformer and the model are fitted and saved together as one
sklearn Pipeline, so prediction applies exactly the training weights.

This module is imported by Rasa (its own Python), never by the app: it uses only Rasa and sklearn.
"""

from __future__ import annotations

from typing import Any

import skops.io as sio
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

# Types skops does not trust by default that the saved Pipeline holds: the idf weights are kept
# as a sparse diagonal matrix. Anything else in the file refuses to load.
_TRUSTED_EXTRA = frozenset({"scipy.sparse._csr.csr_matrix"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier with tf-idf + l2 scaling of its features and a settable C."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults plus C (inverse regularisation) and sublinear_tf (log-scaled counts)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 10.0, "sublinear_tf": False}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        """Rasa's classifier (balanced class weights, lbfgs) with C set, behind a tf-idf step."""
        super().__init__(config, name, model_storage, resource)
        model = self.clf
        model.set_params(C=float(self.config["C"]))
        self.clf = Pipeline([
            ("tfidf", TfidfTransformer(sublinear_tf=bool(self.config["sublinear_tf"]))),
            ("logreg", model),
        ])

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfLogisticRegressionClassifier:
        """The saved Pipeline; fails loudly on a file with unexpected types.

        Rasa's own load silently falls back to an untrained classifier when the file holds a type
        skops does not trust, which would fail only at the first message.
        """
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / f"{resource.name}.skops"
                untrusted = sio.get_untrusted_types(file=path)
                unexpected = set(untrusted) - _TRUSTED_EXTRA
                if unexpected:
                    raise TypeError(f"unexpected types in {path.name}: {sorted(unexpected)}")
                classifier = sio.load(path, trusted=untrusted)
        except ValueError:  # no saved resource: not trained yet
            return cls.create(config, model_storage, resource, execution_context)
        component = cls(config, execution_context.node_name, model_storage, resource)
        component.clf = classifier
        return component

"""Send keyboard noise to the fallback: an intent classifier placed after FallbackClassifier.

When fewer than `min_known_ratio` of a message's words are known to the training data (even with a
typo), the intent becomes `nlu_fallback`, so the two-stage fallback asks "¿Quiso decir…?".
The logic is in bot/vocabulary.py; this file only adapts it to Rasa's graph components.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.vocabulary import Vocabulary

FILE_NAME = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_known_ratio": 0.5, "min_similarity": 80.0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> UnknownWordsFallback:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) or "" for m in training_data.training_examples]
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            if isinstance(elements, list):
                texts.extend(elements)
        texts.extend(training_data.entity_synonyms.keys())
        texts.extend(training_data.entity_synonyms.values())
        self.vocabulary = Vocabulary.from_texts(texts, min_similarity=self.config["min_similarity"])
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / FILE_NAME).write_text(json.dumps(self.vocabulary.words), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        with model_storage.read_from(resource) as model_dir:
            words = json.loads((model_dir / FILE_NAME).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Vocabulary(words, min_similarity=config["min_similarity"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.data.get(INTENT) or {}
            if self.vocabulary is None or intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            if self.vocabulary.looks_like_noise(message.get(TEXT) or "", self.config["min_known_ratio"]):
                fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.0}
                message.data[INTENT] = fallback
                message.data.setdefault(INTENT_RANKING_KEY, [])
                message.data[INTENT_RANKING_KEY].insert(0, dict(fallback))
        return messages

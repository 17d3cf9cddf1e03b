"""A message the classifiers sent to ``nlu_fallback`` but whose words are an indicator question.

Placed last in the pipeline: when the intent is ``nlu_fallback`` and the lexicon entities of
``GazetteerEntityExtractor`` show an indicator question ("desercion en buenavista 2018") or a short
follow-up ("y en 2019?", "del Huila"), the intent becomes that indicator intent
(:func:`bot.entities.lexicon_intent`), so the user gets the figure or the next question instead of
"¿Quiso decir…?"; a message torn between «contactar a una persona» and «pedir una gestión al MEN» (both
lead to the case offer) keeps the first; a message with a case code ("MEN-2026-000777-ZX9Q en que va?") asks for that case; a message in
another language is out of scope (answered briefly in that language), whatever the classifier said.
Not trainable.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.entities import TYPES, Found, lexicon_intent
from bot.repair import ESCALATION_INTENTS, other_language
from bot.tickets.codes import parse_code

CONFIDENCE = 0.5  # above the FallbackClassifier threshold; marks the intent as read from the lexicons


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LexiconIntentOverride(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LexiconIntentOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if other_language(message.get(TEXT) or ""):
                # the service is in Spanish: whatever the classifier guessed, the answer says so in that language
                self._choose(message, "out_of_scope", CONFIDENCE)
                continue
            if intent.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME]
            if len(ranking) >= 2 and {r[INTENT_NAME_KEY] for r in ranking[:2]} <= ESCALATION_INTENTS and (
                    ranking[0].get("confidence") or 0) + (ranking[1].get("confidence") or 0) >= 0.5:
                # torn between «una persona» and «una gestión del MEN»: both lead to the same case offer
                self._choose(message, ranking[0][INTENT_NAME_KEY], ranking[0].get("confidence") or CONFIDENCE)
                continue
            text = message.get(TEXT) or ""
            found = [Found(e["entity"], e["start"], e["end"], text[e["start"]:e["end"]])
                     for e in message.get(ENTITIES, []) if e.get("entity") in TYPES and "start" in e and "end" in e]
            name = "consultar_caso" if parse_code(text) is not None else lexicon_intent(text, found)
            if name is None:
                continue
            self._choose(message, name, CONFIDENCE)
        return messages

    @staticmethod
    def _choose(message: Message, name: str, confidence: float) -> None:
        chosen = {INTENT_NAME_KEY: name, "confidence": confidence}
        message.data[INTENT] = chosen
        ranking = [r for r in message.data.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
        message.data[INTENT_RANKING_KEY] = [dict(chosen), *ranking]

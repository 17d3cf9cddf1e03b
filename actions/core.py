"""Actions of the core conversation: the "¿Quiso decir…?" step of the fallback and the FAQ answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.indicators import is_indicator_follow_up
from bot.clarify import Labels, clarification_options, faq_topic, is_noise, load_labels
from bot.repair import needs_ministry, other_language


class ActionAskAffirmation(Action):
    """First stage of the two-stage fallback: offer the most likely meanings as buttons."""

    def __init__(self, labels: Labels | None = None) -> None:
        self._labels = labels

    def name(self) -> str:
        return "action_default_ask_affirmation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        labels = self._labels or load_labels()
        message = tracker.latest_message or {}
        lang = other_language(message.get("text") or "")
        if lang:  # another language: a short answer in it, not options unrelated to the message
            dispatcher.utter_message(response=f"utter_otro_idioma_{lang}")
            return []
        if is_noise(message):  # keyboard noise: what the assistant can do and the way to a person
            dispatcher.utter_message(response="utter_default")
            return []
        options = clarification_options(message, labels)
        if not options:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        buttons = [{"title": o.title, "payload": o.payload} for o in options]
        buttons.append({"title": labels.none_of_these, "payload": "/out_of_scope"})
        dispatcher.utter_message(response="utter_quiso_decir", buttons=buttons)
        return []


class ActionResponderFaq(Action):
    """Answer a question about the Escuela with the response of its topic (typed or from a button)."""

    def __init__(self, labels: Labels | None = None) -> None:
        self._labels = labels

    def name(self) -> str:
        return "action_responder_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        message = tracker.latest_message or {}
        if not (message.get("text") or "").startswith("/") and is_indicator_follow_up(tracker):
            return [FollowupAction("action_preparar_indicador")]  # "y la repitencia de allá?"
        topic = faq_topic(message, self._labels or load_labels())
        if topic is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(response=f"utter_faq/{topic}")
        _offer_related_resources(dispatcher, tracker, domain, f"utter_faq/{topic}")
        if needs_ministry(message):  # what the Escuela says may not settle it: a MEN area can
            return [SlotSet("caso_motivo", "requiere_gestion"), FollowupAction("action_ofrecer_caso")]
        return []


def _offer_related_resources(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict, response: str) -> None:
    """Catalog entries about the programmes (SIMAT, PAE…) that the question or the answer names."""
    from actions.catalog import offer_related_resources

    question = (tracker.latest_message or {}).get("text") or ""
    if question.startswith("/"):
        question = ""
    answer = " ".join(str(r.get("text") or "") for r in ((domain or {}).get("responses") or {}).get(response, []))
    offer_related_resources(dispatcher, tracker, f"{question} {answer}")

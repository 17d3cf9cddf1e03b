"""Conversation repair on Rasa 3.6: forms that let go, no question asked a third time, honest out of scope.

The decisions are plain Python in :mod:`bot.repair`; this module turns them into Rasa events.
"""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.repair import INTERRUPTIONS, MAX_ASKS, digression_intent, digression_target, other_language

S_ASKED = "formulario_intentos"  # how many times the form asked the same question without an answer
REQUESTED = "requested_slot"


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def leave_form(target: str) -> list[EventType]:
    """Events that end the active form and run ``target`` in the same turn."""
    return [SlotSet(REQUESTED, None), SlotSet(S_ASKED, None), ActiveLoop(None), FollowupAction(target)]


class RepairingFormValidation(FormValidationAction, metaclass=abc.ABCMeta):
    """A form validation that lets go on a request for something else and never asks a third time."""

    @abc.abstractmethod
    def name(self) -> str:
        """The validation action's name (abstract: rasa-sdk registers only the concrete forms)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = digression_intent(_intent(tracker), (tracker.latest_message or {}).get("text") or "")
        uttered = len(dispatcher.messages)
        requested_before = tracker.get_slot(REQUESTED)
        events = await super().run(dispatcher, tracker, domain)
        filled = any(e.get("event") == "slot" and e.get("name") not in {REQUESTED, S_ASKED} and
                     e.get("value") is not None for e in events)
        # on activation the latest message is the one that started the form: nothing to let go of
        target = digression_target(self.form_name(), intent, answers_form=filled) if requested_before else None
        if target:
            del dispatcher.messages[uttered:]  # not «No reconocí…»: the request is served instead
            return leave_form(target)
        if intent in INTERRUPTIONS and not filled:
            return events  # nothing extracted: Rasa rejects the form, a rule answers, then the form goes on
        requested_after = next((e.get("value") for e in reversed(events)
                                if e.get("event") == "slot" and e.get("name") == REQUESTED), requested_before)
        if requested_before and requested_after == requested_before:
            asked = int(tracker.get_slot(S_ASKED) or 0) + 1
            if asked >= MAX_ASKS:
                return leave_form("action_formas_de_avanzar")
            return [*events, SlotSet(S_ASKED, float(asked))]
        return [*events, SlotSet(S_ASKED, None)]


class ActionFormasDeAvanzar(Action):
    """After the same question twice: say so and offer the ways forward (never a dead end)."""

    def name(self) -> str:
        return "action_formas_de_avanzar"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_formas_de_avanzar")
        return []


class ActionCancelarFormulario(Action):
    """«cancelar» (or «no») inside a form: drop what was being asked and say what else is possible."""

    def name(self) -> str:
        return "action_cancelar_formulario"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_formulario_cancelado")
        slots: list[Any] = [name for name in tracker.slots if name.startswith(("ind_", "pares_"))]
        return [SlotSet(name, None) for name in slots]


class ActionFueraDeAlcance(Action):
    """Out of scope: in the user's language when it is not Spanish, always with the way to a person."""

    def name(self) -> str:
        return "action_fuera_de_alcance"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = other_language((tracker.latest_message or {}).get("text") or "")
        if lang:
            dispatcher.utter_message(response=f"utter_otro_idioma_{lang}")
        else:
            dispatcher.utter_message(response="utter_fuera_de_alcance")
        return []

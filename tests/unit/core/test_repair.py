"""Conversation repair decisions (bot/repair.py) and their Rasa events (actions/repair.py)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.repair import S_ASKED, RepairingFormValidation
from bot.repair import MAX_ASKS, asks_for_person, asks_procedure, digression_target, needs_ministry, other_language


@pytest.mark.parametrize(("intent", "target"), [
    ("contactar_humano", "action_ofrecer_caso"), ("solicitar_gestion_men", "action_ofrecer_caso"),
    ("cancelar", "action_cancelar_formulario"), ("faq", "action_responder_faq"), ("saludar", None),
])
def test_requests_for_something_else_leave_the_indicator_form(intent, target):
    assert digression_target("indicador_form", intent) == target


def test_an_answer_misread_as_another_intent_stays_an_answer_but_a_person_does_not():
    assert digression_target("indicador_form", "faq", answers_form=True) is None
    assert digression_target("indicador_form", "contactar_humano", answers_form=True) == "action_ofrecer_caso"
    assert digression_target("caso_form", "cancelar") is None  # the case form has its own «cancelar»


@pytest.mark.parametrize(("text", "lang"), [
    ("Hello, I need information about the schools please", "en"),
    ("Bom dia, você pode me ajudar com a escola?", "pt"),
    ("Bonjour, je voudrais des informations sur l'école", "fr"),
    ("hola necesito la desercion de pasto", None), ("buenas tardes, que es la escuela de secretarias", None),
    ("cobertura neta en Medellín 2019", None), ("ok", None),
])
def test_other_languages_are_recognised(text, lang):
    assert other_language(text) == lang


class _Form(RepairingFormValidation):
    def name(self) -> str:
        return "validate_indicador_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        return ["ind_lugar"]


def _tracker(intent: str, asked: float | None = None, text: str = "algo") -> Tracker:
    slots = {"requested_slot": "ind_lugar", "ind_lugar": None, S_ASKED: asked}
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker("u", slots, message, [], False, None, {"name": "indicador_form"}, "action_listen")


DOMAIN = {"forms": {"indicador_form": {"required_slots": ["ind_lugar"]}}, "slots": {"ind_lugar": {}}}


async def test_the_form_lets_go_and_serves_the_request_in_the_same_turn():
    events = await _Form().run(CollectingDispatcher(), _tracker("contactar_humano"), DOMAIN)
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert {"event": "followup", "name": "action_ofrecer_caso", "timestamp": None} in events


async def test_the_same_question_is_not_asked_a_third_time():
    first = await _Form().run(CollectingDispatcher(), _tracker("informar_dato_indicador"), DOMAIN)
    assert {"event": "slot", "name": S_ASKED, "value": 1.0, "timestamp": None} in first
    last = await _Form().run(CollectingDispatcher(), _tracker("informar_dato_indicador", MAX_ASKS - 1), DOMAIN)
    assert {"event": "followup", "name": "action_formas_de_avanzar", "timestamp": None} in last


class _Rejecting(_Form):
    async def validate_ind_lugar(self, value, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"No reconocí «{tracker.latest_message['text']}»")
        return {"ind_lugar": None}


async def test_a_request_for_a_case_in_its_own_words_leaves_the_form_whatever_the_nlu_says():
    dispatcher = CollectingDispatcher()
    tracker = _tracker("informar_dato_indicador", text="quiero abrir un caso")
    tracker.slots["ind_lugar"] = "quiero abrir un caso"
    events = await _Rejecting().run(dispatcher, tracker, DOMAIN)
    assert {"event": "followup", "name": "action_ofrecer_caso", "timestamp": None} in events
    assert dispatcher.messages == []  # not «No reconocí…» before the offer


@pytest.mark.parametrize(("text", "person", "procedure"), [
    ("quiero abrir un caso", True, False),
    ("contactar al MEN", True, False),
    ("necesito hablar con alguien del ministerio", True, False),
    ("queremos que la escuela haga un taller en nuestra region, como lo solicitamos?", False, True),
    ("como ha evolucionado la desercion en Pasto", False, False),
    ("Boyacá", False, False),
])
def test_requests_for_a_person_and_procedures_by_their_words(text, person, procedure):
    assert (asks_for_person(text), asks_procedure(text)) == (person, procedure)
    assert needs_ministry({"text": text, "intent_ranking": []}) == (person or procedure)


async def test_the_message_that_starts_a_form_is_not_a_request_to_leave_it():
    """"MEN-2026-000777-ZX9Q en que va?" starts the case-lookup form (it asks the e-mail): the same
    message, intent consultar_caso, must not make the form let go at once (a loop to the fallback)."""
    tracker = _tracker("consultar_caso")
    tracker.slots["requested_slot"] = None
    events = await _Form().run(CollectingDispatcher(), tracker, DOMAIN)
    assert not any(e.get("event") == "followup" for e in events)


@pytest.mark.parametrize(("text", "lang"), [
    ("whats the school dropout rate in Medellin last year", "en"),
    ("Oi, tudo bem? Trabalho numa secretaria de educação na fronteira com o Brasil. Vocês atendem em português?", "pt"),
    ("preciso de informações sobre a escola de secretarias, obrigado", "pt"),
    ("c'est quoi la capitale de l'Australie ?", "fr"),
    ("que es la escuela de secretarias", None),
    ("o sea, la desercion de pasto", None),
])
def test_other_languages_as_people_write_them(text, lang):
    assert other_language(text) == lang

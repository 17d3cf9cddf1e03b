"""The last NLU component: a fallback whose words are an indicator question, a case code, or a message torn
between the two ways to the MEN gets an intent instead of «¿Quiso decir…?»."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from nlu_components.lexicon_intent import LexiconIntentOverride


def _message(text, intent="nlu_fallback", ranking=(), entities=()):
    data = {"text": text, "intent": {"name": intent, "confidence": 0.3},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": list(entities)}
    return Message(data=data)


def _entity(text, word, kind):
    start = text.index(word)
    return {"entity": kind, "start": start, "end": start + len(word), "value": word}


def _intent(message):
    return message.get("intent")["name"]


def test_a_fallback_that_names_an_indicator_and_a_place_is_an_indicator_question():
    text = "desercion en buenavista 2018"
    msg = _message(text, entities=[_entity(text, "desercion", "indicador"), _entity(text, "buenavista", "lugar"),
                                   _entity(text, "2018", "anio")])
    (out,) = LexiconIntentOverride().process([msg])
    assert _intent(out) == "consultar_indicador" and out.get("intent_ranking")[0]["name"] == "consultar_indicador"


def test_a_case_code_and_the_two_ways_to_the_men():
    (code,) = LexiconIntentOverride().process([_message("MEN-2026-000777-ZX9Q en que va?")])
    assert _intent(code) == "consultar_caso"
    torn = _message("necesito que alguien del ministerio revise lo de la planta",
                    ranking=[("nlu_fallback", 0.3), ("contactar_humano", 0.41), ("solicitar_gestion_men", 0.38)])
    (out,) = LexiconIntentOverride().process([torn])
    assert _intent(out) == "contactar_humano"


def test_other_intents_and_unrelated_fallbacks_are_left_alone():
    sure = _message("cobertura de Pasto", intent="consultar_indicador")
    noise = _message("asdf qwer", ranking=[("nlu_fallback", 0.3), ("saludar", 0.2), ("contactar_humano", 0.1)])
    out = LexiconIntentOverride().process([sure, noise])
    assert [_intent(m) for m in out] == ["consultar_indicador", "nlu_fallback"]

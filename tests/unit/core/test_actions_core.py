from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.core import ActionAskAffirmation, ActionResponderFaq
from bot.clarify import Labels

LABELS = Labels(intents={"capacidades": "Ver opciones"}, faq_topics={"consignas": "Las consignas"})


def tracker(latest: dict) -> Tracker:
    return Tracker("user-1", {}, latest, [], False, None, {}, "action_listen")


def test_affirmation_offers_buttons_and_none_of_these():
    dispatcher = CollectingDispatcher()
    latest = {
        "text": "consignas?",
        "intent": {"name": "nlu_fallback"},
        "intent_ranking": [{"name": "faq"}, {"name": "capacidades"}],
        "response_selector": {"faq": {"ranking": [{"intent_response_key": "faq/consignas"}]}},
    }
    events = ActionAskAffirmation(LABELS).run(dispatcher, tracker(latest), {})
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_quiso_decir"
    assert [b["payload"] for b in message["buttons"]] == ['/faq{"tema": "consignas"}', "/capacidades", "/out_of_scope"]
    assert message["buttons"][-1]["title"] == LABELS.none_of_these


def test_affirmation_without_options_asks_to_rephrase():
    dispatcher = CollectingDispatcher()
    ActionAskAffirmation(LABELS).run(dispatcher, tracker({"intent_ranking": [{"name": "nlu_fallback"}]}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_faq_answer_uses_the_topic_response():
    dispatcher = CollectingDispatcher()
    latest = {"intent": {"name": "faq"}, "entities": [{"entity": "tema", "value": "consignas"}]}
    ActionResponderFaq(LABELS).run(dispatcher, tracker(latest), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/consignas"]


def test_faq_unknown_topic_asks_to_rephrase():
    dispatcher = CollectingDispatcher()
    ActionResponderFaq(LABELS).run(dispatcher, tracker({"intent": {"name": "faq"}}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_keyboard_noise_gets_what_the_assistant_can_do_not_options():
    dispatcher = CollectingDispatcher()
    latest = {"text": "asdf qwer zxcv", "intent": {"name": "nlu_fallback", "confidence": 0.0},
              "intent_ranking": [{"name": "faq", "confidence": 0.5}]}
    ActionAskAffirmation(LABELS).run(dispatcher, tracker(latest), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


def test_a_message_in_another_language_is_answered_in_it():
    for text, lang in (("Hello, can you help me with the school data please?", "en"),
                       ("Olá, eu preciso de ajuda com a escola, obrigado", "pt")):
        dispatcher = CollectingDispatcher()
        latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3},
                  "intent_ranking": [{"name": "faq", "confidence": 0.2}]}
        ActionAskAffirmation(LABELS).run(dispatcher, tracker(latest), {})
        assert [m["response"] for m in dispatcher.messages] == [f"utter_otro_idioma_{lang}"]


def test_unlikely_intents_are_not_offered():
    dispatcher = CollectingDispatcher()
    latest = {"text": "consignas?", "intent": {"name": "nlu_fallback", "confidence": 0.3},
              "intent_ranking": [{"name": "capacidades", "confidence": 0.05}]}
    ActionAskAffirmation(LABELS).run(dispatcher, tracker(latest), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_an_faq_answer_to_an_inquiry_also_offers_a_case():
    dispatcher = CollectingDispatcher()
    latest = {"text": "la escuela me puede aprobar la planta?", "intent": {"name": "faq", "confidence": 0.5},
              "entities": [{"entity": "tema", "value": "consignas"}],
              "intent_ranking": [{"name": "faq", "confidence": 0.5},
                                 {"name": "solicitar_gestion_men", "confidence": 0.4}]}
    events = ActionResponderFaq(LABELS).run(dispatcher, tracker(latest), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/consignas"]
    assert {"event": "followup", "name": "action_ofrecer_caso", "timestamp": None} in events

from bot.clarify import Labels, clarification_options, faq_payload, faq_topic, load_labels

LABELS = Labels(
    intents={"saludar": "Saludar", "capacidades": "Ver opciones"},
    faq_topics={"consignas": "Las consignas", "ejes": "Los ejes", "cifras": "Las cifras"},
)


def _selector(*keys):
    return {
        "faq": {
            "response": {"intent_response_key": keys[0]},
            "ranking": [{"intent_response_key": k, "confidence": 0.5} for k in keys],
        }
    }


def test_topic_from_button_entity_wins_over_selector():
    data = {"entities": [{"entity": "tema", "value": "ejes"}], "response_selector": _selector("faq/consignas")}
    assert faq_topic(data, LABELS) == "ejes"


def test_topic_from_response_selector():
    assert faq_topic({"response_selector": _selector("faq/cifras")}, LABELS) == "cifras"


def test_unknown_topic_is_none():
    assert faq_topic({"entities": [{"entity": "tema", "value": "no_existe"}]}, LABELS) is None
    assert faq_topic({}, LABELS) is None


def test_options_follow_ranking_and_skip_fallback_and_unknown_intents():
    data = {
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.4},
            {"name": "faq", "confidence": 0.35},
            {"name": "desconocida", "confidence": 0.2},
            {"name": "capacidades", "confidence": 0.1},
        ],
        "response_selector": _selector("faq/consignas", "faq/ejes", "faq/cifras"),
    }
    options = clarification_options(data, LABELS)
    assert [o.payload for o in options] == [faq_payload("consignas"), faq_payload("ejes"), "/capacidades"]
    assert options[0].title == "Las consignas"


def test_options_are_limited_and_unique():
    data = {"intent_ranking": [{"name": "saludar"}, {"name": "saludar"}, {"name": "capacidades"}]}
    assert [o.payload for o in clarification_options(data, LABELS, limit=1)] == ["/saludar"]


def test_project_labels_cover_every_faq_response_of_the_domain():
    import yaml

    from bot.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    topics = {k.split("/", 1)[1] for k in domain["responses"] if k.startswith("utter_faq/")}
    assert topics == set(load_labels().faq_topics)

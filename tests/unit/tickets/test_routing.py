"""The real router, trained once for the module on data/routing/."""

import pytest

from bot.text import fold, stems
from bot.tickets.areas import load_areas
from bot.tickets.routing import build_router
from bot.tickets.routing.data import load_examples, load_holdout, load_keywords
from bot.tickets.routing.rules import KeywordRules


@pytest.fixture(scope="module")
def router():
    return build_router(min_confidence=0.35)


def test_holdout_top1_routing_accuracy_is_at_least_90_percent(router):
    holdout = load_holdout()
    assert len(holdout) >= 80
    hits = sum(router.route(item.text).area_code == item.area for item in holdout)
    assert hits / len(holdout) >= 0.90


def test_holdout_is_not_copied_from_the_training_examples():
    train = {fold(e.text) for e in load_examples()}
    assert not [h.text for h in load_holdout() if fold(h.text) in train]


def test_every_area_has_training_examples_and_holdout_cases():
    codes = set(load_areas().codes)
    assert {e.area for e in load_examples()} == codes
    assert {h.area for h in load_holdout()} == codes


def test_every_decision_is_exactly_one_known_area(router):
    codes = set(load_areas().codes)
    for text in ["", "???", "hola", "asdf qwer", "😀😀"]:
        decision = router.route(text)
        assert decision.area_code in codes
        assert 0.0 <= decision.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("el operador del PAE no entrego las raciones", "UAPA-PAE"),
        ("olvide la contraseña del simat", "OTSI"),
        ("la obra del FFIE esta parada", "OIE"),
        ("nos notificaron una tutela", "OAJ"),
    ],
)
def test_clear_inquiries_route_with_confidence(router, text, area):
    decision = router.route(text)
    assert decision.area_code == area
    assert not decision.needs_triage
    assert decision.method == "reglas+clasificador"


def test_low_confidence_goes_to_the_default_area_for_triage():
    strict = build_router(min_confidence=0.99)
    decision = strict.route("tengo una inquietud sobre un tema de la secretaria")
    assert decision.area_code == "SG-SRC" and decision.needs_triage and decision.method == "defecto"
    assert decision.predicted_area in load_areas().codes
    assert len(decision.candidates) == 3


def test_topic_words_unique_to_an_area_become_rules():
    rules = KeywordRules.build(load_areas(), {})
    assert rules.scores("solicitud de permutas") == {"DFGT-SRH": 1.0}
    assert rules.scores("problema con el simat") == {}  # shared by DCE-ACC and OTSI: classifier decides


def test_curated_keywords_refer_to_known_areas():
    assert set(load_keywords()) <= set(load_areas().codes)
    with pytest.raises(KeyError):
        KeywordRules.build(load_areas(), {"XX": ["algo"]})


def test_text_normalisation():
    assert fold("¿Cómo va la CONTRASEÑA?") == "como va la contrasena"
    assert stems("Traslados y permutas") == stems("traslado y permuta") == ["trasl", "y", "permut"]

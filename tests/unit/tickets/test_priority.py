import pytest

from bot.tickets.priority import load_policy, parse_policy


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("Nos notificaron una TUTELA por un traslado", "alta"),
        ("se intoxicaron los niños con el almuerzo", "alta"),
        ("el plazo vence mañana y no tenemos respuesta", "alta"),
        ("tengo una sugerencia para la pagina", "baja"),
        ("necesitamos ampliar la planta docente", "media"),
    ],
)
def test_priority_rules(policy, text, priority):
    assert policy.classify(text) == priority


def test_sla_never_exceeds_the_general_legal_term(policy):
    assert policy.sla_days("alta") < policy.sla_days("media") < policy.sla_days("baja") <= 15


def test_invalid_policy_is_refused():
    with pytest.raises(ValueError):
        parse_policy({"sla_business_days": {"alta": 5}})
    with pytest.raises(ValueError):
        parse_policy({"default_priority": "maxima", "sla_business_days": {"alta": 1, "media": 2, "baja": 3}})

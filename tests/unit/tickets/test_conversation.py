import pytest

from bot.tickets.conversation import (
    detect_field,
    escalation_reason,
    events_before_offer,
    normalise_field,
    suggest_description,
    transcript_turns,
)


def user(text, intent=None):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "timestamp": 1767225600}


@pytest.mark.parametrize(
    ("intent", "actions", "preset", "reason"),
    [
        ("contactar_humano", [], None, "contactar_humano"),
        ("no_me_sirvio", [], None, "no_me_sirvio"),
        ("solicitar_gestion_men", [], None, "requiere_gestion"),
        ("contactar_humano", ["action_listen", "action_two_stage_fallback"], None, "fallback"),
        ("contactar_humano", [], "dato_no_disponible", "dato_no_disponible"),
        ("contactar_humano", [], "inventado", "contactar_humano"),
        ("contactar_humano", [], "no_me_sirvio", "contactar_humano"),  # stale value of an earlier offer
    ],
)
def test_escalation_reason(intent, actions, preset, reason):
    assert escalation_reason(intent=intent, recent_actions=actions, preset=preset) == reason


def test_suggestion_skips_small_talk_buttons_and_short_meta_messages():
    events = [
        user("buenos dias", "saludar"),
        user("cual es el plazo para reportar la matricula en el simat este año", "faq"),
        user("/contactar_humano", "contactar_humano"),
        user("si", "afirmar"),
        user("quiero hablar con una persona", "contactar_humano"),
    ]
    assert suggest_description(events) == "cual es el plazo para reportar la matricula en el simat este año"


def test_suggestion_keeps_the_last_three_in_order_and_long_meta_messages():
    texts = [f"mensaje numero {i} con bastante detalle sobre el caso" for i in range(5)]
    events = [user(t, "nlu_fallback") for t in texts]
    assert suggest_description(events) == "\n".join(texts[2:])
    long_meta = "necesito que alguien del ministerio me ayude con la planta docente que nos devolvieron"
    assert suggest_description([user(long_meta, "contactar_humano")]) == long_meta
    assert suggest_description([]) is None


def test_transcript_stops_at_the_last_offer():
    events = [
        user("hola", "saludar"),
        {"event": "bot", "text": "¡Hola!"},
        {"event": "action", "name": "action_ofrecer_caso"},
        user("Luz Dary", None),
    ]
    turns = transcript_turns(events_before_offer(events))
    assert [(t.role, t.text) for t in turns] == [("usuario", "hola"), ("asistente", "¡Hola!")]
    assert turns[0].at.year == 2026
    assert len(transcript_turns(events_before_offer(events[:2]))) == 2


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("me equivoque en el correo", "email"),
        ("el celular esta mal", "telefono"),
        ("cambiar mi nombre", "nombre"),
        ("la secretaria no es esa", "etc"),
        ("quiero cambiar la descripción", "descripcion"),
        ("quiero corregir algo", None),
    ],
)
def test_detect_field(text, field):
    assert detect_field(text) == field


def test_normalise_field_values():
    assert normalise_field("email") == "email"
    assert normalise_field("Teléfono") == "telefono"
    assert normalise_field(None) is None

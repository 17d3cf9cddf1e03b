"""The Rasa actions of the tickets feature, with CollectingDispatcher and trackers built inline."""

from datetime import datetime, timezone

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tickets import (
    ActionAskCasoConfirmado,
    ActionAskCasoDescripcion,
    ActionCancelarCaso,
    ActionConsentimientoNegado,
    ActionConsultarCaso,
    ActionConsultarCasoConCorreo,
    ActionCorregirDatoCaso,
    ActionCrearCaso,
    ActionOfrecerCaso,
    ActionPedirConsentimiento,
    ActionRegistrarConsentimiento,
    ValidateCasoForm,
    ValidateConsultaCasoForm,
)
from bot.db import session_factory
from bot.settings import PROJECT_ROOT

from ..conftest import make_services
from .conftest import NOW

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM_DOMAIN = {"forms": DOMAIN["forms"], "slots": DOMAIN["slots"]}

FILLED = {
    "caso_consentimiento": NOW.isoformat(),
    "caso_solicitud_id": "abc123",
    "caso_nombre": "Luz Dary Gómez",
    "caso_cargo": "Líder de cobertura",
    "caso_etc": "Medellín",
    "caso_etc_codigo": "3759",
    "caso_email": "luz.gomez@example.org",
    "caso_telefono": "ninguno",
    "caso_descripcion": "Necesitamos ampliar la planta docente para el próximo año.",
    "caso_confirmado": True,
    "caso_motivo": "contactar_humano",
}


def user(text, intent=None, entities=None, channel="rest"):
    return {
        "event": "user",
        "text": text,
        "timestamp": NOW.timestamp(),
        "input_channel": channel,
        "parse_data": {"intent": {"name": intent}, "entities": entities or []},
    }


def bot(text):
    return {"event": "bot", "text": text, "timestamp": NOW.timestamp()}


def action(name):
    return {"event": "action", "name": name}


def make_tracker(*, slots=None, events=None, latest=None, active_loop=None, sender="conv-1"):
    events = events or []
    if latest is None:
        users = [e for e in events if e["event"] == "user"]
        latest = users[-1]["parse_data"] | {"text": users[-1]["text"]} if users else {}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, slots or {}, latest, events, False, None, loop, "action_listen")


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# --- offer and consent ----------------------------------------------------------------------


def test_offer_after_no_me_sirvio_prefills_what_the_user_wrote():
    events = [
        user("hola", "saludar"),
        user("como se pide la ampliacion de la planta docente de la secretaria", "faq"),
        bot("La Escuela de Secretarías es..."),
        user("eso no me sirvio", "no_me_sirvio"),
    ]
    dispatcher = CollectingDispatcher()
    out = ActionOfrecerCaso().run(dispatcher, make_tracker(events=events), {})
    assert responses(dispatcher) == ["utter_motivo_no_me_sirvio", "utter_ofrecer_caso"]
    slots = slot_events(out)
    assert slots["caso_motivo"] == "no_me_sirvio"
    assert slots["caso_descripcion_sugerida"] == "como se pide la ampliacion de la planta docente de la secretaria"
    assert slots["caso_nombre"] is None and slots["caso_consentimiento"] is None  # a fresh case


def test_offer_after_a_failed_fallback_says_so():
    events = [
        user("xyzzy plugh", "nlu_fallback"),
        action("action_two_stage_fallback"),
        user("/contactar_humano", "contactar_humano"),
    ]
    dispatcher = CollectingDispatcher()
    out = ActionOfrecerCaso().run(dispatcher, make_tracker(events=events), {})
    assert responses(dispatcher) == ["utter_motivo_fallback", "utter_ofrecer_caso"]
    assert slot_events(out)["caso_descripcion_sugerida"] is None  # button payloads and noise are not descriptions


def test_offer_keeps_a_reason_set_by_another_feature():
    dispatcher = CollectingDispatcher()
    out = ActionOfrecerCaso().run(dispatcher, make_tracker(slots={"caso_motivo": "dato_no_disponible"}), {})
    assert responses(dispatcher)[0] == "utter_motivo_dato_no_disponible"
    assert slot_events(out)["caso_motivo"] == "dato_no_disponible"


def test_consent_text_links_the_configured_policy():
    dispatcher = CollectingDispatcher()
    ActionPedirConsentimiento(make_services({"PRIVACY_POLICY_URL": "https://example.org/politica"})).run(dispatcher, make_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_consentimiento_con_enlace"
    assert dispatcher.messages[0]["url"] == "https://example.org/politica"


def test_consent_text_without_a_configured_policy_has_no_link():
    dispatcher = CollectingDispatcher()
    ActionPedirConsentimiento(make_services({"PRIVACY_POLICY_URL": ""})).run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_consentimiento"]
    assert "url" not in dispatcher.messages[0]


def test_registering_consent_starts_a_new_request():
    out1 = slot_events(ActionRegistrarConsentimiento().run(CollectingDispatcher(), make_tracker(), {}))
    out2 = slot_events(ActionRegistrarConsentimiento().run(CollectingDispatcher(), make_tracker(), {}))
    assert datetime.fromisoformat(out1["caso_consentimiento"]).tzinfo is not None
    assert out1["caso_solicitud_id"] != out2["caso_solicitud_id"]


def test_declined_consent_stores_nothing_and_gives_other_ways(service, db_url):
    dispatcher = CollectingDispatcher()
    out = ActionConsentimientoNegado().run(dispatcher, make_tracker(slots={"caso_motivo": "contactar_humano"}), {})
    assert responses(dispatcher) == ["utter_consentimiento_negado", "utter_otros_canales"]
    assert all(v is None for v in slot_events(out).values())
    assert service.conversation_tickets(conversation_id="conv-1") == []


# --- form validation ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _places(resolver):
    global PLACES
    PLACES = resolver


PLACES = None


async def _validate(slot, value, *, slots=None, intent=None):
    validator = ValidateCasoForm(make_services(places=PLACES))
    dispatcher = CollectingDispatcher()
    events = [user(str(value), intent), {"event": "slot", "name": slot, "value": value}]
    tracker = make_tracker(
        slots={**(slots or {}), slot: value, "requested_slot": slot}, events=events, active_loop="caso_form"
    )
    out = await validator.run(dispatcher, tracker, FORM_DOMAIN)
    return slot_events(out), dispatcher


async def test_valid_email_is_kept_and_invalid_is_asked_again_with_the_reason():
    slots, dispatcher = await _validate("caso_email", " Luz.Gomez@Example.ORG ")
    assert slots["caso_email"] == "Luz.Gomez@example.org" and not dispatcher.messages
    slots, dispatcher = await _validate("caso_email", "luz.gomez.example.org")
    assert slots["caso_email"] is None and responses(dispatcher) == ["utter_email_invalido_arroba"]
    slots, dispatcher = await _validate("caso_email", "luz@gmail.con")
    assert dispatcher.messages[0]["response"] == "utter_email_invalido_dominio_dudoso"
    assert dispatcher.messages[0]["sugerencia"] == "luz@gmail.com"


async def test_etc_is_resolved_against_the_96_etc():
    slots, dispatcher = await _validate("caso_etc", "sec de educacion de medellin")
    assert (slots["caso_etc"], slots["caso_etc_codigo"]) == ("Medellín", "3759")
    slots, dispatcher = await _validate("caso_etc", "abejorral")
    assert slots["caso_etc"] == "Antioquia (ETC)"
    assert dispatcher.messages[0]["response"] == "utter_etc_por_municipio"
    slots, dispatcher = await _validate("caso_etc", "norte santander")
    assert slots["caso_etc"] == "Norte de Santander (ETC)"
    slots, dispatcher = await _validate("caso_etc", "Armenia")  # Quindío's capital or a town of Antioquia
    assert slots["caso_etc"] is None and dispatcher.messages[0]["response"] == "utter_etc_opciones"
    assert "Armenia" in [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    slots, dispatcher = await _validate("caso_etc", "wxyz qqqq")
    assert slots["caso_etc"] is None and responses(dispatcher) == ["utter_etc_no_encontrada"]


async def test_name_cargo_and_phone():
    assert (await _validate("caso_nombre", "  luz   dary "))[0]["caso_nombre"] == "luz dary"
    slots, dispatcher = await _validate("caso_nombre", "luz@x.org")
    assert slots["caso_nombre"] is None and responses(dispatcher) == ["utter_nombre_invalido"]
    assert (await _validate("caso_cargo", "?"))[0]["caso_cargo"] is None
    assert (await _validate("caso_telefono", "ninguno"))[0]["caso_telefono"] == "ninguno"
    assert (await _validate("caso_telefono", "310 555 1234"))[0]["caso_telefono"] == "+573105551234"
    slots, dispatcher = await _validate("caso_telefono", "555")
    assert slots["caso_telefono"] is None and responses(dispatcher) == ["utter_telefono_invalido"]


async def test_description_uses_the_suggestion_when_the_user_accepts_it():
    suggestion = "Necesitamos que revisen la viabilidad de la planta docente."
    slots, _ = await _validate(
        "caso_descripcion", "/afirmar", slots={"caso_descripcion_sugerida": suggestion}, intent="afirmar"
    )
    assert slots["caso_descripcion"] == suggestion
    slots, _ = await _validate("caso_descripcion", "Otro texto escrito por la usuaria <b>sin</b> formato 😀")
    assert slots["caso_descripcion"] == "Otro texto escrito por la usuaria <b>sin</b> formato 😀"


async def test_description_over_5000_characters_is_refused_with_the_numbers():
    slots, dispatcher = await _validate("caso_descripcion", "x" * 5001)
    assert slots["caso_descripcion"] is None
    assert dispatcher.messages[0]["response"] == "utter_descripcion_larga"
    assert (dispatcher.messages[0]["maximo"], dispatcher.messages[0]["longitud"]) == (5000, 5001)


async def test_confirmation_answers():
    assert (await _validate("caso_confirmado", True))[0]["caso_confirmado"] is True
    slots, dispatcher = await _validate("caso_confirmado", False)
    assert slots["caso_confirmado"] is None and responses(dispatcher) == ["utter_preguntar_campo_corregir"]
    slots, dispatcher = await _validate("caso_confirmado", "que?")
    assert slots["caso_confirmado"] is None and responses(dispatcher) == ["utter_confirmar_o_corregir"]


def test_ask_description_shows_the_suggestion_or_asks_plainly():
    dispatcher = CollectingDispatcher()
    ActionAskCasoDescripcion().run(dispatcher, make_tracker(slots={"caso_descripcion_sugerida": "texto previo"}), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_caso_descripcion_sugerida"
    assert dispatcher.messages[0]["sugerencia"] == "texto previo"
    dispatcher = CollectingDispatcher()
    ActionAskCasoDescripcion().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_ask_caso_descripcion"]


def test_summary_with_and_without_phone():
    dispatcher = CollectingDispatcher()
    ActionAskCasoConfirmado().run(dispatcher, make_tracker(slots=FILLED), {})
    assert responses(dispatcher) == ["utter_resumen_caso_sin_telefono"]
    assert dispatcher.messages[0]["etc"] == "Medellín"
    dispatcher = CollectingDispatcher()
    ActionAskCasoConfirmado().run(dispatcher, make_tracker(slots=FILLED | {"caso_telefono": "+573105551234"}), {})
    assert dispatcher.messages[0]["response"] == "utter_resumen_caso"
    assert dispatcher.messages[0]["telefono"] == "+573105551234"


# --- creating the case ----------------------------------------------------------------------


def _creation_events():
    return [
        user("necesito ayuda con la planta docente de la secretaria de medellin", "solicitar_gestion_men"),
        action("action_ofrecer_caso"),
        bot("Puedo abrir un caso..."),
        user("si", "afirmar"),
        user("luz.gomez@example.org", "afirmar"),
    ]


def test_create_case_tells_code_area_and_due_date(service, router):
    dispatcher = CollectingDispatcher()
    out = ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED, events=_creation_events()), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_caso_creado"
    assert message["codigo"].startswith("MEN-2026-000001-")
    assert message["area"] == "Subdirección de Recursos Humanos del Sector Educativo"
    assert (message["dias"], message["fecha_limite"]) == (10, "lunes 16 de marzo de 2026")
    slots = slot_events(out)
    assert slots["caso_codigo"] == message["codigo"] and slots["caso_nombre"] is None
    assert "caso_solicitud_id" not in slots  # kept: a retried call finds the same ticket


def test_retried_or_double_submitted_action_creates_one_ticket(service):
    tracker = make_tracker(slots=FILLED, events=_creation_events())
    codes = set()
    for _ in range(3):
        dispatcher = CollectingDispatcher()
        ActionCrearCaso(make_services(tickets=service)).run(dispatcher, tracker, {})
        codes.add(dispatcher.messages[0]["codigo"])
    assert len(codes) == 1
    assert len(service.conversation_tickets(conversation_id="conv-1")) == 1


def test_stored_transcript_stops_before_the_personal_data_of_the_form(service, db_url):
    from bot.db import session_scope
    from bot.tickets.repository import get_ticket_by_code

    dispatcher = CollectingDispatcher()
    ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED, events=_creation_events()), {})
    with session_scope(db_url) as s:
        ticket = get_ticket_by_code(session=s, code=dispatcher.messages[0]["codigo"])
        assert [t["texto"] for t in ticket.transcript] == [
            "necesito ayuda con la planta docente de la secretaria de medellin"
        ]
        assert (ticket.channel, ticket.conversation_id, ticket.etc_code) == ("rest", "conv-1", "3759")
        assert ticket.requester_phone is None and ticket.escalation_reason == "contactar_humano"


def test_low_confidence_case_says_it_goes_to_triage(db_url):
    from bot.tickets.service import TicketService

    from .conftest import FakeRouter

    service = TicketService(sessions=session_factory(db_url), router=FakeRouter(confidence=0.1), clock=lambda: NOW)
    dispatcher = CollectingDispatcher()
    ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED), {})
    assert dispatcher.messages[0]["response"] == "utter_caso_creado_triage"
    assert dispatcher.messages[0]["area"] == "Subdirección de Relacionamiento con la Ciudadanía"


def test_no_case_without_consent(service):
    dispatcher = CollectingDispatcher()
    ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED | {"caso_consentimiento": None}), {})
    assert responses(dispatcher) == ["utter_caso_sin_consentimiento"]
    assert service.conversation_tickets(conversation_id="conv-1") == []


def test_database_failure_keeps_the_data_and_offers_to_retry(tmp_path):
    from bot.tickets.service import TicketService

    from .conftest import FakeRouter

    broken = TicketService(sessions=session_factory(f"sqlite:///{tmp_path / 'not-migrated.db'}"), router=FakeRouter())
    dispatcher = CollectingDispatcher()
    out = ActionCrearCaso(make_services(tickets=broken)).run(dispatcher, make_tracker(slots=FILLED), {})
    assert responses(dispatcher) == ["utter_caso_error_tecnico"]
    assert out == [SlotSet("caso_confirmado", None), FollowupAction("caso_form")]


def test_a_field_refused_by_the_service_is_asked_again(service):
    dispatcher = CollectingDispatcher()
    out = ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED | {"caso_email": "malo"}), {})
    assert out == [SlotSet("caso_email", None), SlotSet("caso_confirmado", None), FollowupAction("caso_form")]


# --- cancel and correct ---------------------------------------------------------------------


def test_cancel_inside_the_form_forgets_everything():
    dispatcher = CollectingDispatcher()
    out = ActionCancelarCaso().run(dispatcher, make_tracker(slots=FILLED, active_loop="caso_form"), {})
    assert responses(dispatcher) == ["utter_caso_cancelado"]
    assert out[0] == ActiveLoop(None)
    assert all(v is None for v in slot_events(out).values())


def test_cancel_with_nothing_in_progress():
    dispatcher = CollectingDispatcher()
    out = ActionCancelarCaso().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_nada_que_cancelar"]
    assert ActiveLoop(None) not in out


@pytest.mark.parametrize(
    ("text", "entities", "slot"),
    [
        ("me equivoque en el correo", [], "caso_email"),
        ("/corregir_dato", [{"entity": "campo_caso", "value": "telefono"}], "caso_telefono"),
        ("la secretaria quedo mal", [{"entity": "campo_caso", "value": "etc"}], "caso_etc"),
    ],
)
def test_correcting_a_named_field_empties_it(text, entities, slot):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=FILLED, events=[user(text, "corregir_dato", entities)], active_loop="caso_form")
    out = ActionCorregirDatoCaso().run(dispatcher, tracker, {})
    slots = slot_events(out)
    assert slots[slot] is None and slots["caso_confirmado"] is None and slots["caso_corrigiendo"] is True
    assert responses(dispatcher) == ["utter_corregir_dato"]
    if slot == "caso_etc":
        assert slots["caso_etc_codigo"] is None


def test_correcting_without_a_field_asks_which_one():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=FILLED, events=[user("/corregir_dato", "corregir_dato")], active_loop="caso_form")
    out = ActionCorregirDatoCaso().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_preguntar_campo_corregir"]
    assert out[0] == ActiveLoop(None) and slot_events(out)["caso_corrigiendo"] is False


def test_correcting_with_no_case_in_progress():
    dispatcher = CollectingDispatcher()
    out = ActionCorregirDatoCaso().run(
        dispatcher, make_tracker(events=[user("corregir el correo", "corregir_dato")]), {}
    )
    assert responses(dispatcher) == ["utter_nada_que_corregir"]
    assert slot_events(out) == {"caso_corrigiendo": False}


# --- status ---------------------------------------------------------------------------------


@pytest.fixture
def created_code(service):
    dispatcher = CollectingDispatcher()
    ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED), {})
    return dispatcher.messages[0]["codigo"]


def test_status_by_code_in_the_same_conversation(service, created_code):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user(f"como va mi caso {created_code.lower()}", "consultar_caso")])
    out = ActionConsultarCaso(make_services(tickets=service)).run(dispatcher, tracker, {})
    assert out == [SlotSet("caso_requiere_correo", False)]
    [message] = dispatcher.messages
    assert message["response"] == "utter_caso_estado_nuevo" and message["codigo"] == created_code
    assert message["fecha_limite"] == "lunes 16 de marzo de 2026"


def test_status_without_code_lists_this_conversations_cases(service, created_code):
    dispatcher = CollectingDispatcher()
    ActionConsultarCaso(make_services(tickets=service)).run(
        dispatcher, make_tracker(events=[user("como va mi caso", "consultar_caso")]), {}
    )
    assert [m["codigo"] for m in dispatcher.messages] == [created_code]
    dispatcher = CollectingDispatcher()
    other = make_tracker(events=[user("como va mi caso", "consultar_caso")], sender="conv-2")
    ActionConsultarCaso(make_services(tickets=service)).run(dispatcher, other, {})
    assert responses(dispatcher) == ["utter_pedir_codigo_caso"]


def test_other_conversation_and_wrong_code_both_ask_for_the_email(service, created_code):
    outs = []
    for code in (created_code, "MEN-2026-000999-ZZZZ"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(events=[user(f"estado {code}", "consultar_caso")], sender="conv-2")
        outs.append(ActionConsultarCaso(make_services(tickets=service)).run(dispatcher, tracker, {}))
        assert dispatcher.messages == []  # the form asks for the e-mail: same path for both
    assert [slot_events(o)["caso_requiere_correo"] for o in outs] == [True, True]
    assert slot_events(outs[0])["caso_consulta_codigo"] == created_code


@pytest.mark.parametrize(
    ("email", "use_real_code", "expected"),
    [
        ("luz.gomez@example.org", True, "utter_caso_estado_nuevo"),
        ("otra.persona@example.org", True, "utter_caso_no_encontrado"),
        ("luz.gomez@example.org", False, "utter_caso_no_encontrado"),
    ],
)
def test_status_with_email(service, created_code, email, use_real_code, expected):
    code = created_code if use_real_code else "MEN-2026-000999-ZZZZ"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"caso_consulta_codigo": code, "caso_consulta_email": email}, sender="conv-2")
    out = ActionConsultarCasoConCorreo(make_services(tickets=service)).run(dispatcher, tracker, {})
    assert responses(dispatcher) == [expected]
    assert slot_events(out) == {
        "caso_consulta_codigo": None,
        "caso_consulta_email": None,
        "caso_requiere_correo": False,
    }


def test_status_shows_the_agent_reply(service, db_url, created_code):
    from bot.db import session_scope
    from bot.tickets import repository as repo

    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=created_code)
        repo.add_event(
            session=s,
            ticket=t,
            kind="respuesta_agente",
            actor_type="agente",
            actor_id="9",
            body="<b>Aprobado</b> 👍",
            visible_to_requester=True,
            at=datetime(2026, 3, 3, 14, 0, tzinfo=timezone.utc),
        )
    dispatcher = CollectingDispatcher()
    ActionConsultarCaso(make_services(tickets=service)).run(
        dispatcher, make_tracker(events=[user(created_code, "consultar_caso")]), {}
    )
    assert responses(dispatcher) == ["utter_caso_estado_nuevo", "utter_caso_respuesta_agente"]
    assert dispatcher.messages[1]["respuesta"] == "<b>Aprobado</b> 👍"  # plain text, verbatim


async def test_lookup_email_is_validated():
    dispatcher = CollectingDispatcher()
    events = [user("no me acuerdo"), {"event": "slot", "name": "caso_consulta_email", "value": "no me acuerdo"}]
    tracker = make_tracker(
        slots={"caso_consulta_email": "no me acuerdo", "requested_slot": "caso_consulta_email"},
        events=events,
        active_loop="consulta_caso_form",
    )
    out = await ValidateConsultaCasoForm().run(dispatcher, tracker, FORM_DOMAIN)
    assert slot_events(out)["caso_consulta_email"] is None
    assert responses(dispatcher) == ["utter_email_invalido_espacios"]


def test_every_response_used_by_the_actions_exists_in_the_domain():
    import re

    source = (PROJECT_ROOT / "actions" / "tickets.py").read_text(encoding="utf-8")
    static = set(re.findall(r'response="(utter_[a-z_]+)"', source))
    dynamic = {
        f"utter_caso_estado_{s}"
        for s in ("nuevo", "asignado", "en_curso", "esperando_respuesta", "resuelto", "cerrado")
    }
    dynamic |= {f"utter_motivo_{r}" for r in ("no_me_sirvio", "fallback", "requiere_gestion", "dato_no_disponible")}
    dynamic |= {
        f"utter_email_invalido_{r}"
        for r in ("vacio", "espacios", "arroba", "usuario", "dominio", "largo", "dominio_dudoso")
    }
    assert (static | dynamic) <= set(DOMAIN["responses"])


def test_second_submit_after_creation_repeats_the_code_without_a_new_ticket(service):
    dispatcher = CollectingDispatcher()
    out = ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=FILLED, events=_creation_events()), {})
    code = slot_events(out)["caso_codigo"]
    after = {**FILLED, **slot_events(out)}  # the slots as Rasa leaves them after the first run
    dispatcher = CollectingDispatcher()
    assert ActionCrearCaso(make_services(tickets=service)).run(dispatcher, make_tracker(slots=after), {}) == []
    assert responses(dispatcher) == ["utter_caso_ya_registrado"] and dispatcher.messages[0]["codigo"] == code
    assert len(service.conversation_tickets(conversation_id="conv-1")) == 1


@pytest.mark.parametrize(
    "slot", ["caso_nombre", "caso_cargo", "caso_etc", "caso_email", "caso_descripcion", "caso_confirmado"]
)
async def test_slots_emptied_by_a_correction_are_not_reported_as_invalid(slot):
    slots, dispatcher = await _validate(slot, None)
    assert slots[slot] is None and dispatcher.messages == []


class _Inbox:
    """Pending agent notices of one conversation, taken once (as NoticeInbox does)."""

    def __init__(self, notices):
        self.notices = notices
        self.asked: list[str] = []

    def take_for_conversation(self, *, conversation_id):
        self.asked.append(conversation_id)
        notices, self.notices = self.notices, []
        return notices


def test_status_request_first_delivers_pending_agent_replies(service, created_code):
    from bot.agents.outbox import Notice

    inbox = _Inbox([Notice(outbox_id=1, ticket_code=created_code, kind="respuesta", body="Ya revisamos su planta.")])
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user(f"como va mi caso {created_code}", "consultar_caso")])
    ActionConsultarCaso(make_services(tickets=service), inbox=inbox).run(dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_respuesta_caso"
    assert dispatcher.messages[0]["respuesta"] == "Ya revisamos su planta."
    assert responses(dispatcher)[1] == "utter_caso_estado_nuevo"
    assert inbox.asked == [tracker.sender_id]
    dispatcher = CollectingDispatcher()
    ActionConsultarCaso(make_services(tickets=service), inbox=inbox).run(dispatcher, tracker, {})
    assert "utter_respuesta_caso" not in responses(dispatcher)  # said once


def test_the_case_form_asks_the_slots_the_actions_reset():
    from actions.tickets import FORM_SLOTS

    assert tuple(DOMAIN["forms"]["caso_form"]["required_slots"]) == FORM_SLOTS

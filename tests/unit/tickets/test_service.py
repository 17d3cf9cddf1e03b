"""Opening cases and looking them up, on a migrated SQLite file."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_factory, session_scope
from bot.tickets import repository as repo
from bot.tickets.models import AppendOnlyViolation, Ticket, TicketEvent
from bot.tickets.service import ConsentRequired, TicketService, TicketValidationError, TranscriptTurn, hash_key

from .conftest import NOW, FakeRouter

CODE_RE = re.compile(r"^MEN-2026-\d{6}-[0-9A-HJKMNP-TV-Z]{4}$")


def _ticket(db_url, code) -> Ticket:
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        t.events  # noqa: B018 - load the log before the session closes
        return t


def test_open_ticket_stores_everything_and_answers_code_area_and_due_date(service, db_url, request_factory, router):
    receipt = service.open_ticket(request_factory(phone="300 123 4567"))
    assert CODE_RE.match(receipt.code)
    assert receipt.created and receipt.area_code == "DFGT-SRH"
    assert receipt.area_name == "Subdirección de Recursos Humanos del Sector Educativo"
    assert (receipt.priority, receipt.sla_business_days) == ("media", 10)
    assert receipt.due_date_text == "lunes 16 de marzo de 2026"
    assert router.calls == ["Necesitamos ampliar la planta docente de la secretaría para 2026."]
    t = _ticket(db_url, receipt.code)
    assert (t.status, t.requester_name, t.requester_email, t.requester_phone) == (
        "nuevo", "Marta Lucía Pérez", "marta.perez@example.org", "+573001234567"
    )  # fmt: skip
    assert (t.etc_code, t.etc_name, t.channel, t.conversation_id) == ("3759", "Medellín", "rest", "conv-1")
    assert t.consent_given_at == NOW and t.consent_policy_version == "2025-01"
    assert t.idempotency_key == hash_key("conv-1:solicitud-1")  # the raw key is not stored
    assert [turn["de"] for turn in t.transcript] == ["usuario", "asistente"]
    assert [e.kind for e in t.events] == ["creado"]
    assert t.events[0].data["area"] == "DFGT-SRH"


def test_same_idempotency_key_never_creates_two_tickets(service, db_url, request_factory):
    first = service.open_ticket(request_factory())
    again = service.open_ticket(request_factory(description="Otro texto tras un reintento de la acción."))
    assert again.code == first.code and not again.created
    with session_scope(db_url) as s:
        assert len(s.execute(select(Ticket)).scalars().all()) == 1


def test_numbers_increase_and_codes_differ(service, request_factory):
    codes = [service.open_ticket(request_factory(idempotency_key=f"k{i}")).code for i in range(3)]
    assert [c[:15] for c in codes] == ["MEN-2026-000001", "MEN-2026-000002", "MEN-2026-000003"]


def test_low_confidence_goes_to_default_area_marked_for_triage(db_url, request_factory):
    service = TicketService(sessions=session_factory(db_url), router=FakeRouter(confidence=0.2), clock=lambda: NOW)
    receipt = service.open_ticket(request_factory())
    assert receipt.area_code == "SG-SRC" and receipt.needs_triage
    assert _ticket(db_url, receipt.code).routing_method == "defecto"


def test_urgent_case_gets_a_shorter_sla(service, request_factory):
    receipt = service.open_ticket(request_factory(description="Nos notificaron una tutela por un traslado docente."))
    assert (receipt.priority, receipt.sla_business_days) == ("alta", 5)


def test_consent_is_required(service, request_factory, db_url):
    with pytest.raises(ConsentRequired):
        service.open_ticket(request_factory(consent_given_at=None))
    with session_scope(db_url) as s:
        assert s.execute(select(Ticket)).first() is None


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"email": "marta.gmail.com"}, "email", "arroba"),
        ({"name": ""}, "nombre", "vacio"),
        ({"cargo": ""}, "cargo", "vacio"),
        ({"phone": "123"}, "telefono", "formato"),
        ({"etc_code": ""}, "etc", "vacio"),
        ({"description": "x" * 5001}, "descripcion", "largo"),
        ({"idempotency_key": ""}, "idempotency_key", "vacio"),
    ],
)
def test_invalid_fields_are_refused_with_a_reason(service, request_factory, overrides, field, reason):
    with pytest.raises(TicketValidationError) as err:
        service.open_ticket(request_factory(**overrides))
    assert (err.value.field, err.value.reason) == (field, reason)


def test_long_description_error_tells_the_limit(service, request_factory):
    with pytest.raises(TicketValidationError) as err:
        service.open_ticket(request_factory(description="é" * 5200))
    assert err.value.details == {"maximo": 5000, "longitud": 5200}


def test_5000_characters_with_emoji_html_and_sql_are_stored_verbatim(service, db_url, request_factory):
    payload = "<img src=x onerror=alert(1)> 😀🇨🇴 '); DROP TABLE tickets; -- ñ & <b>"
    description = (payload * 100)[:5000].rstrip()
    receipt = service.open_ticket(request_factory(description=description))
    t = _ticket(db_url, receipt.code)
    assert t.description == description and len(t.description) <= 5000
    turn = TranscriptTurn("usuario", payload)
    receipt2 = service.open_ticket(request_factory(idempotency_key="k2", transcript=(turn,), description=payload))
    t2 = _ticket(db_url, receipt2.code)
    assert t2.description == payload and t2.transcript[0]["texto"] == payload


def test_transcript_is_bounded(service, db_url, request_factory):
    turns = tuple(TranscriptTurn("usuario", f"mensaje {i} " + "x" * 3000) for i in range(80))
    receipt = service.open_ticket(request_factory(transcript=turns))
    transcript = _ticket(db_url, receipt.code).transcript
    assert len(transcript) == 60 and transcript[0]["texto"].startswith("mensaje 20")
    assert all(len(t["texto"]) == 2000 for t in transcript)


# --- status look-ups -------------------------------------------------------------------------


def test_status_for_the_conversation_that_opened_it(service, request_factory):
    code = service.open_ticket(request_factory()).code
    view = service.status_for_conversation(code_text=f"como va mi caso {code.lower()}?", conversation_id="conv-1")
    assert (view.code, view.status, view.area_code) == (code, "nuevo", "DFGT-SRH")
    assert view.last_reply is None
    # The conversation proves who asks: the random suffix may be left out there.
    assert service.status_for_conversation(code_text=code[:15], conversation_id="conv-1").code == code


def test_other_conversation_and_wrong_codes_get_the_same_not_found(service, request_factory):
    code = service.open_ticket(request_factory()).code
    assert service.status_for_conversation(code_text=code, conversation_id="conv-2") is None
    assert service.status_for_conversation(code_text="MEN-2026-000999-ABCD", conversation_id="conv-1") is None
    assert service.status_for_conversation(code_text="no tengo codigo", conversation_id="conv-1") is None
    assert service.status_for_conversation(code_text=code, conversation_id="") is None


def test_status_with_the_email_on_file_needs_the_complete_code(service, request_factory):
    code = service.open_ticket(request_factory()).code
    assert service.status_with_email(code_text=code, email="MARTA.PEREZ@example.org").code == code
    assert service.status_with_email(code_text=code, email="otra@example.org") is None
    assert service.status_with_email(code_text=code[:15], email="marta.perez@example.org") is None
    wrong_suffix = code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB")
    assert service.status_with_email(code_text=wrong_suffix, email="marta.perez@example.org") is None
    assert service.status_with_email(code_text=code, email="no es un correo") is None


def test_status_shows_the_last_agent_reply_visible_to_the_requester(service, db_url, request_factory):
    code = service.open_ticket(request_factory()).code
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        repo.add_event(
            session=s,
            ticket=t,
            kind=repo.EventKind.NOTA_INTERNA,
            actor_type="agente",
            actor_id="7",
            body="nota interna que el usuario no ve",
        )
        repo.add_event(
            session=s,
            ticket=t,
            kind=repo.EventKind.RESPUESTA_AGENTE,
            actor_type="agente",
            actor_id="7",
            body="Su solicitud fue aprobada.",
            visible_to_requester=True,
            at=NOW + timedelta(hours=1),
        )
    view = service.status_for_conversation(code_text=code, conversation_id="conv-1")
    assert view.last_reply == "Su solicitud fue aprobada."
    assert view.last_reply_text_date == "2 de marzo de 2026, 11:00 a. m."


def test_lookups_are_logged(service, db_url, request_factory):
    code = service.open_ticket(request_factory()).code
    service.status_for_conversation(code_text=code, conversation_id="conv-1")
    service.status_with_email(code_text=code, email="marta.perez@example.org")
    kinds = [e.kind for e in _ticket(db_url, code).events]
    assert kinds == ["creado", "consulta_estado", "consulta_estado"]


def test_conversation_tickets_lists_only_its_own(service, request_factory):
    mine = service.open_ticket(request_factory()).code
    service.open_ticket(request_factory(idempotency_key="other", conversation_id="conv-2"))
    assert [v.code for v in service.conversation_tickets(conversation_id="conv-1")] == [mine]
    assert service.conversation_tickets(conversation_id="") == []


# --- status machine and event log ------------------------------------------------------------


def test_status_changes_are_checked_and_logged(service, db_url, request_factory):
    code = service.open_ticket(request_factory()).code
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        for target in ("asignado", "en_curso", "esperando_respuesta", "en_curso", "resuelto", "cerrado"):
            repo.change_status(session=s, ticket=t, to=target, actor_type="agente", actor_id="7", now=NOW)
        assert t.closed_at == NOW and t.resolved_at == NOW
        t.assigned_agent_id = 7
        repo.reopen_ticket(session=s, ticket=t, actor_type="usuario", note="no quedó resuelto")
        assert (t.status, t.closed_at, t.resolved_at) == ("en_curso", None, None)
    events = _ticket(db_url, code).events
    assert [(e.from_status, e.to_status) for e in events][-2:] == [("resuelto", "cerrado"), ("cerrado", "en_curso")]


def test_invalid_transition_is_refused(service, db_url, request_factory):
    from bot.tickets.workflow import InvalidTransition

    code = service.open_ticket(request_factory()).code
    with pytest.raises(InvalidTransition), session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        repo.change_status(session=s, ticket=t, to="resuelto", actor_type="agente")


def test_event_log_is_append_only(service, db_url, request_factory):
    code = service.open_ticket(request_factory()).code
    with pytest.raises(AppendOnlyViolation), session_scope(db_url) as s:
        event = s.execute(select(TicketEvent)).scalars().first()
        event.body = "cambiado"
        s.flush()
    with pytest.raises(AppendOnlyViolation), session_scope(db_url) as s:
        s.delete(s.execute(select(TicketEvent)).scalars().first())
        s.flush()
    assert _ticket(db_url, code).events[0].body is None


def test_unassigning_clears_the_agent(service, db_url, request_factory):
    code = service.open_ticket(request_factory()).code
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        t.assigned_agent_id = 3
        repo.change_status(session=s, ticket=t, to="asignado", actor_type="agente", actor_id="3")
        repo.change_status(session=s, ticket=t, to="nuevo", actor_type="agente", actor_id="3", note="transferido")
        assert t.assigned_agent_id is None


def test_a_request_to_connect_with_peer_secretarias_goes_to_the_escuela_without_routing(
    service, db_url, request_factory, router
):
    description = "Queremos conocer a Facatativá y Piedecuesta, que bajaron la deserción; ¿nos ponen en contacto?"
    receipt = service.open_ticket(
        request_factory(escalation_reason="conexion_pares", description=description, idempotency_key="conv-1:pares")
    )
    assert receipt.area_code == "VPBM-ESC"
    assert router.calls == []  # the reason decides the area
    t = _ticket(db_url, receipt.code)
    assert (t.routing_method, t.needs_triage, t.escalation_reason) == ("motivo", False, "conexion_pares")

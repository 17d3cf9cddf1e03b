"""The desk: queue (scope, filters, overdue first), ticket view, and every operation with its events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.agents.desk import QueueFilters
from bot.agents.models import TicketOutbox
from bot.agents.permissions import Conflict, Forbidden, Invalid, NotFound
from bot.db import session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.models import Ticket

from .conftest import NOW, XSS, make_ticket


def _codes(page) -> list[str]:
    return [i.code for i in page.items]


def test_queue_shows_only_the_agents_areas(db_url, desk, team) -> None:
    srh = make_ticket(db_url, area="DFGT-SRH")
    otsi = make_ticket(db_url, area="OTSI")
    acc = make_ticket(db_url, area="DCE-ACC")
    assert set(_codes(desk.queue(team["ana"], QueueFilters()))) == {srh}
    assert set(_codes(desk.queue(team["beto"], QueueFilters()))) == {srh, acc}
    assert set(_codes(desk.queue(team["olga"], QueueFilters()))) == {otsi}
    assert set(_codes(desk.queue(team["coord"], QueueFilters()))) == {srh, otsi, acc}
    # asking for another area through the filter gives nothing, not an error
    assert desk.queue(team["ana"], QueueFilters(areas=("OTSI",))).total == 0


def test_queue_puts_overdue_first_then_priority(db_url, desk, team, clock) -> None:
    old_low = make_ticket(db_url, priority="baja", created=NOW - timedelta(days=30), sla_days=5)
    new_high = make_ticket(db_url, priority="alta", created=NOW - timedelta(hours=1))
    new_low = make_ticket(db_url, priority="baja", created=NOW - timedelta(hours=2))
    new_media = make_ticket(db_url, priority="media", created=NOW - timedelta(hours=3))
    page = desk.queue(team["ana"], QueueFilters())
    assert _codes(page) == [old_low, new_high, new_media, new_low]
    first = page.items[0]
    assert first.overdue and not page.items[1].overdue
    assert first.age_hours == pytest.approx(720.0)


def test_queue_filters(db_url, desk, team, clock) -> None:
    old = make_ticket(db_url, priority="alta", created=NOW - timedelta(days=4))
    recent = make_ticket(db_url, priority="baja", created=NOW - timedelta(hours=5))
    overdue = make_ticket(db_url, priority="media", created=NOW - timedelta(days=40), sla_days=3)
    ana = team["ana"]
    assert _codes(desk.queue(ana, QueueFilters(priorities=("alta",)))) == [old]
    assert set(_codes(desk.queue(ana, QueueFilters(min_age_hours=72)))) == {old, overdue}
    assert _codes(desk.queue(ana, QueueFilters(max_age_hours=24))) == [recent]
    assert _codes(desk.queue(ana, QueueFilters(overdue_only=True))) == [overdue]
    desk.claim(ana, recent)
    assert _codes(desk.queue(ana, QueueFilters(assignment="mios"))) == [recent]
    assert recent not in _codes(desk.queue(ana, QueueFilters(assignment="sin_asignar")))
    assert _codes(desk.queue(ana, QueueFilters(statuses=("asignado",)))) == [recent]
    desk.resolve(ana, recent, "Listo.")
    assert recent not in _codes(desk.queue(ana, QueueFilters()))  # default: open tickets only
    assert _codes(desk.queue(ana, QueueFilters(statuses=("resuelto",)))) == [recent]
    with pytest.raises(Invalid):
        desk.queue(ana, QueueFilters(statuses=("inventado",)))
    page = desk.queue(ana, QueueFilters(limit=1, offset=1))
    assert page.total == 2 and len(page.items) == 1


def test_ticket_view_has_transcript_events_and_raw_text(db_url, desk, team) -> None:
    code = make_ticket(db_url, description=XSS)
    detail = desk.ticket(team["ana"], code)
    assert detail.description == XSS  # stored and returned as plain text; the console escapes it
    assert detail.transcript[0] == {"de": "usuario", "texto": XSS, "fecha": NOW.isoformat()}
    assert [e.kind for e in detail.events] == ["creado"]
    assert detail.actions == ["tomar", "transferir"]
    assert desk.ticket(team["ana"], code.lower()).item.code == code  # codes are case-insensitive


@pytest.mark.parametrize("code", ["MEN-2026-000999-ABCD", "basura", "MEN-2026-000001"])
def test_unknown_or_incomplete_codes_are_not_found(db_url, desk, team, code) -> None:
    make_ticket(db_url)
    with pytest.raises(NotFound):
        desk.ticket(team["ana"], code)


def test_other_area_is_exactly_like_a_missing_ticket(db_url, desk, team) -> None:
    code = make_ticket(db_url, area="OTSI")
    with pytest.raises(NotFound) as other:
        desk.ticket(team["ana"], code)
    with pytest.raises(NotFound) as missing:
        desk.ticket(team["ana"], "MEN-2026-000999-ABCD")
    assert (other.value.reason, other.value.details) == (missing.value.reason, missing.value.details)


def test_claim_reply_ask_resolve_reopen_flow(db_url, desk, team, clock) -> None:
    code = make_ticket(db_url)
    ana = team["ana"]
    claimed = desk.claim(ana, code).ticket
    assert claimed.item.status == "asignado" and claimed.item.assigned_agent.id == ana.id
    with pytest.raises(Conflict):
        desk.claim(team["beto"], code)

    clock.advance(hours=2)
    result = desk.reply(ana, code, "Su solicitud fue revisada; enviaremos el concepto.")
    assert result.ticket.item.status == "en_curso"
    assert result.ticket.first_response_at == NOW + timedelta(hours=2)
    assert len(result.outbox_ids) == 1

    clock.advance(hours=1)
    asked = desk.ask_information(ana, code, "¿Cuántos docentes provisionales tiene la ETC?")
    assert asked.ticket.item.status == "esperando_respuesta"
    assert asked.ticket.first_response_at == NOW + timedelta(hours=2)  # the first answer stays

    resolved = desk.resolve(ana, code, "Se aprobó la ampliación.")
    assert resolved.ticket.item.status == "resuelto" and resolved.ticket.resolved_at is not None
    with pytest.raises(Conflict):
        desk.reply(ana, code, "otra")
    reopened = desk.reopen(team["beto"], code, "El solicitante pidió aclaración.")
    assert reopened.ticket.item.status == "en_curso"  # back to its holder

    events = [(e.kind, e.actor_type, e.actor_name, e.from_status, e.to_status) for e in reopened.ticket.events]
    assert events == [
        ("creado", "usuario", None, None, "nuevo"),
        ("asignacion", "agente", "Ana", "nuevo", "asignado"),
        ("respuesta_agente", "agente", "Ana", None, None),
        ("cambio_estado", "agente", "Ana", "asignado", "en_curso"),
        ("solicitud_informacion", "agente", "Ana", None, None),
        ("cambio_estado", "agente", "Ana", "en_curso", "esperando_respuesta"),
        ("respuesta_agente", "agente", "Ana", None, None),
        ("cambio_estado", "agente", "Ana", "esperando_respuesta", "resuelto"),
        ("cambio_estado", "agente", "Beto", "resuelto", "en_curso"),
    ]
    visible = [e.body for e in reopened.ticket.events if e.visible_to_requester]
    assert visible == ["Su solicitud fue revisada; enviaremos el concepto.",
                       "¿Cuántos docentes provisionales tiene la ETC?", "Se aprobó la ampliación."]
    assert [e.at for e in reopened.ticket.events][-1] == NOW + timedelta(hours=3)
    with session_scope(db_url) as session:
        kinds = list(session.execute(select(TicketOutbox.kind).order_by(TicketOutbox.id)).scalars())
        last = tickets_repo.last_reply_to_requester(session=session, ticket=session.execute(
            select(Ticket).where(Ticket.code == code)).scalar_one())
        assert last.body == "Se aprobó la ampliación."  # the tickets status look-up shows it
    assert kinds == ["respuesta", "solicitud_informacion", "resuelto"]


def test_only_the_holder_or_a_coordinator_acts(db_url, desk, team) -> None:
    code = make_ticket(db_url)
    with pytest.raises(Conflict) as exc:
        desk.reply(team["ana"], code, "hola")
    assert exc.value.reason == "sin_asignar"
    desk.claim(team["ana"], code)
    with pytest.raises(Forbidden) as exc:
        desk.reply(team["beto"], code, "hola")
    assert exc.value.reason == "asignado_a_otro"
    with pytest.raises(Forbidden):
        desk.resolve(team["beto"], code)
    with pytest.raises(Forbidden):
        desk.transfer(team["beto"], code, "OTSI", "no es de aquí")
    assert desk.reply(team["coord"], code, "Respuesta del coordinador").ticket.item.status == "en_curso"


@pytest.mark.parametrize(("text", "reason"), [("   ", "texto_vacio"), ("x" * 5001, "texto_largo"), (None, "texto_vacio")])
def test_reply_text_is_checked(db_url, desk, team, text, reason) -> None:
    code = make_ticket(db_url)
    desk.claim(team["ana"], code)
    with pytest.raises(Invalid) as exc:
        desk.reply(team["ana"], code, text)
    assert exc.value.reason == reason
    assert desk.reply(team["ana"], code, "y" * 5000).ticket is not None


def test_transfer_moves_the_ticket_out_of_the_agents_view(db_url, desk, team) -> None:
    code = make_ticket(db_url)
    desk.claim(team["ana"], code)
    with pytest.raises(Invalid):
        desk.transfer(team["ana"], code, "DFGT-SRH", "misma")
    with pytest.raises(Invalid):
        desk.transfer(team["ana"], code, "NO-EXISTE", "x")
    with pytest.raises(Invalid):
        desk.transfer(team["ana"], code, "OTSI", " ")
    result = desk.transfer(team["ana"], code, "OTSI", "Es un problema de acceso al sistema Humano.")
    assert result.ticket is None
    with pytest.raises(NotFound):
        desk.ticket(team["ana"], code)
    seen = desk.ticket(team["olga"], code)
    assert seen.item.status == "nuevo" and seen.item.assigned_agent is None and seen.item.area_code == "OTSI"
    transfer = [e for e in seen.events if e.kind == "transferencia"][0]
    assert transfer.data == {"de": "DFGT-SRH", "a": "OTSI"} and transfer.actor_name == "Ana"
    assert transfer.body == "Es un problema de acceso al sistema Humano."
    assert "tomar" in seen.actions


def test_unassigned_ticket_can_be_transferred_for_triage(db_url, desk, team) -> None:
    code = make_ticket(db_url)
    assert desk.transfer(team["beto"], code, "DCE-ACC", "Es de matrícula.").ticket.item.area_code == "DCE-ACC"


def test_reassign_is_for_coordinators(db_url, desk, team) -> None:
    code = make_ticket(db_url)
    with pytest.raises(Forbidden):
        desk.reassign(team["ana"], code, team["beto"].id)
    with pytest.raises(Invalid):  # olga does not work this area
        desk.reassign(team["coord"], code, team["olga"].id)
    with pytest.raises(Invalid):  # admins do not work tickets
        desk.reassign(team["coord"], code, team["admin"].id)
    result = desk.reassign(team["coord"], code, team["beto"].id, "Carga de trabajo")
    assert result.ticket.item.assigned_agent.id == team["beto"].id and result.ticket.item.status == "asignado"
    result = desk.reassign(team["coord"], code, team["ana"].id)
    event = result.ticket.events[-1]
    assert (event.kind, event.data, event.actor_name) == ("reasignacion", {"de": team["beto"].id, "a": team["ana"].id},
                                                          "Coord")
    assert desk.reply(team["ana"], code, "ya lo tengo").ticket.item.status == "en_curso"


def test_admin_works_no_tickets(db_url, desk, team) -> None:
    code = make_ticket(db_url)
    for call in (lambda: desk.queue(team["admin"], QueueFilters()), lambda: desk.ticket(team["admin"], code),
                 lambda: desk.claim(team["admin"], code)):
        with pytest.raises(Forbidden):
            call()


def test_ticket_without_conversation_gets_no_notice(db_url, desk, team) -> None:
    code = make_ticket(db_url, conversation_id=None)
    desk.claim(team["ana"], code)
    assert desk.reply(team["ana"], code, "hola").outbox_ids == []


def test_purged_ticket_cannot_be_reopened(db_url, desk, team, clock) -> None:
    code = make_ticket(db_url)
    desk.claim(team["ana"], code)
    desk.resolve(team["ana"], code)
    with session_scope(db_url) as session:
        ticket = session.execute(select(Ticket).where(Ticket.code == code)).scalar_one()
        tickets_repo.change_status(session=session, ticket=ticket, to="cerrado", actor_type="sistema", now=clock())
        tickets_repo.purge_personal_data(session=session, ticket=ticket, now=clock())
    assert "reabrir" not in desk.ticket(team["ana"], code).actions
    with pytest.raises(Conflict) as exc:
        desk.reopen(team["ana"], code, "otra vez")
    assert exc.value.reason == "datos_depurados"

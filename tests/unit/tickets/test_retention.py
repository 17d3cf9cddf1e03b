"""``python -m bot casos depurar``: personal data of old closed cases removed, statistics kept."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import session_scope
from bot.tickets import repository as repo
from bot.tickets.models import Ticket, TicketEvent, utcnow
from bot.tickets.retention import purge_closed_tickets

from .conftest import NOW


def _close(db_url, code, when):
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=code)
        for target in ("asignado", "en_curso", "resuelto", "cerrado"):
            repo.change_status(session=s, ticket=t, to=target, actor_type="agente", actor_id="7", now=when)
        repo.add_event(
            session=s,
            ticket=t,
            kind=repo.EventKind.RESPUESTA_AGENTE,
            actor_type="agente",
            actor_id="7",
            body="Señora Marta, su caso...",
            visible_to_requester=True,
            at=when,
        )


@pytest.fixture
def three_tickets(service, db_url, request_factory):
    old = service.open_ticket(request_factory(idempotency_key="old")).code
    recent = service.open_ticket(request_factory(idempotency_key="recent")).code
    still_open = service.open_ticket(request_factory(idempotency_key="open")).code
    _close(db_url, old, NOW - timedelta(days=400))
    _close(db_url, recent, NOW - timedelta(days=10))
    return old, recent, still_open


def test_purge_removes_personal_data_of_old_closed_tickets_only(db_url, three_tickets):
    old, recent, still_open = three_tickets
    report = purge_closed_tickets(database_url=db_url, retention_days=365, now=NOW)
    assert report.codes == (old,)
    with session_scope(db_url) as s:
        t = repo.get_ticket_by_code(session=s, code=old)
        personal = (
            t.requester_name,
            t.requester_cargo,
            t.requester_email,
            t.requester_phone,
            t.description,
            t.transcript,
            t.conversation_id,
        )
        assert personal == (None,) * 7
        # anonymous statistics stay
        assert (t.area_code, t.status, t.etc_code, t.priority) == ("DFGT-SRH", "cerrado", "3759", "media")
        assert t.personal_data_removed_at == NOW and t.created_at is not None
        events = s.execute(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).scalars()
        events = list(events)
        assert all(e.body is None for e in events)
        assert all(e.actor_id is None for e in events if e.actor_type == "usuario")
        assert events[0].data["area"] == "DFGT-SRH"  # anonymous routing data kept
        assert events[-1].kind == "datos_depurados"
        for code in (recent, still_open):
            assert repo.get_ticket_by_code(session=s, code=code).requester_email == "marta.perez@example.org"


def test_purged_ticket_is_invisible_to_lookups_and_cannot_be_reopened(service, db_url, three_tickets):
    old = three_tickets[0]
    purge_closed_tickets(database_url=db_url, retention_days=365, now=NOW)
    assert service.status_for_conversation(code_text=old, conversation_id="conv-1") is None
    assert service.status_with_email(code_text=old, email="marta.perez@example.org") is None
    with pytest.raises(repo.TicketPurged), session_scope(db_url) as s:
        repo.reopen_ticket(session=s, ticket=repo.get_ticket_by_code(session=s, code=old), actor_type="agente")


def test_purge_is_idempotent_and_dry_run_changes_nothing(db_url, three_tickets):
    assert purge_closed_tickets(database_url=db_url, retention_days=365, now=NOW, dry_run=True).count == 1
    assert purge_closed_tickets(database_url=db_url, retention_days=365, now=NOW).count == 1
    assert purge_closed_tickets(database_url=db_url, retention_days=365, now=NOW).count == 0
    with pytest.raises(ValueError):
        purge_closed_tickets(database_url=db_url, retention_days=-1)


def test_cli_depurar_and_estadisticas(db_url, three_tickets, capsys):
    days = str((utcnow() - NOW).days + 100)  # the CLI uses the real clock: cutoff = NOW - 100 days
    assert main(["casos", "depurar", "--database-url", db_url, "--dias", days, "--simular"]) == 0
    out = capsys.readouterr().out
    assert "1 se depurarían" in out and three_tickets[0] in out and three_tickets[1] not in out
    assert main(["casos", "depurar", "--database-url", db_url, "--dias", days]) == 0
    assert "1 depurados" in capsys.readouterr().out
    with session_scope(db_url) as s:
        assert s.execute(select(Ticket).where(Ticket.personal_data_removed_at.is_not(None))).scalars().all()
    assert main(["casos", "estadisticas", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "DFGT-SRH" in out and "cerrado" in out and "nuevo" in out


def test_cli_uses_the_retention_setting_by_default(db_url, three_tickets, capsys, monkeypatch):
    from bot import settings

    monkeypatch.setenv("TICKET_RETENTION_DAYS", "5")
    settings.get_settings.cache_clear()
    try:
        assert main(["casos", "depurar", "--database-url", db_url, "--simular"]) == 0
    finally:
        settings.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "(5 días)" in out


def test_cli_on_a_database_that_is_not_migrated(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'vacia.db'}"
    assert main(["casos", "depurar", "--database-url", url]) == 1
    assert "python -m bot.migrate" in capsys.readouterr().out

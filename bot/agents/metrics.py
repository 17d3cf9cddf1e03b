"""Figures of the agents' work, as a dataclass (JSON) and as Prometheus text exposition format.

- tickets by area and status;
- median time from creation to the first visible answer (reply or request for information);
- open tickets past their SLA due time;
- satisfaction average (1–5) and number of answers;
- notices waiting to reach a conversation, notices by delivery state and failed notices
  (``fallido``: attempts exhausted), which tell the health of the delivery.

An ``agente`` gets the figures of its areas; ``coordinador`` and ``admin`` get every area.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import func, select

from bot.agents.models import TicketOutbox, TicketRating
from bot.db import session_scope
from bot.tickets.areas import AreaCatalog, load_areas
from bot.tickets.models import Ticket, utcnow
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus

OPEN_VALUES = tuple(s.value for s in OPEN_STATUSES)


@dataclass(frozen=True)
class Metrics:
    generated_at: datetime
    areas: tuple[str, ...]  # the areas covered
    by_area_status: dict[str, dict[str, int]]
    total: int
    overdue: int
    first_response_median_hours: float | None
    first_response_count: int
    satisfaction_average: float | None
    satisfaction_count: int
    pending_notices: int
    failed_notices: int = 0
    notices_by_status: dict = None  # estado -> count
    event_notices_by_status: dict = None  # encuentro notices (all areas: only for coordinators/admins)


def collect_metrics(
    *, database_url: str, area_scope: frozenset[str] | None, areas: AreaCatalog | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Metrics:
    catalog = areas or load_areas()
    covered = tuple(c for c in catalog.codes if area_scope is None or c in area_scope)
    now = clock()
    scope = [Ticket.area_code.in_(covered)]
    with session_scope(database_url) as session:
        counts = session.execute(
            select(Ticket.area_code, Ticket.status, func.count(Ticket.id)).where(*scope)
            .group_by(Ticket.area_code, Ticket.status)
        ).all()
        overdue = session.execute(
            select(func.count(Ticket.id)).where(*scope, Ticket.status.in_(OPEN_VALUES), Ticket.due_at < now)
        ).scalar_one()
        pairs = session.execute(
            select(Ticket.created_at, Ticket.first_response_at).where(*scope, Ticket.first_response_at.is_not(None))
        ).all()
        avg, n_ratings = session.execute(
            select(func.avg(TicketRating.score), func.count(TicketRating.ticket_id))
            .join(Ticket, Ticket.id == TicketRating.ticket_id).where(*scope)
        ).one()
        by_status = dict(session.execute(
            select(TicketOutbox.status, func.count(TicketOutbox.id)).join(Ticket, Ticket.id == TicketOutbox.ticket_id)
            .where(*scope).group_by(TicketOutbox.status)
        ).all())
        events = {}
        if area_scope is None:
            from bot.delivery.models import EventNotice

            events = dict(session.execute(
                select(EventNotice.status, func.count(EventNotice.id)).group_by(EventNotice.status)).all())
    pending = by_status.get("pendiente", 0) + by_status.get("enviando", 0)
    table = {code: {s.value: 0 for s in TicketStatus} for code in covered}
    for area, status, n in counts:
        table.setdefault(area, {s.value: 0 for s in TicketStatus})[status] = int(n)
    hours = [(first - created).total_seconds() / 3600 for created, first in pairs]
    return Metrics(
        generated_at=now,
        areas=covered,
        by_area_status=table,
        total=sum(int(n) for _, _, n in counts),
        overdue=int(overdue),
        first_response_median_hours=round(median(hours), 2) if hours else None,
        first_response_count=len(hours),
        satisfaction_average=round(float(avg), 2) if avg is not None else None,
        satisfaction_count=int(n_ratings),
        pending_notices=int(pending),
        failed_notices=int(by_status.get("fallido", 0)),
        notices_by_status={k: int(v) for k, v in sorted(by_status.items())},
        event_notices_by_status={k: int(v) for k, v in sorted(events.items())},
    )


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    return repr(float(value)) if isinstance(value, float) else str(value)


def prometheus_text(m: Metrics) -> str:
    """Prometheus text exposition format 0.0.4."""
    lines = [
        "# HELP men_tickets Casos por área del MEN y estado.",
        "# TYPE men_tickets gauge",
    ]
    for area in sorted(m.by_area_status):
        for status, n in m.by_area_status[area].items():
            lines.append(f'men_tickets{{area="{_label(area)}",estado="{_label(status)}"}} {n}')
    median_seconds = None if m.first_response_median_hours is None else m.first_response_median_hours * 3600
    lines += [
        "# HELP men_tickets_overdue Casos abiertos con el plazo (SLA) vencido.",
        "# TYPE men_tickets_overdue gauge",
        f"men_tickets_overdue {m.overdue}",
        "# HELP men_tickets_first_response_median_seconds Mediana del tiempo hasta la primera respuesta.",
        "# TYPE men_tickets_first_response_median_seconds gauge",
        f"men_tickets_first_response_median_seconds {_number(median_seconds)}",
        "# HELP men_tickets_first_response_count Casos con primera respuesta.",
        "# TYPE men_tickets_first_response_count gauge",
        f"men_tickets_first_response_count {m.first_response_count}",
        "# HELP men_tickets_satisfaction_average Promedio de satisfacción (1 a 5).",
        "# TYPE men_tickets_satisfaction_average gauge",
        f"men_tickets_satisfaction_average {_number(m.satisfaction_average)}",
        "# HELP men_tickets_satisfaction_count Respuestas de satisfacción.",
        "# TYPE men_tickets_satisfaction_count gauge",
        f"men_tickets_satisfaction_count {m.satisfaction_count}",
        "# HELP men_ticket_notices_pending Avisos por entregar en las conversaciones.",
        "# TYPE men_ticket_notices_pending gauge",
        f"men_ticket_notices_pending {m.pending_notices}",
        "# HELP men_ticket_notices_failed Avisos que no llegaron tras todos los intentos (fallido).",
        "# TYPE men_ticket_notices_failed gauge",
        f"men_ticket_notices_failed {m.failed_notices}",
        "# HELP men_ticket_notices Avisos a los solicitantes por estado de entrega.",
        "# TYPE men_ticket_notices gauge",
    ]
    for status, n in sorted((m.notices_by_status or {}).items()):
        lines.append(f'men_ticket_notices{{estado="{_label(status)}"}} {n}')
    if m.event_notices_by_status:
        lines += ["# HELP men_event_notices Avisos de encuentros a los suscriptores por estado de entrega.",
                  "# TYPE men_event_notices gauge"]
        lines += [f'men_event_notices{{estado="{_label(s)}"}} {n}' for s, n in m.event_notices_by_status.items()]
    return "\n".join(lines) + "\n"

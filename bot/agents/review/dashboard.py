"""Figures of the service dashboard (roles coordinador and admin).

Conversation figures come from ``dashboard_counts`` (daily counters that ingestion of Rasa's
tracker store keeps up to date), the unresolved topics from the review groups, and the case
figures from the app database (tickets, ratings, delivery outbox) through indexed columns. No
query reads raw messages, so the page costs the same with a million messages
(``scripts/bench_dashboard.py``, ``docs/benchmarks.md``).

Filters: date range (Bogotá days), channel, MEN area and ETC. Area and ETC describe cases, so they
filter the case tables; conversations carry no area or ETC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.agents.models import TicketOutbox, TicketRating
from bot.agents.permissions import Principal, Role, require_role
from bot.agents.review.ingest import BOGOTA, FALLBACK_INTENT
from bot.agents.review.models import DashboardCount, ReviewGroup
from bot.db import session_scope
from bot.tickets.areas import AreaCatalog, AreasOnDemand
from bot.tickets.models import Ticket, utcnow
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus

OPEN_VALUES = tuple(s.value for s in OPEN_STATUSES)
TOP = 15
MAX_DAYS = 366
TABLES = ("por_dia", "intenciones", "temas_sin_resolver", "consultas_territorio", "casos_area_estado",
          "casos_plazo", "satisfaccion", "entregas")
# Hook for the delivery states of the outbox (another feature may add finer states): the statuses
# counted as failed deliveries. Today a failure is a notice still waiting after an error.
DELIVERY_FAILED_STATUSES: tuple[str, ...] = ("fallido", "fallida", "error")


@dataclass(frozen=True)
class DashboardFilters:
    since: date
    until: date
    channel: str | None = None
    area: str | None = None
    etc: str | None = None


def default_filters(clock: Callable[[], datetime] = utcnow, days: int = 30) -> DashboardFilters:
    today = clock().astimezone(BOGOTA).date()
    return DashboardFilters(since=today - timedelta(days=days - 1), until=today)


def _utc_bounds(f: DashboardFilters) -> tuple[datetime, datetime]:
    start = datetime.combine(f.since, time.min, tzinfo=BOGOTA)
    end = datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=BOGOTA)
    return start, end


def require_dashboard(principal: Principal) -> None:
    require_role(principal, Role.COORDINADOR, Role.ADMIN)


class Dashboard(AreasOnDemand):
    def __init__(self, *, database_url: str, areas: AreaCatalog | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self._areas = areas
        self.clock = clock

    def collect(self, principal: Principal, f: DashboardFilters) -> dict:
        require_dashboard(principal)
        if f.until < f.since or (f.until - f.since).days > MAX_DAYS:
            from bot.agents.permissions import Invalid

            raise Invalid("rango_invalido", max_dias=MAX_DAYS)
        with session_scope(self.database_url) as session:
            per_day = self._per_day(session, f)
            totals = {k: sum(r[k] for r in per_day) for k in ("conversaciones", "mensajes", "entendidos")}
            totals["porcentaje_entendidos"] = (
                round(100 * totals["entendidos"] / totals["mensajes"], 1) if totals["mensajes"] else None
            )
            tickets = self._ticket_conditions(f)
            data = {
                "filtros": {"desde": f.since.isoformat(), "hasta": f.until.isoformat(), "canal": f.channel,
                            "area": f.area, "etc": f.etc},
                "generado": self.clock().isoformat(),
                "totales": totals,
                "por_dia": per_day,
                "intenciones": self._top(session, f, "intencion", exclude=FALLBACK_INTENT),
                "consultas_territorio": self._top(session, f, "consulta_lugar", limit=20),
                "temas_sin_resolver": self._unresolved(session, f),
                "casos_area_estado": self._cases_by_area_status(session, tickets),
                "casos_plazo": self._cases_against_sla(session, tickets),
                "satisfaccion": self._csat(session, tickets),
                "entregas": self._deliveries(session, tickets),
                "opciones": self._options(session),
            }
        return data

    # ------------------------------------------------------------------ conversations
    @staticmethod
    def _count_conditions(f: DashboardFilters, kind: str) -> list:
        conditions = [DashboardCount.kind == kind, DashboardCount.day >= f.since, DashboardCount.day <= f.until]
        if f.channel:
            conditions.append(DashboardCount.channel == f.channel)
        return conditions

    def _per_day(self, session: Session, f: DashboardFilters) -> list[dict]:
        rows = session.execute(
            select(DashboardCount.day, DashboardCount.channel, DashboardCount.kind, func.sum(DashboardCount.n))
            .where(DashboardCount.kind.in_(("conversaciones", "mensajes", "entendidos")),
                   DashboardCount.day >= f.since, DashboardCount.day <= f.until,
                   *([DashboardCount.channel == f.channel] if f.channel else []))
            .group_by(DashboardCount.day, DashboardCount.channel, DashboardCount.kind)
        ).all()
        table: dict[tuple, dict] = {}
        for day, channel, kind, n in rows:
            row = table.setdefault((day, channel), {"dia": day.isoformat(), "canal": channel, "conversaciones": 0,
                                                    "mensajes": 0, "entendidos": 0})
            row[kind] = int(n or 0)
        for row in table.values():
            row["porcentaje_entendidos"] = round(100 * row["entendidos"] / row["mensajes"], 1) if row["mensajes"] else None
        return [table[k] for k in sorted(table)]

    def _top(self, session: Session, f: DashboardFilters, kind: str, *, exclude: str | None = None,
             limit: int = TOP) -> list[dict]:
        conditions = self._count_conditions(f, kind)
        if exclude:
            conditions.append(DashboardCount.key != exclude)
        total = func.sum(DashboardCount.n).label("n")
        rows = session.execute(
            select(DashboardCount.key, total).where(*conditions).group_by(DashboardCount.key)
            .order_by(total.desc(), DashboardCount.key).limit(limit)
        ).all()
        return [{"clave": key, "cantidad": int(n)} for key, n in rows]

    def _unresolved(self, session: Session, f: DashboardFilters) -> list[dict]:
        start, end = _utc_bounds(f)
        rows = session.execute(
            select(ReviewGroup.text, ReviewGroup.count, ReviewGroup.predicted_intent)
            .where(ReviewGroup.status == "pendiente", ReviewGroup.last_seen >= start, ReviewGroup.last_seen < end)
            .order_by(ReviewGroup.count.desc(), ReviewGroup.id.desc()).limit(TOP)
        ).all()
        return [{"tema": text, "mensajes": int(n), "intencion_predicha": intent} for text, n, intent in rows]

    # ------------------------------------------------------------------ cases
    def _ticket_conditions(self, f: DashboardFilters) -> list:
        start, end = _utc_bounds(f)
        conditions = [Ticket.created_at >= start, Ticket.created_at < end]
        if f.area:
            conditions.append(Ticket.area_code == f.area)
        if f.etc:
            conditions.append(or_(Ticket.etc_code == f.etc, Ticket.etc_name == f.etc))
        if f.channel:
            conditions.append(Ticket.channel == f.channel)
        return conditions

    def _cases_by_area_status(self, session: Session, conditions: list) -> list[dict]:
        rows = session.execute(
            select(Ticket.area_code, Ticket.status, func.count(Ticket.id)).where(*conditions)
            .group_by(Ticket.area_code, Ticket.status)
        ).all()
        table: dict[str, dict] = {}
        for area, status, n in rows:
            row = table.setdefault(area, {"area": area, "nombre": self._area_name(area),
                                          **{s.value: 0 for s in TicketStatus}, "total": 0})
            row[status] = int(n)
            row["total"] += int(n)
        return [table[k] for k in sorted(table)]

    def _cases_against_sla(self, session: Session, conditions: list) -> list[dict]:
        """Open cases by area: within their response time, due within a day, overdue; and the
        median-free average age against the response time (business days of the SLA)."""
        now = self.clock()
        soon = now + timedelta(hours=24)
        bucket = func.sum
        rows = session.execute(
            select(
                Ticket.area_code,
                func.count(),  # count(*): the columns read are all in ix_tickets_open_created (index only)
                bucket(_case_when(Ticket.due_at < now)),
                bucket(_case_when(and_(Ticket.due_at >= now, Ticket.due_at < soon))),
                func.min(Ticket.created_at),
                func.avg(Ticket.sla_business_days),
            ).where(*conditions, Ticket.status.in_(OPEN_VALUES)).group_by(Ticket.area_code)
        ).all()
        result = []
        for area, total, overdue, due_soon, oldest, sla in rows:
            overdue, due_soon = int(overdue or 0), int(due_soon or 0)
            oldest_days = round((now - _aware(oldest)).total_seconds() / 86400, 1) if oldest else None
            result.append({
                "area": area, "nombre": self._area_name(area), "abiertos": int(total),
                "en_plazo": int(total) - overdue - due_soon, "vencen_en_24h": due_soon, "vencidos": overdue,
                "plazo_dias_habiles": round(float(sla), 1) if sla is not None else None,
                "dias_del_mas_antiguo": oldest_days,
            })
        return sorted(result, key=lambda r: (-r["vencidos"], r["area"]))

    def _csat(self, session: Session, conditions: list) -> list[dict]:
        rows = session.execute(
            select(TicketRating.score, func.count(TicketRating.ticket_id))
            .join(Ticket, Ticket.id == TicketRating.ticket_id).where(*conditions).group_by(TicketRating.score)
        ).all()
        counts = {int(score): int(n) for score, n in rows}
        return [{"calificacion": s, "respuestas": counts.get(s, 0)} for s in range(1, 6)]

    def _deliveries(self, session: Session, conditions: list) -> list[dict]:
        """Notices by delivery status; ``con_error``: notices that failed at least once (last_error)."""
        rows = session.execute(
            select(TicketOutbox.status, func.count(TicketOutbox.id), func.count(TicketOutbox.last_error))
            .join(Ticket, Ticket.id == TicketOutbox.ticket_id).where(*conditions).group_by(TicketOutbox.status)
        ).all()
        return [{"estado": status, "avisos": int(n), "con_error": int(errors),
                 "fallido": status in DELIVERY_FAILED_STATUSES or (status == "pendiente" and int(errors) > 0)}
                for status, n, errors in sorted(rows)]

    def _options(self, session: Session) -> dict:
        """Filter choices from small sources: the channels of the counters, the areas of the spec and
        the ETC catalog (no scan of the cases)."""
        channels = session.execute(
            select(DashboardCount.channel).where(DashboardCount.kind == "conversaciones").distinct()
        ).scalars().all()
        return {
            "canales": sorted(set(channels)),
            "areas": [{"codigo": a.code, "nombre": a.name} for a in self.areas.areas],
            "etc": _etc_options(self.database_url),
        }

    def _area_name(self, code: str) -> str:
        area = self.areas.get(code)
        return area.name if area else code


def _etc_options(database_url: str) -> list[dict]:
    """The 96 ETCs, from the places the indicators loader keeps in the app database (the same
    catalog the cases take their ETC from: :class:`bot.places.PlaceResolver`)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.places import get_resolver

    try:
        resolver = get_resolver(database_url)
    except SQLAlchemyError:  # the places are not loaded: no ETC choices
        return []
    codes = {key.split(":", 1)[1] for p in resolver.all_places() for key in (p.key, p.etc_key)
             if key and key.startswith("etc:")}
    options = [o for o in (resolver.etc_option(code) for code in codes) if o is not None]
    return [{"codigo": o.code, "nombre": o.name} for o in sorted(options, key=lambda o: (o.name, o.code))]


def _case_when(condition):
    from sqlalchemy import case

    return case((condition, 1), else_=0)


def _aware(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


CSV_COLUMNS = {
    "por_dia": ("dia", "canal", "conversaciones", "mensajes", "entendidos", "porcentaje_entendidos"),
    "intenciones": ("clave", "cantidad"),
    "temas_sin_resolver": ("tema", "mensajes", "intencion_predicha"),
    "consultas_territorio": ("clave", "cantidad"),
    "casos_area_estado": ("area", "nombre", *(s.value for s in TicketStatus), "total"),
    "casos_plazo": ("area", "nombre", "abiertos", "en_plazo", "vencen_en_24h", "vencidos", "plazo_dias_habiles",
                    "dias_del_mas_antiguo"),
    "satisfaccion": ("calificacion", "respuestas"),
    "entregas": ("estado", "avisos", "con_error", "fallido"),
}


def to_csv(data: dict, table: str) -> str:
    """One table of the dashboard as CSV (UTF-8; formulas neutralised for spreadsheets)."""
    columns = CSV_COLUMNS[table]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in data.get(table) or []:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

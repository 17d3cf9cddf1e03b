"""The agents' desk: the queue of tickets and every operation on a ticket.

Each operation runs in one transaction: permission checks, the change of the ticket, its event
(actor ``agente``, the agent's id, the time) and, when the requester must hear about it, a row of
the delivery outbox. Results are plain dataclasses; the web API turns them into JSON.

Claiming is atomic: one conditional ``UPDATE tickets SET assigned_agent_id = :me ... WHERE
assigned_agent_id IS NULL AND status = 'nuevo'`` — when several agents claim at the same moment the
database lets exactly one UPDATE change the row (rowcount 1); the others get :class:`Conflict`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, false, func, literal, or_, select, tuple_, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from bot.agents import outbox
from bot.agents.models import Agent, AgentArea, TicketOutbox, TicketRating
from bot.agents.permissions import (
    Conflict,
    Invalid,
    NotFound,
    Principal,
    Role,
    require_holder,
    require_role,
    require_ticket_worker,
    require_visible,
)
from bot.db import get_engine, session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.areas import AreaCatalog, AreasOnDemand
from bot.tickets.codes import parse_code
from bot.tickets.models import MAX_DESCRIPTION_CHARS, PRIORITIES, Ticket, TicketEvent, utcnow
from bot.tickets.repository import EventKind, TicketPurged
from bot.tickets.validation import clean_text
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus, reopen_target

MAX_REASON_CHARS = 1000
MAX_PAGE = 200
MAX_SEARCH_CHARS = 120
SORT_COLUMNS = {
    "codigo": (Ticket.code_year, Ticket.code_number),
    "estado": (Ticket.status,),
    "area": (Ticket.area_code,),
    "prioridad": (case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=len(PRIORITIES)),),
    "vence": (Ticket.due_at,),
    "creado": (Ticket.created_at,),
    # nullable columns: NULL sorts first on every engine (PostgreSQL and SQLite differ), and the
    # cursor of the next page compares non-null values
    "etc": (func.coalesce(Ticket.etc_name, ""),),
    "asignado": (func.coalesce(Ticket.assigned_agent_id, 0),),
}
# What a queue row shows (no transcript, no personal data but the ETC): read with the page's ids.
QUEUE_COLUMNS = (Ticket.code, Ticket.status, Ticket.area_code, Ticket.priority, Ticket.created_at, Ticket.due_at,
                 Ticket.needs_triage, Ticket.etc_name, Ticket.description, Ticket.assigned_agent_id)
WORKING_STATUSES = (TicketStatus.ASIGNADO, TicketStatus.EN_CURSO, TicketStatus.ESPERANDO_RESPUESTA)
OPEN_VALUES = tuple(s.value for s in OPEN_STATUSES)
ALL_STATUS_VALUES = tuple(s.value for s in TicketStatus)


class AgentEventKind:
    """Event kinds added by the agents' desk (the tickets feature defines the others)."""

    ASIGNACION = "asignacion"
    REASIGNACION = "reasignacion"
    TRANSFERENCIA = "transferencia"
    CALIFICACION = "calificacion"
    AVISO_ENTREGADO = outbox.AVISO_ENTREGADO


@dataclass(frozen=True)
class QueueFilters:
    areas: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # empty: the open statuses
    priorities: tuple[str, ...] = ()
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    overdue_only: bool = False
    assignment: str = "todos"  # todos | mios | sin_asignar
    limit: int = 50
    offset: int = 0
    # Search: part of the case code, requester e-mail, ETC (code or part of the name),
    # free text of the description; sort by a column of SORT_COLUMNS ("" = urgency).
    code: str | None = None
    email: str | None = None
    etc: str | None = None
    text: str | None = None
    sort: str = ""
    descending: bool = False
    after: str | None = None  # QueuePage.next of the previous page (same filters and order)
    count: bool = True  # False: no total (QueuePage.total is None)


@dataclass(frozen=True)
class AgentRef:
    id: int
    name: str


@dataclass(frozen=True)
class QueueItem:
    code: str
    status: str
    area_code: str
    area_name: str
    priority: str
    created_at: datetime
    due_at: datetime
    overdue: bool
    age_hours: float
    needs_triage: bool
    etc_name: str | None
    summary: str
    assigned_agent: AgentRef | None


@dataclass(frozen=True)
class QueuePage:
    total: int | None  # None when the filters asked for no count
    items: list[QueueItem]
    next: str | None = None  # cursor of the following page; None on the last page


@dataclass(frozen=True)
class _Cursor:
    """Where a page ended: the order it belongs to, the sort values and the id of its last case.
    Sent to the client as opaque URL-safe base64 of JSON; a cursor of another order is invalid."""

    sort: str
    descending: bool
    keys: list
    id: int

    def encode(self) -> str:
        keys = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in self.keys]
        raw = json.dumps({"o": self.sort, "d": self.descending, "k": keys, "i": self.id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, filters: QueueFilters) -> _Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            keys = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in data["k"]]
            cursor = cls(str(data["o"]), bool(data["d"]), keys, int(data["i"]))
            expected = ([_python_type(c) for c in SORT_COLUMNS[cursor.sort]] if cursor.sort
                        else [int, int, datetime])
        except (ValueError, TypeError, KeyError, AttributeError, NotImplementedError):
            raise Invalid("cursor_invalido") from None
        valid = (
            cursor.sort == filters.sort and cursor.descending == filters.descending and len(keys) == len(expected)
            and all(type(v) is t and (t is not datetime or v.tzinfo is not None) for v, t in zip(keys, expected,
                                                                                                 strict=True))
            and (cursor.sort or (keys[0] in (0, 1) and 0 <= keys[1] < len(PRIORITIES)))
        )
        if not valid:
            raise Invalid("cursor_invalido")
        return cursor


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    actor_type: str
    actor_name: str | None
    from_status: str | None
    to_status: str | None
    body: str | None
    data: dict | None
    visible_to_requester: bool


@dataclass(frozen=True)
class NoticeView:
    """One notice to the requester and its delivery state (bot/delivery)."""

    id: int
    kind: str
    status: str  # pendiente | enviando | enviado | entregado | leido | fallido | cancelado
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    fallback: str | None  # correo | plantilla | sin_correo
    last_error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class FailedNotice:
    ticket_code: str
    area_code: str
    assigned_agent_id: int | None
    notice: NoticeView


@dataclass(frozen=True)
class TicketDetail:
    item: QueueItem
    requester_name: str | None
    requester_cargo: str | None
    requester_email: str | None
    requester_phone: str | None
    etc_code: str | None
    channel: str | None
    description: str | None
    transcript: list[dict]
    events: list[EventView]
    rating: int | None
    pending_notices: int
    first_response_at: datetime | None
    resolved_at: datetime | None
    actions: list[str]
    notices: list[NoticeView] = field(default_factory=list)


@dataclass(frozen=True)
class OperationResult:
    ticket: TicketDetail | None  # None after a transfer out of the agent's areas
    outbox_ids: list[int] = field(default_factory=list)


def clean_message(text: str | None, *, limit: int = MAX_DESCRIPTION_CHARS, reason: str = "texto") -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise Invalid(f"{reason}_vacio")
    if len(cleaned) > limit:
        raise Invalid(f"{reason}_largo", max=limit)
    return cleaned


def _python_type(expression) -> type:
    kind = expression.type
    return (kind.impl if isinstance(kind, TypeDecorator) else kind).python_type


def _selective(f: QueueFilters) -> bool:
    """A search or the agent's own cases: few matches, found through their own indexes."""
    return any((getattr(f, name) or "").strip() for name in ("code", "email", "etc", "text")) or f.assignment == "mios"


def _contains(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_code(code: str) -> str | None:
    parsed = parse_code(code)
    return str(parsed) if parsed is not None and parsed.complete else None


class AgentDesk(AreasOnDemand):
    def __init__(
        self,
        *,
        database_url: str,
        areas: AreaCatalog | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database_url = database_url
        self._areas = areas
        self.clock = clock

    # ------------------------------------------------------------------ queue
    def queue(self, principal: Principal, filters: QueueFilters) -> QueuePage:
        """One page of the queue and the total of cases that match (``None`` when ``filters.count`` is
        false: the pages after the first keep the first page's total).

        Pages follow ``filters.after`` (the ``next`` cursor of the previous page: keyset pagination,
        the same cost on page 1 and page 2 000) or ``filters.offset``. The default order (overdue
        first, then priority, then due date) is read as one index range per (overdue or not,
        priority) on ``ix_tickets_open_urgency``, never by sorting every open case; the page's
        rows and their agents' names come in one query (100 000 cases: docs/benchmarks.md).
        """
        require_ticket_worker(principal)
        now = self.clock()
        conditions = self._filter_conditions(principal, filters, now)
        if filters.sort and filters.sort not in SORT_COLUMNS:
            raise Invalid("orden_invalido")
        limit = max(1, min(filters.limit, MAX_PAGE))
        after = _Cursor.decode(filters.after, filters) if filters.after else None
        offset = max(filters.offset, 0)
        if filters.sort:
            ranked, keys = self._ranked_by_column(conditions, filters, after, offset + limit + 1)
        elif _selective(filters):
            ranked, keys = self._ranked_by_urgency_sorted(conditions, now, after, offset + limit + 1)
        else:
            ranked, keys = self._ranked_by_urgency(conditions, filters, now, after, offset + limit + 1)
        page = select(ranked).order_by(*keys(ranked)).offset(offset).limit(limit + 1).subquery("page")
        count = select(func.count()).select_from(Ticket).where(*conditions).correlate(None)
        rows_stmt = (
            select(page, *QUEUE_COLUMNS, Agent.name.label("agent_name"),
                   *([count.scalar_subquery().label("total")] if filters.count else []))
            .join(Ticket, Ticket.id == page.c.id)
            .outerjoin(Agent, Agent.id == Ticket.assigned_agent_id)
            .order_by(*keys(page))
        )
        # read only: one statement (the total rides along as a subquery), no transaction to open
        # and commit; each round trip to the server counts when the machine is busy
        with get_engine(self.database_url).connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            rows = connection.execute(rows_stmt).all()
            total = None
            if filters.count:
                total = rows[0].total if rows else connection.execute(count).scalar_one()
        more = len(rows) > limit
        rows = rows[:limit]
        names = {r.assigned_agent_id: r.agent_name for r in rows if r.assigned_agent_id and r.agent_name}
        following = None
        if more and rows:
            last = rows[-1]
            following = _Cursor(filters.sort, filters.descending,
                                [last._mapping[f"k{i}"] for i in range(len(ranked.c) - 1)], last.id).encode()
        return QueuePage(total=total, items=[self._item(r, names, now) for r in rows], next=following)

    @staticmethod
    def _ranked_by_column(conditions: list, filters: QueueFilters, after: _Cursor | None, fetch: int):
        """Ids and sort values of the first ``fetch`` cases in a column's order (after the cursor)."""
        columns = SORT_COLUMNS[filters.sort]
        where = list(conditions)
        if after is not None:
            mine = tuple_(*columns, Ticket.id)
            theirs = tuple_(*(literal(v, c.type) for v, c in zip(after.keys, columns, strict=True)), literal(after.id, Integer))
            where.append(mine < theirs if filters.descending else mine > theirs)
        ordered = [(c.desc() if filters.descending else c.asc()) for c in (*columns, Ticket.id)]
        ranked = (
            select(Ticket.id.label("id"), *(c.label(f"k{i}") for i, c in enumerate(columns)))
            .where(*where).order_by(*ordered).limit(fetch).subquery("ranked")
        )

        def keys(table):
            cols = [table.c[f"k{i}"] for i in range(len(columns))] + [table.c.id]
            return [(c.desc() if filters.descending else c.asc()) for c in cols]

        return ranked, keys

    @staticmethod
    def _ranked_by_urgency_sorted(conditions: list, now: datetime, after: _Cursor | None, fetch: int):
        """The default order computed for every match and sorted: for searches, whose few matches come
        from their own index (one index scan, where the ranges would repeat it six times)."""
        bucket = case((and_(Ticket.status.in_(OPEN_VALUES), Ticket.due_at < now), 0), else_=1)
        rank = case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=len(PRIORITIES))
        where = list(conditions)
        if after is not None:
            where.append(tuple_(bucket, rank, Ticket.due_at, Ticket.id) > tuple_(
                literal(after.keys[0], Integer), literal(after.keys[1], Integer),
                literal(after.keys[2], Ticket.due_at.type), literal(after.id, Integer)))
        ranked = (
            select(Ticket.id.label("id"), bucket.label("k0"), rank.label("k1"), Ticket.due_at.label("k2"))
            .where(*where).order_by(bucket, rank, Ticket.due_at, Ticket.id).limit(fetch).subquery("ranked")
        )
        return ranked, lambda table: [table.c.k0, table.c.k1, table.c.k2, table.c.id]

    @staticmethod
    def _ranked_by_urgency(conditions: list, filters: QueueFilters, now: datetime, after: _Cursor | None,
                           fetch: int):
        """The default order as a UNION ALL of index ranges on ``ix_tickets_open_urgency``: k0 = 0
        overdue / 1 not, k1 = priority rank, k2 = due date; each range ordered by (due date, id) and
        cut at ``fetch`` rows, so a page reads about ``fetch`` index entries per range."""
        statuses = filters.statuses or OPEN_VALUES
        open_ = [s for s in statuses if s in OPEN_VALUES]
        closed = [s for s in statuses if s not in OPEN_VALUES]
        buckets = []
        if open_:
            buckets.append((0, and_(Ticket.status.in_(open_), Ticket.due_at < now)))
        if not filters.overdue_only:
            rest = [and_(Ticket.status.in_(open_), Ticket.due_at >= now)] if open_ else []
            rest += [Ticket.status.in_(closed)] if closed else []
            if rest:
                buckets.append((1, or_(*rest) if len(rest) > 1 else rest[0]))
        priorities = [p for p in PRIORITIES if not filters.priorities or p in filters.priorities]
        parts = []
        for bucket, condition in buckets:
            for rank, priority in enumerate(PRIORITIES):
                if priority not in priorities or (after is not None and (bucket, rank) < tuple(after.keys[:2])):
                    continue
                where = [*conditions, condition, Ticket.priority == priority]
                if after is not None and (bucket, rank) == tuple(after.keys[:2]):
                    where.append(tuple_(Ticket.due_at, Ticket.id) > tuple_(literal(after.keys[2], Ticket.due_at.type),
                                                                          literal(after.id, Integer)))
                part = (
                    select(Ticket.id.label("id"), literal(bucket, Integer).label("k0"),
                           literal(rank, Integer).label("k1"), Ticket.due_at.label("k2"))
                    .where(*where).order_by(Ticket.due_at, Ticket.id).limit(fetch).subquery()
                )
                parts.append(select(part))
        if not parts:  # nothing can match (e.g. only overdue cases among closed statuses)
            parts.append(select(Ticket.id.label("id"), literal(0, Integer).label("k0"), literal(0, Integer).label("k1"),
                                Ticket.due_at.label("k2")).where(false()))
        ranked = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("ranked")

        def keys(table):
            return [table.c.k0, table.c.k1, table.c.k2, table.c.id]

        return ranked, keys

    def _filter_conditions(self, principal: Principal, f: QueueFilters, now: datetime) -> list:
        scope = principal.area_scope()
        conditions: list = []
        if scope is not None:
            conditions.append(Ticket.area_code.in_(sorted(scope)))
        if f.areas:
            conditions.append(Ticket.area_code.in_(f.areas))
        statuses = f.statuses or OPEN_VALUES
        bad = [s for s in statuses if s not in ALL_STATUS_VALUES]
        if bad:
            raise Invalid("estado_invalido", estados=bad)
        conditions.append(Ticket.status.in_(statuses))
        if f.priorities:
            if any(p not in PRIORITIES for p in f.priorities):
                raise Invalid("prioridad_invalida")
            conditions.append(Ticket.priority.in_(f.priorities))
        if f.min_age_hours is not None:
            conditions.append(Ticket.created_at <= now - timedelta(hours=f.min_age_hours))
        if f.max_age_hours is not None:
            conditions.append(Ticket.created_at >= now - timedelta(hours=f.max_age_hours))
        if f.overdue_only:
            conditions += [Ticket.status.in_(OPEN_VALUES), Ticket.due_at < now]
        if f.assignment == "mios":
            conditions.append(Ticket.assigned_agent_id == principal.id)
        elif f.assignment == "sin_asignar":
            conditions.append(Ticket.assigned_agent_id.is_(None))
        elif f.assignment != "todos":
            raise Invalid("asignacion_invalida")
        return conditions + self._search_conditions(f)

    @staticmethod
    def _search_conditions(f: QueueFilters) -> list:
        """ILIKE '%…%' searches: trigram indexes on PostgreSQL (migration review_0001)."""
        conditions: list = []
        terms = {}
        for name in ("code", "email", "etc", "text"):
            value = " ".join((getattr(f, name) or "").split())
            if len(value) > MAX_SEARCH_CHARS:
                raise Invalid("busqueda_larga", max=MAX_SEARCH_CHARS)
            if value:
                terms[name] = value
        if "code" in terms:
            full = normalise_code(terms["code"])
            conditions.append(Ticket.code == full if full else Ticket.code.ilike(_contains(terms["code"].upper()),
                                                                                   escape="\\"))
        if "email" in terms:
            email = terms["email"].lower()
            conditions.append(Ticket.requester_email == email if "@" in email and "." in email.split("@")[-1]
                              else Ticket.requester_email.ilike(_contains(email), escape="\\"))
        if "etc" in terms:
            conditions.append(or_(Ticket.etc_code == terms["etc"],
                                  Ticket.etc_name.ilike(_contains(terms["etc"]), escape="\\")))
        if "text" in terms:
            conditions.append(Ticket.description.ilike(_contains(terms["text"]), escape="\\"))
        return conditions

    # ------------------------------------------------------------------ one ticket
    def ticket(self, principal: Principal, code: str) -> TicketDetail:
        require_ticket_worker(principal)
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code, lock=False)
            return self._detail(session, principal, ticket)

    def _load(self, session: Session, principal: Principal, code: str, *, lock: bool = True) -> Ticket:
        """The ticket if ``principal`` may see it, else :class:`NotFound` (same answer as no ticket)."""
        normalised = normalise_code(code)
        if normalised is None:
            raise NotFound()
        stmt = select(Ticket).where(Ticket.code == normalised)
        if lock:
            stmt = stmt.with_for_update()
        ticket = session.execute(stmt).scalar_one_or_none()
        require_visible(principal, ticket.area_code if ticket is not None else None)
        return ticket

    # ------------------------------------------------------------------ operations
    def claim(self, principal: Principal, code: str) -> OperationResult:
        require_ticket_worker(principal)
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code, lock=False)
            conditions = [
                Ticket.id == ticket.id,
                Ticket.assigned_agent_id.is_(None),
                Ticket.status == TicketStatus.NUEVO.value,
                Ticket.personal_data_removed_at.is_(None),
            ]
            scope = principal.area_scope()
            if scope is not None:
                conditions.append(Ticket.area_code.in_(sorted(scope)))
            won = session.execute(
                update(Ticket)
                .where(*conditions)
                .values(assigned_agent_id=principal.id, status=TicketStatus.ASIGNADO.value, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                raise Conflict("ya_asignado")
            session.refresh(ticket)
            tickets_repo.add_event(
                session=session, ticket=ticket, kind=AgentEventKind.ASIGNACION, actor_type="agente",
                actor_id=str(principal.id), from_status=TicketStatus.NUEVO.value,
                to_status=TicketStatus.ASIGNADO.value, data={"agente": principal.id}, at=now,
            )
            return OperationResult(self._detail(session, principal, ticket))

    def reply(self, principal: Principal, code: str, text: str) -> OperationResult:
        return self._message(principal, code, text, kind=EventKind.RESPUESTA_AGENTE, notice="respuesta",
                             target=TicketStatus.EN_CURSO)

    def ask_information(self, principal: Principal, code: str, text: str) -> OperationResult:
        return self._message(principal, code, text, kind=EventKind.SOLICITUD_INFORMACION,
                             notice="solicitud_informacion", target=TicketStatus.ESPERANDO_RESPUESTA)

    def _message(
        self, principal: Principal, code: str, text: str, *, kind: str, notice: str, target: TicketStatus
    ) -> OperationResult:
        require_ticket_worker(principal)
        body = clean_message(text)
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code)
            require_holder(principal, ticket.assigned_agent_id)
            self._require_status(ticket, WORKING_STATUSES)
            event = self._visible_message(session, principal, ticket, kind=kind, body=body, now=now)
            if ticket.status != target.value:
                self._change_status(session, principal, ticket, target, now=now)
            row = outbox.enqueue(session=session, ticket=ticket, kind=notice, body=body, event_id=event.id, now=now)
            return OperationResult(self._detail(session, principal, ticket), [row.id] if row else [])

    def transfer(self, principal: Principal, code: str, area_code: str, reason: str) -> OperationResult:
        require_ticket_worker(principal)
        motive = clean_message(reason, limit=MAX_REASON_CHARS, reason="motivo")
        target = self.areas.get((area_code or "").strip())
        if target is None:
            raise Invalid("area_desconocida")
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code)
            if ticket.assigned_agent_id is not None:
                require_holder(principal, ticket.assigned_agent_id)
            self._require_status(ticket, tuple(OPEN_STATUSES))
            if target.code == ticket.area_code:
                raise Invalid("misma_area")
            previous = ticket.area_code
            if ticket.status != TicketStatus.NUEVO.value:
                self._change_status(session, principal, ticket, TicketStatus.NUEVO, now=now, note=motive)
            ticket.area_code = target.code
            ticket.assigned_agent_id = None
            ticket.needs_triage = False
            ticket.updated_at = now
            tickets_repo.add_event(
                session=session, ticket=ticket, kind=AgentEventKind.TRANSFERENCIA, actor_type="agente",
                actor_id=str(principal.id), body=motive, data={"de": previous, "a": target.code}, at=now,
            )
            detail = self._detail(session, principal, ticket) if principal.can_see_area(target.code) else None
            return OperationResult(detail)  # None: the ticket left the agent's areas

    def reassign(self, principal: Principal, code: str, agent_id: int, reason: str | None = None) -> OperationResult:
        require_role(principal, Role.COORDINADOR)
        motive = clean_message(reason, limit=MAX_REASON_CHARS, reason="motivo") if reason else None
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code)
            self._require_status(ticket, tuple(OPEN_STATUSES))
            agent = session.get(Agent, agent_id)
            if agent is None or not agent.active or not self._agent_works_area(session, agent, ticket.area_code):
                raise Invalid("agente_no_valido")
            previous = ticket.assigned_agent_id
            if previous == agent.id:
                raise Invalid("mismo_agente")
            if ticket.status == TicketStatus.NUEVO.value:
                self._change_status(session, principal, ticket, TicketStatus.ASIGNADO, now=now)
            ticket.assigned_agent_id = agent.id
            ticket.updated_at = now
            tickets_repo.add_event(
                session=session, ticket=ticket, kind=AgentEventKind.REASIGNACION, actor_type="agente",
                actor_id=str(principal.id), body=motive, data={"de": previous, "a": agent.id}, at=now,
            )
            return OperationResult(self._detail(session, principal, ticket))

    def resolve(self, principal: Principal, code: str, text: str | None = None) -> OperationResult:
        require_ticket_worker(principal)
        body = clean_message(text) if text and text.strip() else None
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code)
            require_holder(principal, ticket.assigned_agent_id)
            self._require_status(ticket, WORKING_STATUSES)
            event_id = None
            if body:
                event_id = self._visible_message(
                    session, principal, ticket, kind=EventKind.RESPUESTA_AGENTE, body=body, now=now,
                    data={"resolucion": True},
                ).id
            status_event = self._change_status(session, principal, ticket, TicketStatus.RESUELTO, now=now)
            row = outbox.enqueue(session=session, ticket=ticket, kind="resuelto", body=body,
                                 event_id=event_id or status_event.id, now=now)
            return OperationResult(self._detail(session, principal, ticket), [row.id] if row else [])

    def reopen(self, principal: Principal, code: str, reason: str) -> OperationResult:
        require_ticket_worker(principal)
        motive = clean_message(reason, limit=MAX_REASON_CHARS, reason="motivo")
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = self._load(session, principal, code)
            self._require_status(ticket, (TicketStatus.RESUELTO, TicketStatus.CERRADO))
            target = reopen_target(has_agent=ticket.assigned_agent_id is not None)
            try:
                self._change_status(session, principal, ticket, target, now=now, note=motive)
            except TicketPurged:
                raise Conflict("datos_depurados") from None
            return OperationResult(self._detail(session, principal, ticket))

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _require_status(ticket: Ticket, allowed) -> None:
        if TicketStatus(ticket.status) not in set(allowed):
            raise Conflict("estado_no_permite", estado=ticket.status)

    @staticmethod
    def _change_status(session, principal: Principal, ticket: Ticket, target: TicketStatus, *, now: datetime,
                       note: str | None = None) -> TicketEvent:
        return tickets_repo.change_status(
            session=session, ticket=ticket, to=target, actor_type="agente", actor_id=str(principal.id),
            note=note, now=now,
        )

    @staticmethod
    def _visible_message(session, principal: Principal, ticket: Ticket, *, kind: str, body: str, now: datetime,
                         data: dict | None = None) -> TicketEvent:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.updated_at = now
        return tickets_repo.add_event(
            session=session, ticket=ticket, kind=kind, actor_type="agente", actor_id=str(principal.id),
            body=body, data=data, visible_to_requester=True, at=now,
        )

    @staticmethod
    def _agent_works_area(session: Session, agent: Agent, area_code: str) -> bool:
        if agent.role == Role.COORDINADOR.value:
            return True
        if agent.role != Role.AGENTE.value:
            return False
        stmt = select(AgentArea).where(AgentArea.agent_id == agent.id, AgentArea.area_code == area_code)
        return session.execute(stmt).first() is not None

    @staticmethod
    def _agent_names(session: Session, ids) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return dict(session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(wanted))).all())

    def _item(self, ticket, names: dict[int, str], now: datetime) -> QueueItem:
        """A queue row from a :class:`Ticket` or a row with the columns of ``QUEUE_COLUMNS``."""
        area = self.areas.get(ticket.area_code)
        agent_id = ticket.assigned_agent_id
        description = " ".join((ticket.description or "").split())
        return QueueItem(
            code=ticket.code,
            status=ticket.status,
            area_code=ticket.area_code,
            area_name=area.name if area else ticket.area_code,
            priority=ticket.priority,
            created_at=ticket.created_at,
            due_at=ticket.due_at,
            overdue=TicketStatus(ticket.status) in OPEN_STATUSES and ticket.due_at < now,
            age_hours=round((now - ticket.created_at).total_seconds() / 3600, 1),
            needs_triage=ticket.needs_triage,
            etc_name=ticket.etc_name,
            summary=description[:160],
            assigned_agent=AgentRef(agent_id, names.get(agent_id, f"#{agent_id}")) if agent_id else None,
        )

    def _detail(self, session: Session, principal: Principal, ticket: Ticket) -> TicketDetail:
        session.flush()
        events = session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.created_at, TicketEvent.id)
        ).scalars().all()
        agent_ids = {int(e.actor_id) for e in events if e.actor_type == "agente" and (e.actor_id or "").isdigit()}
        names = self._agent_names(session, agent_ids | {ticket.assigned_agent_id})
        rating = session.get(TicketRating, ticket.id)
        notices = [notice_view(n) for n in session.execute(
            select(TicketOutbox).where(TicketOutbox.ticket_id == ticket.id).order_by(TicketOutbox.id)
        ).scalars()]
        pending = sum(1 for n in notices if n.status in ("pendiente", "enviando"))
        return TicketDetail(
            item=self._item(ticket, names, self.clock()),
            requester_name=ticket.requester_name,
            requester_cargo=ticket.requester_cargo,
            requester_email=ticket.requester_email,
            requester_phone=ticket.requester_phone,
            etc_code=ticket.etc_code,
            channel=ticket.channel,
            description=ticket.description,
            transcript=list(ticket.transcript or []),
            events=[self._event_view(e, names) for e in events],
            rating=rating.score if rating else None,
            pending_notices=pending,
            first_response_at=ticket.first_response_at,
            resolved_at=ticket.resolved_at,
            actions=allowed_actions(principal, ticket),
            notices=notices,
        )

    # ------------------------------------------------------------------ failed notices
    def failed_notices(self, principal: Principal, limit: int = 100) -> list[FailedNotice]:
        """Notices that could not reach the requester (``fallido``) in the principal's areas: the
        agent holding the case and the coordinators see them in the console."""
        require_ticket_worker(principal)
        stmt = (select(TicketOutbox, Ticket.code, Ticket.area_code, Ticket.assigned_agent_id)
                .join(Ticket, Ticket.id == TicketOutbox.ticket_id)
                .where(TicketOutbox.status == "fallido").order_by(TicketOutbox.failed_at.desc()).limit(limit))
        scope = principal.area_scope()
        if scope is not None:
            stmt = stmt.where(Ticket.area_code.in_(sorted(scope)))
        with session_scope(self.database_url) as session:
            return [FailedNotice(ticket_code=code, area_code=area, assigned_agent_id=agent, notice=notice_view(row))
                    for row, code, area, agent in session.execute(stmt).all()]

    @staticmethod
    def _event_view(event: TicketEvent, names: dict[int, str]) -> EventView:
        actor_name = None
        if event.actor_type == "agente" and (event.actor_id or "").isdigit():
            actor_name = names.get(int(event.actor_id), f"#{event.actor_id}")
        return EventView(
            at=event.created_at, kind=event.kind, actor_type=event.actor_type, actor_name=actor_name,
            from_status=event.from_status, to_status=event.to_status, body=event.body, data=event.data,
            visible_to_requester=bool(event.visible_to_requester),
        )


def notice_view(row: TicketOutbox) -> NoticeView:
    return NoticeView(
        id=row.id, kind=row.kind, status=row.status, attempts=row.attempts, created_at=row.created_at,
        sent_at=row.sent_at, delivered_at=row.delivered_at, read_at=row.read_at, failed_at=row.failed_at,
        fallback=row.fallback, last_error=row.last_error,
        next_attempt_at=row.next_attempt_at if row.status == "pendiente" else None,
    )


def allowed_actions(principal: Principal, ticket: Ticket) -> list[str]:
    """What the console offers for this ticket (the operations check again on their own)."""
    if not principal.works_tickets or not principal.can_see_area(ticket.area_code):
        return []
    status = TicketStatus(ticket.status)
    holder = ticket.assigned_agent_id
    acts = principal.role is Role.COORDINADOR or holder == principal.id
    actions: list[str] = []
    if status is TicketStatus.NUEVO and holder is None and ticket.personal_data_removed_at is None:
        actions.append("tomar")
    if status in WORKING_STATUSES and holder is not None and acts:
        actions += ["responder", "solicitar_informacion", "resolver"]
    if status in OPEN_STATUSES and (holder is None or acts):
        actions.append("transferir")
    if status in OPEN_STATUSES and principal.role is Role.COORDINADOR:
        actions.append("reasignar")
    if status in (TicketStatus.RESUELTO, TicketStatus.CERRADO) and ticket.personal_data_removed_at is None:
        actions.append("reabrir")
    return actions

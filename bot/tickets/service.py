"""The ticket service used by the Rasa actions (and later by the agents' API).

Every method opens its own short session (one per call), so the service object itself is safe to
keep for the life of the action server. Results are plain dataclasses with codes, names and dates;
the Spanish sentences live in the domain responses.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db import transaction
from bot.formatting import format_date, format_datetime
from bot.tickets import repository as repo
from bot.tickets.areas import AreaCatalog, AreasOnDemand
from bot.tickets.calendar import due_at
from bot.tickets.codes import parse_code
from bot.tickets.models import Ticket, utcnow
from bot.tickets.priority import PriorityPolicy, load_policy
from bot.tickets.routing.router import RoutingDecision
from bot.tickets.validation import (
    check_cargo,
    check_description,
    check_email,
    check_name,
    check_phone,
    clean_text,
)

MAX_TRANSCRIPT_TURNS = 60
MAX_TURN_CHARS = 2000


class TicketValidationError(ValueError):
    """A field of the request is invalid: ``field`` and ``reason`` name it (``details`` has numbers)."""

    def __init__(self, field_name: str, reason: str, details: Mapping | None = None) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason
        self.details = dict(details or {})


class ConsentRequired(TicketValidationError):
    def __init__(self) -> None:
        super().__init__("consentimiento", "no_otorgado")


@dataclass(frozen=True)
class TranscriptTurn:
    role: str  # "usuario" or "asistente"
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class TicketRequest:
    idempotency_key: str
    name: str
    cargo: str
    etc_code: str
    etc_name: str
    email: str
    description: str
    consent_given_at: datetime | None
    phone: str | None = None
    channel: str | None = None
    conversation_id: str | None = None
    transcript: tuple[TranscriptTurn, ...] = field(default_factory=tuple)
    escalation_reason: str | None = None
    policy_url: str | None = None
    policy_version: str | None = None


@dataclass(frozen=True)
class TicketReceipt:
    code: str
    area_code: str
    area_name: str
    priority: str
    sla_business_days: int
    due_at: datetime
    due_date_text: str  # "martes 8 de diciembre de 2026"
    needs_triage: bool
    created: bool  # False when the idempotency key had already produced this ticket


@dataclass(frozen=True)
class TicketView:
    code: str
    status: str
    area_code: str
    area_name: str
    created_text: str
    due_date_text: str
    last_reply: str | None = None
    last_reply_text_date: str | None = None


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _clean_transcript(turns: Iterable[TranscriptTurn]) -> list[dict]:
    kept = [t for t in turns if clean_text(t.text)][-MAX_TRANSCRIPT_TURNS:]
    return [
        {
            "de": "usuario" if t.role == "usuario" else "asistente",
            "texto": clean_text(t.text)[:MAX_TURN_CHARS],
            "fecha": t.at.isoformat() if t.at else None,
        }
        for t in kept
    ]


def validate_request(request: TicketRequest) -> dict[str, str | None]:
    """Cleaned requester fields, or ``TicketValidationError`` for the first invalid one."""
    if request.consent_given_at is None:
        raise ConsentRequired()
    checks = {
        "nombre": check_name(request.name),
        "cargo": check_cargo(request.cargo),
        "email": check_email(request.email),
        "descripcion": check_description(request.description),
    }
    if request.phone:
        checks["telefono"] = check_phone(request.phone)
    for name, check in checks.items():
        if not check.ok:
            raise TicketValidationError(name, check.reason or "invalido", check.details)
    if not (request.etc_code or "").strip() or not (request.etc_name or "").strip():
        raise TicketValidationError("etc", "vacio")
    if not request.idempotency_key:
        raise TicketValidationError("idempotency_key", "vacio")
    return {k: c.value for k, c in checks.items()}


class TicketService(AreasOnDemand):
    def __init__(
        self,
        *,
        sessions: sessionmaker,
        router=None,
        min_confidence: float | None = None,
        areas: AreaCatalog | None = None,
        policy: PriorityPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._router = router
        self._min_confidence = min_confidence
        self._areas = areas
        self._policy = policy
        self._clock = clock

    # -- lazily built collaborators (no work at import or construction time)
    @property
    def router(self):
        if self._router is None:
            from bot.tickets.routing import get_router

            if self._min_confidence is None:
                raise ValueError("TicketService needs a router or the routing min_confidence")
            self._router = get_router(self._min_confidence)
        return self._router

    @property
    def policy(self) -> PriorityPolicy:
        if self._policy is None:
            self._policy = load_policy()
        return self._policy

    # -- opening a case
    def open_ticket(self, request: TicketRequest) -> TicketReceipt:
        """Validate, route, prioritise and store; the same idempotency key always gives one ticket."""
        clean = validate_request(request)
        description = clean["descripcion"] or ""
        fixed_area = REASON_AREAS.get(request.escalation_reason or "")
        decision = fixed_decision(fixed_area) if fixed_area else self.router.route(description)
        priority = self.policy.classify(description)
        sla_days = self.policy.sla_days(priority)
        now = self._clock()
        draft = repo.TicketDraft(
            idempotency_key=hash_key(request.idempotency_key),
            area_code=decision.area_code,
            priority=priority,
            sla_business_days=sla_days,
            due_at=due_at(now, sla_days),
            needs_triage=decision.needs_triage,
            routing_confidence=round(float(decision.confidence), 6),
            routing_method=decision.method,
            routing_candidates=[[c, s] for c, s in decision.candidates],
            requester_name=clean["nombre"] or "",
            requester_cargo=clean["cargo"] or "",
            requester_email=clean["email"] or "",
            requester_phone=clean.get("telefono"),
            etc_code=request.etc_code.strip(),
            etc_name=request.etc_name.strip(),
            consent_given_at=request.consent_given_at,
            consent_policy_url=request.policy_url or None,
            consent_policy_version=request.policy_version or None,
            channel=request.channel,
            conversation_id=request.conversation_id,
            description=description,
            transcript=_clean_transcript(request.transcript),
            created_at=now,
            escalation_reason=request.escalation_reason,
        )
        try:
            with transaction(self._sessions) as session:
                ticket, created = repo.create_ticket(session=session, draft=draft)
                return self._receipt(ticket, created)
        except IntegrityError:
            # A concurrent call with the same key won the race: return its ticket.
            with transaction(self._sessions) as session:
                ticket = repo.get_ticket_by_key(session=session, idempotency_key=draft.idempotency_key)
                if ticket is None:
                    raise
                return self._receipt(ticket, False)

    def _receipt(self, ticket: Ticket, created: bool) -> TicketReceipt:
        area = self.areas.require(ticket.area_code)
        return TicketReceipt(
            code=ticket.code,
            area_code=area.code,
            area_name=area.name,
            priority=ticket.priority,
            sla_business_days=ticket.sla_business_days,
            due_at=ticket.due_at,
            due_date_text=format_date(ticket.due_at),
            needs_triage=ticket.needs_triage,
            created=created,
        )

    # -- status look-ups (no enumeration: every miss is the same ``None``)
    def status_for_conversation(self, *, code_text: str, conversation_id: str) -> TicketView | None:
        """The case named in ``code_text`` if this conversation opened it. The random suffix may be
        omitted or mistyped here: the conversation itself proves who is asking."""
        parsed = parse_code(code_text)
        if parsed is None or not conversation_id:
            return None
        with transaction(self._sessions) as session:
            ticket = repo.get_ticket_by_number(session=session, year=parsed.year, number=parsed.number)
            if ticket is None or ticket.conversation_id is None:
                return None
            if not hmac.compare_digest(ticket.conversation_id.encode(), conversation_id.encode()):
                return None
            return self._view(session, ticket, actor_id=conversation_id)

    def status_with_email(self, *, code_text: str, email: str) -> TicketView | None:
        """The case if the complete code and the e-mail on file both match."""
        parsed = parse_code(code_text)
        checked = check_email(email)
        if parsed is None or not parsed.complete or not checked.ok:
            return None
        with transaction(self._sessions) as session:
            ticket = repo.get_ticket_by_code(session=session, code=str(parsed))
            if ticket is None or ticket.requester_email is None:
                return None
            if not hmac.compare_digest(ticket.requester_email.lower().encode(), (checked.value or "").lower().encode()):
                return None
            return self._view(session, ticket, actor_id="correo")

    def conversation_tickets(self, *, conversation_id: str, limit: int = 3) -> list[TicketView]:
        if not conversation_id:
            return []
        with transaction(self._sessions) as session:
            tickets = repo.list_conversation_tickets(session=session, conversation_id=conversation_id, limit=limit)
            return [self._view(session, t, actor_id=conversation_id) for t in tickets]

    def _view(self, session, ticket: Ticket, *, actor_id: str) -> TicketView:
        reply = repo.last_reply_to_requester(session=session, ticket=ticket)
        repo.add_event(
            session=session, ticket=ticket, kind=repo.EventKind.CONSULTA_ESTADO, actor_type="usuario", actor_id=actor_id
        )
        area = self.areas.get(ticket.area_code)
        return TicketView(
            code=ticket.code,
            status=ticket.status,
            area_code=ticket.area_code,
            area_name=area.name if area else ticket.area_code,
            created_text=format_date(ticket.created_at),
            due_date_text=format_date(ticket.due_at),
            last_reply=reply.body if reply else None,
            last_reply_text_date=format_datetime(reply.created_at, weekday=False) if reply else None,
        )


# Reasons whose case goes to a known area without routing: putting secretarías in touch is the
# Escuela's job (VPBM-ESC, "cooperación entre pares" in data/spec/men-areas.yml).
REASON_AREAS: dict[str, str] = {"conexion_pares": "VPBM-ESC"}


def fixed_decision(area_code: str) -> RoutingDecision:
    """A routing decision for a case whose area is known from why it was opened (no classifier)."""
    return RoutingDecision(
        area_code=area_code,
        confidence=1.0,
        needs_triage=False,
        method="motivo",
        predicted_area=area_code,
        candidates=((area_code, 1.0),),
    )

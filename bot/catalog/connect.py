"""Offer to connect: a VPBM-ESC case asking the Escuela de Secretarías to put two teams in touch.

The case goes straight to area ``VPBM-ESC`` (cooperación entre pares, men-areas.yml): no routing
guess is needed. It is stored with the tickets feature's own validation and repository
(:func:`bot.tickets.service.validate_request`, :func:`bot.tickets.repository.create_ticket`), so it
appears in the agents' console like any other case. The requester's name, cargo and e-mail, and
their consent, are collected by the tickets flow; nothing personal is stored by the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from bot.catalog.peers import Criteria, Peer, PeerResult
from bot.indicators.catalog import format_value
from bot.indicators.text import format_number
from bot.settings import PROJECT_ROOT

AREA_CODE = "VPBM-ESC"
ESCALATION_REASON = "conexion_pares"
ROUTING_METHOD = "pares"
TEMPLATES_FILE = PROJECT_ROOT / "data" / "catalog" / "plantillas.yml"


@dataclass(frozen=True)
class Requester:
    """Who asks (collected, with consent, by the tickets flow)."""

    name: str
    cargo: str
    email: str
    consent_given_at: datetime | None
    phone: str | None = None
    policy_url: str | None = None
    policy_version: str | None = None


@dataclass(frozen=True)
class ConnectionReceipt:
    code: str
    area_code: str
    area_name: str
    due_date_text: str
    created: bool  # False: the same request had already produced this case


def _criteria_text(c: Criteria) -> str:
    parts = [
        f"población de 5 a 16 años en {c.base_year} entre {format_number(c.population_min, 0)} y "
        f"{format_number(c.population_max, 0)}",
        f"valor en {c.base_year} entre {format_number(c.baseline_min)} y {format_number(c.baseline_max)}",
        f"región: {c.region}" if c.region else "cualquier región",
    ]
    return "; ".join(parts)


def _peer_text(p: Peer, indicator: str) -> str:
    return f"{p.etc.name} ({p.etc.department_name}) {format_value(indicator, p.base_value)} → {format_value(indicator, p.end_value)}"


def _templates(template_file: Path = TEMPLATES_FILE) -> dict[str, str]:
    return yaml.safe_load(template_file.read_text(encoding="utf-8"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def connection_description(result: PeerResult, message: str = "", template_file: Path = TEMPLATES_FILE) -> str:
    """The case description, from the template of ``data/catalog/plantillas.yml`` and the data."""
    if result.user is None or result.criteria is None or not result.peers:
        raise ValueError("no hay pares que conectar")
    names = [p.etc.name for p in result.peers]
    return _one_line(
        _templates(template_file)["conexion_pares"].format(
            etc=result.user.name,
            pares=", ".join(names[:-1]) + (" y " if len(names) > 1 else "") + names[-1],
            indicador=result.indicator_name,
            nivel=result.level,
            desde=result.criteria.base_year,
            hasta=result.criteria.end_year,
            detalle="; ".join(_peer_text(p, result.indicator) for p in result.peers),
            criterios=_criteria_text(result.criteria),
            fuente=result.source,
            mensaje=message.strip(),
        )
    )


def escuela_description(result: PeerResult, message: str = "", template_file: Path = TEMPLATES_FILE) -> str:
    """The case description when there are no peers to name (departmental ETC, none improved, no data)."""
    if result.user is None:
        raise ValueError("sin secretaría")
    templates = _templates(template_file)
    crit = result.criteria
    motivo = templates.get(f"motivo_{result.status}", "").format(
        desde=crit.base_year if crit else "",
        hasta=crit.end_year if crit else "",
        candidatas=result.candidates,
    )
    return _one_line(
        templates["conexion_escuela"].format(
            etc=result.user.name,
            indicador=result.indicator_name,
            nivel=result.level,
            motivo=motivo,
            mensaje=message.strip(),
        )
    )


class PeerConnectionService:
    """Creates the VPBM-ESC case with the tickets feature's validation and repository."""

    def __init__(self, database_url: str | None = None, *, clock: Callable[[], datetime] | None = None):
        self._url = database_url
        self._clock = clock

    def request(
        self,
        result: PeerResult,
        requester: Requester,
        *,
        idempotency_key: str,
        channel: str | None = None,
        conversation_id: str | None = None,
        message: str = "",
    ) -> ConnectionReceipt:
        """Validate and store the case; the same ``idempotency_key`` always gives one case.

        Raises ``bot.tickets.service.TicketValidationError`` (``ConsentRequired`` without consent).
        """
        from bot.db import session_scope
        from bot.tickets import repository as repo
        from bot.tickets.areas import load_areas
        from bot.tickets.calendar import due_at, format_date_es
        from bot.tickets.models import utcnow
        from bot.tickets.priority import load_policy
        from bot.tickets.service import TicketRequest, hash_key, validate_request

        description = connection_description(result, message)
        request = TicketRequest(
            idempotency_key=idempotency_key,
            name=requester.name,
            cargo=requester.cargo,
            etc_code=str(result.user.code),
            etc_name=result.user.name,
            email=requester.email,
            description=description,
            consent_given_at=requester.consent_given_at,
            phone=requester.phone,
            channel=channel,
            conversation_id=conversation_id,
            escalation_reason=ESCALATION_REASON,
            policy_url=requester.policy_url,
            policy_version=requester.policy_version,
        )
        clean = validate_request(request)
        policy = load_policy()
        priority = policy.default
        sla_days = policy.sla_days(priority)
        now = (self._clock or utcnow)()
        draft = repo.TicketDraft(
            idempotency_key=hash_key(idempotency_key),
            area_code=AREA_CODE,
            priority=priority,
            sla_business_days=sla_days,
            due_at=due_at(now, sla_days),
            needs_triage=False,
            routing_confidence=1.0,
            routing_method=ROUTING_METHOD,
            routing_candidates=[[AREA_CODE, 1.0]],
            requester_name=clean["nombre"] or "",
            requester_cargo=clean["cargo"] or "",
            requester_email=clean["email"] or "",
            requester_phone=clean.get("telefono"),
            etc_code=request.etc_code,
            etc_name=request.etc_name,
            consent_given_at=requester.consent_given_at,
            consent_policy_url=requester.policy_url or None,
            consent_policy_version=requester.policy_version or None,
            channel=channel,
            conversation_id=conversation_id,
            description=clean["descripcion"] or description,
            transcript=[],
            created_at=now,
            escalation_reason=ESCALATION_REASON,
        )
        with session_scope(self._url) as session:
            ticket, created = repo.create_ticket(session=session, draft=draft)
            area = load_areas().require(ticket.area_code)
            return ConnectionReceipt(ticket.code, area.code, area.name, format_date_es(ticket.due_at), created)

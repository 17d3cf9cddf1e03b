"""Roles, area scopes and the permission checks of the agents' workspace.

- ``agente``: works the tickets of its areas (one or more MEN area codes). It never learns that a
  ticket of another area exists: every such request fails with :class:`NotFound`, exactly as for
  a code that does not exist.
- ``coordinador``: every area; can also reassign a ticket to another agent.
- ``admin``: manages the agents' accounts and reads the metrics; it works no tickets.
- ``curador``: reviews the messages the assistant misunderstood (the review inbox); it works
  no tickets and never sees a case. With areas it sees the review items linked to those areas only.

Within its scope an ``agente`` answers, asks, resolves and transfers only the tickets it holds
(claimed or reassigned to it); a ``coordinador`` may act on any held ticket. A ticket nobody holds
must be claimed first (except a transfer, which triage needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    AGENTE = "agente"
    COORDINADOR = "coordinador"
    ADMIN = "admin"
    CURADOR = "curador"


class AgentsError(Exception):
    """Base of the errors the API turns into HTTP answers; ``reason`` is a stable code."""

    status_code = 400

    def __init__(self, reason: str, **details) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class NotFound(AgentsError):
    status_code = 404

    def __init__(self, reason: str = "no_encontrado", **details) -> None:
        super().__init__(reason, **details)


class Unauthenticated(AgentsError):
    status_code = 401


class Forbidden(AgentsError):
    status_code = 403


class Conflict(AgentsError):
    status_code = 409


class Invalid(AgentsError):
    status_code = 422


@dataclass(frozen=True)
class Principal:
    """The authenticated agent of a request."""

    id: int
    email: str
    name: str
    role: Role
    areas: frozenset[str]

    @property
    def sees_all_areas(self) -> bool:
        return self.role is Role.COORDINADOR

    @property
    def works_tickets(self) -> bool:
        return self.role in (Role.AGENTE, Role.COORDINADOR)

    @property
    def reviews_messages(self) -> bool:
        """The review inbox is for ``coordinador`` and ``curador``."""
        return self.role in (Role.COORDINADOR, Role.CURADOR)

    def review_scope(self) -> frozenset[str] | None:
        """``None``: every review item; else the areas of a curador scoped to some areas."""
        if self.role is Role.CURADOR and self.areas:
            return self.areas
        return None

    def area_scope(self) -> frozenset[str] | None:
        """``None`` for every area, else the area codes this principal may see."""
        return None if self.sees_all_areas else self.areas

    def can_see_area(self, area_code: str) -> bool:
        return self.sees_all_areas or area_code in self.areas


def require_ticket_worker(principal: Principal) -> None:
    """Ticket operations are for ``agente`` and ``coordinador`` (the check does not look at any ticket)."""
    if not principal.works_tickets:
        raise Forbidden("rol_sin_permiso")


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden("rol_sin_permiso")


def require_visible(principal: Principal, area_code: str | None) -> None:
    """:class:`NotFound` (never 403) when the ticket is outside the principal's areas."""
    if area_code is None or not principal.can_see_area(area_code):
        raise NotFound()


def require_holder(principal: Principal, assigned_agent_id: int | None) -> None:
    """The principal may act on a held ticket: its holder, or a coordinador."""
    if assigned_agent_id is None:
        raise Conflict("sin_asignar")
    if assigned_agent_id != principal.id and principal.role is not Role.COORDINADOR:
        raise Forbidden("asignado_a_otro")

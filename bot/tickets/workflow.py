"""Ticket status machine.

nuevo -> asignado -> en_curso -> esperando_respuesta -> resuelto -> cerrado, plus:
- a transfer to another area or an unassignment sends an open case back to ``nuevo``;
- ``esperando_respuesta`` goes back to ``en_curso`` when the requester answers;
- ``resuelto`` and ``cerrado`` can be reopened (back to ``en_curso`` when an agent holds the case,
  else ``nuevo``), unless the personal data were already removed by the retention command.
"""

from __future__ import annotations

from enum import Enum


class TicketStatus(str, Enum):
    NUEVO = "nuevo"
    ASIGNADO = "asignado"
    EN_CURSO = "en_curso"
    ESPERANDO_RESPUESTA = "esperando_respuesta"
    RESUELTO = "resuelto"
    CERRADO = "cerrado"


S = TicketStatus
OPEN_STATUSES = frozenset({S.NUEVO, S.ASIGNADO, S.EN_CURSO, S.ESPERANDO_RESPUESTA})
FINAL_STATUSES = frozenset({S.RESUELTO, S.CERRADO})

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NUEVO: frozenset({S.ASIGNADO, S.CERRADO}),
    S.ASIGNADO: frozenset({S.EN_CURSO, S.ESPERANDO_RESPUESTA, S.RESUELTO, S.NUEVO}),
    S.EN_CURSO: frozenset({S.ESPERANDO_RESPUESTA, S.RESUELTO, S.NUEVO}),
    S.ESPERANDO_RESPUESTA: frozenset({S.EN_CURSO, S.RESUELTO, S.NUEVO}),
    S.RESUELTO: frozenset({S.CERRADO, S.EN_CURSO, S.NUEVO}),
    S.CERRADO: frozenset({S.EN_CURSO, S.NUEVO}),
}


class InvalidTransition(ValueError):
    def __init__(self, current: TicketStatus, target: TicketStatus) -> None:
        super().__init__(f"transition {current.value} -> {target.value} is not allowed")
        self.current = current
        self.target = target


def can_transition(current: TicketStatus | str, target: TicketStatus | str) -> bool:
    return TicketStatus(target) in TRANSITIONS[TicketStatus(current)]


def check_transition(current: TicketStatus | str, target: TicketStatus | str) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(TicketStatus(current), TicketStatus(target))


def reopen_target(*, has_agent: bool) -> TicketStatus:
    return S.EN_CURSO if has_agent else S.NUEVO

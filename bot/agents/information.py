"""The requester answers an agent's request for information from the chat.

The answer is added to the ticket's event log (``mensaje_usuario``, actor ``usuario``) and a ticket
``esperando_respuesta`` goes back to ``en_curso``. Only the conversation that opened the ticket can
add to it, and only while it is open. Results are reason codes for the Rasa action.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime

from bot.db import session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.codes import parse_code
from bot.tickets.models import MAX_DESCRIPTION_CHARS, utcnow
from bot.tickets.validation import clean_text
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus


def check_information(text: str | None) -> tuple[str | None, str | None]:
    """``(clean text, None)`` or ``(None, reason)`` with reason ``vacia`` / ``larga``."""
    cleaned = clean_text(text)
    if not cleaned:
        return None, "vacia"
    if len(cleaned) > MAX_DESCRIPTION_CHARS:
        return None, "larga"
    return cleaned, None


class InformationReplies:
    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.clock = clock

    def submit(self, *, conversation_id: str, code_text: str | None, text: str | None) -> str:
        """``enviada`` | ``vacia`` | ``larga`` | ``caso_no_encontrado`` | ``caso_cerrado``."""
        body, problem = check_information(text)
        if problem:
            return problem
        parsed = parse_code(code_text)
        if parsed is None or not conversation_id:
            return "caso_no_encontrado"
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = tickets_repo.get_ticket_by_number(session=session, year=parsed.year, number=parsed.number)
            if ticket is None or not ticket.conversation_id or not hmac.compare_digest(
                ticket.conversation_id.encode(), conversation_id.encode()
            ):
                return "caso_no_encontrado"
            if TicketStatus(ticket.status) not in OPEN_STATUSES:
                return "caso_cerrado"
            tickets_repo.add_event(
                session=session, ticket=ticket, kind=tickets_repo.EventKind.MENSAJE_USUARIO, actor_type="usuario",
                actor_id=conversation_id, body=body, at=now,
            )
            if ticket.status == TicketStatus.ESPERANDO_RESPUESTA.value:
                tickets_repo.change_status(session=session, ticket=ticket, to=TicketStatus.EN_CURSO,
                                           actor_type="usuario", actor_id=conversation_id, now=now)
            else:
                ticket.updated_at = now
            return "enviada"

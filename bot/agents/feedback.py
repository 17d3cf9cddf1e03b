"""The requester's 1–5 satisfaction answer after a resolution, stored on the ticket.

Only the conversation that opened the ticket can rate it, and only once it is resolved or closed;
answering again replaces the score (each answer is logged). Results are reason codes for the
Rasa action, which picks the domain response.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.agents.models import TicketRating
from bot.db import session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.codes import parse_code
from bot.tickets.models import utcnow
from bot.tickets.workflow import TicketStatus

CALIFICACION = "calificacion"
_WORDS = {"uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5}
_DIGIT = re.compile(r"(?<![\d.,])([1-5])(?![\d.,])")


def parse_score(raw) -> int | None:
    """1..5 from ``4``, ``"4"``, ``"le doy 4"``, ``"cinco"``, ``"4/5"``, ``"4 de 5"``; ``None`` otherwise."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 1 <= raw <= 5 else None
    if raw is None:
        return None
    text = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b([1-5])\s*(?:/|de|sobre)\s*5\b", r"\1", text)
    digits = _DIGIT.findall(text)
    if len(set(digits)) == 1:
        return int(digits[0])
    words = {_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _WORDS}
    return words.pop() if len(words) == 1 and not digits else None


class SatisfactionRecorder:
    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.clock = clock

    def record(self, *, conversation_id: str, code_text: str | None, score) -> str:
        """``guardada`` | ``calificacion_invalida`` | ``caso_no_encontrado`` | ``caso_no_resuelto``."""
        value = parse_score(score)
        if value is None:
            return "calificacion_invalida"
        parsed = parse_code(code_text)
        if parsed is None or not conversation_id:
            return "caso_no_encontrado"
        try:
            return self._store(conversation_id, parsed.year, parsed.number, value)
        except IntegrityError:  # a concurrent first answer inserted the row: update it instead
            return self._store(conversation_id, parsed.year, parsed.number, value)

    def _store(self, conversation_id: str, year: int, number: int, value: int) -> str:
        now = self.clock()
        with session_scope(self.database_url) as session:
            ticket = tickets_repo.get_ticket_by_number(session=session, year=year, number=number)
            if ticket is None or not ticket.conversation_id or not hmac.compare_digest(
                ticket.conversation_id.encode(), conversation_id.encode()
            ):
                return "caso_no_encontrado"
            if TicketStatus(ticket.status) not in (TicketStatus.RESUELTO, TicketStatus.CERRADO):
                return "caso_no_resuelto"
            rating = session.get(TicketRating, ticket.id)
            if rating is None:
                session.add(TicketRating(ticket_id=ticket.id, score=value, created_at=now, updated_at=now))
            else:
                rating.score, rating.updated_at = value, now
            session.flush()
            tickets_repo.add_event(
                session=session, ticket=ticket, kind=CALIFICACION, actor_type="usuario", actor_id=conversation_id,
                data={"calificacion": value}, at=now,
            )
            return "guardada"

"""Encuentro notices: every subscriber hears once about each published encuentro, on their channel.

1. Planning (:func:`plan_notices`): for each active encuentro not yet over, one ``event_notices`` row
   per subscription to ``encuentros`` that existed when the encuentro was published. The unique key
   (event, channel, conversation) makes it idempotent: the importer, the CLI, the agents' console
   and every round of the worker may plan again without creating a second row.
2. Sending (:class:`EventNoticeDispatcher`): a row is leased atomically and Rasa is asked to tell the
   conversation (``trigger_intent`` ``respuesta_caso`` + token, on the subscription's channel).
   ``action_entregar_aviso`` takes the row by its token with a conditional UPDATE (``uttered_at``):
   when a sender is killed after Rasa took the notice, the next sender's trigger finds it taken and
   nothing is said twice.
3. Unsubscribing deletes the subscription; rows not yet given to the channel are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.orm import Session

from bot.agents.security import new_token
from bot.db import as_utc, session_scope, utcnow
from bot.delivery.core import LEASE_SECONDS, DeliveryReport, Dispatcher, inband_condition
from bot.delivery.models import EventNotice
from bot.encuentros.events import EventInfo
from bot.encuentros.models import CatalogEvent, EventSubscription
from bot.encuentros.subscriptions import event_matches

TOPIC = "encuentros"


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def plan_notices(session: Session, *, now: datetime, event_ids: list[int] | None = None) -> int:
    """Create the missing notice rows; returns how many were created (idempotent)."""
    stmt = select(CatalogEvent).where(
        CatalogEvent.active.is_(True), or_(CatalogEvent.starts_at >= now, CatalogEvent.ends_at > now)
    )
    if event_ids is not None:
        stmt = stmt.where(CatalogEvent.id.in_(event_ids))
    events = session.execute(stmt).scalars().all()
    if not events:
        return 0
    subs = session.execute(
        select(EventSubscription.id, EventSubscription.channel, EventSubscription.conversation_id,
               EventSubscription.created_at, EventSubscription.theme, EventSubscription.region)
        .where(EventSubscription.topic == TOPIC)
    ).all()
    insert = _insert(session)
    created = 0
    for event in events:
        published = as_utc(event.created_at)
        have = set(session.execute(
            select(EventNotice.channel, EventNotice.conversation_id).where(EventNotice.event_id == event.id)
        ).all())
        rows = [
            {"event_id": event.id, "subscription_id": sid, "channel": channel, "conversation_id": conversation,
             "token": new_token(), "status": "pendiente", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for sid, channel, conversation, subscribed, theme, region in subs
            if (channel, conversation) not in have and as_utc(subscribed) <= published
            and event_matches(event, theme, region)  # the theme and region the person asked for
        ]
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            result = session.execute(
                insert(EventNotice).values(chunk).on_conflict_do_nothing(
                    index_elements=["event_id", "channel", "conversation_id"]
                )
            )
            created += max(result.rowcount or 0, 0)
    return created


def cancel_unsubscribed(session: Session) -> int:
    """Rows of conversations that cancelled their subscription and were not given to the channel yet."""
    subscribed = exists().where(
        EventSubscription.channel == EventNotice.channel,
        EventSubscription.conversation_id == EventNotice.conversation_id,
        EventSubscription.topic == TOPIC,
    )
    return session.execute(
        update(EventNotice)
        .where(EventNotice.status.in_(("pendiente", "fallido")), EventNotice.uttered_at.is_(None), not_(subscribed))
        .values(status="cancelado", lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount


class EventNoticeDispatcher(Dispatcher):
    model = EventNotice

    def template_for(self, session: Session, row) -> tuple[str, list[str]] | None:
        name = self.whatsapp.config.event_template if self.whatsapp is not None else ""
        if not name:
            return None
        info = EventInfo.from_row(session.get(CatalogEvent, row.event_id))
        return name, [info.title, info.when_text]

    def deliver_due(self, limit: int = 50, only: list[int] | None = None) -> DeliveryReport:
        with session_scope(self.database_url) as session:
            cancel_unsubscribed(session)
        return super().deliver_due(limit, only)

    def plan(self, event_ids: list[int] | None = None) -> int:
        with session_scope(self.database_url) as session:
            return plan_notices(session, now=self.clock(), event_ids=event_ids)


@dataclass(frozen=True)
class EventNoticeText:
    notice_id: int
    token: str
    event: EventInfo


class EventNoticeInbox:
    """The Rasa side of encuentro notices (the same action and token entity as agent notices)."""

    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.clock = clock

    def take_by_token(self, *, token: str, conversation_id: str) -> EventNoticeText | None:
        if not token or not conversation_id:
            return None
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.execute(select(EventNotice).where(EventNotice.token == token)).scalar_one_or_none()
            if row is None or row.conversation_id != conversation_id:
                return None
            values = {"uttered_at": now}
            if row.status in ("pendiente", "fallido"):
                values.update(status="enviando", lease_until=now + timedelta(seconds=LEASE_SECONDS))
            won = session.execute(
                update(EventNotice)
                .where(EventNotice.id == row.id, inband_condition(EventNotice), and_(EventNotice.status == row.status))
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                return None
            event = session.get(CatalogEvent, row.event_id)
            return EventNoticeText(notice_id=row.id, token=row.token, event=EventInfo.from_row(event))

"""Subscriptions to be told about the next encuentro.

Privacy: a subscription stores only the channel (``whatsapp``, ``telegram``, ``web``…) and that
channel's conversation id, which the assistant needs anyway to answer, and, when the person asked
for them, a theme (MEN area code) and a region (department). No name, phone number or e-mail is
stored here, and cancelling deletes the row. The notices are sent by ``bot.encuentros.notices``
(one row per encuentro and subscriber, sent by ``python -m bot avisos trabajar`` on the subscriber's
channel). :func:`due_notifications` / :func:`mark_notified` are the older listing used by
``python -m bot eventos avisos``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import as_utc, utcnow
from bot.encuentros.events import EventInfo, upcoming_events
from bot.encuentros.models import SUBSCRIPTION_TOPICS, CatalogEvent, EventSubscription
from bot.places import DEPARTAMENTO, territory_named
from bot.text import fold


class SubscriptionError(ValueError):
    pass


@dataclass(frozen=True)
class SubscriptionResult:
    id: int
    created: bool  # False when the conversation was already subscribed


@dataclass(frozen=True)
class DueNotice:
    subscription_id: int
    channel: str
    conversation_id: str
    event: EventInfo


def _check(channel: str, conversation_id: str, topic: str) -> None:
    if not channel or len(channel) > 40:
        raise SubscriptionError("canal vacío o demasiado largo")
    if not conversation_id or len(conversation_id) > 200:
        raise SubscriptionError("identificador de conversación vacío o demasiado largo")
    if topic not in SUBSCRIPTION_TOPICS:
        raise SubscriptionError(f"tema de suscripción desconocido: {topic}")


def _find(session: Session, channel: str, conversation_id: str, topic: str) -> EventSubscription | None:
    stmt = select(EventSubscription).where(
        EventSubscription.channel == channel,
        EventSubscription.conversation_id == conversation_id,
        EventSubscription.topic == topic,
    )
    return session.execute(stmt).scalar_one_or_none()


def subscribe(session: Session, *, channel: str, conversation_id: str, topic: str = "encuentros",
              theme: str | None = None, region: str | None = None) -> SubscriptionResult:
    """Subscribe a conversation (idempotent); ``theme`` (MEN area code) and ``region`` (department) limit
    the notices to the encuentros about that theme / held there or online. Subscribing again replaces them."""
    _check(channel, conversation_id, topic)
    if theme is not None and len(theme) > 40 or region is not None and len(region) > 120:
        raise SubscriptionError("tema o región demasiado largos")
    sub = _find(session, channel, conversation_id, topic)
    if sub is None:
        sub = EventSubscription(channel=channel, conversation_id=conversation_id, topic=topic, theme=theme,
                                region=region, created_at=utcnow())
        session.add(sub)
        session.flush()
        return SubscriptionResult(id=sub.id, created=True)
    sub.theme, sub.region = theme, region
    return SubscriptionResult(id=sub.id, created=False)


def event_matches(event: CatalogEvent, theme: str | None, region: str | None) -> bool:
    """Whether a subscriber with these filters wants to hear about ``event``: its theme is among the
    event's, and it is held in that department or can be followed online (or its place is not given)."""
    if theme and theme not in (event.themes or []):
        return False
    if region and event.mode == "presencial" and (event.place or "").strip():
        return fold(region) in fold(event.place)
    return True


def unsubscribe(session: Session, *, channel: str, conversation_id: str, topic: str = "encuentros") -> bool:
    """Cancel (delete) a subscription; False when there was none."""
    sub = _find(session, channel, conversation_id, topic)
    if sub is None:
        return False
    session.delete(sub)
    return True


def is_subscribed(session: Session, *, channel: str, conversation_id: str, topic: str = "encuentros") -> bool:
    return _find(session, channel, conversation_id, topic) is not None


def due_notifications(session: Session, *, now: datetime) -> list[DueNotice]:
    """For each subscription, the next upcoming event imported after it was last told (or after
    it subscribed), so each subscriber hears once about each new event."""
    upcoming = upcoming_events(session, now=now, limit=50)
    if not upcoming:
        return []
    created = dict(
        session.execute(
            select(CatalogEvent.key, CatalogEvent.created_at).where(CatalogEvent.key.in_([e.key for e in upcoming]))
        ).all()
    )
    subs = session.execute(select(EventSubscription)).scalars()
    notices = []
    for sub in subs:
        since = as_utc(sub.notified_at or sub.created_at)
        fresh = [e for e in upcoming if as_utc(created[e.key]) > since]
        if fresh:
            notices.append(DueNotice(sub.id, sub.channel, sub.conversation_id, fresh[0]))
    return notices


def mark_notified(session: Session, subscription_ids: Iterable[int], *, when: datetime) -> None:
    ids = list(subscription_ids)
    for sub in session.execute(select(EventSubscription).where(EventSubscription.id.in_(ids))).scalars():
        sub.notified_at = when


@dataclass(frozen=True)
class Filters:
    theme: str | None = None  # MEN area code (events' `temas`)
    theme_name: str | None = None
    region: str | None = None  # department name

    def text(self) -> str:
        """" sobre alimentación escolar en Huila (o en línea)" for the confirmation; "" without filters."""
        out = f" sobre {self.theme_name}" if self.theme_name else ""
        return out + (f" en {self.region} (o que se pueda seguir en línea)" if self.region else "")


def filters_in(text: str, resolver) -> Filters:
    """The theme and the region a request names ("avíseme de los talleres del PAE en el Huila")."""
    from bot.catalog.topics import load_topics, topics_in

    topics = load_topics()
    slug = next((s for s in topics_in(text) if topics[s].area), None)
    region = None
    for mention in resolver.mentions(text or ""):
        place = territory_named(mention)
        if place is None:
            continue
        region = place.name if place.kind == DEPARTAMENTO else place.department_name
        if region:
            break
    return Filters(topics[slug].area if slug else None, topics[slug].name if slug else None, region)


class SubscriptionService:
    """Entry point for actions: one session per call."""

    def __init__(self, database_url: str | None = None, *, clock: Callable[[], datetime] = utcnow):
        self._url = database_url
        self._clock = clock

    def _session(self):
        from bot.db import session_scope

        return session_scope(self._url)

    def subscribe(self, channel: str, conversation_id: str, topic: str = "encuentros", *, theme: str | None = None,
                  region: str | None = None) -> SubscriptionResult:
        with self._session() as session:
            return subscribe(session, channel=channel, conversation_id=conversation_id, topic=topic, theme=theme,
                             region=region)

    def unsubscribe(self, channel: str, conversation_id: str, topic: str = "encuentros") -> bool:
        with self._session() as session:
            return unsubscribe(session, channel=channel, conversation_id=conversation_id, topic=topic)

    def is_subscribed(self, channel: str, conversation_id: str, topic: str = "encuentros") -> bool:
        with self._session() as session:
            return is_subscribed(session, channel=channel, conversation_id=conversation_id, topic=topic)

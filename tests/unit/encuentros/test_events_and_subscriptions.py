"""Encuentros from data, Colombian dates, and subscriptions to hear about the next one."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.encuentros.events import EventService
from bot.encuentros.models import CatalogEvent, EventSubscription
from bot.encuentros.subscriptions import (
    SubscriptionError,
    SubscriptionService,
    due_notifications,
    mark_notified,
)
from bot.formatting import format_date, format_datetime, format_time

UTC = timezone.utc

NOW = datetime(2026, 3, 1, 15, 0, tzinfo=timezone.utc)  # domingo 1 de marzo de 2026, 10:00 a. m. en Bogotá


def _event(key: str, starts: datetime, ends: datetime | None = None, **kw) -> CatalogEvent:
    values = {"title": f"Evento {key}", "type": "encuentro_secretarios", "mode": "virtual", "summary": ""}
    values.update(kw)
    return CatalogEvent(
        key=key,
        starts_at=starts,
        ends_at=ends,
        place="",
        audience="",
        registration_url="",
        recording_url=values.pop("recording_url", ""),
        themes=[],
        is_sample=False,
        active=values.pop("active", True),
        **values,
    )


def _add(url: str, *events: CatalogEvent) -> None:
    with session_scope(url) as session:
        session.add_all(events)


# ------------------------------------------------------------------ dates
@pytest.mark.parametrize(
    ("utc", "text"),
    [
        (datetime(2026, 3, 5, 14, 0, tzinfo=UTC), "jueves 5 de marzo de 2026, 9:00 a. m."),
        (datetime(2026, 3, 6, 3, 30, tzinfo=UTC), "jueves 5 de marzo de 2026, 10:30 p. m."),  # still the 5th in Bogotá
        (datetime(2026, 1, 1, 17, 0, tzinfo=UTC), "jueves 1 de enero de 2026, 12:00 m."),
        (datetime(2025, 12, 7, 5, 5, tzinfo=UTC), "domingo 7 de diciembre de 2025, 12:05 a. m."),
        (datetime(2025, 9, 10, 18, 0), "miércoles 10 de septiembre de 2025, 1:00 p. m."),  # naive = UTC as stored
    ],
)
def test_colombian_date_format(utc, text):
    assert format_datetime(utc) == text


def test_date_without_weekday_and_plain_dates():
    assert format_date(date(2026, 2, 14), weekday=False) == "14 de febrero de 2026"
    assert format_date(date(2026, 2, 14)) == "sábado 14 de febrero de 2026"
    assert format_time(datetime(2026, 2, 14, 12, 15, tzinfo=UTC)) == "7:15 a. m."


# ------------------------------------------------------------------ next events
def test_nothing_scheduled(db_url):
    service = EventService(db_url, clock=lambda: NOW)
    assert service.next_event() is None and service.upcoming() == []


def test_next_event_is_the_soonest_not_finished(db_url):
    _add(
        db_url,
        _event("pasado", NOW - timedelta(days=3)),
        _event("lejano", NOW + timedelta(days=40)),
        _event("pronto", NOW + timedelta(days=2), type="taller"),
        _event("cancelado", NOW + timedelta(days=1), active=False),
        _event("en-curso", NOW - timedelta(hours=1), NOW + timedelta(hours=2)),
    )
    service = EventService(db_url, clock=lambda: NOW)
    assert [e.key for e in service.upcoming()] == ["en-curso", "pronto", "lejano"]
    assert service.next_event(tipo="taller").key == "pronto"
    assert service.next_event(tipo="sesion_virtual") is None


def test_event_info_is_shown_in_colombian_time(db_url):
    _add(db_url, _event("e", datetime(2026, 3, 12, 19, 0, tzinfo=UTC), mode="hibrida"))
    event = EventService(db_url, clock=lambda: NOW).next_event()
    assert event.when_text == "jueves 12 de marzo de 2026, 2:00 p. m."
    assert (event.mode_label, event.type_label) == ("Híbrida", "Encuentro de secretarios y secretarias")


def test_recordings_of_past_events(db_url):
    _add(
        db_url,
        _event("viejo", NOW - timedelta(days=30), recording_url="https://example.org/v1"),
        _event("sin-grabacion", NOW - timedelta(days=10)),
        _event("reciente", NOW - timedelta(days=5), recording_url="https://example.org/v2"),
    )
    assert [e.key for e in EventService(db_url, clock=lambda: NOW).recordings()] == ["reciente", "viejo"]


# ------------------------------------------------------------------ subscriptions
def test_subscribe_is_idempotent_and_stores_no_personal_data(db_url):
    service = SubscriptionService(db_url)
    first = service.subscribe("whatsapp", "573001112233")
    again = service.subscribe("whatsapp", "573001112233")
    assert first.created and not again.created and first.id == again.id
    with session_scope(db_url) as session:
        sub = session.execute(select(EventSubscription)).scalar_one()
        stored = {c.name for c in EventSubscription.__table__.columns}
    assert stored == {"id", "channel", "conversation_id", "topic", "theme", "region", "created_at", "notified_at"}
    assert (sub.channel, sub.conversation_id, sub.topic) == ("whatsapp", "573001112233", "encuentros")


def test_unsubscribe_deletes_and_subscribe_again(db_url):
    service = SubscriptionService(db_url)
    service.subscribe("telegram", "42")
    assert service.unsubscribe("telegram", "42") is True
    assert service.unsubscribe("telegram", "42") is False
    assert not service.is_subscribed("telegram", "42")
    with session_scope(db_url) as session:
        assert session.execute(select(EventSubscription)).first() is None  # nothing kept
    result = service.subscribe("telegram", "42")
    assert result.created and service.is_subscribed("telegram", "42")


@pytest.mark.parametrize(("channel", "conversation"), [("", "1"), ("web", ""), ("x" * 41, "1")])
def test_subscription_needs_channel_and_conversation(db_url, channel, conversation):
    with pytest.raises(SubscriptionError):
        SubscriptionService(db_url).subscribe(channel, conversation)


def test_due_notifications_tell_each_subscriber_once_about_new_events(db_url):
    _add(db_url, _event("antiguo", NOW + timedelta(days=5)))
    SubscriptionService(db_url).subscribe("web", "abc")
    with session_scope(db_url) as session:
        assert due_notifications(session, now=NOW) == []  # the event existed before subscribing
    _add(db_url, _event("nuevo", NOW + timedelta(days=9)))
    with session_scope(db_url) as session:
        notices = due_notifications(session, now=NOW)
        assert [(n.channel, n.conversation_id, n.event.key) for n in notices] == [("web", "abc", "nuevo")]
        mark_notified(session, [n.subscription_id for n in notices], when=datetime.now(UTC))
    with session_scope(db_url) as session:
        assert due_notifications(session, now=NOW) == []

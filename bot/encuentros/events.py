"""Encuentros, talleres and virtual sessions: what is coming next, from the imported data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db import as_utc, utcnow
from bot.encuentros.models import EVENT_MODES, EVENT_TYPES, CatalogEvent
from bot.formatting import format_date, format_datetime, format_time


@dataclass(frozen=True)
class EventInfo:
    """An event as the assistant shows it (times are aware, UTC)."""

    key: str
    title: str
    type: str
    mode: str
    starts_at: datetime
    ends_at: datetime | None = None
    summary: str = ""
    place: str = ""
    audience: str = ""
    registration_url: str = ""
    recording_url: str = ""
    themes: tuple[str, ...] = ()
    is_sample: bool = False

    @property
    def type_label(self) -> str:
        return EVENT_TYPES.get(self.type, self.type)

    @property
    def mode_label(self) -> str:
        return EVENT_MODES.get(self.mode, self.mode)

    @property
    def date_text(self) -> str:
        return format_date(self.starts_at)

    @property
    def time_text(self) -> str:
        return format_time(self.starts_at)

    @property
    def when_text(self) -> str:
        return format_datetime(self.starts_at)

    @classmethod
    def from_row(cls, row: CatalogEvent) -> EventInfo:
        return cls(
            key=row.key,
            title=row.title,
            type=row.type,
            mode=row.mode,
            starts_at=as_utc(row.starts_at),
            ends_at=as_utc(row.ends_at),
            summary=row.summary or "",
            place=row.place or "",
            audience=row.audience or "",
            registration_url=row.registration_url or "",
            recording_url=row.recording_url or "",
            themes=tuple(row.themes or ()),
            is_sample=bool(row.is_sample),
        )


def upcoming_events(session: Session, *, now: datetime, limit: int = 3, tipo: str | None = None) -> list[EventInfo]:
    """Active events not yet over (started in the future, or running now), soonest first."""
    stmt = select(CatalogEvent).where(
        CatalogEvent.active.is_(True),
        or_(CatalogEvent.starts_at >= now, CatalogEvent.ends_at > now),
    )
    if tipo:
        stmt = stmt.where(CatalogEvent.type == tipo)
    rows = session.execute(stmt.order_by(CatalogEvent.starts_at, CatalogEvent.id).limit(limit)).scalars()
    return [EventInfo.from_row(r) for r in rows]


def recent_recordings(session: Session, *, now: datetime, limit: int = 3) -> list[EventInfo]:
    """Past events with a recording link, most recent first."""
    stmt = (
        select(CatalogEvent)
        .where(CatalogEvent.active.is_(True), CatalogEvent.starts_at < now, CatalogEvent.recording_url != "")
        .order_by(CatalogEvent.starts_at.desc())
        .limit(limit)
    )
    return [EventInfo.from_row(r) for r in session.execute(stmt).scalars()]


class EventService:
    """Entry point for actions: one session per call, injectable clock for tests."""

    def __init__(self, database_url: str | None = None, *, clock: Callable[[], datetime] = utcnow):
        self._url = database_url
        self._clock = clock

    def _session(self):
        from bot.db import session_scope

        return session_scope(self._url)

    def upcoming(self, *, limit: int = 3, tipo: str | None = None) -> list[EventInfo]:
        with self._session() as session:
            return upcoming_events(session, now=self._clock(), limit=limit, tipo=tipo)

    def next_event(self, *, tipo: str | None = None) -> EventInfo | None:
        found = self.upcoming(limit=1, tipo=tipo)
        return found[0] if found else None

    def recordings(self, *, limit: int = 3) -> list[EventInfo]:
        with self._session() as session:
            return recent_recordings(session, now=self._clock(), limit=limit)

"""The composition root: settings read once, the services built here from them.

Everything that needs configuration gets it from a :class:`Services` (actions through
``actions.base.ServicesMixin``, the CLI and the web app through :func:`get_services`), never by
reading the environment itself. Services are built on first use (no work at import time) and kept
for the process; each one opens its own unit of work (one session) per call from the shared
session factory. Tests build a ``Services`` with their own settings and fakes:
``Services(load_settings({...}), tickets=FakeTickets())``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from bot.db import session_factory
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.agents.feedback import SatisfactionRecorder
    from bot.agents.information import InformationReplies
    from bot.agents.outbox import NoticeInbox
    from bot.catalog.search import CatalogSearchService
    from bot.delivery.inbox import MessageStore
    from bot.delivery.receipts import Receipts
    from bot.encuentros.events import EventService
    from bot.encuentros.notices import EventNoticeInbox
    from bot.encuentros.subscriptions import SubscriptionService
    from bot.indicators.service import IndicatorService
    from bot.peers.finder import PeerFinder
    from bot.places import PlaceResolver
    from bot.tickets.service import TicketService


class Services:
    """The services of one process, built lazily from one :class:`Settings`."""

    def __init__(self, settings: Settings, **ready: object) -> None:
        """``ready``: services already built (fakes, in tests), by the name of their property here."""
        unknown = sorted(name for name in ready if not isinstance(getattr(type(self), name, None), property))
        if unknown:
            raise TypeError(f"Services has no service named {', '.join(unknown)}")
        self.settings = settings
        self._built: dict[str, object] = {name: value for name, value in ready.items() if value is not None}
        self._lock = threading.RLock()

    def _get(self, name: str, build):
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    @property
    def sessions(self) -> sessionmaker:
        """The session factory of the application database (one session per unit of work)."""
        return self._get("sessions", lambda: session_factory(self.settings.database_url))

    @property
    def tickets(self) -> TicketService:
        from bot.tickets.service import TicketService

        return self._get(
            "tickets",
            lambda: TicketService(sessions=self.sessions, min_confidence=self.settings.routing_min_confidence),
        )

    @property
    def places(self) -> PlaceResolver:
        from bot.places import get_resolver

        return self._get("places", lambda: get_resolver(self.settings.database_url))

    @property
    def indicators(self) -> IndicatorService:
        from bot.indicators.service import IndicatorService

        return self._get("indicators", lambda: IndicatorService.from_settings(self.settings))

    # -- catalog, encuentros and peers (each call opens its own session; the search index is cached)
    @property
    def catalog(self) -> CatalogSearchService:
        from bot.catalog.search import CatalogSearchService

        return self._get("catalog", lambda: CatalogSearchService(self.settings.database_url))

    @property
    def events(self) -> EventService:
        from bot.encuentros.events import EventService

        return self._get("events", lambda: EventService(self.settings.database_url))

    @property
    def subscriptions(self) -> SubscriptionService:
        from bot.encuentros.subscriptions import SubscriptionService

        return self._get("subscriptions", lambda: SubscriptionService(self.settings.database_url))

    @property
    def peers(self) -> PeerFinder:
        from bot.peers.finder import PeerFinder

        return self._get("peers", lambda: PeerFinder(database_url=self.settings.database_url))

    # -- notices: the Rasa side of the agents' and the encuentros' notices, and what the channels report
    @property
    def notices(self) -> NoticeInbox:
        from bot.agents.outbox import NoticeInbox

        return self._get("notices", lambda: NoticeInbox(database_url=self.settings.database_url))

    @property
    def event_notices(self) -> EventNoticeInbox:
        from bot.encuentros.notices import EventNoticeInbox

        return self._get("event_notices", lambda: EventNoticeInbox(database_url=self.settings.database_url))

    @property
    def information(self) -> InformationReplies:
        from bot.agents.information import InformationReplies

        return self._get("information", lambda: InformationReplies(database_url=self.settings.database_url))

    @property
    def satisfaction(self) -> SatisfactionRecorder:
        from bot.agents.feedback import SatisfactionRecorder

        return self._get("satisfaction", lambda: SatisfactionRecorder(database_url=self.settings.database_url))

    @property
    def receipts(self) -> Receipts:
        from bot.delivery.core import DeliveryConfig
        from bot.delivery.receipts import Receipts

        return self._get("receipts", lambda: Receipts(
            database_url=self.settings.database_url, config=DeliveryConfig.from_settings(self.settings)
        ))

    @property
    def message_store(self) -> MessageStore:
        from bot.delivery.inbox import MessageStore

        return self._get("message_store", lambda: MessageStore(database_url=self.settings.database_url))


_current: Services | None = None
_current_lock = threading.Lock()


def get_services() -> Services:
    """The process's services, built from the settings read (once, cached) from the environment.

    Tests that change the environment clear ``get_settings``'s cache; the services follow.
    """
    global _current
    settings = get_settings()
    with _current_lock:
        if _current is None or _current.settings is not settings:
            _current = Services(settings)
        return _current

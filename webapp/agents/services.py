"""The objects behind the agents' API, built once per app from the settings (tests build their own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.agents.accounts import AgentAccounts
from bot.agents.desk import AgentDesk
from bot.agents.outbox import OutboxDispatcher, RasaNotifier
from bot.agents.security import PasswordHasher
from bot.delivery.receipts import Receipts
from bot.settings import Settings
from bot.tickets.areas import AreaCatalog
from bot.tickets.models import utcnow


@dataclass
class AgentServices:
    database_url: str
    accounts: AgentAccounts
    desk: AgentDesk
    dispatcher: OutboxDispatcher
    clock: Callable[[], datetime] = utcnow
    metrics_token: str = ""
    retry_seconds: int = 0
    receipts: Receipts | None = None
    encuentros: object = None  # bot.encuentros.notices.EventNoticeDispatcher

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        hasher: PasswordHasher | None = None,
        areas: AreaCatalog | None = None,
        clock: Callable[[], datetime] = utcnow,
        notifier: RasaNotifier | None = None,
    ) -> AgentServices:
        from bot.delivery.core import DeliveryConfig
        from bot.delivery.worker import dispatcher_options
        from bot.encuentros.notices import EventNoticeDispatcher

        url = settings.database_url
        options = dispatcher_options(settings, notifier=notifier, clock=clock)
        return cls(
            database_url=url,
            accounts=AgentAccounts(database_url=url, hasher=hasher, areas=areas,
                                   token_hours=settings.agent_token_hours, clock=clock),
            desk=AgentDesk(database_url=url, areas=areas, clock=clock),
            dispatcher=OutboxDispatcher(**options),
            receipts=Receipts(database_url=url, clock=clock, config=DeliveryConfig.from_settings(settings)),
            encuentros=EventNoticeDispatcher(**options),
            clock=clock,
            metrics_token=settings.metrics_token,
            retry_seconds=settings.agent_delivery_retry_seconds,
        )

"""Rasa's SQL tracker store, able to survive a database restart without manual steps.

Rasa 3.6 builds its engine without ``pool_pre_ping``: after PostgreSQL restarts, the pooled
connections are dead and requests fail until the pool is invalidated. Here every connection is
checked when it leaves the pool (and replaced if dead), and SQL errors never carry bound values
(personal data) into logs (``hide_parameters``). Configured in ``config/endpoints.production.yml``
with ``type: rasa_addons.tracker_store.ResilientSQLTrackerStore`` and the same keys as ``type: SQL``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


class ResilientSQLTrackerStore(SQLTrackerStore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

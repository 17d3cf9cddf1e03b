"""Encuentros of the Escuela: events, subscriptions and the text of their notices.

Modules: ``models`` (tables ``catalog_events`` and ``catalog_event_subscriptions``, created by the
Alembic branch ``catalog``), ``events`` (what is coming next, in Colombian time), ``subscriptions``
(conversations that asked to be told), ``notices`` (one notice per encuentro and subscriber: planned,
sent by the delivery worker of :mod:`bot.delivery`, and taken once by the Rasa action), ``cli``.
Events are imported by the catalog's importer (:data:`bot.catalog.importer.EVENT_SCHEMA`).
Nothing here imports rasa; nothing is built at import time.
"""

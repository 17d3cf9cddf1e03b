"""Learning from real conversations: the review inbox, routing reviews and the dashboard.

Modules:
- ``models``: tables (Alembic revision ``review_0001``).
- ``masking``: personal data out of the texts (e-mails, phones, ID numbers, form answers).
- ``ingest``: incremental reading of Rasa's tracker store (``events`` table) and of the case
  transfers, with a watermark each; fills the inbox and the dashboard counters.
- ``inbox``: the curator's view and decisions (confirm, correct, entities, out of scope, discard).
- ``export``: accepted corrections to ``data/nlu/revisado/<feature>.yml`` and
  ``data/routing/examples/revisado.yml``, never duplicating training data nor the frozen test sets.
- ``dashboard``: the service figures, from the counters and the app database.
- ``cli``: ``python -m bot revision ingerir | exportar``.

Nothing here imports rasa and nothing is built at import time.
"""

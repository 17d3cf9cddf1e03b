"""Escalation of unresolved inquiries to MEN areas ("Conéctate con el MEN").

Modules:
- ``areas``: the MEN areas read from ``data/spec/men-areas.yml`` (data, not code).
- ``models``: SQLAlchemy tables (tickets, their counter and the append-only event log).
- ``workflow``: the ticket status machine.
- ``validation``: requester data and description checks that return reason codes.
- ``repository``: keyword-only database functions taking the session explicitly.
- ``routing``: topic-keyword rules + TF-IDF/logistic-regression classifier -> one area code.
- ``service``: the facade used by the Rasa actions (open a case, look up its status).
- ``retention``: removal of personal data of old closed cases; ``cli``: ``python -m bot casos``.

Nothing here imports rasa or rasa_sdk, and nothing is built at import time.
"""

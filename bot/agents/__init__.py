"""MEN agents: the workspace that picks up, answers and closes escalated tickets.

Modules:
- ``models``: agents, their areas and session tokens, the delivery outbox, satisfaction ratings
  (Alembic revision ``agents_0001``).
- ``security``: password hashing (Argon2id with argon2-cffi; old bcrypt hashes verified and rehashed) and session tokens stored as SHA-256 hashes.
- ``permissions``: roles (``agente``, ``coordinador``, ``admin``), area scopes and the checks.
- ``accounts``: create agents, log in and out, resolve a bearer token to a :class:`Principal`.
- ``desk``: the queue and every ticket operation (claim, reply, ask for information, transfer,
  reassign, resolve, reopen), each written to the ticket's event log with who and when.
- ``outbox``: replies waiting to reach the user's conversation through Rasa's HTTP API.
- ``metrics``: figures as JSON and as Prometheus text.
- ``cli``: ``python -m bot agentes crear-admin | crear | listar``.

Nothing here imports rasa or rasa_sdk, and nothing is built at import time.
"""

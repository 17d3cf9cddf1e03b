"""Delivery of every outgoing notice, with states the people involved can trust.

Notices: an agent's reply, request for information or resolution (``ticket_outbox``, bot/agents)
and the notice that an encuentro was published (``event_notices``, one row per subscriber).

States (same for both tables)::

    pendiente -> enviando -> enviado -> entregado -> leido
        ^           |           (the channel reports it: WhatsApp status webhooks,
        |           |            the web chat's acknowledgement POST /api/avisos/acuse)
        +-- retry --+-> fallido   after DELIVERY_MAX_ATTEMPTS, back-off 2^n (DELIVERY_BACKOFF_*)

- ``enviando``: a dispatcher leased the row (conditional UPDATE: one process wins) and asked Rasa
  (``trigger_intent``) to tell the conversation; the Rasa action takes the notice by its token at
  most once (``uttered_at``) and utters it with ``aviso=<token>``.
- ``enviado``: the channel took it (the output channels of ``channels/`` record it with the
  WhatsApp message id), or a fallback was sent: an e-mail when the web chat did not acknowledge
  the reply within DELIVERY_WEBCHAT_ACK_SECONDS, a WhatsApp template outside the 24-hour window.
  Telegram and REST report nothing more, so ``enviado`` is their last state.
- ``fallido``: flagged in the ticket history (event ``aviso_fallido``), the agents' console and the
  metrics; the text stays, so the person still gets it when they come back to the conversation.

Modules: :mod:`.core` (states, lease, back-off), :mod:`.receipts` (what the channels report),
:mod:`.fallbacks` (SMTP e-mail, WhatsApp templates), :mod:`.encuentros` (encuentro notices),
:mod:`.inbox` (incoming messages stored before the webhook is acknowledged), :mod:`.worker`
(``python -m bot avisos trabajar``).
"""

"""Messaging channels of ``rasa run``: WhatsApp Cloud API, Telegram, and the credentials renderer.

Modules that end in ``_api`` or ``dedupe`` do not import Rasa; ``whatsapp`` and ``telegram`` are
Rasa input channels, named in the rendered ``credentials.yml`` by their module path.
"""

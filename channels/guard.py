"""What every input channel does with a user's message before Rasa sees it.

- :meth:`InboundGuard.admit`: at most ``SENDER_RATE_LIMIT`` messages per minute per sender
  (default 30); past it the message is dropped and a warning logged (the sender id masked).
- :meth:`InboundGuard.screen`: typed ``/intent`` payloads that the assistant does not offer as
  buttons become ``/nlu_fallback`` (see :func:`bot.identity.screen_text`); text longer than
  ``MAX_MESSAGE_CHARS`` (default 4000) is cut.

The per-IP limit and the request size limit of the webhooks belong to the proxy (docs/security.md).
"""

from __future__ import annotations

import logging
import os

from bot.identity import screen_text
from bot.logsafe import install as install_log_masking
from bot.logsafe import mask
from bot.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

DEFAULT_SENDER_RATE_LIMIT = 30
DEFAULT_MAX_MESSAGE_CHARS = 4000


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


class InboundGuard:
    def __init__(self, *, per_minute: int | None = None, max_chars: int | None = None,
                 limiter: RateLimiter | None = None) -> None:
        install_log_masking()  # the Rasa process: no sender id or e-mail in its logs
        per_minute = per_minute or _int_env("SENDER_RATE_LIMIT", DEFAULT_SENDER_RATE_LIMIT)
        self.limiter = limiter or RateLimiter(per_minute, 60.0)
        self.max_chars = max_chars or _int_env("MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS)

    def admit(self, sender_id: str) -> bool:
        if self.limiter.hit(str(sender_id)):
            return True
        logger.warning("Message dropped: sender %s over its rate limit", mask(str(sender_id)))
        return False

    def screen(self, text: object) -> str:
        screened = screen_text(text)
        return screened[: self.max_chars]

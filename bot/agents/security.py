"""Passwords (bcrypt through passlib) and session tokens (random, stored as SHA-256).

A session token is 43 URL-safe characters from :mod:`secrets` (256 bits). The database keeps only
its SHA-256: a copy of the database does not give anyone a working session.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_BYTES = 72  # bcrypt ignores what comes after the 72nd byte: refuse instead
DEFAULT_BCRYPT_ROUNDS = 12


class WeakPassword(ValueError):
    """The password is too short or too long (``reason``: ``corta`` / ``larga``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword("corta")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise WeakPassword("larga")


class PasswordHasher:
    """bcrypt with a configurable cost (tests use the minimum, 4, to stay fast)."""

    def __init__(self, rounds: int = DEFAULT_BCRYPT_ROUNDS) -> None:
        self.rounds = rounds

    @cached_property
    def _context(self):
        from passlib.context import CryptContext

        return CryptContext(schemes=["bcrypt"], deprecated="auto", bcrypt__rounds=self.rounds)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._context.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        check_password_policy(password)
        return self._context.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Constant work whether or not the account exists (``password_hash=None``)."""
        if password_hash is None:
            self._context.verify(password, self._dummy_hash)
            return False
        try:
            return bool(self._context.verify(password, password_hash))
        except ValueError:  # malformed hash or a password bcrypt refuses
            return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

"""Passwords (Argon2id through argon2-cffi; old bcrypt hashes still verified) and session tokens.

New and changed passwords are hashed with Argon2id (:mod:`argon2`, the reference binding, with
its RFC 9106 "low memory" parameters). Hashes from before (bcrypt, ``$2b$…``, made by passlib) are
verified with the ``bcrypt`` package and :meth:`PasswordHasher.needs_rehash` tells the login to
replace them with an Argon2id hash once the password is known to be right.

A session token is 43 URL-safe characters from :mod:`secrets` (256 bits). The database keeps only
its SHA-256: a copy of the database does not give anyone a working session.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_BYTES = 72  # the limit of the bcrypt era, kept so every existing password stays valid
DEFAULT_BCRYPT_ROUNDS = 12
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


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
    """Argon2id; ``rounds`` below 10 selects the cheapest parameters (tests stay fast)."""

    def __init__(self, rounds: int = DEFAULT_BCRYPT_ROUNDS) -> None:
        self.rounds = rounds

    @cached_property
    def _argon(self):
        import argon2

        if self.rounds < 10:
            return argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        return argon2.PasswordHasher.from_parameters(argon2.profiles.RFC_9106_LOW_MEMORY)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._argon.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        check_password_policy(password)
        return self._argon.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Constant work whether or not the account exists (``password_hash=None``)."""
        import argon2

        if password_hash is None:
            self._verify_argon(password, self._dummy_hash)
            return False
        if password_hash.startswith(_BCRYPT_PREFIXES):
            import bcrypt

            try:
                return bcrypt.checkpw(password.encode("utf-8")[:MAX_PASSWORD_BYTES], password_hash.encode("ascii"))
            except ValueError:  # malformed hash
                return False
        try:
            return self._verify_argon(password, password_hash)
        except argon2.exceptions.InvalidHashError:
            return False

    def _verify_argon(self, password: str, password_hash: str) -> bool:
        import argon2

        try:
            return bool(self._argon.verify(password_hash, password))
        except (argon2.exceptions.VerifyMismatchError, argon2.exceptions.VerificationError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True for a bcrypt hash, or an Argon2 hash made with other parameters than the current ones."""
        if password_hash.startswith(_BCRYPT_PREFIXES):
            return True
        try:
            return bool(self._argon.check_needs_rehash(password_hash))
        except Exception:
            return True

    def rehash(self, password: str) -> str:
        """A current hash of a password already verified (the policy is not applied again)."""
        return self._argon.hash(password)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

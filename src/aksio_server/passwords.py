"""Password hashing: argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile, ~150 ms here)."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and checks passwords. Tests pass a cheaper ``PasswordHasher``; the server never does."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` is the one ``stored`` was made from. With no stored hash (no such account) the
        same work is done against a dummy, so a login does not tell by its time whether an email has an account."""
        try:
            return self._hasher.verify(stored or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters than today's (it is rehashed at the next login)."""
        return self._hasher.check_needs_rehash(stored)

    @cached_property
    def _dummy(self) -> str:
        return self._hasher.hash("not a password of anyone")

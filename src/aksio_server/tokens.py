"""Device tokens: random, opaque, shown once; only their sha256 is stored, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "aksio_"
MAX_LENGTH = 128  # a token is 49 characters; anything far longer is refused before it is hashed


def new_token() -> str:
    """A new bearer token (256 random bits)."""
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database holds of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed(secret: bytes, kind: str, value: str) -> str:
    """``kind:`` and a keyed hash of ``value``: a name for an email or an address that the database can compare
    without holding it in clear."""
    return f"{kind}:{hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:48]}"

"""Secrets that identify a seat or the host: minted here, stored only as hashes.

A token is 128 random bits (``secrets.token_urlsafe(16)``). The server keeps and journals only its
SHA-256, so a leaked journal does not hand out seats, and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["matches", "new_token", "same_hash", "token_hash"]


def new_token() -> str:
    """A fresh 128-bit token, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token: what the room stores and journals."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(token: str, stored_hash: str) -> bool:
    """True if ``token`` hashes to ``stored_hash`` (constant-time comparison)."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def same_hash(digest: str, stored_hash: str) -> bool:
    """Constant-time comparison of two token hashes."""
    return hmac.compare_digest(digest, stored_hash)

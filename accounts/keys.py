"""API key format: ``df_live_sk_`` (full) or ``df_live_rk_`` (read-only), then 32 base62 characters of
randomness (190 bits) and a 6-character base62 CRC32 of them, so secret scanners can match a key and a
typo is rejected before any database lookup. Only the SHA-256 of the whole key is stored: keys carry
enough entropy that a slow password hash adds nothing but latency on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FULL_PREFIX = "df_live_sk_"
READ_ONLY_PREFIX = "df_live_rk_"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
KEY_RE = re.compile(rf"^df_live_(sk|rk)_([0-9A-Za-z]{{{RANDOM_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$")


def _base62(number: int, width: int) -> str:
    chars = []
    while number:
        number, rem = divmod(number, 62)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate(*, read_only: bool) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return (READ_ONLY_PREFIX if read_only else FULL_PREFIX) + body + _checksum(body)


def is_well_formed(key: str) -> bool:
    match = KEY_RE.match(key)
    return bool(match) and secrets.compare_digest(_checksum(match.group(2)), match.group(3))


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The part shown in lists: the type prefix plus the first four random characters."""
    return key[: len(FULL_PREFIX) + 4]

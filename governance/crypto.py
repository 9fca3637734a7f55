"""Encryption at rest for personal data (PIPL) and keyed digests for exact-match lookup.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under ``FIELD_ENCRYPTION_KEY``;
beside each ciphertext sits an HMAC-SHA256 of the normalised value under
``FIELD_HASH_KEY``, so "find the resident with this ID number" is an indexed equality
match without decrypting anything. Both keys fall back to derivations of SECRET_KEY for
development only (settings refuse that with DEBUG off); production sets them in the
environment, and `make run` keeps generated ones in var/.
"""

import base64
import hashlib
import hmac
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from .text import normalise_number

logger = logging.getLogger(__name__)


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()


@cache
def _fernet() -> MultiFernet:
    # Several comma-separated keys allow rotation: the first encrypts, all decrypt.
    raw = settings.FIELD_ENCRYPTION_KEY
    keys = [k.strip() for k in raw.split(",") if k.strip()] if raw else []
    if not keys:
        keys = [base64.urlsafe_b64encode(_derive("field-encryption")).decode()]
    return MultiFernet([Fernet(key) for key in keys])


@cache
def _hash_key() -> bytes:
    raw = settings.FIELD_HASH_KEY
    return raw.encode() if raw else _derive("field-hash")


def normalise(value: str) -> str:
    """The one form of a personal number that is stored, validated and digested."""
    return normalise_number(value)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Encrypted under a key that is no longer configured (a lost key, a key rotated
        # out too early, a database moved without its var/ keys): the value reads as
        # blank, and that must not go unnoticed.
        logger.error(
            "A personal-data value cannot be decrypted with the configured FIELD_ENCRYPTION_KEY; "
            "it reads as blank. Was the key changed or lost?"
        )
        return ""


def digest(value: str) -> str:
    if not value:
        return ""
    return hmac.new(_hash_key(), normalise(value).encode(), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """What a user without the personal-data grant sees of a number.

    An ID number keeps its last four characters only (``**************1234``): its first
    fourteen are the region code and the date of birth, which with a known town and a
    shown birth date would rebuild all of it. Phone numbers (11 digits) keep three and
    four (``138****5678``), as Chinese services show them.
    """
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    if len(value) == 11:
        return value[:3] + "*" * 4 + value[-4:]
    return "*" * (len(value) - 4) + value[-4:]

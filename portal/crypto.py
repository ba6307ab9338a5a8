"""Secrets the portal must read back (webhook signing secrets, port PINs and account numbers, carrier
credentials), encrypted at rest with keys kept outside the database.

- ``settings.ENCRYPTION_KEYS`` (the ``ENCRYPTION_KEYS`` environment variable, comma-separated): each key is
  32 random bytes in URL-safe base64. The first encrypts; every one decrypts.
- A stored value is ``v1:<key id>:<base64 of nonce + AES-256-GCM ciphertext and tag>``. The key id (8 hex
  characters of a hash of the key) says which key encrypted it, so a value under a key that is no longer
  listed fails with an error naming the setting, and ``manage.py encryption_rotate`` finds the values
  still under an older key. A fresh random nonce per value: equal secrets never look alike.
- The empty string is stored as it is: whether a PIN was given is not a secret, and "no previous secret"
  stays a plain ``""``.
- Values are opaque to SQL: an encrypted column cannot be searched, sorted or compared (the field refuses
  such lookups rather than silently matching nothing).

Decryption never falls back to returning what is stored: a value that is not in this form, or that no
listed key opens, raises ``EncryptionKeyError``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, IsNull

VERSION = "v1"
NONCE_BYTES = 12
SETTING = "ENCRYPTION_KEYS"


class EncryptionKeyError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the configured keys (or the keys themselves are invalid)."""


@dataclass(frozen=True)
class Key:
    id: str
    cipher: AESGCM


def key_id(raw: bytes) -> str:
    return hashlib.sha256(b"didfarm-encryption-key:" + raw).hexdigest()[:8]


def parse_key(text: str, *, position: int) -> Key:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise EncryptionKeyError(
            f"{SETTING}: key {position} is not 32 bytes in URL-safe base64 (make one with "
            '`python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`).'
        )
    return Key(id=key_id(raw), cipher=AESGCM(raw))


@functools.lru_cache(maxsize=8)
def _keyring(texts: tuple[str, ...]) -> tuple[Key, ...]:
    if not texts:
        raise EncryptionKeyError(f"{SETTING} is empty: at least one key is needed to read and write secrets.")
    return tuple(parse_key(text, position=index + 1) for index, text in enumerate(texts))


def keyring() -> tuple[Key, ...]:
    """The configured keys, first (the one that encrypts) first."""
    return _keyring(tuple(settings.ENCRYPTION_KEYS))


def current_key_id() -> str:
    return keyring()[0].id


def encrypt(plaintext: str) -> str:
    key = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, plaintext.encode(), f"{VERSION}:{key.id}".encode())
    return f"{VERSION}:{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    """The id of the key that encrypted a stored value; None when it is not an encrypted value."""
    version, _, rest = stored.partition(":")
    kid, sep, _ = rest.partition(":")
    return kid if version == VERSION and sep and len(kid) == 8 else None


def decrypt(stored: str) -> str:
    kid = key_id_of(stored)
    if kid is None:
        raise EncryptionKeyError(
            "A stored secret is not in encrypted form: the column holds something the portal did not write "
            "(run `manage.py migrate` to encrypt values written before encryption)."
        )
    keys = {key.id: key for key in keyring()}
    if kid not in keys:
        raise EncryptionKeyError(
            f"A stored secret was encrypted with key {kid}, which is not in {SETTING} (its keys: "
            f"{', '.join(keys)}). Put that key back in {SETTING} (after the current one) to read it."
        )
    try:
        sealed = base64.urlsafe_b64decode(stored[len(VERSION) + len(kid) + 2 :])
        return (
            keys[kid].cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], f"{VERSION}:{kid}".encode()).decode()
        )
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise EncryptionKeyError(
            f"A stored secret names key {kid} of {SETTING} but does not open with it: the value was altered "
            "or damaged in the database."
        ) from exc


class EncryptedTextField(models.TextField):
    """Text encrypted with ``ENCRYPTION_KEYS`` when written and decrypted when read: the model attribute is
    the plain value, the column holds ``v1:<key id>:…``. Only ``isnull`` and ``= ""`` may be queried."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        return {"exact": EmptyOnlyExact, "isnull": IsNull}.get(lookup_name)

    def get_transform(self, lookup_name):
        return None


class EmptyOnlyExact(Exact):
    """``= ""`` works (the empty string is stored as it is); any other value would be encrypted afresh
    and never match, so asking is an error rather than an empty answer."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(f"{self.lhs.target.name} is encrypted: it can be compared with '' only.")
        return super().get_prep_lookup()


# --- Rewriting whole columns (the migrations that encrypt, and key rotation) ------------------------------


def encrypted_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def rewrite_column(
    connection, *, table: str, column: str, pk_column: str, change: Callable[[str], str | None], batch: int = 500
) -> tuple[int, int]:
    """Rewrite the non-empty values of one column in batches (ordered by primary key, each its own
    transaction), bypassing the field: ``change`` takes a stored value and returns its replacement, or None
    to leave it. Each row is updated only if it still holds the value read, so a row written meanwhile
    (already in the new form) is left alone. Returns (rows read, rows changed)."""
    from django.db import transaction

    quote = connection.ops.quote_name
    table, column, pk_column = quote(table), quote(column), quote(pk_column)
    update = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s AND {column} = %s"
    seen = changed = 0
    last = None
    while True:
        after = "" if last is None else f"{pk_column} > %s AND "
        select = f"SELECT {pk_column}, {column} FROM {table} WHERE {after}{column} <> '' ORDER BY {pk_column} LIMIT %s"
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(select, [batch] if last is None else [last, batch])
            rows = cursor.fetchall()
            for pk, stored in rows:
                replacement = change(stored)
                if replacement is not None and replacement != stored:
                    cursor.execute(update, [replacement, pk, stored])
                    changed += cursor.rowcount
        seen += len(rows)
        if len(rows) < batch:
            return seen, changed
        last = rows[-1][0]


def encrypt_plaintext(stored: str) -> str | None:
    """For the migration that encrypts a column: a plain value becomes encrypted; an encrypted one stays."""
    return None if key_id_of(stored) else encrypt(stored)


def decrypt_to_plaintext(stored: str) -> str | None:
    """For the same migration run backwards."""
    return decrypt(stored) if key_id_of(stored) else None


def reencrypt_with_current_key(stored: str) -> str | None:
    """For key rotation: a value under an older key is encrypted again with the first key."""
    return None if key_id_of(stored) == current_key_id() else encrypt(decrypt(stored))


def migration_encrypting(app_label: str, model_name: str, *fields: str):
    """The ``RunPython`` operation of a migration that turns existing plain values of ``fields`` into
    encrypted ones (and back, when the migration is reversed)."""
    from django.db import migrations

    def run(change):
        def apply(apps, schema_editor):
            model = apps.get_model(app_label, model_name)
            for name in fields:
                rewrite_column(
                    schema_editor.connection,
                    table=model._meta.db_table,
                    column=model._meta.get_field(name).column,
                    pk_column=model._meta.pk.column,
                    change=change,
                )
            if schema_editor.connection.vendor == "postgresql":
                # The updated rows' deferred foreign-key checks run now: PostgreSQL refuses to alter a table
                # with checks still pending (the reverse migration alters the columns right after this).
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

        return apply

    return migrations.RunPython(run(encrypt_plaintext), run(decrypt_to_plaintext), elidable=False)

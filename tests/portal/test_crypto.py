"""The encrypted field and its keys: values round-trip, equal secrets never look alike, a key can be rotated
in (and the old one dropped after ``encryption_rotate``), and a value no configured key opens fails loudly,
naming ENCRYPTION_KEYS, instead of being handed out as if it were the secret."""

from __future__ import annotations

import base64
import os
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from portal import crypto
from portal.webhooks import services
from portal.webhooks.models import WebhookEndpoint


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def stored(endpoint: WebhookEndpoint, column: str = "secret") -> str:
    """What the database holds, read past the field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM portal_webhookendpoint WHERE id = %s", [endpoint.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def endpoint(tenants):
    issued = services.webhook_create(actor=tenants.a.owner_actor, url="https://hooks.example.com/a", events=["*"])
    return WebhookEndpoint.objects.get(pk=issued.endpoint.pk), issued.secret


def test_a_value_round_trips_and_says_which_key_encrypted_it(settings):
    settings.ENCRYPTION_KEYS = [new_key()]
    sealed = crypto.encrypt("whsec_ümlaut and all")
    assert sealed.startswith(f"v1:{crypto.current_key_id()}:") and "ümlaut" not in sealed
    assert crypto.decrypt(sealed) == "whsec_ümlaut and all"


def test_equal_secrets_are_stored_differently(settings):
    settings.ENCRYPTION_KEYS = [new_key()]
    assert crypto.encrypt("1234") != crypto.encrypt("1234")
    assert crypto.decrypt(crypto.encrypt("1234")) == "1234"


@pytest.mark.django_db
def test_the_column_holds_ciphertext_and_the_model_the_secret(endpoint):
    row, secret = endpoint
    assert row.secret == secret and row.signing_secrets() == [secret]
    assert stored(row).startswith("v1:") and secret not in stored(row)
    assert stored(row, "previous_secret") == ""  # no previous secret: nothing to hide


def test_a_value_under_a_key_no_longer_listed_fails_naming_the_setting(settings):
    settings.ENCRYPTION_KEYS = [new_key()]
    sealed = crypto.encrypt("4321")
    old_id = crypto.current_key_id()
    settings.ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(crypto.EncryptionKeyError, match=f"key {old_id}, which is not in ENCRYPTION_KEYS"):
        crypto.decrypt(sealed)


def test_an_altered_value_or_plain_text_is_never_returned(settings):
    settings.ENCRYPTION_KEYS = [new_key()]
    sealed = crypto.encrypt("4321")
    tampered = sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(crypto.EncryptionKeyError, match="ENCRYPTION_KEYS"):
        crypto.decrypt(tampered)
    with pytest.raises(crypto.EncryptionKeyError, match="not in encrypted form"):
        crypto.decrypt("whsec_plain")


@pytest.mark.django_db
def test_reading_a_row_whose_key_is_gone_raises_instead_of_answering(endpoint, settings):
    row, _ = endpoint
    settings.ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(crypto.EncryptionKeyError, match="ENCRYPTION_KEYS"):
        WebhookEndpoint.objects.get(pk=row.pk)


def test_a_malformed_key_is_refused_with_its_place_in_the_setting(settings):
    settings.ENCRYPTION_KEYS = [new_key(), "not-a-key"]
    with pytest.raises(crypto.EncryptionKeyError, match="ENCRYPTION_KEYS: key 2 is not 32 bytes"):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_then_the_old_key_can_go(tenants, endpoint, settings):
    row, secret = endpoint
    rotated = services.webhook_rotate_secret(actor=tenants.a.owner_actor, endpoint=row)
    old_key, fresh_key = settings.ENCRYPTION_KEYS[0], new_key()
    settings.ENCRYPTION_KEYS = [fresh_key, old_key]
    # Readable with both keys listed; new writes use the first.
    assert WebhookEndpoint.objects.get(pk=row.pk).signing_secrets() == [rotated.secret, secret]

    call_command("encryption_rotate", batch_size=1, stdout=(out := StringIO()))
    assert "portal.WebhookEndpoint.secret: 1 values, 1 re-encrypted" in out.getvalue()
    assert "portal.WebhookEndpoint.previous_secret: 1 values, 1 re-encrypted" in out.getvalue()
    fresh_id = crypto.current_key_id()
    assert stored(row).startswith(f"v1:{fresh_id}:") and stored(row, "previous_secret").startswith(f"v1:{fresh_id}:")

    call_command("encryption_rotate", stdout=(again := StringIO()))  # nothing left to do
    assert "0 of them re-encrypted now" in again.getvalue()

    settings.ENCRYPTION_KEYS = [fresh_key]
    assert WebhookEndpoint.objects.get(pk=row.pk).signing_secrets() == [rotated.secret, secret]


@pytest.mark.django_db
def test_rotation_leaves_a_row_written_meanwhile_as_it_was_written(endpoint, settings):
    row, _ = endpoint
    settings.ENCRYPTION_KEYS = [new_key(), settings.ENCRYPTION_KEYS[0]]
    before = stored(row)

    def change(value: str) -> str:
        # Another process rotates the webhook secret between the read and the write.
        WebhookEndpoint.objects.filter(pk=row.pk).update(secret="whsec_written_meanwhile")
        return crypto.reencrypt_with_current_key(value)

    seen, changed = crypto.rewrite_column(
        connection, table="portal_webhookendpoint", column="secret", pk_column="id", change=change
    )
    assert (seen, changed) == (1, 0) and stored(row) != before
    assert WebhookEndpoint.objects.get(pk=row.pk).secret == "whsec_written_meanwhile"


@pytest.mark.django_db
def test_an_encrypted_column_cannot_be_searched_by_value(endpoint):
    row, secret = endpoint
    with pytest.raises(FieldError, match="encrypted"):
        WebhookEndpoint.objects.filter(secret=secret).exists()
    with pytest.raises(FieldError):
        WebhookEndpoint.objects.filter(secret__startswith="whsec_").exists()
    assert WebhookEndpoint.objects.filter(previous_secret="").get() == row


@pytest.mark.django_db
def test_the_migration_encrypts_plain_values_and_decrypts_them_when_reversed(endpoint):
    row, _ = endpoint
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_webhookendpoint SET secret = 'whsec_plain', previous_secret = '' WHERE id = %s", [row.pk]
        )
    apply_columns = dict(table="portal_webhookendpoint", column="secret", pk_column="id")
    assert crypto.rewrite_column(connection, change=crypto.encrypt_plaintext, **apply_columns) == (1, 1)
    assert stored(row).startswith("v1:") and WebhookEndpoint.objects.get(pk=row.pk).secret == "whsec_plain"
    assert crypto.rewrite_column(connection, change=crypto.encrypt_plaintext, **apply_columns) == (1, 0)  # once only
    assert crypto.rewrite_column(connection, change=crypto.decrypt_to_plaintext, **apply_columns) == (1, 1)
    assert stored(row) == "whsec_plain"

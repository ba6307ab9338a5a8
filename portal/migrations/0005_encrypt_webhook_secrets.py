"""Existing values are encrypted with the first of ENCRYPTION_KEYS (and decrypted again if this is reversed)."""

import portal.crypto
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_event_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookendpoint',
            name='previous_secret',
            field=portal.crypto.EncryptedTextField(blank=True, editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name='webhookendpoint',
            name='secret',
            field=portal.crypto.EncryptedTextField(editable=False, max_length=100),
        ),
        # After the columns became text: an encrypted value is longer than the plain one was allowed to be.
        portal.crypto.migration_encrypting("portal", "WebhookEndpoint", "secret", "previous_secret"),
    ]

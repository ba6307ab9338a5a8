"""Existing values are encrypted with the first of ENCRYPTION_KEYS (and decrypted again if this is reversed)."""

import portal.crypto
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('numbers', '0015_number_voice_webhook_url'),
    ]

    operations = [
        migrations.AlterField(
            model_name='portrequest',
            name='account_number',
            field=portal.crypto.EncryptedTextField(blank=True, max_length=100, verbose_name='account number at the carrier'),
        ),
        migrations.AlterField(
            model_name='portrequest',
            name='pin',
            field=portal.crypto.EncryptedTextField(blank=True, max_length=32, verbose_name='account PIN'),
        ),
        # After the columns became text: an encrypted value is longer than the plain one was allowed to be.
        portal.crypto.migration_encrypting("numbers", "PortRequest", "account_number", "pin"),
    ]

"""Authenticator apps move from django-otp's TOTPDevice (secret in plain hex) to AuthenticatorDevice (secret
encrypted with ENCRYPTION_KEYS). Every device moves with its secret, drift, last accepted step and throttling,
so nobody has to set their app up again; the plain copies are deleted in the same migration."""

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import portal.crypto
from django.conf import settings
from django.db import migrations, models


MOVED = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "created_at",
         "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t")


def move_devices(apps, schema_editor):
    plain = apps.get_model("otp_totp", "TOTPDevice")
    sealed = apps.get_model("accounts", "AuthenticatorDevice")
    for device in plain.objects.order_by("pk"):
        moved = sealed.objects.create(**{field: getattr(device, field) for field in MOVED})
        sealed.objects.filter(pk=moved.pk).update(created_at=device.created_at)  # not the migration's time
    plain.objects.all().delete()


def move_devices_back(apps, schema_editor):
    plain = apps.get_model("otp_totp", "TOTPDevice")
    sealed = apps.get_model("accounts", "AuthenticatorDevice")
    for device in sealed.objects.order_by("pk"):
        plain.objects.create(**{field: getattr(device, field) for field in MOVED})
    sealed.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_reseller_brand'),
        ('otp_totp', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuthenticatorDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', portal.crypto.EncryptedTextField(default=django_otp.plugins.otp_totp.models.default_key)),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator app',
                'verbose_name_plural': 'authenticator apps',
                'abstract': False,
            },
        ),
        migrations.RunPython(move_devices, move_devices_back),
    ]

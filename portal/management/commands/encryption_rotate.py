"""Re-encrypt every encrypted column with the first key of ENCRYPTION_KEYS.

Rotation: put a new key in front of ENCRYPTION_KEYS (keeping the old one after it) on every process, run
this, then remove the old key. Values already under the first key are left alone, each batch commits on
its own and a row is rewritten only if it still holds what was read, so the command can be stopped and run
again at any time (even while the portal runs) and finishes what is left.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal import crypto


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the first key of ENCRYPTION_KEYS (idempotent, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, batch_size: int, **options):
        from django.db import connection

        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            current = crypto.current_key_id()
        except crypto.EncryptionKeyError as exc:
            raise CommandError(str(exc)) from exc
        total_seen = total_changed = 0
        for model, field in crypto.encrypted_columns():
            try:
                seen, changed = crypto.rewrite_column(
                    connection,
                    table=model._meta.db_table,
                    column=field.column,
                    pk_column=model._meta.pk.column,
                    change=crypto.reencrypt_with_current_key,
                    batch=batch_size,
                )
            except crypto.EncryptionKeyError as exc:
                raise CommandError(f"{model._meta.label}.{field.name}: {exc} Batches already done stay done.") from exc
            total_seen += seen
            total_changed += changed
            self.stdout.write(f"{model._meta.label}.{field.name}: {seen} values, {changed} re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total_seen} values under key {current}, {total_changed} of them re-encrypted now. "
                "Keys after the first in ENCRYPTION_KEYS are no longer needed for them."
            )
        )

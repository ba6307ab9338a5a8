"""Digits searches always name a country: one GIN index on (country, trigrams of the number) finds the
matches of that country alone, instead of every country's matches filtered afterwards."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS stock_country_e164_trgm ON numbers_availablenumber "
        "USING gin (country_id, e164 gin_trgm_ops) WHERE status = 'available'"
    )
    schema_editor.execute("DROP INDEX IF EXISTS stock_e164_trgm_available")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS stock_e164_trgm_available ON numbers_availablenumber "
        "USING gin (e164 gin_trgm_ops) WHERE status = 'available'"
    )
    schema_editor.execute("DROP INDEX IF EXISTS stock_country_e164_trgm")


class Migration(migrations.Migration):
    dependencies = [("numbers", "0003_stock_counters_and_country_index")]
    operations = [migrations.RunPython(forwards, backwards)]

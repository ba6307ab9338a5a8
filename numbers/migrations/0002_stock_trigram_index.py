"""On PostgreSQL, a trigram index lets "numbers containing 555" use an index on a million-row stock."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS stock_e164_trgm_available ON numbers_availablenumber "
        "USING gin (e164 gin_trgm_ops) WHERE status = 'available'"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS stock_e164_trgm_available")


class Migration(migrations.Migration):
    dependencies = [("numbers", "0001_numbers")]
    operations = [migrations.RunPython(forwards, backwards)]

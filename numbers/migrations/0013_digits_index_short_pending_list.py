"""The digits index (GIN on country and trigrams of the number) takes new entries into a pending list that
every digits search reads in full until it is merged. Restocked numbers land there one by one, and with
the default 4 MB limit a busy day's restocks made each digits search 2.5 times dearer before the next
vacuum (3,000 entries: 0.27 → 0.67 ms). A 64 kB list is merged as it fills, by the insert that fills it
(a few milliseconds, about once per 100 restocks). ``inventory_load`` goes back to PostgreSQL's default for
its own bulk insert, then merges the list and puts this limit back."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS stock_country_e164_trgm SET (gin_pending_list_limit = 64)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS stock_country_e164_trgm RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("numbers", "0012_renewal_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]

"""Digits searches get an index of their own keys, and the number-order indexes hold what a search returns.

The digits index was a GIN on (country, trigrams of the number): every search read the country's whole
posting list (tens of thousands of entries) to intersect it with the trigrams'. Its replacement indexes
keys that carry the country and the type: ``stock_digit_keys('GB', 'local', '+442079460831')`` is
``{GBlocal442, GBlocal420, GBlocal207, …}``, one per three digits in a row. A search for "555" among GB
local numbers reads the one short list of ``GBlocal555``; longer strings intersect the lists of all their
keys, and ``LIKE`` confirms the match. Such a search needs no country or type condition, so no other index
is tempting. Restocks keep the short pending list of 0013.

The three ordered indexes include the row id (and the group), so walking one in number order never reads
the table: what a search returns, and the number that short digit strings are tested on, are in the index.
(SQLite ignores included columns.)
"""

from django.db import migrations, models

KEYS_FUNCTION = """
CREATE OR REPLACE FUNCTION stock_digit_keys(country text, type text, e164 text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT country || type || substr(e164, i, 3) FROM generate_series(2, length(e164) - 2) AS i)
$$
"""
# (From the second character: the first is the "+" of E.164, or a letter of a short code's "US-20225".)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(KEYS_FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS stock_digit_keys ON numbers_availablenumber "
        "USING gin (stock_digit_keys(country_id, type, e164)) WITH (gin_pending_list_limit = 64) "
        "WHERE status = 'available'"
    )
    schema_editor.execute("DROP INDEX IF EXISTS stock_country_e164_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS stock_country_e164_trgm ON numbers_availablenumber "
        "USING gin (country_id, e164 gin_trgm_ops) WITH (gin_pending_list_limit = 64) WHERE status = 'available'"
    )
    schema_editor.execute("DROP INDEX IF EXISTS stock_digit_keys")
    schema_editor.execute("DROP FUNCTION IF EXISTS stock_digit_keys(text, text, text)")


class Migration(migrations.Migration):
    dependencies = [("numbers", "0013_digits_index_short_pending_list")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(model_name="availablenumber", name="stock_country_type_e164"),
        migrations.RemoveIndex(model_name="availablenumber", name="stock_group_e164_available"),
        migrations.RemoveIndex(model_name="availablenumber", name="stock_country_e164"),
        migrations.AddIndex(
            model_name="availablenumber",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["country", "e164"],
                include=("id", "group"),
                name="stock_country_e164",
            ),
        ),
        migrations.AddIndex(
            model_name="availablenumber",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["country", "type", "e164"],
                include=("id", "group"),
                name="stock_country_type_e164",
            ),
        ),
        migrations.AddIndex(
            model_name="availablenumber",
            index=models.Index(
                condition=models.Q(("status", "available")),
                fields=["group", "e164"],
                include=("id",),
                name="stock_group_e164_available",
            ),
        ),
    ]

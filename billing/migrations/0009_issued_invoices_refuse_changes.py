"""PostgreSQL refuses any change to what an issued invoice says, whatever code tries it: its number,
parties, amounts, dates and snapshot, its lines and its stored PDF. Only its payment and sending state
(``paid_at``, ``sent_at``, ``reminded_at``, ``updated_at``) may change. SQLite (the embedded demo) relies
on the services alone."""

from django.db import migrations

FROZEN = [
    "account_id", "client_id", "kind", "credit_for_id", "period_start", "period_end", "status", "year", "sequence",
    "number", "currency", "total", "vat_total", "total_due", "wholesale_total", "line_count", "issued_at",
    "issue_date", "due_date", "snapshot", "language",
]  # fmt: skip

CREATE = f"""
CREATE FUNCTION billing_issued_invoice_frozen() RETURNS trigger AS $$
BEGIN
    IF ({" OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in FROZEN)}) THEN
        RAISE EXCEPTION 'invoice % is issued: it cannot change (issue a credit note)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoice_issued_frozen BEFORE UPDATE ON billing_invoice
    FOR EACH ROW WHEN (OLD.status = 'issued') EXECUTE FUNCTION billing_issued_invoice_frozen();

CREATE FUNCTION billing_issued_invoice_part_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status = 'issued') THEN
        RAISE EXCEPTION '% of an issued invoice cannot change', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoiceline_issued_frozen BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_issued_invoice_part_frozen();
CREATE TRIGGER billing_invoicefile_issued_frozen BEFORE UPDATE OR DELETE ON billing_invoicefile
    FOR EACH ROW EXECUTE FUNCTION billing_issued_invoice_part_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_invoicefile_issued_frozen ON billing_invoicefile;
DROP TRIGGER IF EXISTS billing_invoiceline_issued_frozen ON billing_invoiceline;
DROP FUNCTION IF EXISTS billing_issued_invoice_part_frozen();
DROP TRIGGER IF EXISTS billing_invoice_issued_frozen ON billing_invoice;
DROP FUNCTION IF EXISTS billing_issued_invoice_frozen();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_invoice_legal_identities_numbering_vat")]

    operations = [migrations.RunPython(create, drop)]

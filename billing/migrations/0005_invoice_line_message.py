import uuid

import django.db.models.deletion
from django.db import migrations, models


def link_messages(apps, schema_editor):
    """Lines written before: each SMS line gets its message and segments (negative on a refund)."""
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    Message = apps.get_model("messaging", "Message")
    lines = (
        InvoiceLine.objects.filter(entry__reference_type="message", message__isnull=True)
        .values_list("pk", "entry__reference_id", "entry__kind")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(lines.filter(pk__gt=last)[:2000])
        if not chunk:
            return
        last = chunk[-1][0]
        uids = {}
        for _pk, reference, _kind in chunk:
            try:
                uids[reference] = uuid.UUID(reference.removeprefix("msg_"))
            except ValueError:
                continue
        found = {
            f"msg_{uid.hex}": (pk, segments)
            for uid, pk, segments in Message.objects.filter(uid__in=uids.values()).values_list("uid", "pk", "segments")
        }
        for pk, reference, kind in chunk:
            if reference in found:
                message_id, segments = found[reference]
                InvoiceLine.objects.filter(pk=pk).update(
                    message_id=message_id, segments=-segments if kind == "refund" else segments
                )


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_ledger_indexes'),
        ('messaging', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoiceline',
            name='message',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='messaging.message'),
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='segments',
            field=models.IntegerField(default=0, verbose_name='segments'),
        ),
        migrations.RunPython(link_messages, migrations.RunPython.noop),
    ]

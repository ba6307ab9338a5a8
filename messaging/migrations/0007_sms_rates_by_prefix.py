"""SMS rates move from one row per country to rows by destination prefix (longest match wins).

Each existing country row keeps its price and gets its country's dialling code as prefix, still limited
to that country, so it prices exactly what it priced before. The fallback price for countries without a
row (the ``SMS_SEGMENT_PRICE_DEFAULT`` setting, EUR 0.008 unless it was set) is retired: every country
already known to the portal that had no row gets one at that price, so messages that could be sent
before still can; destinations in no known country (satellite networks, ranges never seen) have no rate
from now on and are refused.
"""

import os
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


def rates_by_prefix(apps, schema_editor):
    Country = apps.get_model("numbers", "Country")
    SmsRate = apps.get_model("messaging", "SmsRate")
    digits = {code: "".join(ch for ch in dial if ch.isdigit()) for code, dial in Country.objects.values_list("code", "dial_code")}
    for rate in SmsRate.objects.all():
        rate.prefix = digits.get(rate.country_id, "")
        rate.save(update_fields=["prefix"])
    SmsRate.objects.filter(prefix="").delete()  # (a country without a dialling code priced nothing reachable)
    fallback = Decimal(os.environ.get("SMS_SEGMENT_PRICE_DEFAULT") or "0.008").quantize(Decimal("0.0001"))
    priced = set(SmsRate.objects.values_list("country_id", flat=True))
    SmsRate.objects.bulk_create(
        [
            SmsRate(country_id=code, prefix=prefix, price_per_segment=fallback)
            for code, prefix in sorted(digits.items())
            if code not in priced and prefix
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_message_awaiting_report_index"),
        ("numbers", "0015_number_voice_webhook_url"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsrate",
            name="prefix",
            field=models.CharField(default="", max_length=15, verbose_name="prefix"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="smsrate",
            name="country",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sms_rates",
                to="numbers.country",
            ),
        ),
        migrations.RunPython(rates_by_prefix, migrations.RunPython.noop),
    ]

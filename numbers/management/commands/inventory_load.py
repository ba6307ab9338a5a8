"""Load the sandbox carrier's inventory: countries, number groups and N numbers in stock."""

from __future__ import annotations

import io
import math
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from numbers_app.carriers import sandbox_inventory as inventory
from numbers_app.models import AvailableNumber, Country, NumberGroup
from numbers_app.services import stock_counts_refresh

DEMO_NUMBERS = 20_000

# How numbers are spread over groups: every group gets one before any gets two, then each group's share
# follows its weight (local groups of a country's biggest areas first), never beyond its capacity.
TYPE_WEIGHT = {
    inventory.LOCAL: 1.0,
    inventory.MOBILE: 2.5,
    inventory.TOLL_FREE: 1.0,
    inventory.NATIONAL: 0.5,
    inventory.SHORT_CODE: 0.2,
}
COUNTRY_WEIGHT = {"US": 3.0, "GB": 2.0, "DE": 2.0, "FR": 1.5, "CA": 1.5, "AU": 1.5, "NL": 1.5, "ES": 1.25, "IT": 1.25}
COPY_CHUNK = 50_000
# The digits index keeps a short pending list (migration numbers 0013, and 0014 for its successor). A bulk
# load merging it every 64 kB took 1.7 times as long (300,000 numbers: 14.2 s against 8.3 s), so the load
# goes back to PostgreSQL's default limit (4 MB) for its own insert. (Not more: pages a merged pending list
# leaves behind stay in the index's file, and a 1,000,000-number load with no limit left a 289 MB index
# where 40 MB will do.)
DIGITS_INDEX = "stock_digit_keys"


def _default_pending_list_limit(cursor) -> str | None:
    """Give the digits index PostgreSQL's default pending-list limit for this transaction. Returns the
    ``ALTER INDEX`` clause that puts back the index's own (None when there is no such index)."""
    cursor.execute(
        "SELECT c.reloptions FROM pg_class c WHERE c.oid = to_regclass(%s)",
        [DIGITS_INDEX],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    current = [option for option in row[0] or [] if option.startswith("gin_pending_list_limit=")]
    restore = f"SET ({current[0]})" if current else "RESET (gin_pending_list_limit)"
    cursor.execute(f"ALTER INDEX {DIGITS_INDEX} RESET (gin_pending_list_limit)")
    return restore


def allocate(specs: list[inventory.GroupSpec], total: int) -> list[int]:
    """How many numbers each group gets out of ``total``: a pure function of the groups and ``total``,
    and growing with ``total`` (a bigger load is a superset of a smaller one)."""
    if not specs or total <= 0:
        return [0] * len(specs)
    rank_in_country: dict[str, int] = {}
    ranks, weights = [], []
    for spec in specs:
        rank = rank_in_country.get(spec.country, 0)
        rank_in_country[spec.country] = rank + 1
        ranks.append(rank)
        weight = TYPE_WEIGHT[spec.type] * COUNTRY_WEIGHT.get(spec.country, 1.0)
        if spec.type == inventory.LOCAL:
            weight *= 1 + 1 / (1 + rank)
        weights.append(weight)
    caps = [inventory.capacity_at_least(spec, total) for spec in specs]
    # First round, one each: round-robin over countries so that a small load still covers them all.
    first_round = sorted(range(len(specs)), key=lambda i: (ranks[i], i))
    tie = {g: n for n, g in enumerate(first_round)}
    counts = [0] * len(specs)
    for g in first_round[:total]:
        if caps[g]:
            counts[g] = 1
    if total <= len(specs):
        return counts

    def counts_at(tau: float) -> list[int]:
        return [min(caps[g], 1 + math.floor(tau * weights[g])) if caps[g] else 0 for g in range(len(specs))]

    low, high = 0.0, 1.0
    while sum(counts_at(high)) < total and any(1 + math.floor(high * weights[g]) < caps[g] for g in range(len(specs))):
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        if sum(counts_at(middle)) <= total:
            low = middle
        else:
            high = middle
    counts = counts_at(low)
    remaining = total - sum(counts)
    while remaining > 0:
        open_groups = sorted(
            (g for g in range(len(specs)) if counts[g] < caps[g]), key=lambda g: (counts[g] / weights[g], tie[g])
        )
        if not open_groups:
            break
        for g in open_groups[:remaining]:
            counts[g] += 1
        remaining = total - sum(counts)
    return counts


class Command(BaseCommand):
    help = (
        "Load the sandbox carrier's inventory: the countries, the number groups and N numbers in stock, spread "
        "over all groups (weighted toward local numbers). The same N always gives the same numbers, and numbers "
        "already in stock are skipped, so running it again adds nothing and a larger N tops the stock up. "
        "Groups that already exist keep their prices, capabilities and regulatory flag (staff may have edited "
        "them); only new groups take the generated values."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--numbers", type=int, help="how many numbers the stock should hold (the first N of the plan)"
        )
        parser.add_argument("--countries", default="", help="comma-separated ISO codes (default: all countries)")
        parser.add_argument("--demo", action="store_true", help=f"the demo's default: {DEMO_NUMBERS:,} numbers")

    def handle(self, *args, **options):
        total = options["numbers"]
        if total is None:
            if not options["demo"]:
                raise CommandError("give --numbers N (or --demo)")
            total = DEMO_NUMBERS
        if total < 0:
            raise CommandError("--numbers must not be negative")
        countries = [c.strip().upper() for c in options["countries"].split(",") if c.strip()]
        unknown = sorted(set(countries) - set(inventory.COUNTRIES))
        if unknown:
            raise CommandError(f"not in the sandbox inventory: {', '.join(unknown)}")
        started = time.monotonic()

        specs = inventory.group_specs(countries or None)
        wanted = {spec.country for spec in specs}
        rows = [row for row in inventory.country_rows() if row[0] in wanted]
        counts = allocate(specs, total)

        with transaction.atomic():
            new_countries = self._countries(rows)
            group_ids, new_groups = self._groups(specs)
            generated = time.monotonic()
            stock = (
                (number, group_ids[spec.key], spec.country, spec.type)
                for spec, count in zip(specs, counts, strict=True)
                if count
                for number in inventory.numbers_for(spec, count)
            )
            if connection.vendor == "postgresql":
                added = self._load_postgresql(stock)
            else:
                added = self._load_other(stock)
            stock_counts_refresh()
        seconds = time.monotonic() - started
        loading = time.monotonic() - generated
        planned = sum(counts)
        self.stdout.write(
            f"Countries: {len(rows)} ({new_countries} new); groups: {len(specs)} ({new_groups} new); "
            f"numbers: {planned:,} planned, {added:,} added, {planned - added:,} already there"
            + (f" (asked for {total:,}, the groups hold {planned:,})" if planned < total else "")
        )
        rate = f", {added / loading:,.0f} numbers/s" if added and loading > 0 else ""
        self.stdout.write(self.style.SUCCESS(f"Done in {seconds:.1f} s{rate}."))

    def _countries(self, rows) -> int:
        existing = set(Country.objects.filter(code__in=[r[0] for r in rows]).values_list("code", flat=True))
        Country.objects.bulk_create(
            [Country(code=code, name=name, dial_code=dial) for code, name, dial in rows],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "dial_code"],
        )
        return len(rows) - len(existing)

    def _groups(self, specs) -> tuple[dict[tuple[str, str, str, str], int], int]:
        countries = {spec.country for spec in specs}
        existing = {
            (g.country_id, g.type, g.area_code, g.city): g
            for g in NumberGroup.objects.filter(carrier="sandbox", country__in=countries)
        }
        new, changed = [], []
        for spec in specs:
            group = existing.get(spec.key)
            if group is None:
                new.append(
                    NumberGroup(
                        country_id=spec.country,
                        type=spec.type,
                        area_code=spec.area_code,
                        city=spec.city,
                        region=spec.region,
                        has_voice="voice" in spec.capabilities,
                        has_sms="sms" in spec.capabilities,
                        has_mms="mms" in spec.capabilities,
                        has_fax="fax" in spec.capabilities,
                        monthly_price=spec.monthly_price,
                        setup_fee=spec.setup_fee,
                        sms_addon_price=spec.sms_addon_price,
                        requires_regulatory=spec.requires_regulatory,
                        carrier="sandbox",
                    )
                )
            elif group.region != spec.region:
                group.region = spec.region
                changed.append(group)
        NumberGroup.objects.bulk_create(new, batch_size=1000)
        if changed:
            NumberGroup.objects.bulk_update(changed, ["region"], batch_size=1000)
        ids = {
            (country, type_, area, city): pk
            for pk, country, type_, area, city in NumberGroup.objects.filter(
                carrier="sandbox", country__in=countries
            ).values_list("pk", "country_id", "type", "area_code", "city")
        }
        return ids, len(new)

    def _load_postgresql(self, stock) -> int:
        """COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING into the stock."""
        meta = AvailableNumber._meta
        table = connection.ops.quote_name(meta.db_table)
        columns = ", ".join(
            connection.ops.quote_name(meta.get_field(name).column) for name in ("e164", "group", "country", "type")
        )
        status = connection.ops.quote_name(meta.get_field("status").column)
        e164 = connection.ops.quote_name(meta.get_field("e164").column)
        with connection.cursor() as cursor:
            restore_limit = _default_pending_list_limit(cursor)
            cursor.execute("DROP TABLE IF EXISTS inventory_load_stock")
            cursor.execute(
                "CREATE TEMPORARY TABLE inventory_load_stock "
                "(e164 varchar(20), group_id bigint, country_id varchar(2), type varchar(16)) ON COMMIT DROP"
            )
            raw = cursor.cursor
            with raw.copy("COPY inventory_load_stock (e164, group_id, country_id, type) FROM STDIN") as copy:
                buffer = io.StringIO()
                pending = 0
                for number, group_id, country, type_ in stock:
                    buffer.write(f"{number}\t{group_id}\t{country}\t{type_}\n")
                    pending += 1
                    if pending == COPY_CHUNK:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                        pending = 0
                if pending:
                    copy.write(buffer.getvalue())
            cursor.execute(
                f"INSERT INTO {table} ({columns}, {status}) "
                f"SELECT e164, group_id, country_id, type, %s FROM inventory_load_stock ORDER BY e164 "
                f"ON CONFLICT ({e164}) DO NOTHING",
                [AvailableNumber.Status.AVAILABLE],
            )
            added = cursor.rowcount
            cursor.execute("DROP TABLE inventory_load_stock")
            if added > 10_000:
                cursor.execute(f"ANALYZE {table}")
            if restore_limit is not None:
                # Every digits search reads the pending list: merge it now, once, then put the index's own
                # short limit back (all in this transaction, so a failed load changes nothing).
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [DIGITS_INDEX])
                cursor.execute(f"ALTER INDEX {DIGITS_INDEX} {restore_limit}")
        return added

    def _load_other(self, stock) -> int:
        before = AvailableNumber.objects.count()
        batch: list[AvailableNumber] = []
        for number, group_id, country, type_ in stock:
            batch.append(AvailableNumber(e164=number, group_id=group_id, country_id=country, type=type_))
            if len(batch) == 5000:
                AvailableNumber.objects.bulk_create(batch, ignore_conflicts=True, batch_size=5000)
                batch = []
        if batch:
            AvailableNumber.objects.bulk_create(batch, ignore_conflicts=True, batch_size=5000)
        return AvailableNumber.objects.count() - before

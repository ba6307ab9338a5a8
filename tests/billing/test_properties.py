"""Properties of the money behind numbers, checked over random histories of one reseller (A, with clients
X and Y).

A state machine buys numbers (for the reseller itself or a client, any billing cycle, with or without the
SMS add-on), provisions them or has the carrier give up, tops the wallet up and spends it down, edits the
price list, sets numbers not to renew, moves them between clients, switches SMS, refunds a number's charges
and runs renewals on a clock that only moves forward (sometimes twice on the same day). Every step goes
through the real services, on the machine's clock, and is checked against what it should have done (an
order costs its prices or is refused for want of money with nothing written; a renewals run renews each due
number by every period it is behind (one, from that day, for a suspended number) at its price, releases those
set not to renew, and leaves one (partly) unpaid only when the wallet cannot cover it, suspending and
releasing it after the grace and holding periods; a refund gives
back exactly what was not refunded yet). After every step the ledger must hold together:

- the balance is the sum of the entries, each entry's ``balance_after`` the running sum, and never negative;
- no period of a number (or of its SMS add-on) is charged twice, whether by its key or by the period the
  charge names, and each number has as many period charges as the periods it was paid through;
- an entry naming a client carries a client price of the same sign, never below wholesale, and the one the
  price list gave at the time; an entry naming no client carries none;
- a refund gives back one charge, once, to whoever paid it, and never more than was charged for a number.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.actor import system_actor
from billing import ledger
from billing.models import LedgerEntry, Wallet
from billing.periods import add_months
from billing.renewals import RENEWABLE, renewals_run
from billing.services import (
    CYCLE_MONTHS,
    PriceRuleInput,
    charges_refund,
    period_end,
    period_price,
    price_rule_save,
    pro_rata,
    refund_number,
    wallet_credit,
)
from messaging.services import addon_monthly_price
from numbers_app.models import AvailableNumber, Number
from numbers_app.regulatory.services import regulatory_sweep
from numbers_app.services import (
    number_configure,
    number_provision,
    number_provision_failed,
    number_purchase,
)
from portal.errors import InsufficientBalance
from tests.numbers.conftest import NL_AMS, make_stock_number, stock  # noqa: F401 (the fixture)

Kind = LedgerEntry.Kind
Status = Number.Status

# Charges that pay for a period of a number (its first one, then each renewal), and those due once per key.
PERIOD_KINDS = (Kind.NUMBER_PURCHASE, Kind.NUMBER_RENEWAL)
ONCE_PER_KEY_KINDS = (Kind.NUMBER_RENEWAL, Kind.SMS_ADDON)
PERIOD_NAMED = re.compile(r"until (\d{4}-\d{2}-\d{2})")
FOUR_PLACES = Decimal("0.0001")


# --- What must hold of any ledger ------------------------------------------------------------------


def ledger_problems(account) -> list[str]:
    """Everything wrong with an account's ledger; empty when it holds together."""
    wallet = Wallet.objects.get(account=account)
    entries = list(LedgerEntry.objects.filter(wallet=wallet).order_by("id"))
    by_id = {entry.pk: entry for entry in entries}
    problems: list[str] = []

    total = ledger.entries_total(wallet)
    if wallet.balance != total:
        problems.append(f"the balance {wallet.balance} is not the sum of the entries {total}")
    if wallet.balance < 0:
        problems.append(f"the balance is negative: {wallet.balance}")
    if entries and entries[-1].balance_after != wallet.balance:
        problems.append(f"the newest entry's balance_after {entries[-1].balance_after} is not the balance")
    running = Decimal("0")
    for entry in entries:
        running += entry.amount
        if entry.balance_after != running or entry.balance_after < 0:
            problems.append(f"entry {entry.pk} ({entry.kind}): balance_after {entry.balance_after}, sum {running}")
            break

    per_key = Counter((e.kind, e.dedupe_key) for e in entries if e.kind in ONCE_PER_KEY_KINDS and e.dedupe_key)
    problems += [f"{kind} {key} charged {n} times" for (kind, key), n in per_key.items() if n > 1]
    per_period: Counter = Counter()
    for entry in entries:
        if entry.amount < 0 and entry.kind in (*PERIOD_KINDS, Kind.SMS_ADDON):
            named = PERIOD_NAMED.search(entry.description)
            if named is None:
                problems.append(f"entry {entry.pk} ({entry.kind}) names no period: {entry.description!r}")
                continue
            what = "SMS add-on" if entry.kind == Kind.SMS_ADDON else "number"
            per_period[(entry.number_id, what, named[1])] += 1
    problems += [
        f"number {number_id}: the {what} period until {end} charged {n} times"
        for (number_id, what, end), n in per_period.items()
        if n > 1
    ]

    for entry in entries:
        if entry.client_id is None:
            if entry.client_amount is not None:
                problems.append(f"entry {entry.pk} names no client but has a client price {entry.client_amount}")
        elif entry.client_amount is None:
            problems.append(f"entry {entry.pk} names a client but has no client price")
        elif (entry.client_amount > 0) != (entry.amount > 0) or abs(entry.client_amount) < abs(entry.amount):
            problems.append(f"entry {entry.pk}: client price {entry.client_amount} for {entry.amount} wholesale")

    per_number: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.reference_type == "number":
            per_number[entry.reference_id] += entry.amount
    problems += [f"{ref}: refunded {total} more than was charged" for ref, total in per_number.items() if total > 0]
    for refund in (e for e in entries if e.kind == Kind.REFUND and (e.dedupe_key or "").startswith("refund:")):
        charge = by_id.get(int(refund.dedupe_key.removeprefix("refund:")))
        if charge is None or charge.amount >= 0 or charge.pk > refund.pk:
            problems.append(f"refund {refund.pk} gives back no earlier charge")
            continue
        if (refund.reference_type, refund.reference_id, refund.amount) != (
            charge.reference_type,
            charge.reference_id,
            -charge.amount,
        ):
            problems.append(f"refund {refund.pk} of {refund.amount} does not mirror charge {charge.pk}")
        if refund.client_id != charge.client_id:
            problems.append(
                f"refund {refund.pk} credits client {refund.client_id}; charge {charge.pk} was paid by client "
                f"{charge.client_id}"
            )
        elif charge.client_amount is not None and refund.client_amount != -charge.client_amount:
            problems.append(f"refund {refund.pk}: client price {refund.client_amount}, charged {charge.client_amount}")
    return problems


def assert_ledger_sound(account) -> None:
    problems = ledger_problems(account)
    assert not problems, "\n".join(problems)


def period_count_problems(account, paid_periods: dict[int, int]) -> list[str]:
    """Each number must have exactly one period charge (purchase or renewal) per period it was paid through:
    ``paid_periods`` counts those, as the history saw the number's paid-through date move."""
    charged = Counter(
        LedgerEntry.objects.filter(account=account, kind__in=PERIOD_KINDS, amount__lt=0).values_list(
            "number_id", flat=True
        )
    )
    return [
        f"number {number_id}: {charged.get(number_id, 0)} period charges for {paid_periods.get(number_id, 0)} periods"
        for number_id in sorted(set(charged) | set(paid_periods))
        if charged.get(number_id, 0) != paid_periods.get(number_id, 0)
    ]


# --- The client price a charge should carry, from the price list as the history set it ---------------


def unit_price(rules: dict, client_id: int | None, fixed: str, wholesale: Decimal) -> Decimal:
    rule = rules.get(client_id) or rules.get(None)
    if rule is None or wholesale == 0:
        return wholesale
    marked_up = (wholesale * (100 + rule.markup_percent) / 100).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    return marked_up + getattr(rule, fixed)


def expected_client_amount(entry: LedgerEntry, number: Number, rules: dict) -> Decimal:
    """What the entry's client should be billed (negative, as the charge) under ``rules``."""
    months = CYCLE_MONTHS[number.billing_cycle]
    if entry.kind == Kind.SETUP_FEE:
        return -unit_price(rules, entry.client_id, "fixed_setup", number.setup_fee)
    if entry.kind in PERIOD_KINDS:
        return -unit_price(rules, entry.client_id, "fixed_monthly", number.monthly_price) * months
    assert entry.kind == Kind.SMS_ADDON, entry.kind
    wholesale = addon_monthly_price(number.group)
    full_client = unit_price(rules, entry.client_id, "fixed_sms_addon", wholesale) * months
    full = period_price(monthly_price=wholesale, billing_cycle=number.billing_cycle)
    return -(full_client if -entry.amount == full else pro_rata(full_client, part=-entry.amount, whole=full))


# --- The history ---------------------------------------------------------------------------------------

# Days whose months differ in length from the next ones: periods must end on the billing day or the month's last.
AWKWARD_DAYS = [date(2026, 12, 31), date(2027, 1, 29), date(2027, 1, 31), date(2027, 8, 31), date(2028, 2, 29)]
CYCLES = ["monthly", "monthly", "quarterly", "annual"]  # monthly numbers renew within a history's reach
CLIENTS = [None, "X", "Y"]
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150"), places=2)
markup = st.decimals(min_value=Decimal("0"), max_value=Decimal("200"), places=2)
fixed = st.decimals(min_value=Decimal("0"), max_value=Decimal("2"), places=4)


@dataclass
class World:
    tenants: object
    stock: object


class NumberMoney(RuleBasedStateMachine):
    """One reseller's numbers and wallet; the database is the state, a savepoint undoes each history."""

    world: World

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        tenants, inventory = self.world.tenants, self.world.stock
        self.account = tenants.a.account
        self.owner = tenants.a.owner_actor
        self.staff = system_actor(self.account)
        self.clients = {None: None, "X": tenants.x, "Y": tenants.y}
        self.groups = [inventory.nl_local, inventory.nl_mobile, inventory.gb_local, inventory.de_local]
        self.today = timezone.localdate()
        self.rules: dict[int | None, PriceRuleInput] = {}
        self.paid_periods: dict[int, int] = {}
        self.priced_up_to = self.last_entry_id()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # Helpers

    def clock(self):
        return time_machine.travel(datetime.combine(self.today, time(12), tzinfo=UTC), tick=False)

    def balance(self) -> Decimal:
        return Wallet.objects.get(account=self.account).balance

    def last_entry_id(self) -> int:
        return LedgerEntry.objects.filter(account=self.account).order_by("-id").values_list("id", flat=True).first()

    def numbers(self, *statuses, group=None) -> list[int]:
        numbers = Number.objects.filter(account=self.account)
        if statuses:
            numbers = numbers.filter(status__in=statuses)
        if group is not None:
            numbers = numbers.filter(group=group)
        return list(numbers.order_by("pk").values_list("pk", flat=True))

    def live_numbers(self) -> list[int]:
        return self.numbers(Status.PROVISIONING, Status.PENDING_REGULATORY, *RENEWABLE)

    def charged_numbers(self) -> list[int]:
        return sorted(
            set(LedgerEntry.objects.filter(account=self.account, amount__lt=0).values_list("number_id", flat=True))
            - {None}
        )

    def draw_number(self, data, pks: list[int]) -> Number:
        return Number.objects.select_related("group").get(pk=data.draw(st.sampled_from(pks), label="number"))

    def owed_back(self, number: Number) -> Decimal:
        """What refunding the number now should give back: its charges not refunded yet."""
        entries = LedgerEntry.objects.filter(
            account=self.account, reference_type="number", reference_id=number.public_id
        )
        refunded = set(entries.filter(kind=Kind.REFUND).values_list("dedupe_key", flat=True))
        charges = entries.filter(amount__lt=0).exclude(kind=Kind.REFUND)
        return sum((-c.amount for c in charges if f"refund:{c.pk}" not in refunded), Decimal("0"))

    def number_balance(self, number: Number) -> Decimal:
        entries = LedgerEntry.objects.filter(
            account=self.account, reference_type="number", reference_id=number.public_id
        )
        return sum(entries.values_list("amount", flat=True), Decimal("0"))

    # Rules

    @initialize(
        start=st.one_of(st.sampled_from(AWKWARD_DAYS), st.dates(date(2026, 11, 1), date(2028, 12, 31))),
        opening=st.sampled_from([None, Decimal("50"), Decimal("400")]),
        left=st.sampled_from([None, Decimal("0"), Decimal("2"), Decimal("5")]),
        group=st.sampled_from([0, 1, 1, 2]),
        count=st.integers(1, 3),
        client=st.sampled_from(CLIENTS),
        cycle=st.sampled_from(["monthly", "quarterly"]),
        sms=st.booleans(),
    )
    def start_with_numbers(self, start, opening, left, group, count, client, cycle, sms):
        """Every history starts on some day (month ends among them) with a few live numbers that renew soon,
        and often with little money left for them."""
        self.today = start
        if opening is not None:
            self.top_up(opening)
        self.buy(group=group, count=count, client=client, cycle=cycle, sms=sms, provision=True)
        if left is not None:
            self.spend(left)

    @rule(
        group=st.integers(0, 3),
        count=st.integers(1, 3),
        client=st.sampled_from(CLIENTS),
        cycle=st.sampled_from(CYCLES),
        sms=st.booleans(),
        provision=st.sampled_from([True, True, False]),
    )
    def buy(self, group, count, client, cycle, sms, provision):
        group = self.groups[group]
        wanted = list(
            AvailableNumber.objects.filter(group=group, status=AvailableNumber.Status.AVAILABLE)
            .order_by("e164")
            .values_list("e164", flat=True)[:count]
        )
        if len(wanted) < count and group == self.world.stock.nl_local:
            wanted += [make_stock_number() for _ in range(count - len(wanted))]
        if not wanted:
            return
        with_sms = sms and group.has_sms
        each = (
            group.setup_fee
            + period_price(monthly_price=group.monthly_price, billing_cycle=cycle)
            + (period_price(monthly_price=addon_monthly_price(group), billing_cycle=cycle) if with_sms else 0)
        )
        due, before, last = each * len(wanted), self.balance(), self.last_entry_id()
        try:
            with self.clock():
                order = number_purchase(
                    actor=self.owner,
                    numbers=wanted,
                    client=self.clients[client],
                    billing_cycle=cycle,
                    sms_where_offered=sms,
                )
        except InsufficientBalance:
            assert before < due, f"an order of {due} refused with {before} in the wallet"
            assert (self.balance(), self.last_entry_id()) == (before, last)
            event("order refused: balance too low")
            return
        assert before >= due
        assert order.total == due and self.balance() == before - due
        for number in order.numbers.all():
            assert number.status == Status.PROVISIONING and number.sms_enabled == with_sms
            assert number.paid_through == add_months(self.today, CYCLE_MONTHS[cycle])
            self.paid_periods[number.pk] = 1
            if provision:
                self.provision(number)

    @precondition(lambda self: self.numbers(Status.PROVISIONING))
    @rule(data=st.data(), delivered=st.booleans())
    def carrier_answers(self, data, delivered):
        """The carrier provisions a number bought earlier, or gives up on it (which refunds it)."""
        number = self.draw_number(data, self.numbers(Status.PROVISIONING))
        if delivered:
            self.provision(number)
            return
        owed, before = self.owed_back(number), self.balance()
        with self.clock():
            number_provision_failed(number_id=number.pk, reason="carrier gave up")
        number.refresh_from_db()
        assert number.status == Status.FAILED and self.balance() == before + owed
        assert self.number_balance(number) == 0
        assert AvailableNumber.objects.get(e164=number.e164).status == AvailableNumber.Status.AVAILABLE

    def provision(self, number: Number):
        with self.clock():
            number_provision(number_id=number.pk)
        number.refresh_from_db()
        assert number.status == (Status.PENDING_REGULATORY if number.group.requires_regulatory else Status.ACTIVE)

    @rule(amount=money)
    def top_up(self, amount):
        before = self.balance()
        with self.clock():
            wallet_credit(actor=self.staff, amount=amount, kind=Kind.TOP_UP, description="Bank transfer")
        assert self.balance() == before + amount

    @rule(
        left=st.one_of(
            st.none(),
            st.just("the next renewal"),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("10"), places=2),
        )
    )
    def spend(self, left):
        """Spend the wallet down to ``left`` (perhaps exactly what the next renewal costs), so renewals go
        unpaid; or try to take more than there is (None), which must be refused with nothing written."""
        before, last = self.balance(), self.last_entry_id()
        if left == "the next renewal":
            number = Number.objects.filter(account=self.account, status__in=RENEWABLE).order_by("paid_through", "pk")
            left = self.renewal_cost(number.first()) if number.exists() else Decimal("0")
        if left is None:
            with pytest.raises(InsufficientBalance), self.clock(), transaction.atomic():
                wallet = ledger.lock_wallet(self.account)
                ledger.adjust(wallet, amount=-(before + Decimal("0.01")), description="Too much", reference=None)
            assert (self.balance(), self.last_entry_id()) == (before, last)
            return
        amount = before - left
        if amount <= 0:
            return
        with self.clock(), transaction.atomic():
            ledger.adjust(ledger.lock_wallet(self.account), amount=-amount, description="Spent", reference=None)
        assert self.balance() == before - amount

    @rule(client=st.sampled_from(CLIENTS), percent=markup, monthly=fixed, setup=fixed, sms=fixed)
    def set_price(self, client, percent, monthly, setup, sms):
        client_id = self.clients[client].pk if client else None
        line = PriceRuleInput(
            client_id=client_id, markup_percent=percent, fixed_monthly=monthly, fixed_setup=setup, fixed_sms_addon=sms
        )
        with self.clock():
            price_rule_save(actor=self.owner, data=line)
        self.rules[client_id] = line

    @rule(days=st.integers(1, 40), daily=st.booleans(), twice=st.booleans())
    def days_pass(self, days, daily, twice):
        """The daily jobs run on each day that passes (or, after an outage, on the last day only); the last
        day's renewals sometimes twice."""
        for _ in range(days) if daily else [days]:
            self.today += timedelta(days=1 if daily else days)
            self.daily_jobs(renew_anyway=not daily)
        if twice:
            self.renew()

    @precondition(lambda self: self.next_due())
    @rule(then=st.integers(0, 5), twice=st.booleans())
    def until_next_due(self, then, twice):
        """Time passes to the day the next number falls due, and renewals run then and on the days after."""
        self.today = max(self.next_due(), self.today + timedelta(days=1))
        self.daily_jobs(renew_anyway=True)
        if twice:
            self.renew()
        for _ in range(then):
            self.today += timedelta(days=1)
            self.daily_jobs()

    def daily_jobs(self, *, renew_anyway: bool = False):
        """Renewals (on days with something due, or ``renew_anyway``), then the sweep of numbers held for
        documents."""
        if renew_anyway or self.due().exists():
            self.renew()
        if Number.objects.filter(account=self.account, status=Status.PENDING_REGULATORY).exists():
            self.sweep()

    def sweep(self):
        """Numbers held for documents longer than the holding period are released and refunded in full."""
        held = {n.pk: n for n in Number.objects.filter(account=self.account, status=Status.PENDING_REGULATORY)}
        owed = {pk: self.owed_back(number) for pk, number in held.items()}
        cutoff = datetime.combine(self.today, time(12), tzinfo=UTC) - timedelta(
            days=django_settings.REGULATORY_HOLD_DAYS
        )
        before = self.balance()
        with self.clock():
            regulatory_sweep()
        expired = [pk for pk, number in held.items() if number.regulatory_held_at < cutoff]
        statuses = dict(Number.objects.filter(pk__in=held).values_list("pk", "status"))
        assert {pk for pk, status in statuses.items() if status == Status.RELEASED} == set(expired)
        assert self.balance() == before + sum((owed[pk] for pk in expired), Decimal("0"))
        for pk in expired:
            assert self.number_balance(held[pk]) == 0
            event("regulatory hold expired: refunded")

    def due(self):
        return Number.objects.filter(account=self.account, status__in=RENEWABLE, paid_through__lte=self.today)

    def next_due(self) -> date | None:
        later = Number.objects.filter(account=self.account, status__in=RENEWABLE, paid_through__gt=self.today)
        return later.order_by("paid_through").values_list("paid_through", flat=True).first()

    @staticmethod
    def renewal_cost(number: Number, *, apart: bool = False):
        """What the number's next period costs: its own price and its SMS add-on's (``apart``), or the sum."""
        price = period_price(monthly_price=number.monthly_price, billing_cycle=number.billing_cycle)
        addon = Decimal("0")
        if number.sms_enabled:
            addon = period_price(monthly_price=number.sms_monthly_price, billing_cycle=number.billing_cycle)
        return (price, addon) if apart else price + addon

    def renew(self):
        """One renewals run on the clock's day, checked number by number against what it should have done."""
        as_of, before_balance, last = self.today, self.balance(), self.last_entry_id()
        if not self.due().exists():
            with self.clock():
                report = renewals_run(as_of=as_of)
            assert (report.renewed, report.failed, report.released, report.errors) == (0, 0, 0, 0)
            assert (self.balance(), self.last_entry_id()) == (before_balance, last)
            return
        before = {n.pk: n for n in Number.objects.filter(account=self.account)}
        with self.clock():
            report = renewals_run(as_of=as_of)
        assert report.errors == 0
        for outcome in ("renewed", "failed", "suspended", "released"):
            if getattr(report, outcome):
                event(f"renewals: some {outcome}")
        balance = self.balance()
        assert balance == before_balance - report.charged
        charges = defaultdict(list)
        for entry in LedgerEntry.objects.filter(account=self.account, id__gt=last):
            charges[entry.number_id].append((entry.kind, -entry.amount))
        assert set(charges) <= set(before), "a renewal charged something that is not a number"
        for number in Number.objects.filter(account=self.account, pk__in=before):
            old, new = before[number.pk], charges[number.pk]
            if old.status not in RENEWABLE or old.paid_through > as_of:
                assert (number.paid_through, new) == (old.paid_through, []), "a number not due was renewed"
                continue
            if old.cancel_at_period_end:
                assert (number.status, new) == (Status.RELEASED, []), "a number set not to renew was renewed"
                continue
            price, addon = self.renewal_cost(old, apart=True)
            if number.paid_through != old.paid_through:
                was_suspended = old.status == Status.SUSPENDED
                if was_suspended:
                    event("renewals: a suspended number paid again")
                # Every period from its paid-through date up to the one running today (a suspended number:
                # one, from today), oldest first, as far as the wallet went.
                start = as_of if was_suspended else old.paid_through
                months = CYCLE_MONTHS[old.billing_cycle]
                billing_day = start.day if was_suspended else old.billing_day
                ends = [period_end(start, months=months, billing_day=billing_day)]
                while ends[-1] <= as_of and not was_suspended:
                    ends.append(period_end(ends[-1], months=months, billing_day=billing_day))
                assert number.paid_through in ends, (old.paid_through, number.paid_through, ends)
                periods = ends.index(number.paid_through) + 1
                if periods > 1:
                    event("renewals: a number behind by several periods caught up")
                if number.paid_through > as_of:
                    assert number.payment_due_since is None and number.status in (Status.ACTIVE, Status.INACTIVE)
                else:  # the wallet ran out on the way: the rest is unpaid
                    event("renewals: a catch-up paid in part")
                    assert number.payment_due_since is not None and number.payment_due_since <= as_of
                    assert balance < price + addon, f"a renewal of {price + addon} declined with {balance} left"
                expected = ([(Kind.NUMBER_RENEWAL, price)] + ([(Kind.SMS_ADDON, addon)] if addon else [])) * periods
                assert sorted(new) == sorted(expected)
                self.paid_periods[number.pk] += periods
                continue
            assert new == [], "a number was charged without being renewed"
            assert number.payment_due_since is not None and number.payment_due_since <= as_of
            assert balance < price + addon, f"a renewal of {price + addon} declined with {balance} left"
            unpaid_days = (as_of - number.payment_due_since).days
            if unpaid_days >= django_settings.RENEWAL_GRACE_DAYS:
                assert number.status in (Status.SUSPENDED, Status.RELEASED)
            if unpaid_days >= django_settings.RENEWAL_GRACE_DAYS + django_settings.RENEWAL_HOLD_DAYS:
                assert number.status == Status.RELEASED

    @precondition(lambda self: self.charged_numbers())
    @rule(data=st.data(), how=st.sampled_from(["number", "number moved first", "chosen charges"]))
    def refund(self, data, how):
        """A number's charges given back (all not refunded yet; perhaps after it moved to another owner), or
        staff refunding charges they chose."""
        if how == "chosen charges":
            self.staff_refund(data)
            return
        number = self.draw_number(data, self.charged_numbers())
        if how == "number moved first" and number.status not in (Status.RELEASED, Status.FAILED):
            self.assign(number, data.draw(st.sampled_from(CLIENTS), label="client"))
        owed, before = self.owed_back(number), self.balance()
        with self.clock(), transaction.atomic():
            refunded = refund_number(number=number, reason="goodwill")
        assert refunded == owed and self.balance() == before + owed
        event("refund: gave money back" if owed else "refund: nothing left to give back")
        assert self.number_balance(number) == 0

    def staff_refund(self, data):
        charges = list(
            LedgerEntry.objects.filter(account=self.account, amount__lt=0, number__isnull=False)
            .exclude(kind=Kind.REFUND)
            .order_by("id")
            .values_list("pk", "amount")
        )
        chosen = dict(
            data.draw(st.lists(st.sampled_from(charges), min_size=1, max_size=3, unique=True), label="charges")
        )
        done = set(
            LedgerEntry.objects.filter(account=self.account, kind=Kind.REFUND).values_list("dedupe_key", flat=True)
        )
        fresh = {pk: amount for pk, amount in chosen.items() if f"refund:{pk}" not in done}
        before = self.balance()
        with self.clock():
            made, total = charges_refund(staff_user=None, entry_ids=list(chosen), reason="goodwill")
        owed = -sum(fresh.values(), Decimal("0"))
        assert (made, total) == (len(fresh), owed) and self.balance() == before + owed
        event("staff refund: gave money back" if fresh else "staff refund: all refunded before")

    @precondition(lambda self: self.live_numbers())
    @rule(data=st.data(), change=st.sampled_from(["renewal", "client", "sms"]))
    def configure(self, data, change):
        """What the reseller changes on a number: whether it renews, whose it is, SMS on or off."""
        number = self.draw_number(data, self.live_numbers())
        if change == "renewal":
            cancel = data.draw(st.booleans(), label="cancel at period end")
            with self.clock():
                number_configure(actor=self.owner, number=number, cancel_at_period_end=cancel)
            number.refresh_from_db()
            assert number.cancel_at_period_end == cancel
        elif change == "client":
            self.assign(number, data.draw(st.sampled_from(CLIENTS), label="client"))
        elif number.status == Status.ACTIVE and number.group.has_sms:
            self.switch_sms(number, enable=data.draw(st.booleans(), label="sms"))

    def assign(self, number: Number, client: str | None):
        with self.clock():
            number_configure(
                actor=self.owner, number=number, client_id=self.clients[client].public_id if client else None
            )
        number.refresh_from_db()
        assert number.client == self.clients[client]

    def switch_sms(self, number: Number, *, enable: bool):
        before, last = self.balance(), self.last_entry_id()
        try:
            with self.clock():
                number_configure(
                    actor=self.owner, number=number, capabilities=["voice", "sms"] if enable else ["voice"]
                )
        except InsufficientBalance:
            assert enable and (self.balance(), self.last_entry_id()) == (before, last)
            return
        number.refresh_from_db()
        assert number.sms_enabled == enable
        event("sms switched on" if enable else "sms switched off")
        full = period_price(monthly_price=addon_monthly_price(number.group), billing_cycle=number.billing_cycle)
        assert 0 <= before - self.balance() <= (full if enable else 0)

    # Invariants

    @invariant()
    def ledger_holds_together(self):
        assert_ledger_sound(self.account)

    @invariant()
    def one_charge_per_period(self):
        problems = period_count_problems(self.account, self.paid_periods)
        assert not problems, "\n".join(problems)

    @invariant()
    def client_prices_follow_the_price_list(self):
        """Each charge to a client since the last step carries the price the current price list gives."""
        new = LedgerEntry.objects.filter(account=self.account, id__gt=self.priced_up_to).select_related("number__group")
        for entry in new.order_by("id"):
            self.priced_up_to = entry.pk
            if entry.client_id is not None and entry.amount < 0:
                expected = expected_client_amount(entry, entry.number, self.rules)
                assert entry.client_amount == expected, (entry.kind, entry.amount, entry.client_amount, expected)


@pytest.mark.django_db
def test_money_holds_together_over_any_history_of_numbers(tenants, stock, settings):  # noqa: F811
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    NumberMoney.world = World(tenants=tenants, stock=stock)
    run_state_machine_as_test(
        NumberMoney,
        settings=hypothesis_settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# --- The checks catch what they are for ----------------------------------------------------------------


def renewed_number(tenants, settings) -> Number:
    """A number of client X, bought and renewed once: two period charges."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=tenants.x).numbers.get()
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert renewals_run(as_of=number.paid_through).renewed == 1
    assert_ledger_sound(tenants.a.account)
    assert period_count_problems(tenants.a.account, {number.pk: 2}) == []
    return number


def post(account, *, credit: bool = False, **kwargs) -> LedgerEntry:
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        return (ledger.credit if credit else ledger.debit)(wallet, **kwargs)


@pytest.mark.django_db
@pytest.mark.usefixtures("stock")
def test_the_checks_find_a_period_charged_twice_under_another_key(tenants, settings):
    number = renewed_number(tenants, settings)
    renewal = LedgerEntry.objects.get(number=number, kind=Kind.NUMBER_RENEWAL)
    post(
        tenants.a.account,
        amount=-renewal.amount,
        kind=Kind.NUMBER_RENEWAL,
        description=renewal.description,
        reference=ledger.Reference("number", number.public_id),
        client=tenants.x,
        client_amount=-renewal.client_amount,
        number_id=number.pk,
        dedupe_key=f"{renewal.dedupe_key}:again",
    )
    with pytest.raises(AssertionError, match="period until .* charged 2 times"):
        assert_ledger_sound(tenants.a.account)
    assert period_count_problems(tenants.a.account, {number.pk: 2}) == [
        f"number {number.pk}: 3 period charges for 2 periods"
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("stock")
def test_the_checks_find_a_balance_that_drifted_from_the_entries(tenants, settings):
    renewed_number(tenants, settings)
    Wallet.objects.filter(account=tenants.a.account).update(balance=F("balance") + Decimal("0.01"))
    with pytest.raises(AssertionError, match="not the sum of the entries"):
        assert_ledger_sound(tenants.a.account)


@pytest.mark.django_db
@pytest.mark.usefixtures("stock")
def test_the_checks_find_a_refund_larger_than_the_charges(tenants, settings):
    number = renewed_number(tenants, settings)
    post(
        tenants.a.account,
        credit=True,
        amount=Decimal("5.00"),
        kind=Kind.REFUND,
        description="Refund",
        reference=ledger.Reference("number", number.public_id),
        client=tenants.x,
    )
    with pytest.raises(AssertionError, match="refunded 2.0000 more than was charged"):
        assert_ledger_sound(tenants.a.account)


@pytest.mark.django_db
@pytest.mark.usefixtures("stock")
def test_the_checks_find_a_client_billed_below_wholesale(tenants, settings):
    number = renewed_number(tenants, settings)
    post(
        tenants.a.account,
        amount=Decimal("1.50"),
        kind=Kind.NUMBER_RENEWAL,
        description=f"{number.e164} monthly renewal until 2099-01-01",
        reference=ledger.Reference("number", number.public_id),
        client=tenants.x,
        client_amount=Decimal("1.00"),
        number_id=number.pk,
    )
    with pytest.raises(AssertionError, match="client price -1.0000 for -1.5000 wholesale"):
        assert_ledger_sound(tenants.a.account)


@pytest.mark.django_db
@pytest.mark.usefixtures("stock")
def test_a_refund_goes_back_to_the_client_that_paid_even_after_the_number_moved(tenants, settings):
    """Bought for X, moved to the reseller's own numbers while the carrier works, then given up by the
    carrier: X paid, so X's statement gets the refund (not nobody's, nor the next owner's)."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=tenants.x).numbers.get()
    number_configure(actor=tenants.a.owner_actor, number=number, client_id=None)
    number_provision_failed(number_id=number.pk, reason="carrier gave up")

    charge = LedgerEntry.objects.get(number=number, kind=Kind.NUMBER_PURCHASE)
    refund = LedgerEntry.objects.get(number=number, kind=Kind.REFUND)
    assert (charge.client, charge.client_amount) == (tenants.x, Decimal("-1.5000"))
    assert (refund.client, refund.client_amount) == (tenants.x, Decimal("1.5000"))
    assert_ledger_sound(tenants.a.account)

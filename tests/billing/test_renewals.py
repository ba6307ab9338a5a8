"""Renewals: calendar-correct periods, one charge per number and period however often (or however many
at once) the run happens, and an unpaid number walked day by day through grace, suspension and release."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from billing import ledger
from billing.models import LedgerEntry
from billing.periods import period_end
from billing.renewals import renewals_run
from billing.selectors import renewal_window, upcoming_renewals
from numbers_app.models import Number
from numbers_app.services import number_configure, number_provision, number_purchase
from portal.models import Event
from tests.billing.conftest import assert_balanced
from tests.billing.test_concurrency import run_together
from tests.numbers.conftest import NL_AMS, NL_MOBILE, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.usefixtures("stock")]


@pytest.mark.parametrize(
    ("paid_through", "months", "day", "expected"),
    [
        (date(2026, 1, 31), 1, 31, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, 31, date(2028, 2, 29)),  # leap year
        (date(2026, 2, 28), 1, 31, date(2026, 3, 31)),  # back to the billing day, no drift
        (date(2026, 4, 30), 1, 31, date(2026, 5, 31)),
        (date(2026, 12, 15), 1, 15, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, 30, date(2027, 2, 28)),
        (date(2026, 12, 31), 3, 31, date(2027, 3, 31)),
        (date(2027, 8, 31), 3, 31, date(2027, 11, 30)),
        (date(2028, 2, 29), 12, 29, date(2029, 2, 28)),
        (date(2029, 2, 28), 12, 29, date(2030, 2, 28)),
        (date(2031, 2, 28), 12, 29, date(2032, 2, 29)),
    ],
)
def test_periods_end_on_the_billing_day_or_the_last_day_of_a_shorter_month(paid_through, months, day, expected):
    assert period_end(paid_through, months=months, billing_day=day) == expected


def live_number(tenants, e164: str, **kw) -> Number:
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[e164], **kw).numbers.get()
    number_provision(number_id=number.pk)
    return Number.objects.get(pk=number.pk)


def spend_down_to(account, amount: str) -> None:
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        ledger.adjust(wallet, amount=Decimal(amount) - wallet.balance, description="test", reference=None)


def top_up(account, amount: str) -> None:
    with transaction.atomic():
        ledger.credit(
            ledger.lock_wallet(account),
            amount=Decimal(amount),
            kind=LedgerEntry.Kind.TOP_UP,
            description="test top-up",
            reference=None,
        )


def events_of(number: Number, event_type: str) -> int:
    return Event.objects.filter(type=event_type, subject_id=number.public_id).count()


def renewals(number: Number) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(reference_id=number.public_id, kind=LedgerEntry.Kind.NUMBER_RENEWAL).order_by("id")
    )


@pytest.mark.django_db
def test_a_due_number_is_charged_once_for_its_next_period_however_often_the_run_happens(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_AMS[0])
    due_day = number.paid_through

    assert renewals_run(as_of=due_day - timedelta(days=1)).renewed == 0
    first = renewals_run(as_of=due_day)
    again = renewals_run(as_of=due_day)
    later = renewals_run(as_of=due_day + timedelta(days=3))

    number.refresh_from_db()
    assert (first.renewed, again.renewed, later.renewed) == (1, 0, 0)
    (charge,) = renewals(number)
    assert charge.amount == Decimal("-1.5000") and charge.description.startswith(number.e164)
    assert number.paid_through == period_end(due_day, months=1, billing_day=number.billing_day)
    assert events_of(number, "payment.succeeded") == 1
    assert assert_balanced(tenants.a.account).balance == Decimal("100") - Decimal("1.50") * 2


@pytest.mark.django_db
def test_the_sms_add_on_renews_with_its_number_and_stops_once_switched_off(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_MOBILE[0], capabilities=["voice", "sms"])
    renewals_run(as_of=number.paid_through)
    addon = LedgerEntry.objects.filter(reference_id=number.public_id, kind=LedgerEntry.Kind.SMS_ADDON)
    assert addon.count() == 2  # bought with the number, then renewed with it
    number.refresh_from_db()
    number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice"])
    number.refresh_from_db()
    renewals_run(as_of=number.paid_through)
    assert addon.count() == 2 and len(renewals(number)) == 2
    assert_balanced(tenants.a.account)


@pytest.mark.django_db
def test_a_number_set_not_to_renew_ends_at_its_paid_through_date_with_a_notice_a_week_before(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_AMS[1])
    number_configure(actor=tenants.a.owner_actor, number=number, cancel_at_period_end=True)
    end = number.paid_through

    assert renewals_run(as_of=end - timedelta(days=8)).expiring == 0
    assert renewals_run(as_of=end - timedelta(days=7)).expiring == 1
    assert renewals_run(as_of=end - timedelta(days=6)).expiring == 0  # once
    report = renewals_run(as_of=end)

    number.refresh_from_db()
    assert report.released == 1 and number.status == Number.Status.RELEASED
    assert renewals(number) == []
    assert events_of(number, "number.expiring") == 1 and events_of(number, "number.released") == 1


@pytest.mark.django_db
def test_an_unpaid_number_goes_through_grace_suspension_and_release_with_each_event_once(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.RENEWAL_GRACE_DAYS, settings.RENEWAL_HOLD_DAYS = 3, 30
    number = live_number(tenants, NL_AMS[2])
    due = number.paid_through
    spend_down_to(tenants.a.account, "1.00")  # the renewal costs 1.50

    assert renewals_run(as_of=due - timedelta(days=7)).expiring == 1  # the wallet will not cover it
    states = {}
    for day in range(0, 35):
        renewals_run(as_of=due + timedelta(days=day))
        number.refresh_from_db()
        states[day] = number.status

    assert states[0] == states[2] == Number.Status.ACTIVE
    assert states[3] == states[32] == Number.Status.SUSPENDED
    assert states[33] == states[34] == Number.Status.RELEASED
    for event_type in ("payment.failed", "number.suspended", "number.released", "number.expiring"):
        assert events_of(number, event_type) == 1, event_type
    assert renewals(number) == [] and assert_balanced(tenants.a.account).balance == Decimal("1.00")


@pytest.mark.django_db
def test_a_top_up_during_suspension_renews_and_reactivates_from_the_day_it_is_paid(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_AMS[3])
    due = number.paid_through
    spend_down_to(tenants.a.account, "0.50")
    for day in range(0, 6):
        renewals_run(as_of=due + timedelta(days=day))
    number.refresh_from_db()
    assert number.status == Number.Status.SUSPENDED

    top_up(tenants.a.account, "10.00")
    paid_on = due + timedelta(days=6)
    renewals_run(as_of=paid_on)

    number.refresh_from_db()
    assert number.status == Number.Status.ACTIVE and number.payment_due_since is None
    assert number.paid_through == period_end(paid_on, months=1, billing_day=paid_on.day)
    assert len(renewals(number)) == 1 and events_of(number, "number.activated") == 2  # live, then live again
    assert assert_balanced(tenants.a.account).balance == Decimal("9.00")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_charge_each_due_period_once(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    numbers = [live_number(tenants, e164) for e164 in NL_AMS[4:10]]
    due = max(n.paid_through for n in numbers)

    results = run_together(2, lambda: renewals_run(as_of=due, batch_size=2))

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.renewed for r in results) == 6
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.NUMBER_RENEWAL).count() == 6
    assert Event.objects.filter(type="payment.succeeded", subject_type="number").count() == 6
    assert_balanced(tenants.a.account)


@pytest.mark.django_db
def test_the_operator_command_renews_as_of_a_given_day(tenants, settings, capsys):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_MOBILE[1])
    call_command("renewals_run", "--as-of", number.paid_through.isoformat())
    assert "Renewed 1 number(s) for EUR 4.0000" in capsys.readouterr().out
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("renewals_run", "--as-of", "tomorrow")


@pytest.mark.django_db
def test_a_renewal_batch_takes_the_same_number_of_queries_whatever_its_size(tenants, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SANDBOX_PROVISION_SECONDS = 0
    small = [live_number(tenants, e164) for e164 in NL_AMS[0:2]]
    large = [live_number(tenants, e164) for e164 in NL_MOBILE[0:8]]
    later = small[0].paid_through + timedelta(days=10)  # beyond the week of expiring notices
    Number.objects.filter(pk__in=[n.pk for n in large]).update(paid_through=later)

    with CaptureQueriesContext(connection) as two:
        assert renewals_run(as_of=small[0].paid_through).renewed == 2
    with CaptureQueriesContext(connection) as eight:
        assert renewals_run(as_of=later).renewed == 8

    assert len(eight.captured_queries) == len(two.captured_queries)
    assert_balanced(tenants.a.account)


@pytest.mark.django_db
def test_the_renewals_page_lists_what_is_due_and_warns_when_the_wallet_falls_short(tenants, settings):
    from tests.numbers.conftest import login

    settings.SANDBOX_PROVISION_SECONDS = 0
    live_number(tenants, NL_AMS[0])  # 1.50 a month
    live_number(tenants, NL_MOBILE[0])  # 4.00 a month
    owner = login("owner@alpha.test")
    page = owner.get("/billing/renewals/")
    assert page.status_code == 200
    assert page.context["upcoming"].total == Decimal("5.50") and page.context["upcoming"].first_uncovered is None
    # The page names the window it shows: today through the same day next month.
    start, end = renewal_window(timezone.localdate())
    assert f"Due from {start:%-d %b %Y} to {end:%-d %b %Y}" in page.content.decode(), page.content.decode()
    spend_down_to(tenants.a.account, "3.00")
    page = owner.get("/billing/renewals/").content.decode()
    assert 'data-testid="renewals-warning"' in page and "not covered" in page
    # Client admins do not see the reseller's prices.
    assert login(tenants.x_admin_email).get("/billing/renewals/").status_code == 404


@pytest.mark.django_db
def test_staff_run_renewals_for_chosen_accounts_from_the_admin(tenants, settings, admin_client):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_AMS[1])
    behind = number.paid_through - timedelta(days=40)
    Number.objects.filter(pk=number.pk).update(paid_through=behind)
    response = admin_client.post(
        "/admin/accounts/account/", {"action": "run_renewals", "_selected_action": [tenants.a.account.pk]}
    )
    assert response.status_code == 302
    # Every period it is behind by (one or two, by the day of the month): each charged once.
    due = periods_from(behind, until=timezone.localdate(), billing_day=number.billing_day)
    assert len(renewals(number)) == len(due) and Number.objects.get(pk=number.pk).paid_through == due[-1][1]


@pytest.mark.django_db
def test_a_batch_never_charges_more_than_the_balance_left_after_its_earlier_renewals(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    first, second = live_number(tenants, NL_AMS[0]), live_number(tenants, NL_AMS[1])
    other = number_purchase(actor=tenants.b.owner_actor, numbers=[NL_AMS[2]]).numbers.get()
    number_provision(number_id=other.pk)
    Number.objects.filter(pk=first.pk).update(monthly_price=Decimal("3"))
    Number.objects.filter(pk=second.pk).update(monthly_price=Decimal("8"), paid_through=first.paid_through)
    spend_down_to(tenants.a.account, "10.00")  # 3 fits; 8 fits the balance, not what is left after the 3

    report = renewals_run(as_of=first.paid_through)

    first.refresh_from_db()
    second.refresh_from_db()
    assert report.errors == 0 and report.renewed == 2  # the first number, and the other account's
    assert len(renewals(first)) == 1 and renewals(second) == []
    assert second.payment_due_since is not None and second.status == Number.Status.ACTIVE  # in its grace days
    assert events_of(second, "payment.failed") == 1
    assert assert_balanced(tenants.a.account).balance == Decimal("7.00")
    other.refresh_from_db()
    assert len(renewals(other)) == 1  # one account's shortfall never holds up another's renewals


@pytest.mark.django_db
def test_a_number_priced_at_zero_is_bought_and_renewed_without_a_charge(tenants, settings, api_as):
    from numbers_app.models import NumberGroup

    settings.SANDBOX_PROVISION_SECONDS = 0
    NumberGroup.objects.filter(stock__e164=NL_AMS[3]).update(monthly_price=Decimal("0"))
    response = api_as(tenants.a.key).post(
        "/api/v1/wallet/checkout", {"items": [{"number": NL_AMS[3]}], "billing_cycle": "monthly"}
    )
    assert response.status_code == 201, response.content
    number = Number.objects.get(e164=NL_AMS[3])
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    due = number.paid_through
    assert renewals_run(as_of=due).renewed == 1
    number.refresh_from_db()
    assert number.paid_through > due and renewals(number) == []
    assert assert_balanced(tenants.a.account).balance == Decimal("100")


@pytest.mark.django_db
def test_refunding_a_reference_twice_credits_and_reports_the_money_once(tenants, settings):
    from billing.services import refund_reference

    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_MOBILE[2])  # 2.50 setup + 4.00 first month
    reference = ledger.Reference("number", number.public_id)
    with transaction.atomic():
        first = refund_reference(account=tenants.a.account, reference=reference, reason="test")
    with transaction.atomic():
        second = refund_reference(account=tenants.a.account, reference=reference, reason="test")
    assert (first, second) == (Decimal("6.5000"), Decimal("0"))
    assert assert_balanced(tenants.a.account).balance == Decimal("100")


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (date(2026, 12, 7), date(2027, 1, 7)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2026, 2, 28), date(2026, 3, 31)),  # the month's last day: through next month's last
        (date(2028, 2, 29), date(2028, 3, 31)),
        (date(2026, 4, 30), date(2026, 5, 31)),
        (date(2026, 3, 29), date(2026, 4, 29)),
    ],
)
def test_the_renewal_window_is_the_coming_billing_month(today, end):
    assert renewal_window(today) == (today, end)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 7, 9, tzinfo=UTC),
        datetime(2027, 1, 31, 12, tzinfo=UTC),  # 31-day month, renews on 28 February
        datetime(2028, 1, 31, 12, tzinfo=UTC),  # renews on 29 February
        datetime(2027, 2, 28, 12, tzinfo=UTC),
        datetime(2028, 2, 29, 12, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # a daylight-saving change in Europe
    ],
)
def test_a_monthly_number_bought_today_is_listed_as_due_whatever_the_date(tenants, settings, moment):
    settings.SANDBOX_PROVISION_SECONDS = 0
    with time_machine.travel(moment, tick=False):
        number = live_number(tenants, NL_AMS[0])
        upcoming = upcoming_renewals(actor=tenants.a.owner_actor)
        assert [row.number.pk for row in upcoming.rows] == [number.pk]
        assert upcoming.start <= number.paid_through <= upcoming.end


def periods_from(start: date, *, until: date, billing_day: int, months: int = 1) -> list[tuple[date, date]]:
    """Every period from ``start`` up to the one running on ``until``."""
    periods = []
    while start <= until:
        end = period_end(start, months=months, billing_day=billing_day)
        periods.append((start, end))
        start = end
    return periods


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bought", [datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2027, 1, 31, 12, tzinfo=UTC)], ids=str
)
def test_a_number_behind_by_several_periods_catches_up_every_period_in_one_run(tenants, settings, bought):
    settings.SANDBOX_PROVISION_SECONDS = 0
    with time_machine.travel(bought, tick=False):
        number = live_number(tenants, NL_AMS[0])
    as_of = number.paid_through + timedelta(days=100)  # the job did not run for over three months
    expected = periods_from(number.paid_through, until=as_of, billing_day=number.billing_day)
    assert len(expected) == 4

    report = renewals_run(as_of=as_of)

    number.refresh_from_db()
    assert (report.renewed, report.failed, report.charged) == (1, 0, Decimal("6.0000"))
    assert number.paid_through == expected[-1][1] > as_of and number.status == Number.Status.ACTIVE
    charges = renewals(number)
    assert [c.amount for c in charges] == [Decimal("-1.5000")] * 4
    assert [c.dedupe_key for c in charges] == [f"renewal:{number.public_id}:{s:%Y-%m-%d}" for s, _ in expected]
    paid = Event.objects.filter(type="payment.succeeded", subject_id=number.public_id).order_by("id")
    assert [(event.data["period_start"], event.data["paid_through"]) for event in paid] == [
        (start.isoformat(), end.isoformat()) for start, end in expected
    ]
    # Runs that follow (the same day, the next day) have nothing left to charge.
    assert renewals_run(as_of=as_of).renewed == renewals_run(as_of=as_of + timedelta(days=1)).renewed == 0
    assert len(renewals(number)) == 4
    assert assert_balanced(tenants.a.account).balance == Decimal("100") - Decimal("1.50") * 5


@pytest.mark.django_db
def test_the_sms_add_on_catches_up_with_its_number_one_charge_per_period(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_MOBILE[0], capabilities=["voice", "sms"])
    as_of = number.paid_through + timedelta(days=65)
    expected = periods_from(number.paid_through, until=as_of, billing_day=number.billing_day)

    renewals_run(as_of=as_of)

    addons = LedgerEntry.objects.filter(reference_id=number.public_id, kind=LedgerEntry.Kind.SMS_ADDON).order_by("id")
    assert [a.dedupe_key for a in addons][1:] == [f"sms_addon:{number.public_id}:{e:%Y-%m-%d}" for _, e in expected]
    assert len(renewals(number)) == len(expected) == 3
    assert_balanced(tenants.a.account)


@pytest.mark.django_db
def test_a_catch_up_the_wallet_covers_in_part_charges_what_it_can_and_the_rest_goes_through_grace(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.RENEWAL_GRACE_DAYS = 3
    number = live_number(tenants, NL_AMS[1])
    as_of = number.paid_through + timedelta(days=100)
    expected = periods_from(number.paid_through, until=as_of, billing_day=number.billing_day)
    spend_down_to(tenants.a.account, "3.20")  # two periods of 1.50, not three

    report = renewals_run(as_of=as_of)

    number.refresh_from_db()
    assert (report.renewed, report.failed) == (1, 1)
    assert len(renewals(number)) == 2 and number.paid_through == expected[1][1] <= as_of
    assert number.payment_due_since == as_of and number.status == Number.Status.ACTIVE
    (failed,) = Event.objects.filter(type="payment.failed", subject_id=number.public_id)
    assert failed.data["paid_through"] == expected[1][1].isoformat() and failed.data["amount"] == "1.5000"
    assert assert_balanced(tenants.a.account).balance == Decimal("0.20")

    # A top-up in part during the grace days pays one more period; the grace days run on from the start.
    top_up(tenants.a.account, "1.50")
    renewals_run(as_of=as_of + timedelta(days=1))
    number.refresh_from_db()
    assert len(renewals(number)) == 3 and number.paid_through == expected[2][1]
    assert number.payment_due_since == as_of and events_of(number, "payment.failed") == 1
    renewals_run(as_of=as_of + timedelta(days=3))
    number.refresh_from_db()
    assert number.status == Number.Status.SUSPENDED

    # Paid in full once suspended: one period from that day, nothing for the days it was off.
    top_up(tenants.a.account, "10.00")
    paid_on = as_of + timedelta(days=5)
    renewals_run(as_of=paid_on)
    number.refresh_from_db()
    assert number.status == Number.Status.ACTIVE and number.payment_due_since is None
    assert number.paid_through == period_end(paid_on, months=1, billing_day=paid_on.day)
    assert len(renewals(number)) == 4 and events_of(number, "payment.succeeded") == 4
    assert assert_balanced(tenants.a.account).balance == Decimal("8.70")


@pytest.mark.django_db
def test_a_top_up_in_the_grace_days_catches_up_every_period_still_owed(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    number = live_number(tenants, NL_AMS[2])
    as_of = number.paid_through + timedelta(days=70)
    expected = periods_from(number.paid_through, until=as_of + timedelta(days=1), billing_day=number.billing_day)
    spend_down_to(tenants.a.account, "1.00")
    renewals_run(as_of=as_of)
    assert renewals(number) == []

    top_up(tenants.a.account, "20.00")
    renewals_run(as_of=as_of + timedelta(days=1))

    number.refresh_from_db()
    assert len(renewals(number)) == len(expected) == 3
    assert number.paid_through == expected[-1][1] and number.payment_due_since is None
    assert assert_balanced(tenants.a.account).balance == Decimal("21.00") - Decimal("1.50") * 3


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_catch_up_each_period_once(tenants, settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    numbers = [live_number(tenants, e164) for e164 in NL_AMS[4:8]]
    as_of = max(n.paid_through for n in numbers) + timedelta(days=95)
    periods = sum(len(periods_from(n.paid_through, until=as_of, billing_day=n.billing_day)) for n in numbers)

    results = run_together(3, lambda: renewals_run(as_of=as_of, batch_size=2))

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.renewed for r in results) == 4
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.NUMBER_RENEWAL).count() == periods
    assert Event.objects.filter(type="payment.succeeded", subject_type="number").count() == periods
    assert all(n.paid_through > as_of for n in Number.objects.filter(pk__in=[n.pk for n in numbers]))
    assert_balanced(tenants.a.account)

"""Staff, the sandbox and the hourly job racing on PostgreSQL with real threads."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.actor import system_actor
from billing import ledger
from billing.models import LedgerEntry
from numbers_app import services
from numbers_app.models import Number, Order, PortRequest
from numbers_app.porting import services as porting
from numbers_app.regulatory import services as regulatory
from portal.models import Event
from tests.numbers.conftest import DE_BERLIN, make_stock_number
from tests.numbers.regulatory_fixtures import make_port, make_profile, next_port_number
from tests.numbers.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


def test_a_port_completed_by_eight_at_once_is_completed_and_charged_once(tenants, stock):
    port = make_port(tenants.a.owner_actor, numbers=["+442079460555", "+442079460556"])
    actor = system_actor(tenants.a.account)
    results = race(8, lambda i: porting.port_complete(actor=actor, port=PortRequest.objects.get(pk=port.pk)))
    done = [r for r in results if isinstance(r, PortRequest)]
    assert len(done) == 1, [r for r in results if isinstance(r, Exception)][:3]
    assert all(isinstance(r, (PortRequest, porting.InvalidState)) for r in results)
    port.refresh_from_db()
    assert port.status == "completed" and port.last_error == ""
    assert Number.objects.filter(port=port).count() == 2 and Order.objects.count() == 1
    assert Event.objects.filter(type="number.ported").count() == 2
    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == Decimal("98.0000") == ledger.entries_total(wallet)


def test_approval_racing_the_hold_limit_either_activates_or_refunds_never_both(tenants, stock):
    profile, _ = make_profile(tenants.a.owner_actor)
    number = services.number_purchase(
        actor=tenants.a.owner_actor, numbers=[DE_BERLIN[0]], compliance_profile_id=profile.pk
    ).numbers.get()
    services.number_provision(number_id=number.pk)
    regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    Number.objects.filter(pk=number.pk).update(
        regulatory_held_at=timezone.now() - timedelta(days=settings.REGULATORY_HOLD_DAYS + 1)
    )
    staff = system_actor(tenants.a.account)
    jobs = [
        lambda: regulatory.profile_approve(actor=staff, profile=profile),
        lambda: regulatory.number_hold_expire(number_id=number.pk),
    ]
    race(2, lambda i: jobs[i]())
    number.refresh_from_db()
    refunds = LedgerEntry.objects.filter(kind="refund", reference_id=number.public_id).count()
    approved = Event.objects.filter(type="regulatory.approved", subject_id=number.public_id).count()
    if number.status == "released":
        assert refunds == 1 and approved == 0
    else:
        assert number.status == "provisioning" and refunds == 0 and approved == 1
    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == ledger.entries_total(wallet)


def test_two_resellers_asking_for_one_number_at_once_leave_the_later_request_in_conflict(tenants, stock, monkeypatch):
    number = next_port_number()
    make_stock_number()  # (the Amsterdam group the number joins)
    real = porting.port_conflicts

    def slow(*args, **kwargs):  # both requests are checked before either commits, unless they take turns
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(porting, "port_conflicts", slow)
    actors = [system_actor(tenants.a.account), system_actor(tenants.b.account)]
    results = race(
        2,
        lambda i: porting.port_create(
            actor=actors[i], numbers=[number], current_carrier="KPN", authorization_name="Jan de Vries"
        ),
    )
    assert all(isinstance(r, PortRequest) for r in results), results
    flags = sorted(PortRequest.objects.order_by("pk").values_list("in_conflict", flat=True))
    assert flags == [False, True]

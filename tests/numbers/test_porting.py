"""Porting numbers in: the request, its checks, staff moving it along, the sandbox completing it, and the
numbers that result (owned, live, billed and renewed like bought ones)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.actor import Actor, system_actor
from accounts.models import AuditLog
from billing import ledger
from billing.models import LedgerEntry
from billing.renewals import renewals_run
from billing.services import PriceRuleInput, price_rule_save
from numbers_app.models import AvailableNumber, ComplianceDocument, Number, PortRequest
from numbers_app.porting import services as porting
from numbers_app.regulatory import services as regulatory
from numbers_app.tasks import porting_sandbox_sweep_task
from portal.errors import InsufficientBalance, InvalidState, PermissionDenied
from portal.models import Event
from tests.conftest import assert_error
from tests.numbers.conftest import DE_BERLIN, NL_AMS
from tests.numbers.regulatory_fixtures import PNG, make_port, make_profile, next_port_number, pdf

pytestmark = pytest.mark.django_db

GB_PORT = ["+442079460555", "+442079460556"]  # London, outside the test stock (…0100-0109)


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"
    settings.SANDBOX_PORT_SECONDS = 0


def multipart(api, path, data):
    return api.http.post(path, data=data, headers=api._headers(None))


def request_port(api, **extra):
    body = {
        "numbers": ["+44 20 7946 0555", "+442079460556"],
        "current_carrier": "Acme Telecom",
        "authorization_name": "John Doe",
        "account_number": "ACC-12345",
        "pin": "4321",
    } | extra
    return api.post("/api/v1/numbers/porting", body)


def test_the_porting_lifecycle_ends_with_the_numbers_owned_active_and_billed(tenants, stock, api_as, staff_actor):
    api = api_as(tenants.a.key)
    created = request_port(api, client_id=tenants.x.pk, billing_cycle="quarterly")
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["id"].startswith("port_") and data["status"] == "pending"
    assert data["numbers"] == GB_PORT and data["pin_set"] is True and "pin" not in data
    assert data["account_number"] == "*****2345"  # masked: the full number is for the losing carrier
    assert (
        data["estimated_completion"].endswith("T00:00:00Z")
        and data["estimated_completion"] > timezone.now().isoformat()
    )
    assert [step["status"] for step in data["timeline"]] == ["submitted", "pending"]
    assert api.get("/api/v1/numbers/porting").json()["meta"]["total"] == 1
    port_id = data["id"]

    uploaded = multipart(
        api,
        f"/api/v1/numbers/porting/{port_id}/documents",
        {"letter_of_authorization": pdf("loa.pdf"), "bill": SimpleUploadedFile("bill.png", PNG, "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.content
    assert {d["document_type"] for d in uploaded.json()["data"]["documents"]} == {"letter_of_authorization", "bill"}
    document = uploaded.json()["data"]["documents"][0]
    assert api.get(f"/api/v1/numbers/porting/{port_id}/documents/{document['id']}").status_code == 200

    port = PortRequest.objects.get()
    porting.port_schedule(actor=staff_actor, port=port, at=timezone.now() - timedelta(minutes=1))
    assert api.get(f"/api/v1/numbers/porting/{port_id}").json()["data"]["status"] == "scheduled"
    with pytest.raises(InvalidState):
        porting.port_cancel(actor=tenants.a.owner_actor, port=port)  # too late once scheduled

    balance_before = ledger.wallet_for(tenants.a.account).balance
    assert porting_sandbox_sweep_task.apply().get() == 1
    assert porting_sandbox_sweep_task.apply().get() == 0  # safe to run twice
    port.refresh_from_db()
    assert port.status == "completed" and port.order_id and port.completed_at
    numbers = list(Number.objects.filter(e164__in=GB_PORT).order_by("e164"))
    assert [n.status for n in numbers] == ["active", "active"]
    for number in numbers:
        assert number.account == tenants.a.account and number.client == tenants.x and number.port == port
        assert number.billing_cycle == "quarterly" and number.paid_through > timezone.localdate()
        assert number.carrier_ref.startswith("sbx_") and number.group == stock.gb_local
        ported = Event.objects.get(subject_id=number.public_id, type="number.ported")
        assert ported.data["port_id"] == port_id and ported.data["number"] == number.e164
        assert Event.objects.filter(subject_id=number.public_id, type="number.activated").count() == 1
    # charged like a purchase: the first (quarterly) period of each, naming the number and its client
    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == balance_before - Decimal("6.0000") == ledger.entries_total(wallet)
    charges = LedgerEntry.objects.filter(kind="porting", reference_id__in=[n.public_id for n in numbers])
    assert charges.count() == 2 and {c.client_id for c in charges} == {tenants.x.pk}
    paid = Event.objects.get(type="payment.succeeded", subject_id=f"ord_{port.order_id}")
    assert paid.data["port_id"] == port_id and paid.view_data()["amount"] == "6.0000"
    listed = api.get("/api/v1/numbers?status=active").json()["data"]
    assert {n["number"] for n in listed} == set(GB_PORT) and listed[0]["port_id"] == port_id
    detail = api.get(f"/api/v1/numbers/porting/{port_id}").json()["data"]
    assert [s["status"] for s in detail["timeline"]] == ["submitted", "pending", "scheduled", "completed"]


def test_a_completed_port_shows_its_client_its_own_price_in_the_payment_event(tenants, stock, staff_actor):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("100")))
    port = porting.port_complete(actor=staff_actor, port=make_port(tenants.a.owner_actor, client=tenants.x))
    paid = Event.objects.get(type="payment.succeeded", subject_id=f"ord_{port.order_id}")
    wholesale = Decimal(paid.view_data()["amount"])
    assert wholesale > 0 and Decimal(paid.view_data(client_view=True)["amount"]) == 2 * wholesale


def test_ported_numbers_renew_like_bought_ones(tenants, stock, staff_actor):
    port = make_port(tenants.a.owner_actor, numbers=[GB_PORT[0]])
    porting.port_complete(actor=staff_actor, port=port)
    number = Number.objects.get(e164=GB_PORT[0])
    paid_through = number.paid_through
    report = renewals_run(as_of=paid_through)
    number.refresh_from_db()
    assert number.paid_through > paid_through and number.status == "active"
    assert report.renewed == 1
    renewal = LedgerEntry.objects.filter(reference_id=number.public_id, kind="number_renewal")
    assert renewal.count() == 1 and renewal.get().amount == Decimal("-1.0000")


def test_a_wallet_that_cannot_pay_completes_nothing_and_staff_see_why(
    tenants, stock, staff_actor, client, django_user_model
):
    port = make_port(system_actor(tenants.b.account), numbers=[GB_PORT[0], GB_PORT[1]])
    with ledger_drained(tenants.b.account):
        with pytest.raises(InsufficientBalance):
            porting.port_complete(actor=system_actor(tenants.b.account, user=staff_actor.user), port=port)
        port.refresh_from_db()
        assert port.status == "pending" and "too low" in port.last_error and port.order_id is None
        assert not Number.objects.filter(e164__in=GB_PORT).exists()
        wallet = ledger.wallet_for(tenants.b.account)
        assert wallet.balance == Decimal("0.5000") == ledger.entries_total(wallet)
        failed = Event.objects.get(type="payment.failed")
        assert failed.data["port_id"] == port.public_id and failed.data["amount"] == "2.0000"
        with pytest.raises(InsufficientBalance):  # tried again: the same reason is not announced twice
            porting.port_complete(actor=staff_actor, port=PortRequest.objects.get(pk=port.pk))
        assert Event.objects.filter(type="payment.failed").count() == 1
        staff = django_user_model.objects.get(pk=staff_actor.user.pk)
        client.force_login(staff)
        page = client.get(f"/admin/numbers/portrequest/{port.pk}/change/").content.decode()
        assert "too low" in page
    porting.port_complete(actor=staff_actor, port=PortRequest.objects.get(pk=port.pk))
    assert PortRequest.objects.get(pk=port.pk).status == "completed"


class ledger_drained:
    """Take the account's balance down to EUR 0.50 for the block (a staff adjustment), then back."""

    def __init__(self, account):
        self.account = account

    def __enter__(self):
        from django.db import transaction

        with transaction.atomic():
            wallet = ledger.lock_wallet(self.account)
            self.taken = wallet.balance - Decimal("0.50")
            ledger.adjust(wallet, amount=-self.taken, description="test drain", reference=None)

    def __exit__(self, *exc):
        from django.db import transaction

        with transaction.atomic():
            ledger.adjust(ledger.lock_wallet(self.account), amount=self.taken, description="test refill",
                          reference=None)  # fmt: skip
        return False


def test_a_number_taken_meanwhile_stops_the_completion(tenants, stock, staff_actor):
    port = make_port(tenants.a.owner_actor, numbers=[GB_PORT[0]])
    Number.objects.create(
        account=tenants.b.account, order=_order(tenants.b.account), group=stock.gb_local, e164=GB_PORT[0],
        country_id="GB", type="local", monthly_price=1, setup_fee=0, paid_through=timezone.localdate(), status="active",
    )  # fmt: skip
    with pytest.raises(porting.NumberUnavailable):
        porting.port_complete(actor=staff_actor, port=port)
    port.refresh_from_db()
    assert port.status == "pending" and "Already on DIDfarm" in port.last_error


def _order(account):
    from numbers_app.models import Order

    return Order.objects.create(account=account, total=0)


def test_a_regulated_ported_number_goes_live_only_with_an_approved_profile(tenants, stock, staff_actor):
    de = ["+493012399001", "+493012399002"]
    waiting = make_port(tenants.a.owner_actor, numbers=[de[0]])
    porting.port_complete(actor=staff_actor, port=waiting)
    held = Number.objects.get(e164=de[0])
    assert held.status == "pending_regulatory" and held.regulatory_held_at and held.group == stock.de_local
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    proven = make_port(tenants.a.owner_actor, numbers=[de[1]], compliance_profile_id=profile.public_id)
    porting.port_complete(actor=staff_actor, port=proven)
    number = Number.objects.get(e164=de[1])
    assert number.status == "active" and number.compliance_profile == profile
    assert Event.objects.filter(subject_id=number.public_id, type="regulatory.approved").exists()


# --- Checks on the request -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers,field,code",
    [
        ([], "numbers", "validation_error"),
        (["0207946 0555"], "numbers[0]", "validation_error"),
        (["+442079460555", "+44 20 7946 0555"], "numbers[1]", "validation_error"),
        (["+12025550123"], "numbers[0]", "validation_error"),  # no US numbers hosted
        ([NL_AMS[0]], "numbers[0]", "number_unavailable"),  # DIDfarm's own stock: buy it
    ],
)
def test_bad_port_numbers_are_refused_and_nothing_is_written(tenants, stock, api_as, numbers, field, code):
    error = assert_error(request_port(api_as(tenants.a.key), numbers=numbers), 422, code)
    assert field in error["fields"]
    assert not PortRequest.objects.exists()


def test_a_number_the_requester_owns_or_has_in_an_open_port_is_refused(tenants, stock, api_as):
    from numbers_app.services import number_purchase

    number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[1]])
    AvailableNumber.objects.filter(e164=NL_AMS[1]).update(status="sold")
    api = api_as(tenants.a.key)
    assert_error(request_port(api, numbers=[NL_AMS[1]]), 422, "number_unavailable")
    assert request_port(api).status_code == 201
    again = assert_error(request_port(api, numbers=[GB_PORT[1]]), 422, "number_unavailable")
    assert "your open port request" in again["fields"]["numbers[0]"][0]
    # Another reseller asking for the same number is answered like anyone (staff see the conflict).
    assert request_port(api_as(tenants.b.key), numbers=[GB_PORT[1]]).status_code == 201


@pytest.mark.parametrize(
    "body,field",
    [
        ({"current_carrier": ""}, "current_carrier"),
        ({"authorization_name": "   "}, "authorization_name"),
        ({"billing_cycle": "weekly"}, "billing_cycle"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_port_detail_errors(tenants, stock, api_as, body, field):
    api = api_as(tenants.a.key)
    error = assert_error(request_port(api, **body), 422, "validation_error")
    assert field in error["fields"]
    assert not PortRequest.objects.exists()


def test_port_documents_are_checked_like_any_document(tenants, stock, api_as):
    port = make_port(tenants.a.owner_actor)
    api = api_as(tenants.a.key)
    bad = SimpleUploadedFile("bill.pdf", PNG, content_type="application/pdf")
    assert_error(multipart(api, f"/api/v1/numbers/porting/{port.pk}/documents", {"bill": bad}), 422,
                 "file_type_mismatch")  # fmt: skip
    assert_error(multipart(api, f"/api/v1/numbers/porting/{port.pk}/documents", {"id_document": pdf()}), 422,
                 "validation_error")  # fmt: skip
    assert ComplianceDocument.objects.filter(port=port).count() == 1  # the one made with the request


def test_only_the_reseller_requests_and_cancels_ports(tenants, stock, api_as):
    port = make_port(tenants.a.owner_actor, client=tenants.x)
    x_api = api_as(tenants.x_key)
    assert_error(request_port(x_api), 403, "forbidden")
    assert x_api.get(f"/api/v1/numbers/porting/{port.public_id}").status_code == 200  # but sees its own
    assert_error(x_api.post(f"/api/v1/numbers/porting/{port.pk}/cancel"), 403, "forbidden")
    assert_error(api_as(tenants.a.read_only_key).post(f"/api/v1/numbers/porting/{port.pk}/cancel"), 403, "forbidden")
    with pytest.raises(PermissionDenied):
        client_admin = Actor(account=tenants.a.account, role="client_admin", client=tenants.x)
        porting.port_create(actor=client_admin, numbers=GB_PORT, current_carrier="X", authorization_name="Y")
    cancelled = api_as(tenants.a.key).post(f"/api/v1/numbers/porting/{port.public_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    assert_error(api_as(tenants.a.key).post(f"/api/v1/numbers/porting/{port.pk}/cancel"), 422, "invalid_state")
    assert AuditLog.objects.filter(action="port.cancelled").count() == 1


def test_ports_are_isolated_between_resellers_and_clients(tenants, stock, api_as):
    xs = make_port(tenants.a.owner_actor, client=tenants.x)
    ys = make_port(tenants.a.owner_actor, client=tenants.y)
    theirs = make_port(system_actor(tenants.b.account))
    x_api = api_as(tenants.x_key)
    assert [p["id"] for p in x_api.get("/api/v1/numbers/porting").json()["data"]] == [xs.public_id]
    assert_error(x_api.get(f"/api/v1/numbers/porting/{ys.public_id}"), 404, "not_found")
    a_api = api_as(tenants.a.key)
    assert {p["id"] for p in a_api.get("/api/v1/numbers/porting").json()["data"]} == {xs.public_id, ys.public_id}
    for path in ("", "/cancel", "/documents"):
        method = a_api.get if path == "" else a_api.post
        assert_error(method(f"/api/v1/numbers/porting/{theirs.public_id}{path}"), 404, "not_found")
    document = theirs.documents.get()
    assert_error(a_api.get(f"/api/v1/numbers/porting/{theirs.pk}/documents/{document.pk}"), 404, "not_found")
    assert_error(a_api.get(f"/api/v1/numbers/porting/{xs.pk}/documents/{document.pk}"), 404, "not_found")
    assert PortRequest.objects.get(pk=theirs.pk).status == "pending"


def test_staff_reject_a_port_with_a_reason(tenants, stock, staff_actor, api_as):
    port = make_port(tenants.a.owner_actor)
    with pytest.raises(porting.ValidationFailed):
        porting.port_reject(actor=staff_actor, port=port, reason="")
    porting.port_reject(actor=staff_actor, port=port, reason="The account number does not match.")
    data = api_as(tenants.a.key).get(f"/api/v1/numbers/porting/{port.pk}").json()["data"]
    assert data["status"] == "rejected" and data["rejection_reason"] == "The account number does not match."
    with pytest.raises(InvalidState):
        porting.port_complete(actor=staff_actor, port=PortRequest.objects.get(pk=port.pk))


def test_the_sandbox_waits_for_the_scheduled_time_and_its_delay(tenants, stock, staff_actor, settings):
    settings.SANDBOX_PORT_SECONDS = 60
    port = make_port(tenants.a.owner_actor)
    porting.port_schedule(actor=staff_actor, port=port, at=timezone.now())
    assert porting.sandbox_ports_due_ids() == []
    assert porting.sandbox_ports_due_ids(now=timezone.now() + timedelta(seconds=61)) == [port.pk]


def test_an_idempotent_retry_of_a_port_request_creates_one(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    body = {"numbers": [next_port_number()], "current_carrier": "KPN", "authorization_name": "Jan"}
    first = api.post("/api/v1/numbers/porting", body, headers={"Idempotency-Key": "port-1"})
    second = api.post("/api/v1/numbers/porting", body, headers={"Idempotency-Key": "port-1"})
    assert first.status_code == second.status_code == 201 and first.json()["data"] == second.json()["data"]
    assert PortRequest.objects.count() == 1


def test_admin_moves_a_port_along(tenants, stock, client, django_user_model):
    port = make_port(tenants.a.owner_actor, numbers=[GB_PORT[0]])
    staff = django_user_model.objects.create_superuser("ports@didfarm.test", "pw-for-staff-1")
    client.force_login(staff)
    assert client.get("/admin/numbers/portrequest/").status_code == 200
    page = client.get(f"/admin/numbers/portrequest/{port.pk}/change/").content.decode()
    assert "Schedule…" in page and f"/numbers/documents/{port.documents.get().pk}/" in page
    assert client.get(f"/admin/numbers/portrequest/{port.pk}/schedule/").status_code == 200
    client.post(f"/admin/numbers/portrequest/{port.pk}/schedule/", {"at": "2030-01-02T09:30"})
    port.refresh_from_db()
    assert port.status == "scheduled" and port.scheduled_at.year == 2030 and port.estimated_completion.year == 2030
    assert client.get(f"/admin/numbers/portrequest/{port.pk}/complete/").status_code == 200
    client.post(f"/admin/numbers/portrequest/{port.pk}/complete/")
    port.refresh_from_db()
    assert port.status == "completed"
    assert AuditLog.objects.get(action="port.completed").actor_label == "ports@didfarm.test"
    other = make_port(tenants.a.owner_actor)
    client.post(f"/admin/numbers/portrequest/{other.pk}/reject/", {"reason": ""})
    assert PortRequest.objects.get(pk=other.pk).status == "pending"
    client.post(f"/admin/numbers/portrequest/{other.pk}/reject/", {"reason": "Wrong PIN."})
    assert PortRequest.objects.get(pk=other.pk).status == "rejected"
    third = make_port(tenants.a.owner_actor)
    client.post("/admin/numbers/portrequest/", {"action": "schedule_now", "_selected_action": [third.pk]})
    assert PortRequest.objects.get(pk=third.pk).status == "scheduled"


def test_de_berlin_stock_numbers_cannot_be_ported(tenants, stock, api_as):
    assert_error(request_port(api_as(tenants.a.key), numbers=[DE_BERLIN[0]]), 422, "number_unavailable")


# --- Removing a document ---------------------------------------------------------------------------


def test_a_port_document_is_removed_while_the_request_is_pending_with_an_audit_row(
    tenants, stock, api_as, django_capture_on_commit_callbacks
):
    port = make_port(tenants.a.owner_actor)
    document = port.documents.get()
    storage = ComplianceDocument._meta.get_field("file").storage
    assert storage.exists(document.file.name)
    url = f"/api/v1/numbers/porting/{port.public_id}/documents/{document.public_id}"
    api = api_as(tenants.a.key)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(url)

    assert response.status_code == 204 and response.content == b""
    assert not ComplianceDocument.objects.filter(pk=document.pk).exists()
    assert not storage.exists(document.file.name)
    audit = AuditLog.objects.get(action="port.document_deleted", subject_id=port.public_id)
    assert audit.before == {"documents": [f"{document.public_id} letter_of_authorization {document.original_name}"]}
    assert_error(api.get(url), 404, "not_found")
    assert_error(api.delete(url), 404, "not_found")
    assert api.get(f"/api/v1/numbers/porting/{port.public_id}").json()["data"]["documents"] == []


@pytest.mark.parametrize("state", ["scheduled", "cancelled", "rejected"])
def test_a_port_document_stays_once_the_request_can_no_longer_change(tenants, stock, api_as, staff_actor, state):
    port = make_port(tenants.a.owner_actor)
    document = port.documents.get()
    if state == "scheduled":
        porting.port_schedule(actor=staff_actor, port=port, at=timezone.now() + timedelta(days=3))
    elif state == "cancelled":
        porting.port_cancel(actor=tenants.a.owner_actor, port=port)
    else:
        porting.port_reject(actor=staff_actor, port=port, reason="The account number does not match.")

    response = api_as(tenants.a.key).delete(f"/api/v1/numbers/porting/{port.pk}/documents/{document.pk}")

    assert state in assert_error(response, 422, "invalid_state")["message"]
    assert ComplianceDocument.objects.filter(pk=document.pk).exists()
    assert not AuditLog.objects.filter(action="port.document_deleted").exists()


def test_someone_elses_port_document_is_404_and_only_the_resellers_full_key_removes_one(tenants, stock, api_as):
    theirs = make_port(system_actor(tenants.b.account))
    xs = make_port(tenants.a.owner_actor, client=tenants.x)
    other = make_port(tenants.a.owner_actor)
    their_document, x_document = theirs.documents.get(), xs.documents.get()
    a_api = api_as(tenants.a.key)

    for path in (
        f"{theirs.public_id}/documents/{their_document.public_id}",
        f"{xs.public_id}/documents/{their_document.public_id}",
        f"{other.public_id}/documents/{x_document.public_id}",  # a document of another of A's requests
        f"{xs.public_id}/documents/doc_999999",
    ):
        assert_error(a_api.delete(f"/api/v1/numbers/porting/{path}"), 404, "not_found")
    x_path = f"/api/v1/numbers/porting/{xs.public_id}/documents/{x_document.public_id}"
    assert_error(api_as(tenants.x_key).delete(x_path), 403, "forbidden")
    assert_error(api_as(tenants.a.read_only_key).delete(x_path), 403, "forbidden")

    assert ComplianceDocument.objects.filter(pk__in=[their_document.pk, x_document.pk]).count() == 2
    assert not AuditLog.objects.filter(action="port.document_deleted").exists()

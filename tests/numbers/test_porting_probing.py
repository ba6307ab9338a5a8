"""A port-in request tells the requester nothing about other customers: a number another reseller holds, or
has in a pending port, is accepted like a free one, and goes to staff as a conflict with both parties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actor import system_actor
from accounts.models import AuditLog
from numbers_app.models import AvailableNumber, PortRequest
from numbers_app.porting import services as porting
from numbers_app.services import number_purchase
from portal.errors import InvalidState
from tests.conftest import assert_error
from tests.numbers.conftest import NL_AMS, login
from tests.numbers.regulatory_fixtures import make_port, next_port_number

pytestmark = pytest.mark.django_db

IDS = {"id", "port_id", "numbers", "created_at", "time", "created", "at", "request_id", "timestamp"}


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


def _theirs(tenants):
    """A number reseller B holds, and one in B's pending port request."""
    number_purchase(actor=tenants.b.owner_actor, numbers=[NL_AMS[1]])
    AvailableNumber.objects.filter(e164=NL_AMS[1]).update(status="sold")
    in_port = next_port_number()
    make_port(system_actor(tenants.b.account), numbers=[in_port])
    return NL_AMS[1], in_port


def _shape(value):
    """The answer without what differs between any two requests (ids, numbers, times)."""
    if isinstance(value, dict):
        return {key: ("…" if key in IDS else _shape(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return value


def _request(api, number):
    body = {"numbers": [number], "current_carrier": "KPN", "authorization_name": "Jan de Vries", "pin": "1234"}
    return api.post("/api/v1/numbers/porting", body)


def test_a_port_request_answers_alike_for_a_free_number_another_resellers_and_one_in_their_pending_port(
    tenants, stock, api_as
):
    owned_by_b, in_b_port = _theirs(tenants)
    free = next_port_number()
    api = api_as(tenants.a.key)

    answers = [_request(api, number) for number in (free, owned_by_b, in_b_port)]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    bodies = [answer.json() for answer in answers]
    assert bodies[0]["data"]["status"] == "pending"
    assert _shape(bodies[1]) == _shape(bodies[0]) == _shape(bodies[2])
    detail = [api.get(f"/api/v1/numbers/porting/{body['data']['id']}").json() for body in bodies]
    assert _shape(detail[1]) == _shape(detail[0]) == _shape(detail[2])
    listed = api.get("/api/v1/numbers/porting").json()["data"]
    assert len({repr(_shape(item)) for item in listed}) == 1
    assert "Beta" not in repr(bodies + detail + listed)  # (reseller B is "Beta Telecom")


def test_the_porting_pages_answer_alike_for_all_three(tenants, stock, owner):
    owned_by_b, in_b_port = _theirs(tenants)
    pages = [
        owner.post("/numbers/porting/new/", {"step": "1", "numbers": number, "billing_cycle": "monthly"})
        for number in (next_port_number(), owned_by_b, in_b_port)
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [page.context["step"] for page in pages] == [2, 2, 2]
    assert all(not page.context["numbers_form"].errors for page in pages)


def test_a_conflicting_request_goes_to_staff_with_both_parties_and_waits_until_settled(
    tenants, stock, api_as, staff_actor, client
):
    owned_by_b, in_b_port = _theirs(tenants)
    api = api_as(tenants.a.key)
    free_port, owned_port, ported_port = (
        PortRequest.objects.get(pk=_request(api, number).json()["data"]["port_id"])
        for number in (next_port_number(), owned_by_b, in_b_port)
    )
    b_port = PortRequest.objects.get(account=tenants.b.account)

    assert not free_port.in_conflict and free_port.conflicts == []
    assert owned_port.in_conflict and [(c["number"], c["held_by"]) for c in owned_port.conflicts] == [
        (owned_by_b, f"acc_{tenants.b.account.pk}")
    ]
    assert ported_port.in_conflict and ported_port.conflicts[0]["as"] == b_port.public_id
    flagged = AuditLog.objects.get(action="port.conflict", subject_id=owned_port.public_id)
    assert flagged.account is None  # the staff's record: neither reseller's audit log shows it

    client.force_login(staff_actor.user)
    page = client.get(f"/admin/numbers/portrequest/{owned_port.pk}/change/").content.decode()
    assert tenants.a.account.name in page and tenants.b.account.name in page and owned_by_b in page
    assert "settle/" in page
    listed = client.get("/admin/numbers/portrequest/?in_conflict__exact=1").content.decode()
    assert owned_port.public_id in listed and ported_port.public_id in listed
    assert f">{free_port.public_id}<" not in listed

    with pytest.raises(InvalidState):
        porting.port_schedule(actor=staff_actor, port=owned_port, at=timezone.now() + timedelta(days=1))
    with pytest.raises(InvalidState):
        porting.port_complete(actor=staff_actor, port=owned_port)
    client.post(f"/admin/numbers/portrequest/{ported_port.pk}/settle/", {"note": "Beta released it"})
    ported_port.refresh_from_db()
    assert not ported_port.in_conflict
    settled = AuditLog.objects.get(action="port.conflict_settled")
    assert settled.account is None and settled.after["note"] == "Beta released it"
    porting.port_schedule(actor=staff_actor, port=ported_port, at=timezone.now() + timedelta(days=1))


def test_numbers_the_requester_holds_or_asked_for_already_get_a_clear_error(tenants, stock, api_as):
    number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[2]])
    AvailableNumber.objects.filter(e164=NL_AMS[2]).update(status="sold")
    api = api_as(tenants.a.key)
    mine = assert_error(_request(api, NL_AMS[2]), 422, "number_unavailable")
    assert mine["fields"]["numbers[0]"] == [f"{NL_AMS[2]} is already yours."]
    pending = next_port_number()
    first = _request(api, pending).json()["data"]["id"]
    again = assert_error(_request(api, pending), 422, "number_unavailable")
    assert again["fields"]["numbers[0]"] == [f"{pending} is in your open port request {first}."]
    assert PortRequest.objects.count() == 1


@pytest.fixture
def owner(tenants):
    return login("owner@alpha.test")

"""Compliance profiles sent to a ``didww`` carrier, through DIDWW's official SDK against a local DIDWW API v3
(``fake_didww``): what is sent and how, retries that create nothing twice, upstream refusals (4xx) and
outages (5xx), the verdict polled and applied as staff's decision, and the staff console."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from numbers_app import group_cache, tasks
from numbers_app.carriers import CarrierError
from numbers_app.models import ComplianceProfile, Number, UpstreamSubmission
from numbers_app.regulatory import services as regulatory
from numbers_app.services import number_purchase
from numbers_app.upstream import regulatory as upstream_regulatory
from numbers_app.upstream import services as upstream
from portal.models import Event
from tests.numbers.fake_didww import FakeDidww, FakeGroup, serve
from tests.numbers.regulatory_fixtures import PDF, PROFILE_FIELDS, uploads

LONDON = [f"+44207946{n:04d}" for n in range(300, 304)]


@pytest.fixture
def fake():
    fake = FakeDidww(
        groups=[
            FakeGroup(id="g-lon", country="GB", type="Local", prefix="20", area_name="London", monthly="0.83",
                      setup="1.00", numbers=list(LONDON), needs_address=True),
        ]
    )  # fmt: skip
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def held(db, tenants, stock, fake, django_capture_on_commit_callbacks) -> Number:
    """A number bought from the ``didww`` carrier, whose group needs documents: held here and upstream."""
    carrier = upstream.carrier_save(name="didww", kind="didww", api_url=fake.url, api_key="test-key", priority=5,
                                    markup_percent=Decimal("25"), rounding=Decimal("0.05"))  # fmt: skip
    upstream.carrier_stock_import(carrier_id=carrier.pk)
    group_cache.forget()
    with django_capture_on_commit_callbacks(execute=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[LONDON[0]])
    number = Number.objects.get(e164=LONDON[0])
    assert number.group.requires_regulatory  # the import recorded the group's address requirement
    tasks.number_provision_task.apply(args=(number.pk,))
    number.refresh_from_db()
    assert number.status == Number.Status.PENDING_REGULATORY and number.carrier_ref
    return number


@pytest.fixture
def staff(client, staff_actor):
    client.force_login(staff_actor.user)
    return client


def submitted(tenants, number: Number, capture) -> tuple[ComplianceProfile, list]:
    """The reseller submits a business profile with its two documents for the number; returns the profile
    and the callbacks that were to run after commit."""
    details = dict(PROFILE_FIELDS, countries=["GB"], number_types=["local"])
    with capture(execute=False) as callbacks:
        profile = regulatory.regulatory_submit(
            actor=tenants.a.owner_actor,
            uploads=uploads("company_registration", "proof_of_address"),
            number=number,
            details=details,
        )
    return profile, callbacks


def sent(tenants, held, capture) -> UpstreamSubmission:
    profile, _callbacks = submitted(tenants, held, capture)
    [submission_id] = upstream_regulatory.regulatory_upstream_send(profile_id=profile.pk)
    return UpstreamSubmission.objects.get(pk=submission_id)


def test_submitting_the_profile_enqueues_its_sending_on_the_carrier_queue(
    tenants, held, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.regulatory_upstream_send_task, "delay", lambda *args: queued.append(args))
    profile, callbacks = submitted(tenants, held, django_capture_on_commit_callbacks)
    for callback in callbacks:
        callback()
    assert queued == [(profile.pk,)]
    from portal.celery import TASK_QUEUES

    assert TASK_QUEUES["numbers_app.tasks.regulatory_upstream_send_task"] == "carrier"


def test_a_profile_for_sandbox_numbers_only_is_not_sent_anywhere(
    tenants, held, django_capture_on_commit_callbacks, monkeypatch
):
    Number.objects.filter(pk=held.pk).update(status=Number.Status.ACTIVE)  # nothing waits upstream
    queued = []
    monkeypatch.setattr(tasks.regulatory_upstream_send_task, "delay", lambda *args: queued.append(args))
    profile, callbacks = submitted(tenants, held, django_capture_on_commit_callbacks)
    for callback in callbacks:
        callback()
    assert queued == []
    assert upstream_regulatory.regulatory_upstream_send(profile_id=profile.pk) == []


def test_the_profile_goes_upstream_as_identity_address_encrypted_files_proofs_and_a_verification(
    tenants, held, fake, django_capture_on_commit_callbacks
):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    assert submission.status == UpstreamSubmission.Status.PENDING and submission.error == ""
    [identity] = fake.requests_to("POST", "/identities")
    assert identity.body["data"]["attributes"] == {
        "identity_type": "business", "company_name": "Xylo Dental GmbH", "company_reg_number": "HRB 12345",
    }  # fmt: skip
    assert identity.body["data"]["relationships"]["country"]["data"] == {"type": "countries", "id": "DE"}
    [address] = fake.requests_to("POST", "/addresses")
    assert address.body["data"]["attributes"] == {
        "address": "Friedrichstraße 1", "postal_code": "10117", "city_name": "Berlin",
    }  # fmt: skip
    identity_id = next(iter(fake.vault["identities"]))
    assert address.body["data"]["relationships"]["identity"]["data"]["id"] == identity_id
    # Each document, encrypted for the upstream's two keys as the SDK does: the upstream opens it.
    uploads_sent = fake.requests_to("POST", "/encrypted_files")
    assert len(uploads_sent) == 2 and sorted(fake.files.values()) == [PDF, PDF]
    assert {u.body["description"] for u in uploads_sent} == {"company_registration.pdf", "proof_of_address.pdf"}
    assert all(u.body["encryption_fingerprint"].count(":::") == 1 for u in uploads_sent)
    # Proofs by the upstream's own proof types (by entity type), of the identity or of the address.
    proofs = {p.body["data"]["relationships"]["proof_type"]["data"]["id"]: p.body["data"]["relationships"]
              for p in fake.requests_to("POST", "/proofs")}  # fmt: skip
    assert set(proofs) == {"pt-extract", "pt-bill"}
    assert proofs["pt-extract"]["entity"]["data"] == {"type": "identities", "id": identity_id}
    assert proofs["pt-bill"]["entity"]["data"]["type"] == "addresses"
    assert all(len(p["files"]["data"]) == 1 for p in proofs.values())
    # The address verification links the address to the DID.
    [verification] = fake.requests_to("POST", "/address_verifications")
    assert verification.body["data"]["relationships"]["dids"]["data"] == [{"type": "dids", "id": held.carrier_ref}]
    # Every create but the uploads names an idempotency key of its own.
    keys = [r.headers.get("Idempotency-Key") for r in fake.requests if r.method == "POST" and r.path != "/orders"
            and r.path != "/did_reservations" and r.path != "/encrypted_files"]  # fmt: skip
    assert len(keys) == 5 and len(set(keys)) == 5 and all(k.startswith(str(submission.uid)) for k in keys)
    assert submission.identity_ref == identity_id
    assert set(submission.steps.values_list("step", flat=True)) == {
        "identity", "address", *(f"file:{pk}" for pk in submission.profile.documents.values_list("pk", flat=True)),
        "proof:company_registration",
        "proof:proof_of_address", f"verification:{held.pk}",
    }  # fmt: skip


def test_sending_again_creates_nothing_twice(tenants, held, fake, django_capture_on_commit_callbacks):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    before = len([r for r in fake.requests if r.method == "POST"])
    assert upstream_regulatory.regulatory_upstream_send(profile_id=submission.profile_id) == [submission.pk]
    UpstreamSubmission.objects.filter(pk=submission.pk).update(status=UpstreamSubmission.Status.SENDING)
    upstream_regulatory.submission_send(submission_id=submission.pk)
    assert len([r for r in fake.requests if r.method == "POST"]) == before
    assert UpstreamSubmission.objects.count() == 1


def test_an_outage_is_retried_with_backoff_and_resumes_where_it_stopped(
    tenants, held, fake, django_capture_on_commit_callbacks
):
    profile, _callbacks = submitted(tenants, held, django_capture_on_commit_callbacks)
    fake.refuse = ""
    fake.down = True
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(CarrierError) as raised:
            upstream_regulatory.regulatory_upstream_send(profile_id=profile.pk)
        assert raised.value.transient
        submission = UpstreamSubmission.objects.get()
        assert submission.status == UpstreamSubmission.Status.SENDING and "maintenance" in submission.error
        assert submission.next_attempt_at == timezone.now() + timedelta(minutes=1) and submission.attempts == 1
        assert upstream_regulatory.regulatory_upstream_sweep()["send"] == []  # not due yet
        clock.shift(timedelta(minutes=1))
        assert upstream_regulatory.regulatory_upstream_sweep()["send"] == [submission.pk]
        with pytest.raises(CarrierError):
            upstream_regulatory.submission_send(submission_id=submission.pk)
        submission.refresh_from_db()
        assert submission.next_attempt_at == timezone.now() + timedelta(minutes=2)  # backing off
        clock.shift(timedelta(minutes=2))
        fake.down = False
        tasks.regulatory_upstream_sweep_task.apply()  # (the sweep hands it to a task, run here at once)
        tasks.regulatory_upstream_submission_send_task.apply(args=(submission.pk,))
    submission.refresh_from_db()
    assert submission.status == UpstreamSubmission.Status.PENDING and submission.error == ""
    assert len(fake.vault["identities"]) == 1 and len(fake.vault["address_verifications"]) == 1


def test_an_upstream_refusal_is_final_and_shown_to_staff(
    tenants, held, fake, staff, django_capture_on_commit_callbacks
):
    fake.refuse = "proofs"
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    assert submission.status == UpstreamSubmission.Status.FAILED
    assert "company_reg_number is invalid" in submission.error
    assert upstream_regulatory.regulatory_upstream_sweep() == {"send": [], "poll": []}  # not retried
    page = staff.get(f"/admin/numbers/complianceprofile/{submission.profile_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Refused upstream" in html and "company_reg_number is invalid" in html
    assert submission.identity_ref in html  # the upstream's ids


def test_the_upstream_approval_approves_here_and_the_number_goes_live(
    tenants, held, fake, staff, django_capture_on_commit_callbacks
):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    verification = submission.steps.get(step=f"verification:{held.pk}").upstream_ref
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) == "pending"
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) is None  # claimed: not due again
    fake.verdict[verification] = ("approved", None)
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        assert upstream_regulatory.regulatory_upstream_sweep()["poll"] == [submission.pk]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert upstream_regulatory.submission_poll(submission_id=submission.pk) == "approved"
    profile = ComplianceProfile.objects.get(pk=submission.profile_id)
    assert profile.status == ComplianceProfile.Status.APPROVED  # through staff's own approval
    number = Number.objects.get(pk=held.pk)
    assert number.status == Number.Status.PROVISIONING and callbacks  # back through provisioning
    assert Event.objects.filter(type="regulatory.approved", subject_id=held.public_id).count() == 1
    tasks.number_provision_task.apply(args=(held.pk,))
    assert Number.objects.get(pk=held.pk).status == Number.Status.ACTIVE
    assert Event.objects.filter(type="number.activated", subject_id=held.public_id).exists()
    page = staff.get(f"/admin/numbers/complianceprofile/{profile.pk}/change/").content.decode()
    assert "Approved upstream" in page and verification in page


def test_the_upstream_rejection_rejects_here_with_its_reason(tenants, held, fake, django_capture_on_commit_callbacks):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    verification = submission.steps.get(step=f"verification:{held.pk}").upstream_ref
    fake.verdict[verification] = ("rejected", ["The extract is older than three months."])
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=False):
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) == "rejected"
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) is None
    profile = ComplianceProfile.objects.get(pk=submission.profile_id)
    assert profile.status == ComplianceProfile.Status.REJECTED
    assert profile.rejection_reason == "The extract is older than three months."
    [event] = Event.objects.filter(type="regulatory.rejected", subject_id=held.public_id)
    assert event.data["reason"] == "The extract is older than three months."
    assert Number.objects.get(pk=held.pk).status == Number.Status.PENDING_REGULATORY
    submission.refresh_from_db()
    assert submission.status == UpstreamSubmission.Status.REJECTED and submission.reason == profile.rejection_reason


def test_an_upstream_callback_about_a_verification_polls_it_at_once(
    tenants, held, fake, client, django_capture_on_commit_callbacks, monkeypatch
):
    import hashlib
    import hmac

    upstream.carrier_save(name="didww", callback_secret="s3cret")
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    verification = submission.steps.get(step=f"verification:{held.pk}").upstream_ref
    polled = []
    monkeypatch.setattr(tasks.regulatory_upstream_poll_task, "delay", lambda *args: polled.append(args))
    url = "http://testserver/api/v1/carriers/didww/orders"
    payload = {"id": verification, "status": "approved", "type": "address_verifications"}
    data = "http://testserver:80/api/v1/carriers/didww/orders" + "".join(k + payload[k] for k in sorted(payload))
    signature = hmac.new(b"s3cret", data.encode(), hashlib.sha1).hexdigest()
    body = {"data": {"id": verification, "type": "address_verifications", "attributes": {"status": "approved"}}}
    ok = client.post(url, body, content_type="application/json", HTTP_X_DIDWW_SIGNATURE=signature)
    assert ok.status_code == 200
    assert polled == [(submission.pk,)]
    submission.refresh_from_db()
    assert submission.next_poll_at <= timezone.now()


def test_a_verdict_on_an_earlier_round_does_not_decide_the_profile_submitted_again(
    tenants, held, fake, staff_actor, django_capture_on_commit_callbacks
):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    profile = submission.profile
    with django_capture_on_commit_callbacks(execute=False):  # staff here reject it first; it is corrected
        regulatory.profile_reject(actor=staff_actor, profile=profile, reason="Wrong street.")
        regulatory.profile_update(actor=tenants.a.owner_actor, profile=profile, street="Damrak 2")
        regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    fake.verdict[submission.steps.get(step=f"verification:{held.pk}").upstream_ref] = ("approved", None)
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) == "approved"
    assert ComplianceProfile.objects.get(pk=profile.pk).status == ComplianceProfile.Status.SUBMITTED  # undecided
    assert Number.objects.get(pk=held.pk).status == Number.Status.PENDING_REGULATORY
    # The new round goes upstream as a submission of its own.
    again = upstream_regulatory.regulatory_upstream_send(profile_id=profile.pk)
    assert submission.pk not in again and UpstreamSubmission.objects.count() == 2
    assert len(fake.vault["identities"]) == 2


def test_a_number_from_the_carrier_waits_for_its_approval_even_when_staff_approve_here_first(
    tenants, held, fake, staff_actor, django_capture_on_commit_callbacks
):
    submission = sent(tenants, held, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        regulatory.profile_approve(actor=staff_actor, profile=submission.profile)
    assert Number.objects.get(pk=held.pk).status == Number.Status.PENDING_REGULATORY  # the carrier has not
    assert not Event.objects.filter(type="regulatory.approved", subject_id=held.public_id).exists()
    fake.verdict[submission.steps.get(step=f"verification:{held.pk}").upstream_ref] = ("approved", None)
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert upstream_regulatory.submission_poll(submission_id=submission.pk) == "approved"
    assert Number.objects.get(pk=held.pk).status == Number.Status.PROVISIONING and callbacks
    assert Event.objects.filter(type="regulatory.approved", subject_id=held.public_id).count() == 1
    tasks.number_provision_task.apply(args=(held.pk,))
    assert Number.objects.get(pk=held.pk).status == Number.Status.ACTIVE

"""Documents go upstream, the verdict comes back: two live portals (the fixture of
``test_didfarm_as_carrier``), nothing mocked between them.

A's Dutch local numbers need documents. B buys one from A; both hold it for documents. B's client submits
its compliance profile with its documents to B; B sends it to A through A's /api/v3 with DIDWW's SDK
(identity, address, encrypted files, proofs, an address verification for the DID). A's staff decide
through A's own service, in A's database; B's poll turns that into B's decision: approved → B's number
goes live with ``regulatory.approved``; rejected → B's profile is rejected with A's reason."""

from __future__ import annotations

import json

import requests
from didww.query_params import QueryParams
from didww.resources.order import Order
from didww.resources.order_item.available_did_order_item import AvailableDidOrderItem

from tests.numbers.regulatory_fixtures import PDF
from tests.numbers.test_didfarm_as_carrier import (  # noqa: F401
    Portal,
    documents_needed,
    eventually,
    portals,
    upstream_did,
)

DETAILS = {
    "end_user_type": "business",
    "name": "Xylo Dental BV",
    "registration_number": "KVK 1234",
    "street": "Damrak 1",
    "postal_code": "1012 LG",
    "city": "Amsterdam",
    "address_country": "NL",
}


def shell(portal: Portal, code: str):
    """Run ``code`` in the portal's Django (its database), returning the JSON it prints last."""
    out = portal.manage("shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


B_STATE = """
import json
from numbers_app.models import Number, UpstreamSubmission
from portal.models import Event
n = Number.objects.select_related("compliance_profile").get(e164="{e164}")
p = n.compliance_profile
s = UpstreamSubmission.objects.filter(profile=p).order_by("-id").first() if p else None
print(json.dumps({{
    "number": n.status,
    "profile": p.status if p else None,
    "reason": p.rejection_reason if p else None,
    "events": sorted(Event.objects.filter(subject_id=n.public_id).values_list("type", flat=True)),
    "submission": s.status if s else None,
    "submission_reason": s.reason if s else None,
    "steps": dict(s.steps.values_list("step", "upstream_ref")) if s else {{}},
}}))
"""

A_COUNTS = """
import json
from numbers_app.models import AddressVerification, ComplianceDocument, ComplianceProfile
print(json.dumps({
    "profiles": ComplianceProfile.objects.count(),
    "documents": ComplianceDocument.objects.count(),
    "verifications": AddressVerification.objects.count(),
    "submitted": list(ComplianceProfile.objects.filter(status="submitted").values_list("pk", flat=True)),
}))
"""

A_DECIDE = """
import json
from accounts.actor import system_actor
from numbers_app.models import ComplianceProfile
from numbers_app.regulatory import services
p = ComplianceProfile.objects.get(pk={pk})
if "{verdict}" == "approve":
    p = services.profile_approve(actor=system_actor(p.account), profile=p)
else:
    p = services.profile_reject(actor=system_actor(p.account), profile=p, reason="{reason}")
print(json.dumps(p.status))
"""

SWEEP = """
import json
from numbers_app.tasks import regulatory_upstream_sweep_task
print(json.dumps(regulatory_upstream_sweep_task()))
"""


def buy_at_b(b: Portal, offer) -> str:
    item = AvailableDidOrderItem()
    item.available_did_id = offer.id
    item.sku_id = next(s for s in offer.did_group.stock_keeping_units if s.id.endswith("-monthly")).id
    order = Order()
    order.items = [item]
    b.sdk().orders().create(order)
    return "+" + offer.number


def submit_documents(b: Portal, e164: str) -> dict:
    files = {
        "company_registration": ("kvk.pdf", PDF, "application/pdf"),
        "proof_of_address": ("bill.pdf", PDF, "application/pdf"),
    }
    response = requests.post(
        f"{b.url}/api/regulatory/submit",
        data={"number_id": e164, **DETAILS},
        files=files,
        headers={"Authorization": f"Bearer {b.key}"},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_documents_go_upstream_and_the_upstream_verdict_decides_here(portals):  # noqa: F811
    a, b = portals
    both = (a, b)
    # A's Dutch local numbers need documents; B's stock import records that of the groups.
    documents_needed(a, True)
    b.manage("carrier", "import", "didww")
    assert shell(
        b,
        "import json\nfrom numbers_app.models import NumberGroup\n"
        "print(json.dumps(sorted(set(NumberGroup.objects.filter(carrier='didww').values_list("
        "'requires_regulatory', flat=True)))))",
    ) == [True]
    offers = b.sdk().available_dids().list(QueryParams().include("did_group.stock_keeping_units").page(size=2)).data
    assert len(offers) == 2
    approved_e164, rejected_e164 = buy_at_b(b, offers[0]), buy_at_b(b, offers[1])

    def state(e164: str) -> dict:
        return shell(b, B_STATE.format(e164=e164))

    for e164 in (approved_e164, rejected_e164):
        eventually(lambda e164=e164: state(e164)["number"] == "pending_regulatory", "B holds the number", both)
        assert upstream_did(a, e164) is not None  # A holds its DID for documents too

    # The client submits its documents for the first number: B sends them to A.
    submit_documents(b, approved_e164)
    sent = eventually(lambda: state(approved_e164)["submission"] == "pending" and state(approved_e164), "sent", both)
    assert {"identity", "address", "proof:company_registration", "proof:proof_of_address"} <= set(sent["steps"])
    assert len([s for s in sent["steps"] if s.startswith("file:")]) == 2
    assert len([s for s in sent["steps"] if s.startswith("verification:")]) == 1
    at_a = shell(a, A_COUNTS)
    assert at_a["profiles"] == 1 and at_a["documents"] == 2 and at_a["verifications"] == 1
    assert len(at_a["submitted"]) == 1  # complete at A: in A's staff's review queue
    verification_ref = next(ref for step, ref in sent["steps"].items() if step.startswith("verification:"))
    verification = a.sdk().address_verifications().find(verification_ref).data
    assert verification.status.value == "pending"

    # A retry sends nothing twice: even with the identity's answer lost (its step row gone), the create is
    # replayed by its idempotency key and the same identity comes back.
    shell(
        b,
        "import json\nfrom numbers_app.models import UpstreamSubmission, UpstreamSubmissionStep\n"
        "from numbers_app.upstream.regulatory import submission_send\n"
        "s = UpstreamSubmission.objects.get()\nUpstreamSubmissionStep.objects.filter(submission=s, step='identity')"
        ".delete()\nsubmission_send(submission_id=s.pk)\nprint(json.dumps(s.pk))",
    )
    again = state(approved_e164)
    assert again["steps"] == sent["steps"] and again["submission"] == "pending"
    assert shell(a, A_COUNTS) == at_a

    # A's staff approve; B's poll makes B's number live, with regulatory.approved.
    assert shell(a, A_DECIDE.format(pk=at_a["submitted"][0], verdict="approve", reason="")) == "approved"
    shell(b, SWEEP)
    done = eventually(lambda: (s := state(approved_e164))["number"] == "active" and s, "B's number live", both)
    assert done["profile"] == "approved" and done["submission"] == "approved"
    assert "regulatory.approved" in done["events"] and "number.activated" in done["events"]
    assert a.sdk().address_verifications().find(verification.id).data.status.value == "approved"

    # The second number: A's staff reject, with a reason; B's profile is rejected with it.
    submit_documents(b, rejected_e164)
    eventually(lambda: state(rejected_e164)["submission"] == "pending", "second profile sent", both)
    waiting = shell(a, A_COUNTS)["submitted"]
    assert len(waiting) == 1
    shell(a, A_DECIDE.format(pk=waiting[0], verdict="reject", reason="The registration extract is unreadable."))
    shell(b, SWEEP)
    no = eventually(lambda: (s := state(rejected_e164))["profile"] == "rejected" and s, "B's profile rejected", both)
    assert no["reason"] == "The registration extract is unreadable."
    assert no["submission"] == "rejected" and no["submission_reason"] == no["reason"]
    assert no["number"] == "pending_regulatory" and "regulatory.rejected" in no["events"]

"""A reseller's client never sees the platform's name. With the reseller's brand in place, every page a client
admin can reach (every named page of the URL conf with the ids of its own objects, full and as each htmx
partial — the walk of tests/billing/test_no_wholesale_for_clients.py), on the platform's host and on the
reseller's own domain, and every email a client's people receive, is searched for "DIDfarm" in any case.

No legally required mention of the platform is shown to clients: the seller on a client's invoice is the
reseller (its own legal identity), so there is no exception to allow here. Host names the operator configures
(the SIP server clients' PBXs register with, the address emails are sent from, which SPF and DKIM cover) are
the operator's to choose and are taken out of the text before it is searched; their defaults here happen to
be under didfarm.test."""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client as HttpClient

from accounts.models import Membership, Role
from accounts.services import member_invite
from numbers_app.regulatory.models import ComplianceProfile
from numbers_app.regulatory.services import profile_decision_notify
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.notify import endpoint_disabled_notify
from tests.accounts.brand_fixtures import BRAND_DOMAIN, BRAND_NAME, make_brand
from tests.billing.conftest import legal_profiles  # noqa: F401 (the fixture: invoices need the reseller's legal profile)
from tests.billing.test_no_wholesale_for_clients import LOOKED_AT, Scenario, body_of, page_urls, scenario  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PLATFORM = re.compile("didfarm", re.IGNORECASE)


@pytest.fixture
def branded(scenario) -> Scenario:
    """The scenario of the wholesale walk, with Alpha Telecom's brand on its verified domain."""
    make_brand(scenario.tenants.a.owner_actor)
    return scenario


def _configured_names() -> list[str]:
    return [settings.SIP_SERVER, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]]


def _mentions(text: str) -> list[str]:
    for name in _configured_names():
        text = text.replace(name, "")
    return [text[max(0, m.start() - 80) : m.end() + 40].replace("\n", " ") for m in PLATFORM.finditer(text)]


def _logged_in(email: str, host: str | None) -> HttpClient:
    http = HttpClient(HTTP_HOST=host) if host else HttpClient()
    assert http.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return http


@pytest.mark.parametrize("host", [None, BRAND_DOMAIN], ids=["platform-host", "reseller-domain"])
def test_no_page_a_client_admin_can_reach_names_the_platform(branded, host):
    scenario = branded
    seen, found = 0, []
    with time_machine.travel(LOOKED_AT, tick=True):
        # Before logging in: the login, reset and lockout pages of the reseller's domain.
        if host:
            for path in ("/login/", "/password-reset/", "/password-reset/sent/"):
                response = HttpClient(HTTP_HOST=host).get(path)
                assert response.status_code == 200, path
                found += [f"{path}: {hit}" for hit in _mentions(body_of(response))]
        browser = _logged_in(scenario.tenants.x_admin_email, host)
        for url, variants in page_urls(scenario):
            for headers in variants:
                response = browser.get(url, headers=headers)
                assert response.status_code < 500, url
                if response.status_code == 200:
                    seen += 1
                    body = body_of(response)
                    found += [f"{url} {headers}: {hit}" for hit in _mentions(body)]
                    if "<html" in body:  # a whole page: the layout carries the brand
                        assert f"· {BRAND_NAME}</title>" in body, url
    assert seen > 100, "the walk reached fewer pages than the portal has"
    assert not found, "\n".join(found)


def test_no_email_a_clients_people_receive_names_the_platform(branded, django_capture_on_commit_callbacks):
    scenario = branded
    tenants, x = scenario.tenants, scenario.tenants.x
    owner = tenants.a.owner_actor
    mail.outbox.clear()
    client_people = set(Membership.objects.filter(client=x).values_list("user__email", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=owner, email="new-admin@xylo.test", role=Role.CLIENT_ADMIN, client=x)
        # Someone who already has a login (at another reseller) gets an access notice instead.
        member_invite(actor=owner, email="admin@zephyr.test", role=Role.CLIENT_VIEWER, client=x)
    client_people |= {"new-admin@xylo.test", "admin@zephyr.test"}
    HttpClient().post("/password-reset/", {"email": tenants.x_admin_email})
    HttpClient(HTTP_HOST=BRAND_DOMAIN).post("/password-reset/", {"email": tenants.x_admin_email})
    profile = ComplianceProfile.objects.filter(client=x).first()
    for status in (ComplianceProfile.Status.APPROVED, ComplianceProfile.Status.REJECTED):
        ComplianceProfile.objects.filter(pk=profile.pk).update(status=status, rejection_reason="Blurred scan")
        assert profile_decision_notify(profile_id=profile.pk)
    WebhookEndpoint.objects.filter(pk=scenario.endpoint.pk).update(enabled=False)
    assert endpoint_disabled_notify(endpoint_id=scenario.endpoint.pk)

    to_clients = [m for m in mail.outbox if client_people & set(m.to)]
    kinds = {m.subject.split(":")[0] for m in to_clients}
    assert len(to_clients) >= 7, kinds  # invitation, access notice, 2 resets, 2 decisions, webhook off
    found = []
    for message in to_clients:
        for part in (message.subject, message.body, message.from_email, *message.reply_to):
            found += [f"{message.subject!r}: {hit}" for hit in _mentions(part)]
        assert message.from_email.startswith(BRAND_NAME), message.subject
    assert not found, "\n".join(found)

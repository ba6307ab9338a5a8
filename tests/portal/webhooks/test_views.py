"""The Webhooks pages: list and add (secret once), an endpoint's page (edit, test, switch, rotate, delete,
log, redeliver), client admins seeing only their client's endpoints, and the dashboard warning."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.webhooks import services
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.numbers.conftest import login

from .conftest import emit, sweep

pytestmark = pytest.mark.django_db

LIST = reverse("webhook_list")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(tenants):
    return login("owner@alpha.test")


def test_the_list_is_in_the_navigation_and_starts_empty(owner):
    response = owner.get(LIST)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-webhooks"' in content
    assert f'<a href="{LIST}" class="active">Webhooks</a>' in content
    assert set(response.context["form"].fields) == {"url", "events", "description", "client"}


def test_adding_an_endpoint_shows_its_secret_once(owner, tenants):
    response = owner.post(
        LIST, {"url": "https://hooks.example.com/a", "events": ["number.activated", "message.received"]}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get()
    secret = response.context["issued"].secret
    assert secret == endpoint.secret and secret in response.content.decode()
    assert endpoint.events == ["number.activated", "message.received"]
    page = owner.get(LIST).content.decode() + owner.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert secret not in page and "hooks.example.com/a" in page


def test_a_bad_url_is_explained_on_the_form(owner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = owner.post(LIST, {"url": "http://127.0.0.1/x", "events": ["*"]}, headers=HTMX)
    assert response.status_code == 200
    assert "private" in str(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_editing_switching_rotating_and_deleting_from_the_endpoint_page(owner, tenants):
    issued = services.webhook_create(actor=tenants.a.owner_actor, url="https://hooks.example.com/a", events=["*"])
    url = reverse("webhook_detail", args=[issued.endpoint.pk])

    owner.post(url, {"url": "https://hooks.example.com/b", "events": ["trunk.offline"], "description": "PBX alerts"})
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        "https://hooks.example.com/b",
        ["trunk.offline"],
        "PBX alerts",
    )

    owner.post(reverse("webhook_toggle", args=[endpoint.pk]), {"enabled": "0"})
    assert WebhookEndpoint.objects.get().enabled is False
    owner.post(reverse("webhook_toggle", args=[endpoint.pk]), {"enabled": "1"})
    assert WebhookEndpoint.objects.get().enabled is True

    rotated = owner.post(reverse("webhook_rotate", args=[endpoint.pk]), headers=HTMX)
    new_secret = rotated.context["issued"].secret
    assert new_secret != issued.secret and new_secret in rotated.content.decode()
    assert WebhookEndpoint.objects.get().signing_secrets() == [new_secret, issued.secret]

    response = owner.post(reverse("webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302 and not WebhookEndpoint.objects.exists()


def test_test_event_and_redelivery_from_the_page(owner, tenants, receiver):
    issued = services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    endpoint = issued.endpoint
    owner.post(reverse("webhook_test", args=[endpoint.pk]), headers=HTMX)
    sweep()
    assert [r.json["event"] for r in receiver.requests] == ["webhook.test"]
    delivery = WebhookDelivery.objects.get()
    log = owner.get(reverse("webhook_detail", args=[endpoint.pk]), headers={**HTMX, "HX-Target": "delivery-log"})
    assert 'data-testid="delivery-log"' in log.content.decode() and "webhook.test" in log.content.decode()
    assert "200" in log.content.decode()

    owner.post(reverse("webhook_redeliver", args=[endpoint.pk, delivery.pk]), headers=HTMX)
    sweep()
    assert receiver.ids() == [delivery.event.public_id] * 2
    assert [a.manual for a in delivery.attempt_log.order_by("number")] == [True, True]


def test_a_client_admin_sees_and_manages_only_its_clients_endpoints(tenants):
    a = tenants.a.owner_actor
    services.webhook_create(actor=a, url="https://hooks.example.com/all", events=["*"])
    theirs = services.webhook_create(actor=a, url="https://hooks.example.com/x", events=["*"], client_id=tenants.x.pk)
    other = services.webhook_create(actor=a, url="https://hooks.example.com/y", events=["*"], client_id=tenants.y.pk)
    x_admin = login(tenants.x_admin_email)

    page = x_admin.get(LIST).content.decode()
    assert "hooks.example.com/x" in page and "hooks.example.com/all" not in page and "hooks.example.com/y" not in page
    assert x_admin.get(reverse("webhook_detail", args=[other.endpoint.pk])).status_code == 404
    assert x_admin.post(reverse("webhook_delete", args=[other.endpoint.pk])).status_code == 404
    assert "client" not in x_admin.get(LIST).context["form"].fields
    x_admin.post(LIST, {"url": "https://hooks.example.com/x2", "events": ["*"]})
    assert WebhookEndpoint.objects.get(url="https://hooks.example.com/x2").client == tenants.x
    assert x_admin.get(reverse("webhook_detail", args=[theirs.endpoint.pk])).status_code == 200


def test_the_dashboard_warns_about_failed_deliveries_and_switched_off_endpoints(owner, tenants, receiver):
    services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    receiver.answer(410)
    emit(tenants.a.account)
    sweep()
    content = owner.get(reverse("dashboard")).content.decode()
    assert 'data-testid="webhook-failures"' in content
    assert "410 Gone" in content and "1 delivery failed" in content

    clean = login("owner@bravo.test").get(reverse("dashboard")).content.decode()
    assert 'data-testid="webhook-failures"' not in clean


def test_the_number_url_signer_is_issued_once_from_the_page(owner, tenants):
    response = owner.post(reverse("webhook_number_urls_setup"))
    secret = response.context["issued"].secret
    signer = WebhookEndpoint.objects.get(kind="number_urls")
    assert signer.secret == secret and signer.client is None
    again = owner.post(reverse("webhook_number_urls_setup"))
    assert again.status_code == 302
    assert WebhookEndpoint.objects.get(kind="number_urls").secret == secret


def test_staff_see_endpoints_without_secrets_and_can_redeliver_from_the_delivery_log(tenants, receiver, admin_client):
    issued = services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    emit(tenants.a.account)
    sweep()
    page = admin_client.get(reverse("admin:portal_webhookendpoint_change", args=[issued.endpoint.pk]))
    assert page.status_code == 200 and issued.secret not in page.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert admin_client.get(reverse("admin:portal_webhookdelivery_change", args=[delivery.pk])).status_code == 200
    response = admin_client.post(
        reverse("admin:portal_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    sweep()
    assert receiver.ids() == [delivery.event.public_id] * 2


def test_an_endpoint_subscribed_by_an_alias_shows_the_event_ticked_on_its_page(owner, tenants):
    endpoint = services.webhook_create(
        actor=tenants.a.owner_actor, url="https://hooks.example.com/sms", events=["sms.received"]
    ).endpoint
    html = owner.get(f"/developers/webhooks/{endpoint.pk}/").content.decode()
    assert re.search(r'<input[^>]*value="message\.received"[^>]*checked', html)

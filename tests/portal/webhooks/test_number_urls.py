"""A number's own webhook URLs, set on its page: its SMS webhook URL receives its inbound SMS and message
statuses, its voice webhook URL its other events, each through the real services and a local receiver."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditLog
from messaging import services as messaging
from numbers_app import services as number_services
from numbers_app.models import Number
from tests.conftest import PASSWORD
from tests.messaging.conftest import HANDSET, sms_number, sms_stock  # noqa: F401 (fixtures)

from .conftest import sweep

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(tenants) -> HttpClient:
    http = HttpClient()
    assert http.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD}).status_code == 302
    return http


def page_post(number, **webhooks) -> dict:
    return {"label": number.label, "tags": "", "client_id": str(number.client_id or ""), **webhooks}


def test_the_number_page_sets_the_sms_and_voice_webhook_urls_and_events_go_there(tenants, owner, sms_number, receiver):
    number = sms_number(tenants.a)
    sweep()  # its purchase and activation are fanned out before it has URLs
    sms_url = receiver.url.replace("/hooks/didfarm", "/sms")
    voice_url = receiver.url.replace("/hooks/didfarm", "/voice")
    page = reverse("number_detail", args=[number.pk])

    response = owner.post(page, page_post(number, sms_webhook_url=sms_url, voice_webhook_url=voice_url))

    assert response.status_code == 302
    number.refresh_from_db()
    assert (number.sms_webhook_url, number.voice_webhook_url, number.webhook_url) == (sms_url, voice_url, "")
    audit = AuditLog.objects.filter(action="number.updated", subject_id=number.public_id).latest("id")
    assert audit.after == {"sms_webhook_url": sms_url, "voice_webhook_url": voice_url}
    shown = owner.get(page).content.decode()
    assert f'value="{sms_url}"' in shown and f'value="{voice_url}"' in shown

    sent = messaging.sms_send(actor=tenants.a.owner_actor, number=number, to=HANDSET, body="Hello")
    received = messaging.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=HANDSET, body="Hi")
    sweep()
    got = sorted((r.path, r.json["event"], r.json["data"]["id"]) for r in receiver.requests)
    assert got == [("/sms", "message.received", received.public_id), ("/sms", "message.status", sent.public_id)]

    receiver.requests.clear()
    number_services.number_release(actor=tenants.a.owner_actor, number=number)
    sweep()
    assert [(r.path, r.json["event"]) for r in receiver.requests] == [("/voice", "number.released")]


def test_without_its_own_sms_url_a_numbers_messages_go_to_its_webhook_url(tenants, owner, sms_number, receiver):
    number = sms_number(tenants.a)
    sweep()
    owner.post(reverse("number_detail", args=[number.pk]), page_post(number, webhook_url=receiver.url))

    messaging.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=HANDSET, body="Hi")
    sweep()

    assert [(r.path, r.json["event"]) for r in receiver.requests] == [("/hooks/didfarm", "message.received")]


def test_the_page_refuses_a_private_webhook_url_unless_the_setting_allows_it(tenants, owner, sms_number, settings):
    number = sms_number(tenants.a)
    page = reverse("number_detail", args=[number.pk])
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    response = owner.post(page, page_post(number, voice_webhook_url="http://10.1.2.3/voice", label="x"), headers=HTMX)

    assert response.status_code == 200
    assert response.context["form"].errors["voice_webhook_url"]
    assert "webhooks go to public addresses only" in response.content.decode()
    number.refresh_from_db()
    assert (number.voice_webhook_url, number.label) == ("", "")

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    owner.post(page, page_post(number, voice_webhook_url="http://10.1.2.3/voice"), headers=HTMX)
    assert Number.objects.get(pk=number.pk).voice_webhook_url == "http://10.1.2.3/voice"


def test_saving_a_numbers_settings_keeps_its_url_without_looking_the_host_up_again(
    tenants, sms_number, settings, monkeypatch
):
    number = sms_number(tenants.a)
    actor = tenants.a.owner_actor
    number = number_services.number_configure(
        actor=actor, number=number, sms_webhook_url="https://hooks.example.com/sms"
    )
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    def no_lookups(*args, **kwargs):
        raise AssertionError("the unchanged URL was checked again")

    monkeypatch.setattr("socket.getaddrinfo", no_lookups)
    # (the page sends every field each time it saves)
    number_services.number_configure(
        actor=actor, number=number, label="Desk", sms_webhook_url="https://hooks.example.com/sms"
    )

    number.refresh_from_db()
    assert (number.label, number.sms_webhook_url) == ("Desk", "https://hooks.example.com/sms")

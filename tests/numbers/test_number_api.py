"""GET and PUT /api/v1/numbers/{id} as Orbit's Numbers API documents them: every field of a number, the
SMS and voice webhook URLs, and a body whose JSON types are wrong refused before anything is written."""

import pytest

from accounts.models import AuditLog
from numbers_app import services
from numbers_app.models import Number
from tests.conftest import assert_error
from tests.numbers.conftest import NL_AMS

pytestmark = pytest.mark.django_db

# Every field Orbit's "Get Number Details" answer shows, plus those of its "Configure a Number" answer.
ORBIT_NUMBER_FIELDS = {
    "id", "number", "country", "type", "label", "capabilities", "status", "sms_webhook_url", "voice_webhook_url",
    "agent_id", "monthly_cost", "currency", "created_at",
    "webhook_url", "forwarding_number", "tags", "updated_at",
}  # fmt: skip


@pytest.fixture
def number(tenants, stock):
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]]).numbers.get()
    services.number_provision(number_id=number.pk)
    return Number.objects.get(pk=number.pk)


def url(number) -> str:
    return f"/api/v1/numbers/{number.public_id}"


def test_a_number_shows_every_field_of_orbits_number_details(tenants, number, api_as):
    services.number_configure(
        actor=tenants.a.owner_actor, number=number, label="Main Support Line", sms_webhook_url="https://a.example/sms"
    )

    data = api_as(tenants.a.key).get(url(number)).json()["data"]

    assert set(data) >= ORBIT_NUMBER_FIELDS, ORBIT_NUMBER_FIELDS - set(data)
    assert data["id"] == number.public_id and data["number"] == NL_AMS[0] and data["label"] == "Main Support Line"
    assert data["sms_webhook_url"] == "https://a.example/sms" and data["voice_webhook_url"] == ""
    assert data["agent_id"] is None
    assert data["monthly_cost"] == "1.50" and data["currency"] == "EUR"
    listed = api_as(tenants.a.key).get("/api/v1/numbers").json()["data"][0]
    assert set(listed) >= ORBIT_NUMBER_FIELDS


def test_put_sets_the_sms_and_voice_webhook_urls_and_get_says_where_each_kind_of_event_goes(tenants, number, api_as):
    api = api_as(tenants.a.key)

    response = api.request(
        "PUT", url(number), {"sms_webhook_url": "https://a.example/sms", "voice_webhook_url": "https://a.example/voice"}
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["sms_webhook_url"], data["voice_webhook_url"]) == ("https://a.example/sms", "https://a.example/voice")
    number.refresh_from_db()
    assert (number.sms_webhook_url, number.voice_webhook_url, number.webhook_url) == (
        "https://a.example/sms",
        "https://a.example/voice",
        "",
    )
    # Orbit's single webhook_url: used for each kind of event that has no URL of its own.
    data = api.request("PUT", url(number), {"webhook_url": "https://a.example/all", "voice_webhook_url": None})
    data = data.json()["data"]
    assert data["webhook_url"] == "https://a.example/all"
    assert (data["sms_webhook_url"], data["voice_webhook_url"]) == ("https://a.example/sms", "https://a.example/all")
    data = api.request("PUT", url(number), {"sms_webhook_url": ""}).json()["data"]
    assert (data["sms_webhook_url"], data["voice_webhook_url"]) == ("https://a.example/all", "https://a.example/all")


def test_put_checks_webhook_urls_with_the_webhook_endpoints_address_rules(tenants, number, api_as, settings):
    api = api_as(tenants.a.key)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for field, value in (
        ("voice_webhook_url", "http://10.1.2.3/voice"),
        ("voice_webhook_url", "ftp://a.example/voice"),
        ("sms_webhook_url", "http://localhost/sms"),
        ("sms_webhook_url", "https://user:secret@a.example/sms"),
        ("webhook_url", "not a url"),
    ):
        response = api.request("PUT", url(number), {field: value, "label": "changed"})
        assert list(assert_error(response, 422, "validation_error")["fields"]) == [field], (field, value)
    number.refresh_from_db()
    assert (number.label, number.sms_webhook_url, number.voice_webhook_url) == ("", "", "")

    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the setting that lets the demo deliver locally covers numbers too
    response = api.request("PUT", url(number), {"voice_webhook_url": "http://10.1.2.3/voice"})
    assert response.json()["data"]["voice_webhook_url"] == "http://10.1.2.3/voice"


WRONG_TYPES = [
    ("label", 42),
    ("label", 4.2),
    ("label", True),
    ("label", ["Main"]),
    ("label", {"text": "Main"}),
    ("status", True),
    ("status", ["active"]),
    ("capabilities", "voice"),
    ("capabilities", [1]),
    ("capabilities", {"voice": True}),
    ("forwarding_number", 31207000099),
    ("forwarding_number", False),
    ("webhook_url", 1),
    ("sms_webhook_url", ["https://a.example/sms"]),
    ("voice_webhook_url", {"url": "https://a.example/voice"}),
    ("sms_forwarding", 31612345678),
    ("compliance_profile_id", 7),
    ("provider_bundle_id", True),
    ("tags", "support"),
    ("tags", [True]),
    ("tags", [["support"]]),
    ("client_id", True),
    ("client_id", 1.5),
    ("client_id", ["cli_1"]),
    ("cancel_at_period_end", "true"),
    ("cancel_at_period_end", 1),
    ("cancel_at_period_end", None),
    ("channel_config", "voice"),
    ("channel_config", ["voice"]),
]


def test_put_refuses_values_of_the_wrong_json_type_with_422_and_writes_nothing(tenants, number, api_as):
    api = api_as(tenants.a.key)
    before = Number.objects.filter(pk=number.pk).values().get()

    for field, value in WRONG_TYPES:
        response = api.request("PUT", url(number), {field: value})
        error = assert_error(response, 422, "validation_error")
        named = {key.split(".")[0] for key in error["fields"]}  # (an item of a list: "tags.0")
        assert named == {field}, (field, value, error)

    assert Number.objects.filter(pk=number.pk).values().get() == before
    assert not AuditLog.objects.filter(action="number.updated").exists()


def test_put_takes_a_client_id_as_the_integer_get_shows(tenants, number, api_as):
    response = api_as(tenants.a.key).request("PUT", url(number), {"client_id": tenants.x.pk, "label": "Desk"})

    assert response.status_code == 200, response.content
    assert response.json()["data"]["client_id"] == tenants.x.pk


def test_agent_id_is_read_only_and_put_says_why(tenants, number, api_as):
    response = api_as(tenants.a.key).request("PUT", url(number), {"agent_id": "agt_1", "label": "Desk"})

    error = assert_error(response, 422, "validation_error")
    assert list(error["fields"]) == ["agent_id"] and "always null" in error["fields"]["agent_id"][0]
    assert Number.objects.get(pk=number.pk).label == ""

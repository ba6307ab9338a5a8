"""Programs read the API: its messages are English whatever the caller's browser, cookie or saved
language says, and its error codes never change with the language. Pages translate the same errors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import User
from tests.conftest import assert_error
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

GERMAN = {"Accept-Language": "de-DE,de;q=0.9", "Cookie": f"{settings.LANGUAGE_COOKIE_NAME}=de"}


def german(text: str) -> str:
    with translation.override("de"):
        translated = translation.gettext(text)
    assert translated != text, f"no German for {text!r}: compile the catalogs"
    return translated


def test_validation_errors_stay_english_with_a_german_browser(tenants, api_as):
    response = api_as(tenants.a.key).post("/api/v1/clients", {"name": "", "email": "not-an-email"}, headers=GERMAN)
    error = assert_error(response, 422, "validation_error")
    assert error["message"] == "Some fields are invalid."
    assert error["fields"]["email"] == ["Enter a valid email address."]
    assert response["Content-Language"] == "en"


def test_domain_errors_stay_english_and_keep_their_code(tenants, api_as):
    response = api_as(tenants.a.key).post("/api/v1/clients", {"name": "Xylo Dental"}, headers=GERMAN)
    error = assert_error(response, 422, "validation_error")
    assert error["fields"]["name"] == ["You already have a client with this name."]


def test_not_found_and_auth_errors_stay_english_on_both_mounts(tenants, api_as):
    for path in ("/api/v1/no-such-thing", "/v1/no-such-thing"):
        error = assert_error(api_as(tenants.a.key).get(path, headers={"Accept-Language": "ar"}), 404, "not_found")
        assert error["message"].isascii()
    error = assert_error(api_as("df_live_sk_wrong").get("/api/v1/wallet/balance", headers=GERMAN), 401, "unauthorized")
    assert error["message"].isascii() and "API key" in error["message"]


def test_a_logged_in_user_with_a_saved_language_gets_english_from_the_api(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    http = login("owner@alpha.test")
    page = http.get("/settings/clients/")
    assert page["Content-Language"] == "de"
    response = http.get("/api/v1/clients/cli_999999", headers={"Accept-Language": "de"})
    error = assert_error(response, 404, "not_found")
    assert error["message"].isascii()
    assert response["Content-Language"] == "en"


def test_the_page_shows_the_same_error_translated(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    http = login("owner@alpha.test")
    response = http.post("/settings/clients/", {"name": "Xylo Dental"})
    assert response.status_code == 200
    assert german("You already have a client with this name.") in response.content.decode()


def test_api_answers_do_not_vary_by_language_and_carry_no_page_messages(tenants, api_as):
    response = api_as(tenants.a.key).get("/api/v1/me", headers=GERMAN)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "Accept-Language" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "_messages")


def test_pages_still_choose_a_language_from_the_browser_and_keep_their_messages(tenants):
    http = login("owner@alpha.test")
    page = http.get("/settings/clients/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert page["Content-Language"] == "de"
    assert "Accept-Language" in page["Vary"]
    assert hasattr(page.wsgi_request, "_messages")

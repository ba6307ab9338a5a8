"""The portal's languages: choosing one (remembered per user, else the cookie, else the browser), the
switcher, dates, money and country names as each language writes them, emails in the reader's language,
and records kept in English whichever page wrote them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.test import Client as HttpClient
from django.utils import translation

from accounts.models import AuditLog, Role, User
from accounts.services import member_invite, user_language_set
from billing.models import LedgerEntry
from numbers_app.models import Country
from numbers_app.services import number_purchase
from portal.errors import ValidationFailed
from portal.l10n import LRI, PDI, country_name, money
from portal.mail import recipient_language, send_in_languages
from tests.numbers.conftest import NL_AMS, login, stock  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    text = response.content.decode()
    start = text.index("<html")
    return text[start : text.index(">", start) + 1]


def german(text: str) -> str:
    with translation.override("de"):
        translated = translation.gettext(text)
    assert translated != text, f"no German for {text!r}: compile the catalogs"
    return translated


# --- The ten languages ---------------------------------------------------------------------------


def test_the_portal_offers_ten_languages_each_named_in_itself():
    assert dict(settings.LANGUAGES) == {
        "en": "English",
        "nl": "Nederlands",
        "de": "Deutsch",
        "fr": "Français",
        "es": "Español",
        "pt-br": "Português (Brasil)",
        "ar": "العربية",
        "zh-hans": "简体中文",
        "ja": "日本語",
        "hi": "हिन्दी",
    }
    assert settings.LANGUAGE_CODE == "en"
    middleware = settings.MIDDLEWARE
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < middleware.index(
        "portal.middleware.PageLocaleMiddleware"
    )
    assert middleware.index("portal.middleware.PageLocaleMiddleware") < middleware.index(
        "django.middleware.common.CommonMiddleware"
    )
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < middleware.index(
        "portal.middleware.UserLanguageMiddleware"
    )


def test_the_switcher_names_every_language_in_itself_whatever_the_page_language(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="ar")
    html = login("owner@alpha.test").get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in html
        assert f">{name}</option>" in html
        assert f'name="language" value="{code}" lang="{code}"' in html  # the account menu's buttons


# --- Which language a page is in -----------------------------------------------------------------


def test_a_visitor_gets_the_browsers_language_then_the_cookie_wins(client):
    assert 'lang="fr"' in html_lang(client.get("/login/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    client.cookies[COOKIE] = "ja"
    assert 'lang="ja"' in html_lang(client.get("/login/", headers={"Accept-Language": "fr"}))


def test_a_users_saved_language_wins_over_cookie_and_browser(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="nl")
    http = login("owner@alpha.test")
    http.cookies[COOKIE] = "fr"
    response = http.get("/", headers={"Accept-Language": "de"})
    assert 'lang="nl"' in html_lang(response)
    # The cookie is brought in line, so the login page after logging out is Dutch too.
    assert response.cookies[COOKIE].value == "nl"


def test_without_a_saved_language_the_cookie_then_the_browser_decide(tenants):
    http = login("owner@alpha.test")
    assert 'lang="es"' in html_lang(http.get("/", headers={"Accept-Language": "es"}))
    http.cookies[COOKIE] = "hi"
    assert 'lang="hi"' in html_lang(http.get("/", headers={"Accept-Language": "es"}))


def test_switching_saves_the_language_on_the_user_sets_the_cookie_and_goes_back(tenants):
    http = login("owner@alpha.test")
    response = http.post("/language/", {"language": "de", "next": "/numbers/mine/"})
    assert response.status_code == 302 and response["Location"] == "/numbers/mine/"
    assert response.cookies[COOKIE].value == "de"
    assert User.objects.get(email="owner@alpha.test").language == "de"
    page = http.get("/numbers/mine/", headers={"Accept-Language": "fr"})
    assert 'lang="de"' in html_lang(page) and german("My numbers") in page.content.decode()
    # Another browser, another day: the saved language follows the person.
    assert 'lang="de"' in html_lang(login("owner@alpha.test").get("/", headers={"Accept-Language": "ja"}))


def test_following_the_browser_again_clears_the_saved_language_and_the_cookie(tenants):
    http = login("owner@alpha.test")
    http.post("/language/", {"language": "ar", "next": "/"})
    response = http.post("/language/", {"language": "", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "" and response.cookies[COOKIE]["max-age"] == 0
    assert User.objects.get(email="owner@alpha.test").language == ""
    assert 'lang="ja"' in html_lang(http.get("/", headers={"Accept-Language": "ja"}))


def test_a_language_the_portal_does_not_offer_is_refused_and_nothing_changes(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="fr")
    http = login("owner@alpha.test")
    response = http.post("/language/", {"language": "xx", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert User.objects.get(email="owner@alpha.test").language == "fr"
    with translation.override("fr"):
        assert translation.gettext("The portal is not available in this language.") in response.content.decode()
    with pytest.raises(ValidationFailed):
        user_language_set(user=User.objects.get(email="owner@alpha.test"), language="klingon")


def test_the_switcher_never_sends_anyone_to_another_site(tenants, client):
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post("/language/", {"language": "de", "next": evil})
        assert (
            response.status_code == 302
            and "evil" not in response["Location"]
            and "javascript" not in response["Location"]
        )
    http = login("owner@alpha.test")
    response = http.post("/language/", {"language": "", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_visitor_switching_on_the_login_page_gets_the_cookie_only(client):
    response = client.post("/language/", {"language": "pt-br", "next": "/login/"})
    assert response["Location"] == "/login/" and response.cookies[COOKIE].value == "pt-br"
    assert 'lang="pt-br"' in html_lang(client.get("/login/"))


def test_the_switcher_works_without_javascript(tenants):
    html = login("owner@alpha.test").get("/").content.decode()
    assert '<form method="post" action="/language/" class="language-switch"' in html
    assert "<noscript><button" in html  # the select submits on change; without scripts, a button does
    assert 'class="account-menu"' in html and "<details" in html


def test_the_switch_needs_a_post(client):
    assert client.get("/language/?language=de").status_code == 405
    csrf_checked = HttpClient(enforce_csrf_checks=True)
    assert csrf_checked.post("/language/", {"language": "de"}).status_code == 403


# --- Dates, money, country names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234,567.50"),
        ("nl", "1.234.567,50"),
        ("de", "1.234.567,50"),
        ("pt-br", "1.234.567,50"),
        ("fr", "1\xa0234\xa0567,50"),
        ("es", "1\xa0234\xa0567,50"),
        ("ja", "1,234,567.50"),
        ("zh-hans", "1,234,567.50"),
        ("hi", "12,34,567.50"),
        ("ar", f"{LRI}1,234,567.50{PDI}"),
    ],
)
def test_money_is_written_with_the_languages_separators(language, expected):
    with translation.override(language):
        assert money(Decimal("1234567.5")) == expected
        rendered = Template("{% load numbers_format %}{{ v|eur }}|{{ v|eur:4 }}").render(
            Context({"v": Decimal("-0.008")})
        )
    exact = {"en": "-0.0080", "de": "-0,0080", "ar": f"{LRI}-0.0080{PDI}"}
    if language in exact:
        assert rendered.split("|")[1] == exact[language]


def test_amounts_stay_machine_readable_in_csv_and_the_api(tenants, api_as):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    response = login("owner@alpha.test").get("/billing/wallet/export.csv")
    csv_text = b"".join(response.streaming_content).decode()
    assert "100.0000" in csv_text and "100,0000" not in csv_text
    balance = api_as(tenants.a.key).get("/api/v1/wallet/balance", headers={"Accept-Language": "de"}).json()
    assert balance["balance"] == "100.00"


def test_the_wallet_badge_and_dates_follow_the_language(tenants):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    html = login("owner@alpha.test").get("/billing/wallet/").content.decode()
    assert "100,00 EUR" in html
    moment = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    template = Template('{% load portal_format %}{{ d|date:"SHORT_DATETIME_FORMAT" }}|{{ d|ldate:"TIMESTAMP_FORMAT" }}')
    with translation.override("en"):
        assert template.render(Context({"d": moment})) == "2026-03-05 14:30|2026-03-05 14:30:00"
    with translation.override("de"):
        assert template.render(Context({"d": moment})) == "05.03.2026 14:30|05.03.2026 14:30:00"
    with translation.override("ja"):
        assert template.render(Context({"d": moment})) == "2026/03/05 14:30|2026/03/05 14:30:00"


def test_phone_numbers_stay_left_to_right_on_right_to_left_pages():
    template = Template("{% load numbers_format %}{{ n|phone }}")
    with translation.override("en"):
        assert template.render(Context({"n": "+31207000001"})) == "+31 20 700 0001"
    with translation.override("ar"):
        assert template.render(Context({"n": "+31207000001"})) == f"{LRI}+31 20 700 0001{PDI}"


def test_country_names_are_in_the_readers_language_and_english_keeps_the_stored_name(stock):
    netherlands = Country.objects.get(code="NL")
    netherlands.name = "The Netherlands"
    with translation.override("en"):
        assert netherlands.display_name == "The Netherlands"
    with translation.override("de"):
        assert netherlands.display_name == "Niederlande"
    with translation.override("ja"):
        assert netherlands.display_name == "オランダ"
    with translation.override("ar"):
        assert country_name("DE", "Germany") == "ألمانيا"
    with translation.override("fr"):
        assert country_name("XK", "Kosovo") == "Kosovo" and country_name("QQ", "Nowhere") == "Nowhere"


def test_the_search_lists_countries_by_their_name_in_the_readers_language(tenants, stock):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    html = login("owner@alpha.test").get("/numbers/").content.decode()
    assert "Deutschland (+49)" in html and "Niederlande (+31)" in html and "Vereinigtes Königreich (+44)" in html
    assert html.index("Deutschland") < html.index("Niederlande") < html.index("Vereinigtes Königreich")


# --- Emails --------------------------------------------------------------------------------------


def test_an_invitation_is_written_in_the_inviters_language_and_an_existing_user_gets_theirs(
    tenants, django_capture_on_commit_callbacks
):
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=tenants.a.owner_actor, email="neu@alpha.test", role=Role.MEMBER)
    [invitation] = mail.outbox
    assert invitation.subject == german("You have been invited to %(account)s on %(brand)s") % {
        "account": "Alpha Telecom",
        "brand": "DIDfarm",
    }
    User.objects.filter(email="owner@bravo.test").update(language="fr")
    mail.outbox.clear()
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=tenants.a.owner_actor, email="owner@bravo.test", role=Role.MEMBER)
    [notice] = mail.outbox
    with translation.override("fr"):
        assert notice.subject == translation.gettext("You now have access to %(account)s on %(brand)s") % {
            "account": "Alpha Telecom",
            "brand": "DIDfarm",
        }


def test_a_message_to_many_people_goes_out_once_per_language():
    def compose():
        return translation.gettext("Log out"), translation.get_language()

    count = send_in_languages(
        people=[("a@x.test", "de"), ("b@x.test", ""), ("c@x.test", "de"), ("d@x.test", "ja"), ("e@x.test", "xx")],
        compose=compose,
    )
    assert count == 5
    sent = {tuple(m.to): (m.subject, m.body) for m in mail.outbox}
    assert sent[("a@x.test", "c@x.test")] == (german("Log out"), "de")
    assert sent[("b@x.test", "e@x.test")] == ("Log out", "en")
    assert sent[("d@x.test",)][1] == "ja"
    assert recipient_language("", "ar") == "ar" and recipient_language("pt-br") == "pt-br"


def test_a_password_reset_is_written_in_the_language_the_person_chose(tenants, client):
    User.objects.filter(email="owner@alpha.test").update(language="de")
    client.post("/password-reset/", {"email": "owner@alpha.test"}, headers={"Accept-Language": "ja"})
    [reset] = mail.outbox
    assert reset.subject.strip() == (german("Your %(name)s password reset link") % {"name": "DIDfarm"}).strip()


# --- Records stay English ------------------------------------------------------------------------


def test_records_written_from_a_german_page_are_in_english(tenants, stock):
    with translation.override("de"):
        order = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]])
        member_invite(actor=tenants.a.owner_actor, email="neu@alpha.test", role=Role.MEMBER, notify=False)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.NUMBER_PURCHASE, number__order=order)
    assert " monthly until " in entry.description
    audit = AuditLog.objects.filter(action="member.invited").latest("id")
    assert "Member" in audit.subject_label

"""Every main page renders in every language of the portal, for the reseller's owner and for a client
admin, with the page's language and direction on <html>; in a language whose translation is enforced,
no message is left in English.

A pseudo-translation (every message's vowels accented) shows the pages hold no message that escapes
translation: a text still in English there was marked for translation but is not translated when shown
(looked up at import time, say)."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from django.conf import settings
from django.utils import translation

from accounts.models import ApiKey, AuditLog, User
from billing.models import InvoiceLine, LedgerEntry
from numbers_app.models import PortStep
from portal.translations import catalog_path, compile_catalogs, read_catalog
from tests.numbers.conftest import login, stock  # noqa: F401 (the fixture)
from tests.portal.i18n_pages import (
    client_admin_pages,
    english_patterns,
    owner_pages,
    portal_data,
    read_page,
    untranslated,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES]
pytestmark = [pytest.mark.usefixtures("stock")]


@pytest.fixture(autouse=True)
def sandbox_now(settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.SANDBOX_SMS_FAILURE_RATE = 0
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 0


@pytest.fixture
def data(tenants):
    return portal_data(tenants)


def stored_records() -> set[str]:
    """Texts kept in English on purpose (records), which pages show as they are."""
    records = set(LedgerEntry.objects.values_list("description", flat=True))
    records |= set(InvoiceLine.objects.values_list("description", flat=True))
    records |= set(AuditLog.objects.values_list("subject_label", flat=True))
    records |= set(PortStep.objects.values_list("note", flat=True))
    records |= set(ApiKey.objects.values_list("name", flat=True))  # names their makers gave them
    return {" ".join(r.split()) for r in records}


def set_language(email: str, language: str) -> None:
    User.objects.filter(email=email).update(language=language)


def check_pages(http, paths, language, patterns, records) -> list[str]:
    problems = []
    for path in paths:
        response = http.get(path)
        if response.status_code != 200:
            problems.append(f"{path}: status {response.status_code}")
            continue
        page = read_page(response.content.decode())
        if page.lang != language:
            problems.append(f"{path}: lang={page.lang!r}")
        wanted_dir = "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
        if page.dir != wanted_dir:
            problems.append(f"{path}: dir={page.dir!r}")
        problems += [f"{path} ({language}): {text}" for text in untranslated(page, patterns, records=records)]
    return problems


def enforced_patterns(language: str):
    if language not in settings.TRANSLATIONS_ENFORCED:
        return []
    return english_patterns(read_catalog(catalog_path(language)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_every_language_for_the_owner(tenants, data, language):
    set_language("owner@alpha.test", language)
    http = login("owner@alpha.test")
    problems = check_pages(http, owner_pages(data, tenants), language, enforced_patterns(language), stored_records())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_every_language_for_a_client_admin(tenants, data, language):
    set_language(tenants.x_admin_email, language)
    http = login(tenants.x_admin_email)
    paths = client_admin_pages(data, tenants)
    problems = check_pages(http, paths, language, enforced_patterns(language), stored_records())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_follows_the_browser(client, language):
    response = client.get("/login/", headers={"Accept-Language": language})
    page = read_page(response.content.decode())
    assert response.status_code == 200 and page.lang == language
    assert page.dir == ("rtl" if language == "ar" else "ltr")


# --- Pseudo-translation --------------------------------------------------------------------------

_KEEP = re.compile(r"(%\([a-z_]+\)[sd]|%[sd]|\{nb\}|\{count\}|<[^>]*>|&[a-z]+;)")
_ACCENTS = str.maketrans("aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ")


def pseudo(text: str) -> str:
    """``Top up %(amount)s`` → ``Tóp úp %(amount)s``: every vowel accented, placeholders and tags kept."""
    return "".join(part if _KEEP.fullmatch(part) else part.translate(_ACCENTS) for part in _KEEP.split(text))


@pytest.fixture
def pseudo_german(settings, tmp_path):
    """German pages whose every portal message is pseudo-translated (Django's own stay German)."""
    source = read_catalog(catalog_path("de"))
    catalog = Catalog(locale="de", domain="django")
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string = tuple(pseudo(message.id[min(i, 1)]) for i in range(source.num_plurals))
        else:
            string = pseudo(message.id)
        catalog.add(message.id, string, context=message.context)
    catalog._num_plurals, catalog._plural_expr = source.num_plurals, source.plural_expr
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    from babel.messages.pofile import write_po

    with (folder / "django.po").open("wb") as handle:
        write_po(handle, catalog)
    compile_catalogs(tmp_path)
    settings.LOCALE_PATHS = [tmp_path]  # resets Django's translation caches (setting_changed)
    with translation.override("de"):
        assert translation.gettext("Dashboard") == pseudo("Dashboard")
    yield english_patterns(read_catalog(folder / "django.po"))
    settings.LOCALE_PATHS = [settings.BASE_DIR / "locale"]


def test_no_page_shows_a_message_that_escapes_translation(tenants, data, pseudo_german):
    records = stored_records()
    set_language("owner@alpha.test", "de")
    set_language(tenants.x_admin_email, "de")
    problems = check_pages(login("owner@alpha.test"), owner_pages(data, tenants), "de", pseudo_german, records)
    problems += check_pages(
        login(tenants.x_admin_email), client_admin_pages(data, tenants), "de", pseudo_german, records
    )
    assert not problems, "\n".join(problems)


def test_the_pseudo_check_finds_english_left_on_a_page(tenants, data, pseudo_german):
    """The check itself: the same page with a message shown without translation is caught."""
    page = read_page("<html lang='de' dir='ltr'><body><h1>Dashboard</h1><p>Tóp úp</p></body></html>")
    found = untranslated(page, pseudo_german)
    assert found and "Dashboard" in found[0]

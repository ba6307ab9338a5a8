"""Compiling the catalogs without GNU gettext, and the check the test command runs on them."""

from __future__ import annotations

import gettext
from io import StringIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from django.core.management import CommandError, call_command

from portal import translations


def write_catalog(root: Path, locale: str, entries: list[tuple]) -> Path:
    """entries: (msgid, msgstr[, flags]) — msgid and msgstr may be tuples for plurals."""
    catalog = Catalog(locale=locale, domain="django")
    for entry in entries:
        msgid, msgstr, *flags = entry
        catalog.add(msgid, msgstr, flags=flags[0] if flags else ())
    path = root / locale / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    return path


def test_catalogs_compile_to_what_django_reads_leaving_out_fuzzy_and_empty_entries(tmp_path):
    write_catalog(
        tmp_path,
        "de",
        [
            ("Wallet", "Guthaben"),
            ("Orders", "Bestellungen (alt)", ["fuzzy"]),
            ("Trunks", ""),
            (("%(n)s number", "%(n)s numbers"), ("%(n)s Nummer", "%(n)s Nummern")),
            (("%(n)s day", "%(n)s days"), ("%(n)s Tag", "")),
        ],
    )
    [result] = translations.compile_catalogs(tmp_path)
    assert (result.translated, result.total) == (2, 5)
    with (tmp_path / "de" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("Wallet") == "Guthaben"
    assert compiled.gettext("Orders") == "Orders" and compiled.gettext("Trunks") == "Trunks"
    assert compiled.ngettext("%(n)s number", "%(n)s numbers", 2) == "%(n)s Nummern"
    assert compiled.ngettext("%(n)s day", "%(n)s days", 2) == "%(n)s days"


def test_the_compile_command_writes_every_catalog_of_the_project(tmp_path, settings):
    write_catalog(tmp_path, "nl", [("Wallet", "Tegoed")])
    write_catalog(tmp_path, "pt_BR", [("Wallet", "Carteira")])
    settings.LOCALE_PATHS = [tmp_path]
    out = StringIO()
    call_command("translations_compile", stdout=out)
    assert (tmp_path / "nl/LC_MESSAGES/django.mo").exists() and (tmp_path / "pt_BR/LC_MESSAGES/django.mo").exists()
    assert "1 of 1 messages translated" in out.getvalue()


@pytest.fixture
def catalogs(tmp_path, settings):
    """Every language complete except French (one untranslated, one fuzzy) and Hindi (no catalog)."""
    settings.LOCALE_PATHS = [tmp_path]
    for code in translations.translated_languages():
        if code == "hi":
            continue
        if code == "fr":
            write_catalog(tmp_path, "fr", [("Wallet", "Portefeuille"), ("Trunks", ""), ("Orders", "Ordres", ["fuzzy"])])
        else:
            write_catalog(tmp_path, translations.catalog_path(code, tmp_path).parent.parent.name, [("Wallet", "W")])
    return tmp_path


def check(**options) -> str:
    out = StringIO()
    call_command("translations_check", skip_extraction=True, stdout=out, **options)
    return out.getvalue()


def test_the_check_passes_when_the_enforced_languages_are_complete(catalogs, settings):
    settings.TRANSLATIONS_ENFORCED = ["de", "ja", "ar"]
    out = check()
    assert "Translations: OK" in out
    assert "fr: 1 of 3 translated, 1 fuzzy (not enforced yet)" in out
    assert "hi: no catalog (not enforced yet)" in out


def test_the_check_fails_on_untranslated_and_fuzzy_entries_of_an_enforced_language(catalogs, settings):
    settings.TRANSLATIONS_ENFORCED = ["de", "fr"]
    with pytest.raises(CommandError) as failure:
        check()
    message = str(failure.value)
    assert "1 untranslated" in message and "'Trunks'" in message
    assert "1 fuzzy" in message and "'Orders'" in message


def test_the_check_fails_when_an_enforced_language_has_no_catalog(catalogs, settings):
    settings.TRANSLATIONS_ENFORCED = ["hi"]
    with pytest.raises(CommandError, match="hi/LC_MESSAGES/django.po is missing"):
        check()


def test_the_languages_can_be_named_on_the_command_line(catalogs, settings):
    settings.TRANSLATIONS_ENFORCED = []
    assert "Translations: OK" in check()
    with pytest.raises(CommandError, match="untranslated"):
        check(languages="all")
    with pytest.raises(CommandError, match="Not a translated language of the site: xx"):
        check(languages="de,xx")


def test_the_enforced_languages_are_languages_of_the_site(settings):
    assert set(settings.TRANSLATIONS_ENFORCED) <= set(translations.translated_languages())


# --- The catalogs against the code ---------------------------------------------------------------


def test_every_catalog_holds_every_message_the_code_and_templates_use():
    used = translations.extracted_messages()
    assert (None, "Dashboard") in used and ("message recipient", "To") in used
    reports = [translations.catalog_report(code) for code in translations.translated_languages()]
    assert all(report.exists for report in reports)
    translations.add_missing(reports, used)
    missing = {report.language: report.missing for report in reports if report.missing}
    assert not missing, f"run manage.py makemessages -a: {missing}"


def test_a_message_the_catalogs_lack_is_reported():
    report = translations.catalog_report("de")
    present = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in translations.read_catalog(report.path)
    }
    used = {key for key in present if key[1]} | {(None, "A message nobody has seen")}
    translations.add_missing([report], used)
    assert report.missing == ["A message nobody has seen"]


def test_without_gettext_the_comparison_is_skipped_with_a_note(monkeypatch, settings):
    monkeypatch.setattr(translations.shutil, "which", lambda name: None)
    with pytest.raises(translations.GettextMissing):
        translations.extracted_messages()
    settings.TRANSLATIONS_ENFORCED = []
    out = StringIO()
    call_command("translations_check", stdout=out)
    assert "Catalogs against the code: SKIPPED" in out.getvalue() and "install gettext" in out.getvalue()


def test_a_message_defined_twice_fails_the_check_in_any_language(catalogs, settings):
    """Two changes adding the same text to a catalog: Babel would keep one in silence, msgfmt refuses the
    file."""
    settings.TRANSLATIONS_ENFORCED = ["de"]
    path = translations.catalog_path("ja", catalogs)
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\nmsgid "Wallet"\nmsgstr "ウォレット"\n\nmsgctxt "button"\nmsgid "Wal"\n"let"\nmsgstr "x"\n',
        encoding="utf-8",
    )
    assert translations.duplicate_messages(path) == ["Wallet"]  # another context is another message

    with pytest.raises(CommandError) as failure:
        check()
    assert "1 message(s) defined twice" in str(failure.value) and "'Wallet'" in str(failure.value)


def test_the_project_catalogs_define_each_message_once():
    for code in translations.translated_languages():
        assert translations.duplicate_messages(translations.catalog_path(code)) == [], code

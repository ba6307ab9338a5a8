"""The portal's message catalogs: compiling them without GNU gettext, and checking them.

Catalogs are ``locale/<locale>/LC_MESSAGES/django.po`` (``de``, ``pt_BR``, ``zh_Hans`` …). The ``.mo`` files
Django reads are built from them at install time (``manage.py translations_compile``, run by
``scripts/run`` and ``scripts/test``) with babel, so a machine needs no ``msgfmt``; they are not kept in git.

``manage.py translations_check`` (run by ``scripts/test``) fails when

- a catalog of a language in ``settings.TRANSLATIONS_ENFORCED`` is missing, or has an entry that is
  untranslated or fuzzy;
- any catalog lacks a message the code and templates use (found with Django's ``makemessages`` into a
  scratch folder; skipped, with a note, where GNU gettext is not installed);
- a template has text a person reads that is not marked for translation (``portal.template_lint``).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation import to_locale

DOMAIN = "django"
# Folders makemessages must not read: tests hold no user-facing text, and the rest are built or installed.
EXTRACT_IGNORE = ["tests/*", "staticfiles/*", "var/*", "test-artifacts/*", "locale/*"]


def locale_root() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def catalog_path(language: str, root: Path | None = None) -> Path:
    """``pt-br`` → ``locale/pt_BR/LC_MESSAGES/django.po``."""
    return (root or locale_root()) / to_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def translated_languages() -> list[str]:
    """Every language of the site except the one the code is written in."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def read_catalog(path: Path) -> Catalog:
    locale = path.parent.parent.name
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, abort_invalid=False)


def _is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(s.strip() for s in strings)


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context, msgid)


# --- Compiling ------------------------------------------------------------------------------------


@dataclass
class Compiled:
    path: Path
    translated: int
    total: int


def compile_catalogs(root: Path | None = None) -> list[Compiled]:
    """Write ``django.mo`` beside every ``django.po`` under ``root`` (default: the project's locale folder).
    Fuzzy and untranslated entries are left out, so the page shows the English text for them. Each file
    is written to a temporary name and renamed, so a running server never reads half a catalog."""
    root = root or locale_root()
    results = []
    for po_path in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read_catalog(po_path)
        messages = [m for m in catalog if m.id]
        # write_mo() drops entries with no text; entries with some plural forms empty are left out too.
        dropped = [m for m in messages if m.fuzzy or not _is_translated(m)]
        for message in dropped:
            catalog.delete(message.id, context=message.context)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        mo_path = po_path.with_suffix(".mo")
        fd, tmp = tempfile.mkstemp(dir=po_path.parent, prefix=".django-", suffix=".mo")
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, mo_path)
        results.append(Compiled(path=mo_path, translated=len(messages) - len(dropped), total=len(messages)))
    return results


# --- Checking -------------------------------------------------------------------------------------


@dataclass
class CatalogReport:
    language: str
    path: Path
    exists: bool
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # used by the code, absent from the catalog
    duplicates: list[str] = field(default_factory=list)  # defined twice: msgfmt refuses the file

    @property
    def complete(self) -> bool:
        return self.exists and not self.untranslated and not self.fuzzy and not self.missing and not self.duplicates


def catalog_report(language: str, root: Path | None = None) -> CatalogReport:
    path = catalog_path(language, root)
    if not path.exists():
        return CatalogReport(language=language, path=path, exists=False)
    catalog = read_catalog(path)
    report = CatalogReport(language=language, path=path, exists=True, duplicates=duplicate_messages(path))
    for message in catalog:
        if not message.id:
            continue
        report.total += 1
        label = _key(message)[1]
        if message.fuzzy:
            report.fuzzy.append(label)
        elif not _is_translated(message):
            report.untranslated.append(label)
    return report


def _po_string(line: str) -> str:
    """The text of one quoted line of a .po file (``"…"``), escapes left as written (enough to compare)."""
    line = line.strip()
    return line[1:-1] if len(line) >= 2 and line.startswith('"') and line.endswith('"') else ""


def duplicate_messages(path: Path) -> list[str]:
    """Messages (context and id) a .po file defines more than once. Babel keeps the last definition without
    a word; GNU msgfmt refuses the whole file, so a duplicate (two changes adding the same text) must be
    found here, before a catalog is compiled elsewhere."""
    seen: set[tuple[str | None, str]] = set()
    duplicates: list[str] = []
    context: str | None = None
    msgid: str | None = None
    part: str | None = None

    def close() -> None:
        nonlocal context, msgid
        if msgid:  # the header (empty msgid) and obsolete entries are not messages
            key = (context, msgid)
            if key in seen:
                duplicates.append(f"{context}|{msgid}" if context else msgid)
            seen.add(key)
        context = msgid = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("msgctxt "):
            close()
            context, part = _po_string(line[8:]), "context"
        elif line.startswith("msgid "):
            if msgid is not None:
                close()
            msgid, part = _po_string(line[6:]), "id"
        elif line.startswith('"'):
            if part == "id" and msgid is not None:
                msgid += _po_string(line)
            elif part == "context" and context is not None:
                context += _po_string(line)
        elif line.startswith("msgstr") or line.startswith("msgid_plural"):
            part = None
        elif not line and msgid is not None:
            close()
    close()
    return duplicates


class GettextMissing(RuntimeError):
    pass


def extracted_messages(base_dir: Path | None = None) -> set[tuple[str | None, str]]:
    """Every (context, msgid) the code and templates use, as Django's ``makemessages`` finds them. Runs it
    against a scratch locale folder, so the project's catalogs are not touched. Needs GNU gettext."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        raise GettextMissing("GNU gettext (xgettext, msguniq) is not installed")
    from django.core.management import call_command
    from django.test.utils import override_settings

    base_dir = Path(base_dir or settings.BASE_DIR)
    # makemessages writes each file's messages to the first locale folder whose parent holds that file, so
    # the scratch folder sits in the project (its dot keeps makemessages from reading it).
    with tempfile.TemporaryDirectory(prefix=".messages-", dir=base_dir) as scratch:
        previous = Path.cwd()
        os.chdir(base_dir)
        try:
            with override_settings(LOCALE_PATHS=[scratch]):
                call_command(
                    "makemessages",
                    locale=["en"],
                    domain=DOMAIN,
                    ignore_patterns=list(EXTRACT_IGNORE),
                    verbosity=0,
                    no_obsolete=True,
                )
        finally:
            os.chdir(previous)
        catalog = read_catalog(Path(scratch) / "en" / "LC_MESSAGES" / f"{DOMAIN}.po")
    return {_key(m) for m in catalog if m.id}


def add_missing(reports: Iterable[CatalogReport], used: set[tuple[str | None, str]], root: Path | None = None):
    """Fill each existing report's ``missing`` with what the code uses and its catalog lacks."""
    for report in reports:
        if not report.exists:
            continue
        present = {_key(m) for m in read_catalog(report.path) if m.id}
        report.missing = sorted(msgid for context, msgid in used - present)

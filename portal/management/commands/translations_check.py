"""Fail on incomplete translations of the enforced languages, on catalogs that lack messages the code
uses, and on template text a person reads that is not marked for translation."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import template_lint, translations

SHOWN = 15  # entries listed per problem; the count says how many there are


class Command(BaseCommand):
    help = (
        "Check the message catalogs and the templates: untranslated or fuzzy entries in the languages of "
        "settings.TRANSLATIONS_ENFORCED, messages the code uses that a catalog lacks, and unmarked template text."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--languages",
            help="Comma-separated languages to hold to a complete translation instead of "
            "settings.TRANSLATIONS_ENFORCED ('all' for every language of the site).",
        )
        parser.add_argument(
            "--skip-extraction", action="store_true", help="Do not compare the catalogs with the messages in the code."
        )

    def handle(self, *args, languages=None, skip_extraction=False, **options):
        every = translations.translated_languages()
        if languages == "all":
            enforced = every
        elif languages:
            enforced = [code.strip().lower() for code in languages.split(",") if code.strip()]
        else:
            enforced = list(settings.TRANSLATIONS_ENFORCED)
        unknown = sorted(set(enforced) - set(every))
        if unknown:
            raise CommandError(f"Not a translated language of the site: {', '.join(unknown)}")

        problems: list[str] = []
        reports = [translations.catalog_report(code) for code in every]

        if skip_extraction:
            self.stdout.write("Catalogs against the code: skipped (--skip-extraction).")
        else:
            try:
                used = translations.extracted_messages()
            except translations.GettextMissing as exc:
                self.stdout.write(
                    f"Catalogs against the code: SKIPPED — {exc}; install gettext to check that every catalog "
                    "holds every message the code uses."
                )
            else:
                translations.add_missing(reports, used)
                self.stdout.write(f"Catalogs against the code: {len(used)} messages in use.")
                for report in reports:
                    if report.missing:
                        problems.append(
                            self._listed(
                                f"{report.path} lacks {len(report.missing)} message(s) the code uses "
                                "(run manage.py makemessages -a)",
                                report.missing,
                            )
                        )

        for report in reports:
            if report.duplicates:  # whatever the language: a compiler refuses the whole file
                problems.append(
                    self._listed(f"{report.path}: {len(report.duplicates)} message(s) defined twice", report.duplicates)
                )
            state = "enforced" if report.language in enforced else "not enforced yet"
            if not report.exists:
                self.stdout.write(f"{report.language}: no catalog ({state})")
                if report.language in enforced:
                    problems.append(f"{report.path} is missing, and {report.language} is enforced")
                continue
            done = report.total - len(report.untranslated) - len(report.fuzzy)
            self.stdout.write(
                f"{report.language}: {done} of {report.total} translated, {len(report.fuzzy)} fuzzy ({state})"
            )
            if report.language in enforced:
                if report.untranslated:
                    problems.append(
                        self._listed(f"{report.path}: {len(report.untranslated)} untranslated", report.untranslated)
                    )
                if report.fuzzy:
                    problems.append(self._listed(f"{report.path}: {len(report.fuzzy)} fuzzy", report.fuzzy))

        findings = template_lint.lint_templates(Path(d) for d in _template_dirs())
        self.stdout.write(f"Templates: {len(findings)} text(s) not marked for translation.")
        if findings:
            problems.append(
                "Text in templates not marked for translation ({% translate %} / {% blocktranslate %}):\n"
                + "\n".join(f"  {finding}" for finding in findings)
            )

        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(self.style.SUCCESS("Translations: OK"))

    @staticmethod
    def _listed(title: str, items: list[str]) -> str:
        lines = [f"  {item!r}" for item in items[:SHOWN]]
        if len(items) > SHOWN:
            lines.append(f"  … and {len(items) - SHOWN} more")
        return "\n".join([title + ":", *lines])


def _template_dirs() -> list[Path]:
    return [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]

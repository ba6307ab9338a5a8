"""Compile locale/*/LC_MESSAGES/django.po into the .mo files Django reads, without GNU gettext."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.translations import compile_catalogs


class Command(BaseCommand):
    help = "Compile every locale/<locale>/LC_MESSAGES/django.po to django.mo (fuzzy and empty entries left out)."

    def handle(self, *args, **options):
        results = compile_catalogs()
        if options["verbosity"] < 1:
            return
        for result in results:
            self.stdout.write(f"{result.path}: {result.translated} of {result.total} messages translated")
        if not results:
            self.stdout.write("No catalogs to compile.")

"""Scripted carrier set-ups: the staff console's carriers from the command line.

    manage.py carrier add didww-sbx --kind didww --url https://sandbox-api.didww.com/v3 --key-env DIDWW_KEY \
        --countries GB,DE --types local,mobile --priority 5 --markup 30 --rounding 0.05
    manage.py carrier set didww-sbx --priority 1 --disable
    manage.py carrier list
    manage.py carrier import didww-sbx        (imports its stock now, in this process)
    manage.py carrier reconcile didww-sbx

The key is read from an environment variable (``--key-env``) or standard input (``--key -``), never from
the command line, where it would stay in the shell's history and the process list."""

from __future__ import annotations

import os
import sys
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from numbers_app.models import Carrier
from numbers_app.upstream import services


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class Command(BaseCommand):
    help = "Configure upstream carriers (add, set, list), import their stock or reconcile them now."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for action in ("add", "set"):
            p = sub.add_parser(action)
            p.add_argument("name")
            p.add_argument("--kind", choices=Carrier.Kind.values)
            p.add_argument("--url", dest="api_url")
            p.add_argument("--key-env", help="name of the environment variable holding the API key")
            p.add_argument("--key", help="'-' to read the API key from standard input")
            p.add_argument("--callback-secret-env")
            p.add_argument("--countries", help="ISO codes, comma-separated (empty: all)")
            p.add_argument("--types", help="number types, comma-separated (empty: all)")
            p.add_argument("--priority", type=int)
            p.add_argument("--markup", help="percent over the carrier's price")
            p.add_argument("--rounding", help="round prices up to a multiple of this (EUR)")
            p.add_argument("--enable", action="store_true")
            p.add_argument("--disable", action="store_true")
        sub.add_parser("list")
        for action in ("import", "reconcile"):
            sub.add_parser(action).add_argument("name")

    def handle(self, *args, action, **opts):
        if action == "list":
            for c in Carrier.objects.all():
                self.stdout.write(
                    f"{c.name}\t{c.kind}\t{'enabled' if c.enabled else 'disabled'}\tpriority {c.priority}\t"
                    f"markup {c.markup_percent}%\t{c.last_import_status}\t{c.last_import_count} numbers\t"
                    f"{len(c.reconciliation)} differences"
                )
            return
        name = opts["name"]
        if action in ("import", "reconcile"):
            carrier = Carrier.objects.filter(name=name).first()
            if carrier is None:
                raise CommandError(f"No carrier {name!r}.")
            if action == "import":
                result = services.carrier_stock_import(carrier_id=carrier.pk)
                carrier.refresh_from_db()
                if result is None:
                    raise CommandError(f"Import failed: {carrier.last_import_error or 'not a carrier with stock'}")
                self.stdout.write(f"{result.groups} groups, {result.numbers} numbers ({result.added} new, "
                                  f"{result.removed} gone)")  # fmt: skip
            else:
                report = services.carrier_reconcile(carrier_id=carrier.pk) or []
                for d in report:
                    self.stdout.write(f"{d['kind']}\t{d['number']}\t{d['detail']}")
                self.stdout.write(f"{len(report)} differences")
            return
        if action == "add" and Carrier.objects.filter(name=name).exists():
            raise CommandError(f"Carrier {name!r} exists already; use 'set'.")
        if action == "set" and not Carrier.objects.filter(name=name).exists():
            raise CommandError(f"No carrier {name!r}; use 'add'.")
        values = self._values(opts)
        try:
            carrier = services.carrier_save(name=name, **values)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:  # a model validation error: say which value
            if type(exc).__name__ == "ValidationError":
                raise CommandError(str(exc)) from None
            raise
        self.stdout.write(f"Carrier {carrier.name} saved.")

    def _values(self, opts) -> dict:
        values: dict = {}
        for key in ("kind", "api_url", "priority"):
            if opts.get(key) is not None:
                values[key] = opts[key]
        if opts.get("key_env"):
            if opts["key_env"] not in os.environ:
                raise CommandError(f"The environment has no {opts['key_env']}.")
            values["api_key"] = os.environ[opts["key_env"]]
        elif opts.get("key") == "-":
            values["api_key"] = sys.stdin.readline().strip()
        elif opts.get("key"):
            raise CommandError("Pass the key with --key-env NAME or --key - (standard input), not on the command line.")
        if opts.get("callback_secret_env"):
            values["callback_secret"] = os.environ.get(opts["callback_secret_env"], "")
        if opts.get("countries") is not None:
            values["countries"] = _list(opts["countries"])
        if opts.get("types") is not None:
            values["number_types"] = _list(opts["types"])
        for key, field in (("markup", "markup_percent"), ("rounding", "rounding")):
            if opts.get(key) is not None:
                try:
                    values[field] = Decimal(opts[key])
                except InvalidOperation:
                    raise CommandError(f"--{key} must be a number.") from None
        if opts.get("enable") and opts.get("disable"):
            raise CommandError("--enable or --disable, not both.")
        if opts.get("enable") or opts.get("disable"):
            values["enabled"] = bool(opts.get("enable"))
        return values

import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from billing.services import reseller_onboard
from portal.errors import ApplicationError


class Command(BaseCommand):
    help = "Onboard a reseller: account, funded wallet, owner login (invited by email) and two API keys."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Company name of the reseller")
        parser.add_argument("--email", required=True, help="Owner's email; becomes their login")
        parser.add_argument("--balance", default="0.00", help="Opening wallet balance in EUR, e.g. 100.00")
        parser.add_argument("--json", action="store_true", help='Print {"account_id", "api_key", "read_only_key"}')

    def handle(self, *args, name, email, balance, **options):
        try:
            opening = Decimal(balance)
        except InvalidOperation:
            raise CommandError(f"--balance must be an amount such as 100.00, not {balance!r}") from None
        try:
            created = reseller_onboard(name=name, owner_email=email, opening_balance=opening)
        except ApplicationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.fields or {}).items()) or exc.message
            raise CommandError(detail) from None
        result = {"account_id": created.account.pk, "api_key": created.api_key, "read_only_key": created.read_only_key}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Account {created.account.pk} ({created.account.name}) created; owner {email}.")
            self.stdout.write(f"Full API key (shown once):      {created.api_key}")
            self.stdout.write(f"Read-only API key (shown once): {created.read_only_key}")

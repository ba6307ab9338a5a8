from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing.renewals import renewals_run


class Command(BaseCommand):
    help = "Renew the numbers that are due (safe to run twice): charge, or retry, suspend and release unpaid ones."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="The day to renew for, YYYY-MM-DD (default: today)")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, as_of=None, batch_size=1000, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError("Give --as-of as YYYY-MM-DD.") from None
        report = renewals_run(as_of=day, batch_size=batch_size)
        self.stdout.write(
            f"Renewed {report.renewed} number(s) for EUR {report.charged}; "
            f"{report.failed} renewal(s) could not be paid, {report.suspended} suspended, "
            f"{report.released} released, {report.expiring} expiring notice(s)."
        )

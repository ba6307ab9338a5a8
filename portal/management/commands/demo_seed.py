from decimal import Decimal
from urllib.parse import urlsplit

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.actor import system_actor
from accounts.models import Account, Role, User
from accounts.services import client_create, member_invite
from billing.services import reseller_onboard

DEMO_PASSWORD = "didfarm-demo"
STAFF_EMAIL = "staff@didfarm.test"
OWNER_EMAIL = "owner@demo-telecom.test"
CLIENTS = [
    ("Acme Dental", "admin@acme-dental.test"),
    ("Blue Harbor Logistics", "admin@blueharbor.test"),
]


class Command(BaseCommand):
    help = "Load the demo data on first start (safe to run again) and print the demo logins."

    def handle(self, *args, **options):
        keys = None
        if not Account.objects.filter(name="Demo Telecom").exists():
            keys = self._create()
        self._load_inventory()
        url = options.get("url") or "http://127.0.0.1:8000"
        out = self.stdout.write
        out("")
        out("=" * 72)
        out(f"  DIDfarm portal: {url}")
        out(f"  API docs:       {url}/api/docs")
        out(f"  Staff console:  {url}/admin/")
        port = urlsplit(url).port
        out(f"  Demo Telecom's client portal: http://portal.demo-telecom.localhost{f':{port}' if port else ''}")
        out("")
        out(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        out(f"    DIDfarm staff (superuser)           {STAFF_EMAIL}")
        out(f"    Demo Telecom owner                  {OWNER_EMAIL}")
        for name, email in CLIENTS:
            out(f"    {name + ' client admin':<36}{email}")
        if keys:
            out("")
            out("  Demo Telecom API keys (shown this once; only their hashes are stored):")
            out(f"    full access  {keys[0]}")
            out(f"    read-only    {keys[1]}")
        else:
            out("")
            out("  The demo API keys were printed on the first start. Create new ones under")
            out("  Developers → API keys.")
        out("=" * 72)
        out("")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def _load_inventory(self) -> None:
        """The sandbox carrier's stock, on first start only (a few seconds on SQLite)."""
        from numbers_app.models import AvailableNumber

        if not AvailableNumber.objects.exists():
            call_command("inventory_load", demo=True, stdout=self.stdout)
        self._sms_rates()
        self._metered_toll_free()

    def _metered_toll_free(self) -> None:
        """Toll-free numbers are usually metered (the number's owner pays for the caller's minutes): a few
        countries' toll-free groups charge per answered minute, so search, checkout and the price list show
        per-minute prices. Groups staff already priced per minute stay as they are."""
        from numbers_app.models import NumberGroup

        for country, rate in (("GB", "0.0200"), ("NL", "0.0250"), ("DE", "0.0300"), ("US", "0.0150")):
            NumberGroup.objects.filter(country_id=country, type="toll_free", minute_price__isnull=True).update(
                minute_price=Decimal(rate)
            )

    def _sms_rates(self) -> None:
        """An SMS rate for every country of the demo stock (a destination without a rate cannot be texted),
        and a few dearer mobile ranges to show that the longest prefix wins. Staff rates stay as they are."""
        from messaging.models import SmsRate
        from numbers_app.models import Country

        countries = dict(Country.objects.values_list("code", "dial_code"))
        rates = [
            SmsRate(prefix=dial.lstrip("+"), country_id=code, price_per_segment=Decimal("0.0080"))
            for code, dial in countries.items()
            if dial.lstrip("+").isdigit()
        ]
        rates += [
            SmsRate(prefix="447", country_id="GB", price_per_segment=Decimal("0.0095")),
            SmsRate(prefix="3361", country_id="FR", price_per_segment=Decimal("0.0120")),
        ]
        SmsRate.objects.bulk_create([rate for rate in rates if rate.country_id in countries], ignore_conflicts=True)

    @transaction.atomic
    def _create(self) -> tuple[str, str]:
        if not User.objects.filter(email=STAFF_EMAIL).exists():
            User.objects.create_superuser(STAFF_EMAIL, DEMO_PASSWORD, full_name="DIDfarm Staff")
        created = reseller_onboard(
            name="Demo Telecom",
            owner_email=OWNER_EMAIL,
            opening_balance=Decimal("100.00"),
            owner_password=DEMO_PASSWORD,
        )
        created.owner.full_name = "Dana Owner"
        created.owner.save(update_fields=["full_name"])
        actor = system_actor(created.account, user=created.owner)
        for name, email in CLIENTS:
            client = client_create(actor=actor, name=name, email=email)
            membership = member_invite(
                actor=actor, email=email, role=Role.CLIENT_ADMIN, client=client, full_name=f"{name} Admin", notify=False
            )
            membership.user.set_password(DEMO_PASSWORD)
            membership.user.save(update_fields=["password"])
        self._price_list(actor)
        self._brand(actor)
        self._legal_profile(actor)
        return created.api_key, created.read_only_key

    def _brand(self, actor) -> None:
        """Demo Telecom's brand for its clients, with a drawn logo and a client portal at
        portal.demo-telecom.localhost (browsers send *.localhost to this machine), approved as staff would."""
        import io

        from PIL import Image, ImageDraw

        from accounts.branding import services as branding

        brand = branding.brand_save(
            actor=actor,
            data=branding.BrandInput(
                display_name="Demo Telecom",
                primary_color="#0f766e",
                accent_color="#134e4a",
                support_email="support@demo-telecom.test",
                support_phone="+31 20 794 6000",
                domain="portal.demo-telecom.localhost",
            ),
        )
        logo = Image.new("RGBA", (160, 64), (0, 0, 0, 0))
        draw = ImageDraw.Draw(logo)
        draw.rounded_rectangle((0, 0, 63, 63), radius=14, fill="#0f766e")
        draw.ellipse((14, 14, 50, 50), outline="#ffffff", width=6)
        draw.rectangle((76, 18, 150, 28), fill="#0f766e")
        draw.rectangle((76, 38, 128, 46), fill="#5eead4")
        out = io.BytesIO()
        logo.save(out, format="PNG")
        branding.brand_logo_set(actor=actor, upload=out.getvalue())
        branding.brand_domain_approve(actor=actor, brand_id=brand.pk)

    def _legal_profile(self, actor) -> None:
        """Who Demo Telecom is on its clients' invoices (example identifiers that pass their checks), so the
        monthly run issues them."""
        from billing.services import LegalProfileInput, legal_profile_save

        legal_profile_save(
            actor=actor,
            data=LegalProfileInput(
                legal_name="Demo Telecom B.V.",
                address_line1="Keizersgracht 1",
                postcode="1015 CC",
                city="Amsterdam",
                country="NL",
                vat_id="NL004495445B01",
                company_registration="KvK 12345678",
                iban="NL91ABNA0417164300",
                bic="ABNANL2A",
                vat_rate=Decimal("21"),
                invoice_footer="Demo Telecom B.V. · support@demo-telecom.test",
            ),
        )

    def _price_list(self, actor) -> None:
        """A price list to start from: 30 % on everything plus a little per SMS segment, and a client with
        a friendlier rate."""
        from accounts.models import Client
        from billing.services import PriceRuleInput, price_rule_save

        price_rule_save(
            actor=actor,
            data=PriceRuleInput(markup_percent=Decimal("30"), fixed_sms_segment=Decimal("0.002")),
        )
        acme = Client.objects.get(account=actor.account, name=CLIENTS[0][0])
        price_rule_save(actor=actor, data=PriceRuleInput(client_id=acme.pk, markup_percent=Decimal("20")))

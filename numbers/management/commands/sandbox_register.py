from django.core.management.base import BaseCommand, CommandError

from numbers_app.carriers.sandbox import SandboxCarrier
from numbers_app.models import SipTrunk


class Command(BaseCommand):
    help = "Sandbox carrier: make a trunk's PBX register (or go offline), as a real registrar would report."

    def add_arguments(self, parser):
        parser.add_argument("--trunk", required=True, help="trk_… id, integer id or SIP username")
        parser.add_argument("--offline", action="store_true", help="Report the PBX offline instead")
        parser.add_argument("--contact", default="sip:pbx@198.51.100.7:5060", help="The PBX's contact address")

    def handle(self, *args, trunk, offline, contact, **options):
        text = trunk.strip()
        qs = SipTrunk.objects.all()
        if text.startswith("trk_"):
            found = qs.filter(uid=text.removeprefix("trk_")).first()
        elif text.isdigit():
            found = qs.filter(pk=int(text)).first()
        else:
            found = qs.filter(username=text).first()
        if found is None:
            raise CommandError(f"No trunk {trunk!r}")
        SandboxCarrier().simulate_registration(trunk_id=found.pk, registered=not offline, contact=contact)
        found.refresh_from_db()
        self.stdout.write(f"{found.public_id} ({found.name}): {found.get_registration_display()}")

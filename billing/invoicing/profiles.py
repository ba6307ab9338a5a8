"""The two legal identities on an invoice: the reseller's legal profile (its owners and admins keep it)
and each client's billing profile (the reseller keeps it; the client's people can read it)."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.models import Client
from accounts.selectors import client_get
from accounts.services import audit_record
from portal.errors import PermissionDenied, ValidationFailed

from ..models import ClientBillingProfile, LegalProfile
from . import vat

PREFIX = re.compile(r"^[A-Z0-9]{1,12}$")
LOGO_TYPES = {"PNG": ".png", "JPEG": ".jpg"}
LOGO_MAX_PIXELS = 4000


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-2 codes (CLDR's list, through babel)."""
    from babel import Locale

    return frozenset(str(code) for code in Locale("en").territories if len(str(code)) == 2 and str(code).isalpha())


def country_select() -> list[tuple[str, str]]:
    """Country choices in the reader's language, sorted as that language sorts."""
    from babel import Locale

    from portal.l10n import collation_key, country_name

    english = Locale("en").territories
    names = [(code, country_name(code, english.get(code, code))) for code in country_codes()]
    names.sort(key=lambda pair: collation_key(pair[1]))
    return names


@dataclass
class LegalProfileInput:
    legal_name: str
    address_line1: str
    city: str
    country: str
    address_line2: str = ""
    postcode: str = ""
    vat_id: str = ""
    company_registration: str = ""
    iban: str = ""
    bic: str = ""
    payment_instructions: str = ""
    invoice_footer: str = ""
    payment_terms_days: int = 14
    number_prefix: str = "INV"
    vat_rate: Decimal = Decimal("0")


@dataclass
class ClientBillingInput:
    legal_name: str
    country: str
    address_line1: str = ""
    address_line2: str = ""
    postcode: str = ""
    city: str = ""
    vat_id: str = ""
    billing_email: str = ""
    language: str = "en"


def _require_reseller(actor: Actor) -> None:
    if actor.is_client_scoped or not actor.can_see_wallet:
        raise PermissionDenied(_("Legal profiles are the reseller's."))


def legal_profile_get(*, actor: Actor) -> LegalProfile | None:
    _require_reseller(actor)
    return LegalProfile.objects.filter(account=actor.account).first()


def _required(errors: dict[str, list[str]], data, *names: str) -> None:
    for name in names:
        if not str(getattr(data, name) or "").strip():
            errors.setdefault(name, []).append(_("This field is required."))


def _country(errors: dict[str, list[str]], value: str) -> str:
    code = (value or "").strip().upper()
    if code and code not in country_codes():
        errors.setdefault("country", []).append(_("Choose a country."))
    return code


def _check(errors: dict[str, list[str]], name: str, clean, *args) -> str:
    try:
        return clean(*args)
    except ValueError as exc:
        errors.setdefault(name, []).append(str(exc))
        return ""


def _check_logo(errors: dict[str, list[str]], logo: UploadedFile) -> str | None:
    """The logo's file extension when it is a PNG or JPEG image of a sensible size, else None."""
    from PIL import Image, UnidentifiedImageError

    if logo.size is None or logo.size > settings.INVOICE_LOGO_MAX_BYTES:
        limit = settings.INVOICE_LOGO_MAX_BYTES // 1024
        errors.setdefault("logo", []).append(_("The logo may be at most %(kb)s KB.") % {"kb": limit})
        return None
    try:
        with Image.open(logo) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind, width, height = None, 0, 0
    finally:
        logo.seek(0)
    if kind not in LOGO_TYPES:
        errors.setdefault("logo", []).append(_("The logo must be a PNG or JPEG image."))
        return None
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        errors.setdefault("logo", []).append(
            _("The logo may be at most %(px)s pixels wide and high.") % {"px": LOGO_MAX_PIXELS}
        )
        return None
    return LOGO_TYPES[kind]


def legal_profile_save(
    *, actor: Actor, data: LegalProfileInput, logo: UploadedFile | None = None, remove_logo: bool = False
) -> LegalProfile:
    """Create or change the account's legal profile (owners and admins). Every identifier is checked
    (VAT id for its country, IBAN, BIC); nothing is saved unless all of it is right. New invoices use it;
    issued ones keep the identity they were issued with."""
    _require_reseller(actor)
    actor.require_admin()
    errors: dict[str, list[str]] = {}
    _required(errors, data, "legal_name", "address_line1", "city", "country")
    country = _country(errors, data.country)
    vat_id = _check(errors, "vat_id", vat.clean_vat_id, country, data.vat_id) if country else data.vat_id
    iban = _check(errors, "iban", vat.clean_iban, data.iban)
    bic = _check(errors, "bic", vat.clean_bic, data.bic)
    prefix = (data.number_prefix or "").strip().upper()
    if not PREFIX.match(prefix):
        errors.setdefault("number_prefix", []).append(_("Use 1 to 12 capital letters or digits, such as INV."))
    if not 0 <= int(data.payment_terms_days) <= 365:
        errors.setdefault("payment_terms_days", []).append(_("Between 0 and 365 days."))
    rate = Decimal(data.vat_rate)
    if not Decimal("0") <= rate < Decimal("100") or rate != rate.quantize(Decimal("0.01")):
        errors.setdefault("vat_rate", []).append(_("A percentage from 0 to 99.99, at most two decimals."))
    if not (iban or (data.payment_instructions or "").strip()):
        errors.setdefault("iban", []).append(
            _("Give an IBAN or payment instructions: clients need to know how to pay.")
        )
    extension = _check_logo(errors, logo) if logo is not None else None
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        profile = LegalProfile.objects.select_for_update().filter(account=actor.account).first()
        before = _public(profile) if profile else None
        profile = profile or LegalProfile(account=actor.account)
        for name, value in asdict(data).items():
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
        profile.country, profile.vat_id, profile.iban, profile.bic = country, vat_id, iban, bic
        profile.number_prefix, profile.vat_rate = prefix, rate
        old_logo = profile.logo.name if profile.logo else ""
        if logo is not None and extension:
            profile.logo.save(f"logo{extension}", logo, save=False)
        elif remove_logo:
            profile.logo = ""
        profile.save()
        if old_logo and old_logo != (profile.logo.name if profile.logo else ""):
            storage, name = profile.logo.storage, old_logo
            transaction.on_commit(lambda: storage.delete(name))
        audit_record(actor=actor, account=actor.account, action="legal_profile.saved", subject=profile,
                     before=before, after=_public(profile))  # fmt: skip
    return profile


def _public(profile: LegalProfile) -> dict:
    fields = ("legal_name", "country", "vat_id", "company_registration", "iban", "bic", "number_prefix")
    return {name: str(getattr(profile, name)) for name in fields} | {
        "vat_rate": str(profile.vat_rate),
        "payment_terms_days": profile.payment_terms_days,
    }


def client_billing_profile_get(*, actor: Actor, client_id) -> tuple[Client, ClientBillingProfile | None]:
    """The client (as the actor may see it) and its billing profile, if it has one."""
    client = client_get(actor=actor, client_id=client_id)
    return client, ClientBillingProfile.objects.filter(client=client).first()


def client_billing_profile_save(*, actor: Actor, client_id, data: ClientBillingInput) -> ClientBillingProfile:
    """Create or change a client's billing profile: the reseller's owners and admins only."""
    if actor.is_client_scoped:
        raise PermissionDenied(_("Billing profiles are kept by the reseller."))
    actor.require_admin()
    client = client_get(actor=actor, client_id=client_id)
    errors: dict[str, list[str]] = {}
    _required(errors, data, "legal_name", "country")
    country = _country(errors, data.country)
    vat_id = _check(errors, "vat_id", vat.clean_vat_id, country, data.vat_id) if country else data.vat_id
    if data.language not in dict(settings.LANGUAGES):
        errors.setdefault("language", []).append(_("Choose a language."))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        profile = ClientBillingProfile.objects.select_for_update().filter(client=client).first()
        before = {"legal_name": profile.legal_name, "vat_id": profile.vat_id} if profile else None
        profile = profile or ClientBillingProfile(client=client)
        checked_id = profile.vies_vat_id
        for name, value in asdict(data).items():
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
        if checked_id != vat_id:  # VIES's answer was about the id this replaces
            profile.vies_vat_id, profile.vies_result, profile.vies_checked_at, profile.vies_name = "", "", None, ""
        profile.country, profile.vat_id = country, vat_id
        profile.save()
        audit_record(
            actor=actor,
            account=actor.account,
            action="client_billing_profile.saved",
            subject=client,
            before=before,
            after={"legal_name": profile.legal_name, "country": country, "vat_id": vat_id},
        )
    return profile

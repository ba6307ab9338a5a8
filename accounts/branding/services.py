"""Writes of a reseller's brand: its look, its logo and its client portal domain.

Owners and admins change the brand; a domain they enter is served only after staff approved it
(``brand_domain_approve``), having checked that the domain's ``_portal-verification`` TXT record holds the
brand's token — proof that whoever set the brand controls the domain's DNS. Every change writes an audit row
and, once committed, drops the cached host list (``hosts.py``)."""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
import secrets
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http.request import validate_host
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from portal.errors import PermissionDenied, ValidationFailed

from ..actor import Actor
from ..models import Account, Brand
from ..services import audit_record
from . import colours, hosts

LOGO_MAX_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_MAX_SIDE = 4000  # pixels of the upload; the stored logo is at most LOGO_BOX
LOGO_BOX = (480, 160)
TXT_RECORD_PREFIX = "_portal-verification"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class BrandInput:
    display_name: str
    primary_color: str
    accent_color: str
    support_email: str = ""
    support_phone: str = ""
    domain: str = ""


def _require_brand_admin(actor: Actor) -> None:
    if actor.is_client_scoped or not actor.can_administer:
        raise PermissionDenied(_("Only the account's owners and admins can change its brand."))


def _snapshot(brand: Brand) -> dict:
    return {
        "display_name": brand.display_name,
        "primary_color": brand.primary_color,
        "accent_color": brand.accent_color,
        "support_email": brand.support_email,
        "support_phone": brand.support_phone,
        "domain": brand.domain,
        "domain_verified": brand.domain_verified,
        "logo": brand.logo_digest,
    }


def _remember(actor: Actor, brand: Brand) -> None:
    """The actor's account object carries the brand just written: what this request or task still shows
    or sends reads it from there (``selectors.look_of``), not a copy from before the change."""
    if actor.account.pk == brand.account_id:
        actor.account.brand = brand


def domain_normalise(value: str) -> str | None:
    """A client portal host name in the form it is stored and compared (lower case, IDNA, no trailing
    dot), or None for an empty value. Raises ``ValidationFailed`` for anything that is not a public host
    name the portal could answer on: addresses, single labels, the portal's own names."""
    value = (value or "").strip().lower().rstrip(".")
    if not value:
        return None
    problem = _("Enter a host name such as portal.example.com, without https:// or a path.")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationFailed(problem, fields={"domain": [problem]}) from None
    labels = value.split(".")
    try:
        ipaddress.ip_address(value)
        is_address = True
    except ValueError:
        is_address = False
    if (
        is_address
        or len(value) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationFailed(problem, fields={"domain": [problem]})
    own = [*hosts.static_hosts(), (settings.PUBLIC_URL.split("//", 1)[-1].split("/")[0].split(":")[0])]
    if validate_host(value, own):
        message = _("That is the portal's own address; enter a host name of your own domain.")
        raise ValidationFailed(message, fields={"domain": [message]})
    return value


def _checked(data: BrandInput, *, brand_id: int | None) -> dict:
    fields: dict[str, list[str]] = {}
    # One line (it becomes an email's sender name): any run of whitespace, line breaks included, is a space.
    name = " ".join(data.display_name.split())
    if not name:
        fields["display_name"] = [_("Enter the name your clients know you by.")]
    elif len(name) > 80:
        fields["display_name"] = [_("At most 80 characters.")]
    chosen = {}
    for field, value in (("primary_color", data.primary_color), ("accent_color", data.accent_color)):
        colour = colours.normalise(value)
        if colour is None:
            fields[field] = [_("Enter a colour as #RRGGBB, for example #1f6feb.")]
        elif colours.contrast(colour, colours.WHITE) < colours.MIN_CONTRAST:
            fields[field] = [
                _(
                    "White text on this colour is hard to read (contrast %(ratio).1f:1, at least %(minimum).1f:1 "
                    "needed). Choose a darker colour."
                )
                % {"ratio": colours.contrast(colour, colours.WHITE), "minimum": colours.MIN_CONTRAST}
            ]
        chosen[field] = colour
    support_email = data.support_email.strip().lower()
    if support_email:
        try:
            validate_email(support_email)
        except DjangoValidationError as exc:
            fields["support_email"] = list(exc.messages)
    phone = data.support_phone.strip()
    if phone:
        try:
            parsed = phonenumbers.parse(phone, None)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            fields["support_phone"] = [_("Enter the phone number in international format, e.g. +31 20 123 4567.")]
    domain = None
    try:
        domain = domain_normalise(data.domain)
    except ValidationFailed as exc:
        fields.update(exc.fields or {})
    others = Brand.objects.filter(domain=domain)
    if brand_id is not None:
        others = others.exclude(pk=brand_id)
    if domain and others.exists():
        taken = _("Another account already uses this domain.")
        fields.setdefault("domain", []).append(taken)
    if fields:
        raise ValidationFailed(fields=fields)
    return {
        "display_name": name,
        "primary_color": chosen["primary_color"],
        "accent_color": chosen["accent_color"],
        "support_email": support_email,
        "support_phone": phone,
        "domain": domain,
    }


def brand_save(*, actor: Actor, data: BrandInput) -> Brand:
    """Create or change the actor's account brand. A new or changed domain gets a new verification token
    and is not served until staff approve it again."""
    _require_brand_admin(actor)
    with transaction.atomic():
        # The account row first: two first saves of one account's brand at once make one brand, not a clash.
        Account.objects.select_for_update().filter(pk=actor.account.pk).first()
        brand = Brand.objects.select_for_update().filter(account=actor.account).first()
        before = _snapshot(brand) if brand else None
        if brand is None:
            brand = Brand(account=actor.account)
        checked = _checked(data, brand_id=brand.pk)
        if checked["domain"] != brand.domain:
            brand.domain_token = secrets.token_urlsafe(24) if checked["domain"] else ""
            brand.domain_verified_at = None
        for field, value in checked.items():
            setattr(brand, field, value)
        try:
            with transaction.atomic():
                brand.save()
        except IntegrityError:  # the same domain saved for another account at this very moment
            taken = _("Another account already uses this domain.")
            raise ValidationFailed(taken, fields={"domain": [taken]}) from None
        audit_record(
            actor=actor,
            action="brand.updated" if before else "brand.created",
            subject=brand,
            before=before,
            after=_snapshot(brand),
        )
        transaction.on_commit(hosts.forget)
    _remember(actor, brand)
    return brand


def logo_prepare(upload: bytes) -> bytes:
    """The stored logo: the upload decoded and drawn again as a PNG of at most ``LOGO_BOX``. Only PNG,
    JPEG and WebP images are read (never SVG, which can carry scripts)."""
    problem = _("Upload a PNG, JPEG or WebP image of at most 512 KB.")
    if not upload or len(upload) > LOGO_MAX_BYTES:
        raise ValidationFailed(problem, fields={"logo": [problem]})
    try:
        with Image.open(io.BytesIO(upload)) as image:
            if image.format not in LOGO_FORMATS or max(image.size) > LOGO_MAX_SIDE:
                raise ValidationFailed(problem, fields={"logo": [problem]})
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationFailed(problem, fields={"logo": [problem]}) from None
    picture.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def brand_logo_set(*, actor: Actor, upload: bytes | None) -> Brand:
    """Replace the logo (``upload`` None removes it). The brand must exist."""
    _require_brand_admin(actor)
    logo = logo_prepare(upload) if upload is not None else b""
    with transaction.atomic():
        brand = Brand.objects.select_for_update().filter(account=actor.account).first()
        if brand is None:
            message = _("Save the brand's name and colours first.")
            raise ValidationFailed(message, fields={"logo": [message]})
        before = _snapshot(brand)
        brand.logo = logo
        brand.logo_digest = hashlib.sha256(logo).hexdigest()[:16] if logo else ""
        brand.save(update_fields=["logo", "logo_digest", "updated_at"])
        audit_record(actor=actor, action="brand.logo_changed", subject=brand, before=before, after=_snapshot(brand))
    _remember(actor, brand)
    return brand


def brand_domain_approve(*, actor: Actor, brand_id: int) -> Brand:
    """Staff: serve the brand's domain (after checking its TXT record holds the token)."""
    return _domain_verification_set(actor=actor, brand_id=brand_id, verified=True)


def brand_domain_withdraw(*, actor: Actor, brand_id: int) -> Brand:
    """Staff: stop serving the brand's domain (it stays entered, unverified)."""
    return _domain_verification_set(actor=actor, brand_id=brand_id, verified=False)


def _domain_verification_set(*, actor: Actor, brand_id: int, verified: bool) -> Brand:
    with transaction.atomic():
        brand = Brand.objects.select_for_update().select_related("account").get(pk=brand_id)
        if verified and not brand.domain:
            raise ValidationFailed(_("This brand has no domain to approve."))
        before = _snapshot(brand)
        brand.domain_verified_at = timezone.now() if verified else None
        brand.save(update_fields=["domain_verified_at", "updated_at"])
        audit_record(
            actor=actor,
            action="brand.domain_approved" if verified else "brand.domain_withdrawn",
            subject=brand,
            before=before,
            after=_snapshot(brand),
            account=brand.account,
        )
        transaction.on_commit(hosts.forget)
    _remember(actor, brand)
    return brand


def txt_record_name(brand: Brand) -> str:
    return f"{TXT_RECORD_PREFIX}.{brand.domain}"

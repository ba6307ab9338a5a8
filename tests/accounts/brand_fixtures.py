"""A reseller brand for tests: Alpha Telecom shows itself to its clients as "Northwind Voice"."""

from __future__ import annotations

import io

from PIL import Image

from accounts.branding import services
from accounts.models import Brand

BRAND_NAME = "Northwind Voice"
BRAND_DOMAIN = "portal.northwind.example"
SUPPORT_EMAIL = "help@northwind.example"


def png(size=(64, 32), colour=(200, 30, 30, 255), fmt="PNG") -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA" if fmt != "JPEG" else "RGB", size, colour if fmt != "JPEG" else colour[:3])
    image.save(out, format=fmt)
    return out.getvalue()


def make_brand(actor, *, domain: str = BRAND_DOMAIN, verified: bool = True, logo: bool = True) -> Brand:
    brand = services.brand_save(
        actor=actor,
        data=services.BrandInput(
            display_name=BRAND_NAME,
            primary_color="#8a1538",
            accent_color="#2b1a40",
            support_email=SUPPORT_EMAIL,
            support_phone="+31 20 794 6000",
            domain=domain,
        ),
    )
    if logo:
        brand = services.brand_logo_set(actor=actor, upload=png())
    if verified and domain:
        brand = services.brand_domain_approve(actor=actor, brand_id=brand.pk)
    services.hosts.forget()  # in a test the transaction never commits, so the on-commit hook never runs
    return brand

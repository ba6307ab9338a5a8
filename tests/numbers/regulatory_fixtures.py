"""Builders for compliance profiles, documents and port requests, made through the real services."""

from __future__ import annotations

from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from numbers_app.porting import services as porting
from numbers_app.regulatory import services as regulatory

# The first bytes are what the checks look at; the rest is filler.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

_port_numbers = count(1)


def pdf(name: str = "passport.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def uploads(*types: str) -> list[regulatory.Upload]:
    return [regulatory.Upload(document_type=t, file=pdf(f"{t}.pdf"), field=t) for t in types]


PROFILE_FIELDS = {
    "end_user_type": "business",
    "name": "Xylo Dental GmbH",
    "registration_number": "HRB 12345",
    "street": "Friedrichstraße 1",
    "postal_code": "10117",
    "city": "Berlin",
    "address_country": "DE",
}


def make_profile(actor, *, client=None, countries=("DE",), number_types=("local",), documents=True, submit=False):
    """A business profile (with its two required documents unless ``documents`` is false); returns
    (profile, first document or None)."""
    fields = dict(PROFILE_FIELDS, countries=list(countries), number_types=list(number_types))
    if client is not None and not actor.is_client_scoped:
        fields["client_id"] = client.pk
    from numbers_app.models import Country

    for code in countries:
        Country.objects.get_or_create(code=code, defaults={"name": code, "dial_code": "+0"})
    profile = regulatory.profile_create(actor=actor, **fields)
    stored = []
    if documents:
        stored = regulatory.profile_documents_add(
            actor=actor, profile=profile, uploads=uploads("company_registration", "proof_of_address")
        )
    if submit:
        regulatory.profile_submit(actor=actor, profile=profile)
    profile.refresh_from_db()
    return profile, (stored[0] if stored else None)


def next_port_number() -> str:
    """A valid Amsterdam number outside every test stock (the NL local group hosts it)."""
    return f"+312088{next(_port_numbers):05d}"


def make_port(actor, *, client=None, numbers=None, **details):
    """A pending port request for NL Amsterdam numbers (the group is created when missing)."""
    from tests.numbers.conftest import make_stock_number

    make_stock_number()  # makes sure NL and its Amsterdam local group exist
    values = {"current_carrier": "KPN", "authorization_name": "Jan de Vries", "account_number": "ACC-1"} | details
    return porting.port_create(
        actor=actor, numbers=numbers or [next_port_number()], client=client, uploads=uploads("letter_of_authorization"),
        **values,
    )  # fmt: skip

"""The invoice PDF in the right language: a draft's preview in the viewer's, an issued invoice as it was
issued, in its client's; its fonts cover the script, Arabic is laid out right to left, and the API's PDF
never follows the caller's browser."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from django.utils import translation

from accounts.models import User
from billing.invoice_pdf import invoice_pdf
from tests.billing.test_invoices import history, issued  # noqa: F401 (fixtures, used by name)
from tests.numbers.conftest import login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.usefixtures("stock")]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def fonts_in(pdf: bytes) -> set[str]:
    """The families embedded in a PDF (subset prefixes such as ``ABCDEF+`` taken off)."""
    return {
        name.split("+")[-1] for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", pdf) for name in [name.decode()]
    }


def language_of(pdf: bytes) -> str:
    match = re.search(rb"/Lang\s*\(([^)]*)\)", pdf)
    return match.group(1).decode() if match else ""


def page_texts(pdf: bytes) -> bytes:
    """The page content streams, inflated: what draws the text (as glyph ids) and where."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = b""
    for stream in streams:
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            continue
    return out


@pytest.mark.parametrize(
    ("language", "expected_fonts"),
    [
        ("en", {"DejaVuSansBook", "DejaVuSansBold"}),
        ("de", {"DejaVuSansBook", "DejaVuSansBold"}),
        ("ar", {"NotoSansArabic", "NotoSansArabicBold"}),
        ("hi", {"NotoSansDevanagari", "NotoSansDevanagariBold"}),
        ("ja", {"DejaVuSansBook", "DroidSansFallback"}),
        ("zh-hans", {"DejaVuSansBook", "DroidSansFallback"}),
    ],
)
def test_a_drafts_pdf_is_written_in_the_viewers_language_with_fonts_for_its_script(
    tenants, issued, language, expected_fonts
):
    user = User.objects.get(email="owner@alpha.test")
    user.language = language
    user.save(update_fields=["language"])
    response = login("owner@alpha.test").get(f"/billing/invoices/{issued['x_draft'].pk}/download.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = response.content
    assert language_of(pdf) == language
    assert expected_fonts <= fonts_in(pdf), fonts_in(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"invoice-{language}.pdf").write_bytes(pdf)


def test_an_issued_invoices_pdf_is_the_one_issued_in_its_clients_language_whoever_downloads_it(tenants, issued):
    from billing.invoicing.profiles import ClientBillingInput, client_billing_profile_save

    client_billing_profile_save(
        actor=tenants.a.owner_actor,
        client_id=tenants.y.pk,
        data=ClientBillingInput(legal_name="Yarrow Logistics GmbH", country="DE", language="de"),
    )
    # Y's March invoice was issued before its profile said German: it stays English, as sent.
    user = User.objects.get(email="owner@alpha.test")
    user.language = "ar"
    user.save(update_fields=["language"])
    response = login("owner@alpha.test").get(f"/billing/invoices/{issued['y'].pk}/download.pdf")
    assert response.content == bytes(issued["y"].file.pdf) and language_of(response.content) == "en"
    assert "NotoSansArabic" not in fonts_in(response.content)


def test_a_pdf_embeds_only_the_fonts_its_text_needs(tenants, issued):
    with translation.override("en"):
        pdf = invoice_pdf(issued["x"])
    assert fonts_in(pdf) == {"DejaVuSansBook", "DejaVuSansBold"}
    # A client named in Japanese brings the font that has its letters, in any language.
    client = issued["x"].client
    client.name = "東京歯科クリニック"
    client.save(update_fields=["name"])
    with translation.override("en"):
        pdf = invoice_pdf(issued["x"])
    assert fonts_in(pdf) == {"DejaVuSansBook", "DejaVuSansBold", "DroidSansFallback"}


def test_an_arabic_pdf_is_laid_out_right_to_left(tenants, issued):
    """The labels of the header rows stand on the right in Arabic: their text starts further right than
    the values beside them, where the English page has them on the left."""

    def x_positions(pdf: bytes) -> list[float]:
        return [float(x) for x in re.findall(rb"BT\s+(-?[\d.]+)\s+-?[\d.]+\s+Td", page_texts(pdf))]

    with translation.override("en"):
        english = x_positions(invoice_pdf(issued["x"]))
    with translation.override("ar"):
        arabic = x_positions(invoice_pdf(issued["x"]))
    assert english and arabic
    # The title: flush left in English, pushed right in Arabic.
    assert arabic[0] > english[0] + 50


def test_the_apis_pdf_is_english_whatever_the_browser_asks(tenants, api_as, issued):
    api = api_as(tenants.a.key)
    pdf = api.get(f"/api/v1/invoices/{issued['x'].public_id}/pdf", headers={"Accept-Language": "ar"})
    assert pdf.status_code == 200
    assert language_of(pdf.content) == "en"
    assert "NotoSansArabic" not in fonts_in(pdf.content)

"""Helpers for the tests that render pages in every language: the portal's main pages with data on them,
and reading a page for its language, direction and any English message left untranslated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from django.test import Client as HttpClient
from django.utils import timezone

from billing.invoices import invoice_draft
from messaging.services import sms_send
from numbers_app.models import Number
from numbers_app.services import number_configure, number_provision, number_purchase
from numbers_app.trunks.services import trunk_create
from portal.l10n import LRI, PDI
from portal.translations import read_catalog
from portal.webhooks.services import webhook_create
from tests.conftest import PASSWORD, Tenants, login_request
from tests.numbers.conftest import NL_AMS, NL_MOBILE

# Text a person reads outside the text between tags.
READ_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "data-confirm", "label"}
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "svg", "textarea"}


@dataclass
class PortalData:
    number: Number  # X's NL mobile, live, SMS on
    own_number: Number  # the reseller's NL landline, live
    trunk_id: int
    webhook_id: int
    invoice_id: int


def portal_data(tenants: Tenants) -> PortalData:
    """What the main pages list: numbers (one of client X's, with SMS and a message), an order, a trunk,
    a webhook endpoint and X's invoice for this month."""
    owner = tenants.a.owner_actor
    mobile = number_purchase(actor=owner, numbers=[NL_MOBILE[0]], client=tenants.x).numbers.get()
    landline = number_purchase(actor=owner, numbers=[NL_AMS[0]]).numbers.get()
    for number in (mobile, landline):
        number_provision(number_id=number.pk)
    mobile.refresh_from_db()
    number_configure(actor=owner, number=mobile, capabilities=["voice", "sms"])
    mobile.refresh_from_db()
    sms_send(actor=owner, number=mobile, to="+31612345678", body="Hello from the portal")
    trunk = trunk_create(actor=owner, name="Reception PBX", client_id=tenants.x.pk)
    endpoint = webhook_create(actor=owner, url="http://127.0.0.1:9/hooks", events=["*"])
    invoice = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=timezone.localdate())
    landline.refresh_from_db()
    return PortalData(
        number=mobile,
        own_number=landline,
        trunk_id=trunk.trunk.pk,
        webhook_id=endpoint.endpoint.pk,
        invoice_id=invoice.pk,
    )


def owner_pages(data: PortalData, tenants: Tenants) -> list[str]:
    return [
        "/",
        "/numbers/",
        "/numbers/?country=NL",
        "/numbers/mine/",
        f"/numbers/mine/{data.number.pk}/",
        f"/numbers/mine/{data.own_number.pk}/",
        "/numbers/orders/",
        f"/numbers/orders/{data.number.order_id}/",
        "/numbers/compliance/",
        "/numbers/porting/",
        "/numbers/porting/new/",
        "/trunks/",
        f"/trunks/{data.trunk_id}/",
        "/messaging/",
        "/messaging/compose/",
        "/messaging/threads/",
        f"/messaging/threads/{data.number.pk}/+31612345678/",
        "/billing/wallet/",
        "/billing/renewals/",
        "/billing/clients/",
        f"/billing/clients/{tenants.x.pk}/",
        "/billing/invoices/",
        f"/billing/invoices/{data.invoice_id}/",
        "/billing/prices/",
        "/developers/api-keys/",
        "/developers/webhooks/",
        f"/developers/webhooks/{data.webhook_id}/",
        "/settings/clients/",
        f"/settings/clients/{tenants.x.pk}/",
        "/settings/team/",
        "/settings/audit/",
    ]


def client_admin_pages(data: PortalData, tenants: Tenants) -> list[str]:
    return [
        "/",
        "/numbers/mine/",
        f"/numbers/mine/{data.number.pk}/",
        "/numbers/compliance/",
        "/trunks/",
        f"/trunks/{data.trunk_id}/",
        "/messaging/",
        "/messaging/threads/",
        "/billing/wallet/",
        f"/billing/clients/{tenants.x.pk}/",
        "/billing/invoices/",
        "/developers/api-keys/",
        "/developers/webhooks/",
        "/settings/clients/",
    ]


def logged_in(email: str) -> HttpClient:
    http = HttpClient()
    assert http.login(username=email, password=PASSWORD, request=login_request())
    return http


class _PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict[str, str] = {}
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = {k: v or "" for k, v in attrs.items()}
        for name in READ_ATTRIBUTES & set(attrs):
            self.texts.append(attrs[name] or "")
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


@dataclass
class Page:
    lang: str
    dir: str
    texts: list[str]


def read_page(html: str) -> Page:
    reader = _PageReader()
    reader.feed(html)
    texts = [" ".join(t.replace(LRI, "").replace(PDI, "").split()) for t in reader.texts]
    return Page(
        lang=reader.html_attrs.get("lang", ""), dir=reader.html_attrs.get("dir", ""), texts=[t for t in texts if t]
    )


_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{nb\}")


def english_patterns(catalog: Catalog) -> list[tuple[str, re.Pattern]]:
    """For each message whose translation differs from its English text, a pattern matching a whole text
    of a page that is still that English text (placeholders match anything)."""
    patterns = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not any(strings) or set(strings) <= set(ids):
            continue
        for msgid in ids:
            if "<" in msgid or "\n" in msgid or not re.search(r"[A-Za-z]{2}", _PLACEHOLDER.sub("", msgid)):
                continue
            normalised = " ".join(msgid.split())
            parts = [re.escape(part) for part in _PLACEHOLDER.split(normalised)]
            patterns.append((msgid, re.compile("^" + ".+?".join(parts) + "$")))
    return patterns


def untranslated(page: Page, patterns, *, records: set[str] = frozenset()) -> list[str]:
    """The page's texts that are still the English text of a translated message. ``records`` are texts
    stored in English on purpose (ledger descriptions and the like), shown as they are."""
    found = []
    for text in page.texts:
        if text in records:
            continue
        for msgid, pattern in patterns:
            if pattern.match(text):
                found.append(f"{text!r} (msgid {msgid!r})")
                break
    return found


def catalog_of(language_dir: Path) -> Catalog:
    return read_catalog(language_dir / "LC_MESSAGES" / "django.po")

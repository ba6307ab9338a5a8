"""The ``didww`` carrier: DIDWW API v3 (or any service that speaks it, such as another DIDfarm's /api/v3)
through DIDWW's official Python SDK.

What the portal does with it, and how each maps onto the API:
- stock: ``catalogue()`` reads countries, DID groups (with their SKUs, type and address requirement)
  and each group's available DIDs; the import turns them into our search index;
- buying: ``provision()`` reserves the available DID, then orders it (a reservation order item) with our
  idempotency key as ``external_reference_id``; an order already placed under that key is found and
  followed instead of placing another. A pending order is a transient error (the task polls again, or
  the order's callback nudges it); a cancelled one is final (the purchase is refunded);
- routing: a voice-in trunk per destination (SIP configuration for a SIP URI, PSTN configuration for a
  phone number), named after it so the same destination reuses one trunk; the DID is pointed at it;
- lifecycle: ``release()`` terminates the DID; ``set_renewal()`` sets ``billing_cycles_count`` (0: the
  DID ends with its paid period; null: it renews);
- reconciliation: ``dids()`` lists the account's DIDs;
- regulatory documents: an identity, its address, each document encrypted for the upstream's current
  public keys exactly as the SDK's ``Encrypt`` does and uploaded as an encrypted file, proofs made of those
  files, and an address verification linking the address to the DIDs that need it; its status (and
  reject reasons) is the upstream's verdict. Every create carries an ``Idempotency-Key`` (DIDfarm's
  /api/v3 honours it; DIDWW ignores it), so a create whose answer was lost is not made twice.

Errors: JSON:API errors with a 4xx status are final (``CarrierError(transient=False)``, with the upstream's
detail), 408/429/5xx and network failures transient. Every call does network I/O: tasks only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import requests
from didww.client import DidwwClient
from didww.encrypt import Encrypt
from didww.exceptions import DidwwApiError, DidwwError
from didww.query_params import QueryParams
from didww.resources.address import Address
from didww.resources.address_verification import AddressVerification
from didww.resources.configuration.pstn import PstnConfiguration
from didww.resources.configuration.sip import SipConfiguration
from didww.resources.did import Did
from didww.resources.did_reservation import DidReservation
from didww.resources.identity import Identity
from didww.resources.order import Order
from didww.resources.order_item.available_did_order_item import AvailableDidOrderItem
from didww.resources.order_item.reservation_did_order_item import ReservationDidOrderItem
from didww.resources.proof import Proof
from didww.resources.voice_in_trunk import VoiceInTrunk

from .base import Carrier, CarrierError, Provisioned, SmsAccepted, StockItem

T = TypeVar("T")

# DIDWW's DID group types, as our number types (groups of other types are not imported).
TYPES = {"Local": "local", "Mobile": "mobile", "National": "national", "Toll-free": "toll_free"}
FEATURES = {"voice_in": "voice", "sms_in": "sms", "t38": "fax"}
PAGE_SIZE = 100
TIMEOUT_SECONDS = 20
TRANSIENT_STATUSES = {408, 425, 429}


@dataclass
class UpstreamGroup:
    """One DID group as the import needs it: our fields, its SKU and prices, and the DIDs for sale."""

    ref: str
    country: str
    type: str
    area_code: str
    city: str
    region: str
    capabilities: tuple[str, ...]
    requires_documents: bool
    sku_ref: str
    setup_price: Decimal
    monthly_price: Decimal
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (available DID id, E.164)


@dataclass(frozen=True)
class Party:
    """Who the documents are about, as an identity and its address upstream."""

    business: bool
    name: str
    registration_number: str
    street: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class Verdict:
    """An address verification's state upstream: ``pending``, ``approved`` or ``rejected`` (with why)."""

    status: str
    reason: str = ""


# Which upstream proof type stands for each of our document kinds, by its entity type, where the upstream
# does not use our kinds as ids (DIDWW's ids are its own).
PROOF_ENTITIES = {"id_document": "Personal", "company_registration": "Business", "proof_of_address": "Address",
                  "other": "Personal"}  # fmt: skip


@dataclass(frozen=True)
class UpstreamDid:
    ref: str
    e164: str
    terminated: bool
    renews: bool


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else "0"))
    except InvalidOperation:
        raise CarrierError(f"didww: not a price: {value!r}", transient=False, code="bad_response") from None


def _e164(number: str) -> str:
    return "+" + str(number).lstrip("+")


def trunk_name(destination: str) -> str:
    """The voice-in trunk of one destination: the same destination always names the same trunk."""
    return "didfarm-" + hashlib.sha256(destination.encode()).hexdigest()[:16]


def trunk_configuration(destination: str) -> SipConfiguration | PstnConfiguration:
    """A SIP URI (``sip:user@host[:port]``) becomes a SIP configuration, a phone number a PSTN one."""
    if destination.startswith(("sip:", "sips:")):
        rest = destination.split(":", 1)[1]
        user, _, hostport = rest.rpartition("@")
        host, _, port = hostport.partition(":")
        sip = SipConfiguration()
        sip.username = user or "{DID}"
        sip.host = host
        sip.port = int(port) if port.isdigit() else 5060
        return sip
    pstn = PstnConfiguration()
    pstn.dst = destination.lstrip("+")
    return pstn


class DidwwCarrier(Carrier):
    def __init__(
        self,
        *,
        name: str,
        api_url: str,
        api_key: str,
        callback_url: str = "",
        offer_for: Callable[[str], tuple[str, str]] | None = None,
    ):
        self.name = name
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.callback_url = callback_url
        # (available DID id, SKU id) of a number in our index: how ``provision`` knows what to order.
        self.offer_for = offer_for
        self._client: DidwwClient | None = None

    # --- plumbing ----------------------------------------------------------------------------------

    @property
    def client(self) -> DidwwClient:
        if self._client is None:
            if not self.api_key:
                raise CarrierError(f"{self.name}: no API key configured", transient=False, code="not_configured")
            session = requests.Session()
            self._client = DidwwClient(self.api_key, base_url=self.api_url, session=session)
            self._client._session.request = _with_timeout(self._client._session.request)  # type: ignore[method-assign]
        return self._client

    def _call(self, fn: Callable[[], T]) -> T:
        """Run one SDK call, its failures as ``CarrierError``s (4xx final, the rest transient)."""
        try:
            return fn()
        except DidwwApiError as exc:
            status = exc.status_code or 0
            transient = status >= 500 or status in TRANSIENT_STATUSES
            code = str((exc.errors or [{}])[0].get("code") or f"http_{status}")
            raise CarrierError(f"{self.name}: {exc}", transient=transient, code=code) from exc
        except (requests.RequestException, OSError) as exc:
            raise CarrierError(f"{self.name}: {type(exc).__name__}: {exc}", transient=True) from exc
        except (DidwwError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise CarrierError(f"{self.name}: unexpected answer: {exc}", transient=True, code="bad_response") from exc

    def _keyed(self, key: str, fn: Callable[[], T]) -> T:
        """One create with ``Idempotency-Key: key`` (the session is this adapter's own, used by one task)."""
        headers = self.client._session.headers
        headers["Idempotency-Key"] = key
        try:
            return self._call(fn)
        finally:
            headers.pop("Idempotency-Key", None)

    def _all(self, list_page: Callable[[QueryParams], Any], make: Callable[[], QueryParams], *, cap: int) -> Iterator:
        """Every resource of a paginated list, page by page, up to ``cap``."""
        seen = 0
        number = 1
        while seen < cap:
            params = make().page(number=number, size=PAGE_SIZE)
            page = self._call(lambda params=params: list_page(params))
            yield from page.data[: cap - seen]
            seen += len(page.data)
            total = (page.meta or {}).get("total_records")
            if len(page.data) < PAGE_SIZE or (total is not None and seen >= int(total)):
                return
            number += 1

    # --- stock -------------------------------------------------------------------------------------

    def country_ids(self) -> dict[str, str]:
        """ISO code → the upstream's country id."""
        countries = self._all(self.client.countries().list, QueryParams, cap=1000)
        return {str(c.iso).upper(): c.id for c in countries if c.iso}

    def catalogue(
        self, *, countries: list[str] | None = None, types: list[str] | None = None, per_group: int = 1000
    ) -> Iterator[UpstreamGroup]:
        """Every DID group the carrier sells in ``countries`` (all when empty) of ``types`` (all of ours when
        empty), each with its cheapest SKU and up to ``per_group`` DIDs for sale."""
        ids = self.country_ids()
        wanted = [c for c in (countries or sorted(ids)) if c in ids]
        for iso in wanted:
            groups = self._all(
                self.client.did_groups().list,
                lambda iso=iso: (
                    QueryParams()
                    .filter("country.id", ids[iso])
                    .include("stock_keeping_units", "did_group_type", "region", "city")
                ),
                cap=100_000,
            )
            for group in groups:
                kind = TYPES.get(getattr(group.did_group_type, "name", "") or "")
                if kind is None or (types and kind not in types):
                    continue
                skus = list(group.stock_keeping_units or [])
                if not skus:
                    continue
                sku = min(skus, key=lambda s: (_decimal(s.monthly_price), _decimal(s.setup_price)))
                item = UpstreamGroup(
                    ref=group.id,
                    country=iso,
                    type=kind,
                    area_code=str(group.prefix or "")[:8],
                    city=str(group.area_name or getattr(group.city, "name", "") or "")[:100],
                    region=str(getattr(group.region, "name", "") or "")[:100],
                    capabilities=tuple(
                        sorted({FEATURES[f.value] for f in (group.features or []) if f.value in FEATURES})
                    )
                    or ("voice",),
                    requires_documents=bool(
                        (group.raw_object.relationships.as_data().get("address_requirement") or {}).get("data")
                    ),
                    sku_ref=sku.id,
                    setup_price=_decimal(sku.setup_price),
                    monthly_price=_decimal(sku.monthly_price),
                )
                dids = self._all(
                    self.client.available_dids().list,
                    lambda gid=group.id: QueryParams().filter("did_group.id", gid),
                    cap=per_group,
                )
                item.numbers = [(d.id, _e164(d.number)) for d in dids if d.number]
                yield item

    def list_stock(self, *, country: str, type: str | None = None, limit: int = 100) -> Iterable[StockItem]:
        count = 0
        for group in self.catalogue(countries=[country], types=[type] if type else None, per_group=limit):
            for _ref, e164 in group.numbers:
                if count >= limit:
                    return
                count += 1
                yield StockItem(
                    e164, group.country, group.type, group.area_code, group.city, group.region, group.capabilities
                )

    # --- buying ------------------------------------------------------------------------------------

    def _order_by_reference(self, key: str) -> Order | None:
        page = self._call(
            lambda: self.client.orders().list(QueryParams().filter("external_reference_id", key).page(size=PAGE_SIZE))
        )
        return next((o for o in page.data if o.external_reference_id == key), None)

    def provision(self, *, e164: str, idempotency_key: str) -> Provisioned:
        order = self._order_by_reference(idempotency_key)
        if order is None:
            order = self._place_order(e164=e164, idempotency_key=idempotency_key)
        status = order.status.value if order.status is not None else ""
        if status == "canceled":
            raise CarrierError(
                f"{self.name}: order {order.id} for {e164} was cancelled upstream", transient=False, code="canceled"
            )
        if status != "completed":
            raise CarrierError(f"{self.name}: order {order.id} for {e164} is still {status}", code="order_pending")
        did = self.did_for(e164)
        if did is None:
            raise CarrierError(f"{self.name}: order {order.id} completed but {e164} is not among its DIDs")
        return Provisioned(e164=e164, carrier_ref=did.ref)

    def _place_order(self, *, e164: str, idempotency_key: str) -> Order:
        if self.offer_for is None:
            raise CarrierError(f"{self.name}: no offer known for {e164}", transient=False, code="no_offer")
        available_id, sku_id = self.offer_for(e164)
        if not available_id or not sku_id:
            raise CarrierError(f"{self.name}: {e164} is not in its stock here", transient=False, code="no_offer")
        item: ReservationDidOrderItem | AvailableDidOrderItem
        reservation_id = self._reserve(available_id, idempotency_key)
        if reservation_id:
            item = ReservationDidOrderItem()
            item.did_reservation_id = reservation_id
        else:
            item = AvailableDidOrderItem()
            item.available_did_id = available_id
        item.sku_id = sku_id
        order = Order()
        order.items = [item]
        order.allow_back_ordering = False
        order.external_reference_id = idempotency_key
        if self.callback_url:
            order.callback_url = self.callback_url
            order.callback_method = "post"
        return self._call(lambda: self.client.orders().create(order)).data

    def _reserve(self, available_id: str, idempotency_key: str) -> str:
        """Hold the DID while the order is placed; "" where the upstream has no reservations (404/405). A
        reservation an earlier attempt made (described with our key) is used again, not made twice."""
        try:
            held = self._call(
                lambda: self.client.did_reservations().list(
                    QueryParams().filter("description", idempotency_key).page(size=PAGE_SIZE)
                )
            )
        except CarrierError as exc:
            if exc.code in ("http_404", "http_405"):
                return ""
            raise
        mine = next((r for r in held.data if r.description == idempotency_key), None)
        if mine is not None:
            return mine.id
        reservation = DidReservation()
        reservation.description = idempotency_key
        reservation.raw_object.relationships["available_did"] = {"data": {"type": "available_dids", "id": available_id}}
        try:
            return self._call(lambda: self.client.did_reservations().create(reservation)).data.id
        except CarrierError as exc:
            if exc.code in ("http_404", "http_405"):
                return ""
            raise

    def did_for(self, e164: str) -> UpstreamDid | None:
        page = self._call(lambda: self.client.dids().list(QueryParams().filter("number", e164.lstrip("+"))))
        for did in page.data:
            if _e164(did.number) == e164:
                return _did(did)
        return None

    def order_status(self, *, idempotency_key: str) -> str:
        """``pending``, ``completed``, ``canceled`` or "" (no order under this key)."""
        order = self._order_by_reference(idempotency_key)
        return order.status.value if order is not None and order.status is not None else ""

    # --- lifecycle ---------------------------------------------------------------------------------

    def _update_did(self, carrier_ref: str, change: Callable[[Did], None], *, missing_ok: bool = False) -> None:
        did = Did.build(carrier_ref)
        change(did)
        try:
            self._call(lambda: self.client.dids().update(did))
        except CarrierError as exc:
            if not (missing_ok and exc.code == "http_404"):
                raise

    def release(self, *, carrier_ref: str) -> None:
        """Terminate the DID; a DID the upstream no longer has counts as released."""
        self._update_did(carrier_ref, lambda did: setattr(did, "terminated", True), missing_ok=True)

    def set_renewal(self, *, carrier_ref: str, renew: bool) -> None:
        """Renew the DID every period (null), or let it end with the period it is paid for (0)."""
        self._update_did(carrier_ref, lambda did: setattr(did, "billing_cycles_count", None if renew else 0))

    def dids(self) -> Iterator[UpstreamDid]:
        for did in self._all(self.client.dids().list, QueryParams, cap=1_000_000):
            yield _did(did)

    # --- routing -----------------------------------------------------------------------------------

    def _trunk_for(self, destination: str) -> str:
        name = trunk_name(destination)
        page = self._call(lambda: self.client.voice_in_trunks().list(QueryParams().filter("name", name)))
        found = next((t for t in page.data if t.name == name), None)
        if found is not None:
            return found.id
        trunk = VoiceInTrunk()
        trunk.name = name
        trunk.configuration = trunk_configuration(destination)
        return self._call(lambda: self.client.voice_in_trunks().create(trunk)).data.id

    def configure_routing(self, *, carrier_ref: str, destination: str) -> None:
        """Point the DID at the voice-in trunk of ``destination`` (created the first time), or at none."""
        if not destination:
            self._update_did(carrier_ref, lambda did: did._null_relationship("voice_in_trunk"))
            return
        trunk_id = self._trunk_for(destination)

        def point(did: Did) -> None:
            did.voice_in_trunk = VoiceInTrunk.build(trunk_id)

        self._update_did(carrier_ref, point)

    def configure_trunk(
        self, *, trunk_ref: str, username: str, realm: str, ha1: str, allowed_ips: list[str], channels: int
    ) -> None:
        """Client trunks register with our SIP side, not with the upstream: nothing to do there."""

    # --- regulatory documents -----------------------------------------------------------------------

    def identity_create(self, party: Party, *, key: str) -> str:
        identity = Identity()
        if party.business:
            identity.identity_type = "business"
            identity.company_name = party.name
            identity.company_reg_number = party.registration_number or None
        else:
            first, _sep, last = party.name.strip().rpartition(" ")
            identity.identity_type = "personal"
            identity.first_name = first or last
            identity.last_name = last
        identity.raw_object.relationships["country"] = {"data": {"type": "countries", "id": party.country}}
        return self._keyed(key, lambda: self.client.identities().create(identity)).data.id

    def address_create(self, party: Party, *, identity_ref: str, key: str) -> str:
        address = Address()
        address.address = party.street
        address.postal_code = party.postal_code
        address.city_name = party.city
        address.raw_object.relationships["country"] = {"data": {"type": "countries", "id": party.country}}
        address.raw_object.relationships["identity"] = {"data": {"type": "identities", "id": identity_ref}}
        return self._keyed(key, lambda: self.client.addresses().create(address)).data.id

    def public_keys(self) -> list[str]:
        """The upstream's two current public keys (PEM), in its order: what files are encrypted for."""
        keys = self._call(lambda: self.client.public_keys().list()).data
        pems = [str(k.key) for k in keys if getattr(k, "key", None)]
        if len(pems) != 2:
            raise CarrierError(f"{self.name}: expected two public keys, got {len(pems)}", code="bad_response")
        return pems

    def file_upload(self, content: bytes, *, name: str, keys: list[str]) -> str:
        """Encrypt ``content`` for ``keys`` as the SDK does and upload it; the encrypted file's id. (No
        idempotency key: the encryption is random, so a retry's body is never the same.)"""
        blob = Encrypt.encrypt_with_keys(content, keys)
        fingerprint = Encrypt.calculate_fingerprint(keys)
        return self._call(
            lambda: self.client.upload_encrypted_file(fingerprint, blob, description=name, filename=name + ".enc")
        )

    def proof_type_for(self, kind: str) -> str:
        """The upstream's proof type for one of our document kinds: the one with our kind as its id, else
        the first of the same entity type (``PROOF_ENTITIES``)."""
        if not hasattr(self, "_proof_types"):
            self._proof_types = [
                (t.id, t.entity_type) for t in self._call(lambda: self.client.proof_types().list()).data
            ]
        for type_id, _entity in self._proof_types:
            if type_id == kind:
                return type_id
        entity = PROOF_ENTITIES.get(kind, "Personal")
        for type_id, their_entity in self._proof_types:
            if str(getattr(their_entity, "value", their_entity)) == entity:
                return type_id
        raise CarrierError(f"{self.name}: no proof type for {kind} documents", transient=False, code="no_proof_type")

    def proof_create(self, *, kind: str, entity: tuple[str, str], files: list[str], key: str) -> str:
        proof = Proof()
        relationships = proof.raw_object.relationships
        relationships["proof_type"] = {"data": {"type": "proof_types", "id": self.proof_type_for(kind)}}
        relationships["entity"] = {"data": {"type": entity[0], "id": entity[1]}}
        relationships["files"] = {"data": [{"type": "encrypted_files", "id": ref} for ref in files]}
        return self._keyed(key, lambda: self.client.proofs().create(proof)).data.id

    def address_verification_create(self, *, address_ref: str, did_refs: list[str], key: str) -> str:
        verification = AddressVerification()
        if self.callback_url:
            verification.callback_url = self.callback_url
            verification.callback_method = "post"
        verification.external_reference_id = key[:100]
        relationships = verification.raw_object.relationships
        relationships["address"] = {"data": {"type": "addresses", "id": address_ref}}
        relationships["dids"] = {"data": [{"type": "dids", "id": ref} for ref in did_refs]}
        return self._keyed(key, lambda: self.client.address_verifications().create(verification)).data.id

    def address_verification_verdict(self, ref: str) -> Verdict:
        found = self._call(lambda: self.client.address_verifications().find(ref)).data
        status = found.status.value if found.status is not None else "pending"
        reasons = found.reject_reasons or []
        if isinstance(reasons, str):
            reasons = [reasons]
        reason = "; ".join(str(r) for r in reasons if r) or str(found.reject_comment or "")
        return Verdict(status=status, reason=reason)

    # --- what it does not offer ---------------------------------------------------------------------

    def send_sms(self, *, from_e164: str, to_e164: str, body: str, idempotency_key: str) -> SmsAccepted:
        raise CarrierError(
            f"{self.name}: DIDWW API v3 does not send SMS; use a carrier that does",
            transient=False,
            code="sms_not_offered",
        )

    def port_in(self, *, e164s: list[str], idempotency_key: str) -> list[Provisioned]:
        raise CarrierError(
            f"{self.name}: DIDWW API v3 has no port-in orders; port through DIDWW's own process",
            transient=False,
            code="port_in_not_offered",
        )


def _did(did: Did) -> UpstreamDid:
    return UpstreamDid(
        ref=did.id, e164=_e164(did.number), terminated=bool(did.terminated), renews=did.billing_cycles_count is None
    )


def _with_timeout(request: Callable[..., Any]) -> Callable[..., Any]:
    """Every request of the SDK's session with a timeout (the SDK sets none)."""

    def call(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return request(method, url, **kwargs)

    return call

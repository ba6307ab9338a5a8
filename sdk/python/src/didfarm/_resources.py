"""Resources: one class per part of the API, methods named as the API reference names them. Each
method takes the API's own parameter names as keywords (``from_`` stands for ``from``); anything else
passed as a keyword is sent too. Methods that POST accept ``idempotency_key`` (one is made otherwise)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._base import NOT_GIVEN, FileInput, NotGiven
from ._objects import AsyncPage, DidfarmObject, Page

if TYPE_CHECKING:
    from ._base import AsyncTransport, SyncTransport


class Account:
    """The account a key belongs to."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def me(self, **extra: Any) -> DidfarmObject:
        """Check a key: the account, client scope and limits it carries.

        ``GET /me``
        """
        result: DidfarmObject = self._client._request("me", (), {}, extra)
        return result


class ApiKeys:
    """API keys."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def create(
        self,
        *,
        name: str,
        read_only: bool | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        expires_at: str | None | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create an API key.

        ``POST /api-keys``
        """
        result: DidfarmObject = self._client._request(
            "api_keys_create",
            (),
            {
                "name": name,
                "read_only": read_only,
                "client_id": client_id,
                "expires_at": expires_at,
                "allowed_ips": allowed_ips,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def get(self, key_id: str | int, **extra: Any) -> DidfarmObject:
        """One API key.

        ``GET /api-keys/{key_id}``
        """
        result: DidfarmObject = self._client._request("api_keys_get", (key_id,), {}, extra)
        return result

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """API keys (never the keys themselves).

        ``GET /api-keys``
        """
        result: Page = self._client._request("api_keys_list", (), {"limit": limit, "page": page}, extra)
        return result

    def revoke(self, key_id: str | int, **extra: Any) -> DidfarmObject:
        """Revoke an API key (effective immediately).

        ``DELETE /api-keys/{key_id}``
        """
        result: DidfarmObject = self._client._request("api_keys_revoke", (key_id,), {}, extra)
        return result


class AuditLog:
    """The audit log."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def list(
        self,
        *,
        action: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Who changed what (owners and admins).

        ``GET /audit-log``
        """
        result: Page = self._client._request("audit_log", (), {"action": action, "limit": limit, "page": page}, extra)
        return result


class Calls:
    """Call records of your numbers."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, call_id: str | int, **extra: Any) -> DidfarmObject:
        """One call record.

        ``GET /calls/{call_id}``
        """
        result: DidfarmObject = self._client._request("calls_retrieve", (call_id,), {}, extra)
        return result

    def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        trunk: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Call records of your numbers, newest first (cursor pagination).

        ``GET /calls``
        """
        result: Page = self._client._request(
            "calls_list",
            (),
            {
                "client_id": client_id,
                "cursor": cursor,
                "date_from": date_from,
                "date_to": date_to,
                "limit": limit,
                "number": number,
                "status": status,
                "trunk": trunk,
            },
            extra,
        )
        return result


class Clients:
    """Your end clients, and what they cost."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def costs(
        self, client_id: str | int, *, from_: str | NotGiven = NOT_GIVEN, to: str | NotGiven = NOT_GIVEN, **extra: Any
    ) -> DidfarmObject:
        """A client's costs: wholesale, client price and margin by kind, number and month.

        ``GET /clients/{client_id}/costs``
        """
        result: DidfarmObject = self._client._request("client_costs", (client_id,), {"from_": from_, "to": to}, extra)
        return result

    def costs_csv(
        self, client_id: str | int, *, from_: str | NotGiven = NOT_GIVEN, to: str | NotGiven = NOT_GIVEN, **extra: Any
    ) -> bytes:
        """A client's charges in the period as CSV, one row per ledger entry.

        ``GET /clients/{client_id}/costs.csv``
        """
        result: bytes = self._client._request("client_costs_csv", (client_id,), {"from_": from_, "to": to}, extra)
        return result

    def create(
        self,
        *,
        name: str,
        email: Any | NotGiven = NOT_GIVEN,
        reference: str | NotGiven = NOT_GIVEN,
        admin_email: Any | NotGiven = NOT_GIVEN,
        admin_name: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create an end client (and invite its admin).

        ``POST /clients``
        """
        result: DidfarmObject = self._client._request(
            "clients_create",
            (),
            {
                "name": name,
                "email": email,
                "reference": reference,
                "admin_email": admin_email,
                "admin_name": admin_name,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def get(self, client_id: str | int, **extra: Any) -> DidfarmObject:
        """One end client.

        ``GET /clients/{client_id}``
        """
        result: DidfarmObject = self._client._request("clients_get", (client_id,), {}, extra)
        return result

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        search: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Your end clients.

        ``GET /clients``
        """
        result: Page = self._client._request(
            "clients_list", (), {"limit": limit, "page": page, "search": search}, extra
        )
        return result

    def update(
        self,
        client_id: str | int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        email: Any | NotGiven = NOT_GIVEN,
        reference: str | NotGiven = NOT_GIVEN,
        is_active: bool | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a client.

        ``PATCH /clients/{client_id}``
        """
        result: DidfarmObject = self._client._request(
            "clients_update",
            (client_id,),
            {"name": name, "email": email, "reference": reference, "is_active": is_active},
            extra,
        )
        return result


class ComplianceProfiles:
    """Regulatory compliance profiles and their documents."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def create(
        self,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        countries: Sequence[str] | NotGiven = NOT_GIVEN,
        number_types: Sequence[str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create a compliance profile (a draft: add documents, then submit it).

        ``POST /compliance-profiles``
        """
        result: DidfarmObject = self._client._request(
            "compliance_profiles_create",
            (),
            {
                "client_id": client_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
                "countries": countries,
                "number_types": number_types,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def delete(self, profile_id: str | int, **extra: Any) -> None:
        """Delete a draft or rejected profile and its documents.

        ``DELETE /compliance-profiles/{profile_id}``
        """
        self._client._request("compliance_profiles_delete", (profile_id,), {}, extra)

    def add_documents(
        self,
        profile_id: str | int,
        *,
        files: Mapping[str, FileInput] | None = None,
        document_type: str,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Upload documents to a draft or rejected profile (PDF, JPEG or PNG, 20 MB each).

        ``POST /compliance-profiles/{profile_id}/documents``
        """
        result: DidfarmObject = self._client._request(
            "compliance_profiles_documents_add",
            (profile_id,),
            {"document_type": document_type},
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result

    def delete_document(self, profile_id: str | int, document_id: str | int, **extra: Any) -> None:
        """Remove a document from a draft or rejected profile.

        ``DELETE /compliance-profiles/{profile_id}/documents/{document_id}``
        """
        self._client._request(
            "compliance_profiles_documents_delete",
            (
                profile_id,
                document_id,
            ),
            {},
            extra,
        )

    def download_document(self, profile_id: str | int, document_id: str | int, **extra: Any) -> bytes:
        """Download one of a profile's documents.

        ``GET /compliance-profiles/{profile_id}/documents/{document_id}``
        """
        result: bytes = self._client._request(
            "compliance_profiles_documents_download",
            (
                profile_id,
                document_id,
            ),
            {},
            extra,
        )
        return result

    def get(self, profile_id: str | int, **extra: Any) -> DidfarmObject:
        """One compliance profile, with its documents and status.

        ``GET /compliance-profiles/{profile_id}``
        """
        result: DidfarmObject = self._client._request("compliance_profiles_get", (profile_id,), {}, extra)
        return result

    def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Your compliance profiles, newest first.

        ``GET /compliance-profiles``
        """
        result: Page = self._client._request(
            "compliance_profiles_list",
            (),
            {"client_id": client_id, "limit": limit, "page": page, "status": status},
            extra,
        )
        return result

    def submit(self, profile_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Submit a profile for review (every required document must be there).

        ``POST /compliance-profiles/{profile_id}/submit``
        """
        result: DidfarmObject = self._client._request(
            "compliance_profiles_submit", (profile_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def update(
        self,
        profile_id: str | int,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        countries: Sequence[str] | NotGiven = NOT_GIVEN,
        number_types: Sequence[str] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a draft or rejected profile (only the keys sent change).

        ``PUT /compliance-profiles/{profile_id}``
        """
        result: DidfarmObject = self._client._request(
            "compliance_profiles_update",
            (profile_id,),
            {
                "client_id": client_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
                "countries": countries,
                "number_types": number_types,
            },
            extra,
        )
        return result


class Events:
    """Events recorded for your account."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, event_id: str | int, **extra: Any) -> DidfarmObject:
        """One event.

        ``GET /events/{event_id}``
        """
        result: DidfarmObject = self._client._request("events_get", (event_id,), {}, extra)
        return result

    def list(
        self,
        *,
        event: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Events recorded for your account.

        ``GET /events``
        """
        result: Page = self._client._request("events_list", (), {"event": event, "limit": limit, "page": page}, extra)
        return result


class Invoices:
    """Client invoices."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def credit_note(
        self, invoice_id: str | int, *, reason: str, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Cancel an issued invoice with a credit note (numbered in its own series, sent to the client).

        ``POST /invoices/{invoice_id}/credit-note``
        """
        result: DidfarmObject = self._client._request(
            "invoices_credit", (invoice_id,), {"reason": reason}, extra, idempotency_key=idempotency_key
        )
        return result

    def csv(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An invoice's lines as CSV.

        ``GET /invoices/{invoice_id}/csv``
        """
        result: bytes = self._client._request("invoices_csv", (invoice_id,), {}, extra)
        return result

    def draft(
        self, *, client_id: str, month: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Prepare (or bring up to date) a client's draft invoice for a month.

        ``POST /invoices/draft``
        """
        result: DidfarmObject = self._client._request(
            "invoices_draft", (), {"client_id": client_id, "month": month}, extra, idempotency_key=idempotency_key
        )
        return result

    def get(self, invoice_id: str | int, **extra: Any) -> DidfarmObject:
        """One invoice with its lines.

        ``GET /invoices/{invoice_id}``
        """
        result: DidfarmObject = self._client._request("invoices_get", (invoice_id,), {}, extra)
        return result

    def issue(self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Issue a draft of a month that is over: it is numbered and frozen.

        ``POST /invoices/{invoice_id}/issue``
        """
        result: DidfarmObject = self._client._request(
            "invoices_issue", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def reissue(self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Invoice a credited invoice's month again: a corrected draft that replaces it (issue it to number it).

        ``POST /invoices/{invoice_id}/reissue``
        """
        result: DidfarmObject = self._client._request(
            "invoices_reissue", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Client invoices, newest month first (client-scoped keys: their own issued invoices).

        ``GET /invoices``
        """
        result: Page = self._client._request(
            "invoices_list", (), {"client_id": client_id, "limit": limit, "page": page, "status": status}, extra
        )
        return result

    def messages_csv(self, invoice_id: str | int, **extra: Any) -> bytes:
        """Every text message behind an invoice's SMS summary, one row each, as CSV.

        ``GET /invoices/{invoice_id}/messages.csv``
        """
        result: bytes = self._client._request("invoices_messages_csv", (invoice_id,), {}, extra)
        return result

    def mark_paid(
        self,
        invoice_id: str | int,
        *,
        paid: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Record that an issued invoice was paid (or take that back with ``paid=False``); owners and admins.

        ``POST /invoices/{invoice_id}/paid``
        """
        result: DidfarmObject = self._client._request(
            "invoices_paid", (invoice_id,), {"paid": paid}, extra, idempotency_key=idempotency_key
        )
        return result

    def pdf(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An invoice as PDF.

        ``GET /invoices/{invoice_id}/pdf``
        """
        result: bytes = self._client._request("invoices_pdf", (invoice_id,), {}, extra)
        return result

    def send(self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Email an issued invoice or credit note to the client's billing email again.

        ``POST /invoices/{invoice_id}/send``
        """
        result: DidfarmObject = self._client._request(
            "invoices_send", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def ubl(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An issued invoice or credit note as UBL 2.1 XML (EN 16931, Peppol BIS Billing 3.0).

        ``GET /invoices/{invoice_id}/ubl``
        """
        result: bytes = self._client._request("invoices_ubl", (invoice_id,), {}, extra)
        return result


class Messages:
    """SMS sending, the API reference's way."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def send(
        self,
        *,
        from_: str,
        to: str,
        body: str,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Send an SMS from one of your numbers (charged per segment).

        ``POST /messages/send``
        """
        result: DidfarmObject = self._client._request(
            "messages_send",
            (),
            {"from_": from_, "to": to, "body": body, "client_id": client_id},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class Numbers:
    """Numbers: search (two styles), order, buy, list, read, configure and release."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def available(
        self,
        *,
        country: str,
        area_code: str | NotGiven = NOT_GIVEN,
        capabilities: str | NotGiven = NOT_GIVEN,
        contains: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Search numbers for sale by capabilities, area code and digits (Orbit).

        ``GET /numbers/available``
        """
        result: Page = self._client._request(
            "numbers_available",
            (),
            {
                "area_code": area_code,
                "capabilities": capabilities,
                "contains": contains,
                "country": country,
                "limit": limit,
                "type": type,
            },
            extra,
        )
        return result

    def configure(
        self,
        number_id: str | int,
        *,
        label: str | None | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        capabilities: Sequence[str] | NotGiven = NOT_GIVEN,
        forwarding_number: str | None | NotGiven = NOT_GIVEN,
        webhook_url: str | None | NotGiven = NOT_GIVEN,
        sms_webhook_url: str | None | NotGiven = NOT_GIVEN,
        voice_webhook_url: str | None | NotGiven = NOT_GIVEN,
        sms_forwarding: str | None | NotGiven = NOT_GIVEN,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        tags: Sequence[str] | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        cancel_at_period_end: bool | NotGiven = NOT_GIVEN,
        channel_config: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Configure a number (only the keys sent change; unknown keys → 422).

        ``PUT /numbers/{number_id}``
        """
        result: DidfarmObject = self._client._request(
            "numbers_configure",
            (number_id,),
            {
                "label": label,
                "status": status,
                "capabilities": capabilities,
                "forwarding_number": forwarding_number,
                "webhook_url": webhook_url,
                "sms_webhook_url": sms_webhook_url,
                "voice_webhook_url": voice_webhook_url,
                "sms_forwarding": sms_forwarding,
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "tags": tags,
                "client_id": client_id,
                "cancel_at_period_end": cancel_at_period_end,
                "channel_config": channel_config,
            },
            extra,
        )
        return result

    def get(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """One of your numbers.

        ``GET /numbers/{number_id}``
        """
        result: DidfarmObject = self._client._request("numbers_get", (number_id,), {}, extra)
        return result

    def list(
        self,
        *,
        capabilities: str | NotGiven = NOT_GIVEN,
        client_id: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        digits: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        tag: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Your numbers, newest first (cursor pagination).

        ``GET /numbers``
        """
        result: Page = self._client._request(
            "numbers_list",
            (),
            {
                "capabilities": capabilities,
                "client_id": client_id,
                "country": country,
                "cursor": cursor,
                "digits": digits,
                "limit": limit,
                "status": status,
                "tag": tag,
            },
            extra,
        )
        return result

    def order(
        self,
        *,
        number: str,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        forwarding: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Order one number (charged now, live within 60 s).

        ``POST /numbers``
        """
        result: DidfarmObject = self._client._request(
            "numbers_order",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "number": number,
                "billing_cycle": billing_cycle,
                "forwarding": forwarding,
                "client_id": client_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def purchase(
        self,
        *,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        phone_number: str | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        country_code: str | NotGiven = NOT_GIVEN,
        capabilities: Sequence[str] | NotGiven = NOT_GIVEN,
        id: str | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Buy a number (Orbit).

        ``POST /numbers/purchase``
        """
        result: DidfarmObject = self._client._request(
            "numbers_purchase",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "phone_number": phone_number,
                "number": number,
                "country_code": country_code,
                "capabilities": capabilities,
                "id": id,
                "billing_cycle": billing_cycle,
                "client_id": client_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def release(self, number_id: str | int, **extra: Any) -> None:
        """Release a number now (nothing more billed, paid period not refunded).

        ``DELETE /numbers/{number_id}``
        """
        self._client._request("numbers_release", (number_id,), {}, extra)

    def test_call(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """Call the number through the SIP edge as a caller would (202: queued; one already waiting is
        returned instead of placing a second).

        ``POST /numbers/{number_id}/test-call``
        """
        result: DidfarmObject = self._client._request("numbers_test_call_create", (number_id,), {}, extra)
        return result

    def test_call_result(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """The number's latest test call and, once done, its outcome.

        ``GET /numbers/{number_id}/test-call``
        """
        result: DidfarmObject = self._client._request("numbers_test_call_retrieve", (number_id,), {}, extra)
        return result

    def search(
        self,
        *,
        city: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        country_code: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Search numbers for sale (DIDfarm).

        ``GET /numbers/search``
        """
        result: Page = self._client._request(
            "numbers_search",
            (),
            {
                "city": city,
                "country": country,
                "country_code": country_code,
                "limit": limit,
                "number_type": number_type,
                "page": page,
                "type": type,
            },
            extra,
        )
        return result

    def checkout(
        self,
        *,
        items: Sequence[Mapping[str, Any]],
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Buy numbers from the wallet, all or nothing.

        ``POST /wallet/checkout``
        """
        result: DidfarmObject = self._client._request(
            "wallet_checkout",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "items": items,
                "client_id": client_id,
                "billing_cycle": billing_cycle,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class Orders:
    """Number orders."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, order_id: str | int, **extra: Any) -> DidfarmObject:
        """One order.

        ``GET /orders/{order_id}``
        """
        result: DidfarmObject = self._client._request("orders_get", (order_id,), {}, extra)
        return result

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Your number orders, newest first.

        ``GET /orders``
        """
        result: Page = self._client._request("orders_list", (), {"limit": limit, "page": page}, extra)
        return result


class PaymentSettings:
    """Low-balance alert and auto-recharge."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, **extra: Any) -> DidfarmObject:
        """Low-balance alert, auto-recharge, saved card and bank-transfer details.

        ``GET /wallet/payment-settings``
        """
        result: DidfarmObject = self._client._request("payment_settings_get", (), {}, extra)
        return result

    def update(
        self,
        *,
        low_balance_threshold: str | None | NotGiven = NOT_GIVEN,
        auto_recharge_enabled: bool | NotGiven = NOT_GIVEN,
        auto_recharge_threshold: str | None | NotGiven = NOT_GIVEN,
        auto_recharge_amount: str | None | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change the low-balance alert and auto-recharge (fields left out keep their value).

        ``PATCH /wallet/payment-settings``
        """
        result: DidfarmObject = self._client._request(
            "payment_settings_update",
            (),
            {
                "low_balance_threshold": low_balance_threshold,
                "auto_recharge_enabled": auto_recharge_enabled,
                "auto_recharge_threshold": auto_recharge_threshold,
                "auto_recharge_amount": auto_recharge_amount,
            },
            extra,
        )
        return result


class Porting:
    """Port-in requests."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def cancel(self, port_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Cancel a port-in request while it is pending.

        ``POST /numbers/porting/{port_id}/cancel``
        """
        result: DidfarmObject = self._client._request(
            "porting_cancel", (port_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def create(
        self,
        *,
        numbers: Sequence[str],
        current_carrier: str,
        authorization_name: str,
        account_number: str | NotGiven = NOT_GIVEN,
        pin: str | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        compliance_profile_id: str | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Request numbers to be ported in from another carrier.

        ``POST /numbers/porting``
        """
        result: DidfarmObject = self._client._request(
            "porting_create",
            (),
            {
                "numbers": numbers,
                "current_carrier": current_carrier,
                "authorization_name": authorization_name,
                "account_number": account_number,
                "pin": pin,
                "billing_cycle": billing_cycle,
                "client_id": client_id,
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def add_documents(
        self,
        port_id: str | int,
        *,
        files: Mapping[str, FileInput] | None = None,
        document_type: str,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Upload the letter of authorization or a recent bill (PDF, JPEG or PNG, 20 MB each).

        ``POST /numbers/porting/{port_id}/documents``
        """
        result: DidfarmObject = self._client._request(
            "porting_documents_add",
            (port_id,),
            {"document_type": document_type},
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result

    def delete_document(self, port_id: str | int, document_id: str | int, **extra: Any) -> None:
        """Remove one of a port request's documents while the request is pending.

        ``DELETE /numbers/porting/{port_id}/documents/{document_id}``
        """
        self._client._request(
            "porting_documents_delete",
            (
                port_id,
                document_id,
            ),
            {},
            extra,
        )

    def download_document(self, port_id: str | int, document_id: str | int, **extra: Any) -> bytes:
        """Download one of a port request's documents.

        ``GET /numbers/porting/{port_id}/documents/{document_id}``
        """
        result: bytes = self._client._request(
            "porting_documents_download",
            (
                port_id,
                document_id,
            ),
            {},
            extra,
        )
        return result

    def get(self, port_id: str | int, **extra: Any) -> DidfarmObject:
        """One port-in request, with its timeline.

        ``GET /numbers/porting/{port_id}``
        """
        result: DidfarmObject = self._client._request("porting_get", (port_id,), {}, extra)
        return result

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Your port-in requests, newest first.

        ``GET /numbers/porting``
        """
        result: Page = self._client._request(
            "porting_list", (), {"limit": limit, "page": page, "status": status}, extra
        )
        return result


class PriceRules:
    """Your price list (how client prices derive from wholesale)."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def delete(self, rule_id: str | int, **extra: Any) -> None:
        """Remove a price-list line.

        ``DELETE /price-rules/{rule_id}``
        """
        self._client._request("price_rules_delete", (rule_id,), {}, extra)

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Your price list: how client prices derive from wholesale.

        ``GET /price-rules``
        """
        result: Page = self._client._request("price_rules_list", (), {"limit": limit, "page": page}, extra)
        return result

    def save(
        self,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        markup_percent: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_monthly: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_setup: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_addon: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_segment: Decimal | str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Add a price-list line (or change the one for the same client, country and type).

        ``POST /price-rules``
        """
        result: DidfarmObject = self._client._request(
            "price_rules_save",
            (),
            {
                "client_id": client_id,
                "country": country,
                "number_type": number_type,
                "markup_percent": markup_percent,
                "fixed_monthly": fixed_monthly,
                "fixed_setup": fixed_setup,
                "fixed_sms_addon": fixed_sms_addon,
                "fixed_sms_segment": fixed_sms_segment,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def update(
        self,
        rule_id: str | int,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        markup_percent: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_monthly: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_setup: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_addon: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_segment: Decimal | str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a price-list line.

        ``PUT /price-rules/{rule_id}``
        """
        result: DidfarmObject = self._client._request(
            "price_rules_update",
            (rule_id,),
            {
                "client_id": client_id,
                "country": country,
                "number_type": number_type,
                "markup_percent": markup_percent,
                "fixed_monthly": fixed_monthly,
                "fixed_setup": fixed_setup,
                "fixed_sms_addon": fixed_sms_addon,
                "fixed_sms_segment": fixed_sms_segment,
            },
            extra,
        )
        return result


class Regulatory:
    """Regulatory requirements and document submission."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def requirements(self, *, country: str, end_user_type: str, number_type: str, **extra: Any) -> DidfarmObject:
        """Which documents a country and number type need, for a person or a business.

        ``GET /regulatory/requirements``
        """
        result: DidfarmObject = self._client._request(
            "regulatory_requirements",
            (),
            {"country": country, "end_user_type": end_user_type, "number_type": number_type},
            extra,
        )
        return result

    def submit(
        self,
        *,
        files: Mapping[str, FileInput] | None = None,
        compliance_profile_id: str | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | NotGiven = NOT_GIVEN,
        number_id: str | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Submit documents for review, for a compliance profile or for a number waiting for them.

        ``POST /regulatory/submit``
        """
        result: DidfarmObject = self._client._request(
            "regulatory_submit",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "number_id": number_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
            },
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result


class Routing:
    """Where each number sends its calls: a trunk, or a forwarding target."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Where each of your numbers sends its calls.

        ``GET /portal/did-routing``
        """
        result: Page = self._client._request("routing_list", (), {"limit": limit, "page": page}, extra)
        return result

    def remove(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """Remove a number's route.

        ``DELETE /portal/did-routing/{number_id}``
        """
        result: DidfarmObject = self._client._request("routing_remove", (number_id,), {}, extra)
        return result

    def set(
        self,
        *,
        did_number_id: str,
        sip_trunk_id: str | None | NotGiven = NOT_GIVEN,
        forwarding: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Route a number to a trunk, or forward it.

        ``POST /portal/did-routing``
        """
        result: DidfarmObject = self._client._request(
            "routing_set",
            (),
            {"did_number_id": did_number_id, "sip_trunk_id": sip_trunk_id, "forwarding": forwarding},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class Sandbox:
    """Sandbox helpers: simulate the outside world (free)."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def carrier_callback(
        self,
        *,
        id: str,
        sandbox_secret: str,
        to: str | NotGiven = NOT_GIVEN,
        body: str | NotGiven = NOT_GIVEN,
        carrier_ref: str | NotGiven = NOT_GIVEN,
        delivered: bool | NotGiven = NOT_GIVEN,
        error_code: str | NotGiven = NOT_GIVEN,
        error_message: str | NotGiven = NOT_GIVEN,
        kind: str | NotGiven = NOT_GIVEN,
        from_: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Sandbox carrier callback: an inbound SMS or a delivery report (shared secret).

        ``POST /carriers/sandbox/sms``
        """
        result: DidfarmObject = self._client._request(
            "carrier_sandbox_callback",
            (),
            {
                "id": id,
                "to": to,
                "body": body,
                "carrier_ref": carrier_ref,
                "delivered": delivered,
                "error_code": error_code,
                "error_message": error_message,
                "kind": kind,
                "from_": from_,
            },
            extra,
            headers={"X-Sandbox-Secret": sandbox_secret},
            idempotency_key=idempotency_key,
        )
        return result

    def simulate_inbound_sms(
        self, *, to_number_id: str, body: str, from_: str, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Sandbox: have someone text one of your numbers (free; as a real inbound message).

        ``POST /portal/sms/simulate-inbound``
        """
        result: DidfarmObject = self._client._request(
            "portal_sms_simulate_inbound",
            (),
            {"to_number_id": to_number_id, "body": body, "from_": from_},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class SipTrunks:
    """SIP trunks for your clients' PBXs."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def create(
        self,
        *,
        name: str,
        auth_type: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        channels: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create a SIP trunk (the password is in this response only).

        ``POST /portal/sip-trunks``
        """
        result: DidfarmObject = self._client._request(
            "trunks_create",
            (),
            {
                "name": name,
                "auth_type": auth_type,
                "client_id": client_id,
                "allowed_ips": allowed_ips,
                "channels": channels,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def delete(self, trunk_id: str | int, **extra: Any) -> None:
        """Delete a trunk no number routes to.

        ``DELETE /portal/sip-trunks/{trunk_id}``
        """
        self._client._request("trunks_delete", (trunk_id,), {}, extra)

    def get(self, trunk_id: str | int, **extra: Any) -> DidfarmObject:
        """One SIP trunk.

        ``GET /portal/sip-trunks/{trunk_id}``
        """
        result: DidfarmObject = self._client._request("trunks_get", (trunk_id,), {}, extra)
        return result

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Your SIP trunks (never their passwords).

        ``GET /portal/sip-trunks``
        """
        result: Page = self._client._request("trunks_list", (), {"limit": limit, "page": page}, extra)
        return result

    def regenerate_credentials(
        self, trunk_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """New password now; the old one stops working (the PBX must be updated).

        ``POST /portal/sip-trunks/{trunk_id}/regenerate-credentials``
        """
        result: DidfarmObject = self._client._request(
            "trunks_regenerate_credentials", (trunk_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def update(
        self,
        trunk_id: str | int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        channels: int | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Rename a trunk, change its channels or allowed IPs.

        ``PATCH /portal/sip-trunks/{trunk_id}``
        """
        result: DidfarmObject = self._client._request(
            "trunks_update", (trunk_id,), {"name": name, "channels": channels, "allowed_ips": allowed_ips}, extra
        )
        return result


class Sms:
    """SMS: sending by number id, the inbox, threads, stats and segment pricing."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, message_id: str | int, **extra: Any) -> DidfarmObject:
        """One message, with its status times.

        ``GET /portal/sms/{message_id}``
        """
        result: DidfarmObject = self._client._request("portal_sms_get", (message_id,), {}, extra)
        return result

    def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        contact: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        direction: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        number_id: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        q: str | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Messages, newest first (filter by number, direction, status, dates, text).

        ``GET /portal/sms``
        """
        result: Page = self._client._request(
            "portal_sms_list",
            (),
            {
                "client_id": client_id,
                "contact": contact,
                "date_from": date_from,
                "date_to": date_to,
                "direction": direction,
                "limit": limit,
                "number": number,
                "number_id": number_id,
                "page": page,
                "q": q,
                "status": status,
            },
            extra,
        )
        return result

    def numbers(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Your numbers with SMS enabled (the ones you can send from).

        ``GET /portal/sms/numbers``
        """
        result: Page = self._client._request("portal_sms_numbers", (), {"limit": limit, "page": page}, extra)
        return result

    def segments(
        self, *, body: str, to: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Count a text's segments and price it before sending (nothing is sent or charged).

        ``POST /portal/sms/segments``
        """
        result: DidfarmObject = self._client._request(
            "portal_sms_segments", (), {"body": body, "to": to}, extra, idempotency_key=idempotency_key
        )
        return result

    def send(
        self,
        *,
        from_number_id: str,
        to: str,
        body: str,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Send an SMS from a number id (charged per segment).

        ``POST /portal/sms/send``
        """
        result: DidfarmObject = self._client._request(
            "portal_sms_send",
            (),
            {"from_number_id": from_number_id, "to": to, "body": body, "client_id": client_id},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def stats(self, **extra: Any) -> DidfarmObject:
        """Messages today and this month, 30-day delivery rate, and a day-by-day series.

        ``GET /portal/sms/stats``
        """
        result: DidfarmObject = self._client._request("portal_sms_stats", (), {}, extra)
        return result

    def threads(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Conversations: one per number and contact, latest first.

        ``GET /portal/sms/threads``
        """
        result: Page = self._client._request(
            "portal_sms_threads", (), {"limit": limit, "number": number, "page": page}, extra
        )
        return result


class TopUps:
    """Wallet top-ups (card, SEPA, bank transfer)."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def create(
        self,
        *,
        amount: str,
        save_card: bool | NotGiven = NOT_GIVEN,
        success_url: str | NotGiven = NOT_GIVEN,
        cancel_url: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Start a card or SEPA top-up: send the payer to checkout_url (Stripe Checkout).

        ``POST /wallet/top-ups``
        """
        result: DidfarmObject = self._client._request(
            "top_ups_create",
            (),
            {"amount": amount, "save_card": save_card, "success_url": success_url, "cancel_url": cancel_url},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def get(self, top_up_id: str | int, **extra: Any) -> DidfarmObject:
        """One top-up.

        ``GET /wallet/top-ups/{top_up_id}``
        """
        result: DidfarmObject = self._client._request("top_ups_get", (top_up_id,), {}, extra)
        return result

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Top-ups: card and SEPA payments, auto-recharges and bank transfers, newest first.

        ``GET /wallet/top-ups``
        """
        result: Page = self._client._request("top_ups_list", (), {"limit": limit, "page": page}, extra)
        return result


class Transactions:
    """Wallet ledger entries."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def get(self, transaction_id: str | int, **extra: Any) -> DidfarmObject:
        """One ledger entry.

        ``GET /wallet/transactions/{transaction_id}``
        """
        result: DidfarmObject = self._client._request("wallet_transaction", (transaction_id,), {}, extra)
        return result

    def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        direction: str | NotGiven = NOT_GIVEN,
        kind: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        reference_id: str | NotGiven = NOT_GIVEN,
        reference_type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """Ledger entries, newest first.

        ``GET /wallet/transactions``
        """
        result: Page = self._client._request(
            "wallet_transactions",
            (),
            {
                "client_id": client_id,
                "date_from": date_from,
                "date_to": date_to,
                "direction": direction,
                "kind": kind,
                "limit": limit,
                "page": page,
                "reference_id": reference_id,
                "reference_type": reference_type,
            },
            extra,
        )
        return result


class Wallet:
    """The prepaid wallet."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def balance(self, **extra: Any) -> DidfarmObject:
        """Wallet balance.

        ``GET /wallet/balance``
        """
        result: DidfarmObject = self._client._request("wallet_balance", (), {}, extra)
        return result


class Webhooks:
    """Webhook endpoints and their deliveries."""

    def __init__(self, client: SyncTransport) -> None:
        self._client = client

    def create(
        self,
        *,
        url: str,
        events: Sequence[str],
        description: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Add a webhook endpoint (its secret is in this response only).

        ``POST /webhooks``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_create",
            (),
            {"url": url, "events": events, "description": description, "client_id": client_id, "enabled": enabled},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def delete(self, webhook_id: str | int, **extra: Any) -> None:
        """Delete an endpoint and its delivery log.

        ``DELETE /webhooks/{webhook_id}``
        """
        self._client._request("webhooks_delete", (webhook_id,), {}, extra)

    def delivery(self, webhook_id: str | int, delivery_id: str | int, **extra: Any) -> DidfarmObject:
        """One delivery with the body sent and every attempt (status, latency, response excerpt).

        ``GET /webhooks/{webhook_id}/deliveries/{delivery_id}``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_deliveries_get",
            (
                webhook_id,
                delivery_id,
            ),
            {},
            extra,
        )
        return result

    def deliveries(
        self,
        webhook_id: str | int,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> Page:
        """An endpoint's deliveries, newest first.

        ``GET /webhooks/{webhook_id}/deliveries``
        """
        result: Page = self._client._request(
            "webhooks_deliveries_list", (webhook_id,), {"limit": limit, "page": page, "status": status}, extra
        )
        return result

    def redeliver(
        self, webhook_id: str | int, delivery_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Send a delivery again now, with the same event id and body.

        ``POST /webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_deliveries_redeliver",
            (
                webhook_id,
                delivery_id,
            ),
            {},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    def event_types(self, **extra: Any) -> Page:
        """The events an endpoint can subscribe to, each with an example body.

        ``GET /webhooks/event-types``
        """
        result: Page = self._client._request("webhooks_event_types", (), {}, extra)
        return result

    def get(self, webhook_id: str | int, **extra: Any) -> DidfarmObject:
        """One webhook endpoint.

        ``GET /webhooks/{webhook_id}``
        """
        result: DidfarmObject = self._client._request("webhooks_get", (webhook_id,), {}, extra)
        return result

    def list(self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any) -> Page:
        """Your webhook endpoints (never their secrets).

        ``GET /webhooks``
        """
        result: Page = self._client._request("webhooks_list", (), {"limit": limit, "page": page}, extra)
        return result

    def rotate_secret(
        self, webhook_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """New secret now; the old one keeps signing for 24 hours (both signatures are sent).

        ``POST /webhooks/{webhook_id}/rotate-secret``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_rotate_secret", (webhook_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def test(self, webhook_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Send a webhook.test event to this endpoint now (one attempt; see its delivery).

        ``POST /webhooks/{webhook_id}/test``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_test", (webhook_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    def update(
        self,
        webhook_id: str | int,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: Sequence[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change an endpoint's URL, events or description, or switch it on or off.

        ``PATCH /webhooks/{webhook_id}``
        """
        result: DidfarmObject = self._client._request(
            "webhooks_update",
            (webhook_id,),
            {"url": url, "events": events, "description": description, "client_id": client_id, "enabled": enabled},
            extra,
        )
        return result


class AsyncAccount:
    """The account a key belongs to."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def me(self, **extra: Any) -> DidfarmObject:
        """Check a key: the account, client scope and limits it carries.

        ``GET /me``
        """
        result: DidfarmObject = await self._client._request("me", (), {}, extra)
        return result


class AsyncApiKeys:
    """API keys."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def create(
        self,
        *,
        name: str,
        read_only: bool | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        expires_at: str | None | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create an API key.

        ``POST /api-keys``
        """
        result: DidfarmObject = await self._client._request(
            "api_keys_create",
            (),
            {
                "name": name,
                "read_only": read_only,
                "client_id": client_id,
                "expires_at": expires_at,
                "allowed_ips": allowed_ips,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def get(self, key_id: str | int, **extra: Any) -> DidfarmObject:
        """One API key.

        ``GET /api-keys/{key_id}``
        """
        result: DidfarmObject = await self._client._request("api_keys_get", (key_id,), {}, extra)
        return result

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """API keys (never the keys themselves).

        ``GET /api-keys``
        """
        result: AsyncPage = await self._client._request("api_keys_list", (), {"limit": limit, "page": page}, extra)
        return result

    async def revoke(self, key_id: str | int, **extra: Any) -> DidfarmObject:
        """Revoke an API key (effective immediately).

        ``DELETE /api-keys/{key_id}``
        """
        result: DidfarmObject = await self._client._request("api_keys_revoke", (key_id,), {}, extra)
        return result


class AsyncAuditLog:
    """The audit log."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def list(
        self,
        *,
        action: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Who changed what (owners and admins).

        ``GET /audit-log``
        """
        result: AsyncPage = await self._client._request(
            "audit_log", (), {"action": action, "limit": limit, "page": page}, extra
        )
        return result


class AsyncCalls:
    """Call records of your numbers."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, call_id: str | int, **extra: Any) -> DidfarmObject:
        """One call record.

        ``GET /calls/{call_id}``
        """
        result: DidfarmObject = await self._client._request("calls_retrieve", (call_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        trunk: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Call records of your numbers, newest first (cursor pagination).

        ``GET /calls``
        """
        result: AsyncPage = await self._client._request(
            "calls_list",
            (),
            {
                "client_id": client_id,
                "cursor": cursor,
                "date_from": date_from,
                "date_to": date_to,
                "limit": limit,
                "number": number,
                "status": status,
                "trunk": trunk,
            },
            extra,
        )
        return result


class AsyncClients:
    """Your end clients, and what they cost."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def costs(
        self, client_id: str | int, *, from_: str | NotGiven = NOT_GIVEN, to: str | NotGiven = NOT_GIVEN, **extra: Any
    ) -> DidfarmObject:
        """A client's costs: wholesale, client price and margin by kind, number and month.

        ``GET /clients/{client_id}/costs``
        """
        result: DidfarmObject = await self._client._request(
            "client_costs", (client_id,), {"from_": from_, "to": to}, extra
        )
        return result

    async def costs_csv(
        self, client_id: str | int, *, from_: str | NotGiven = NOT_GIVEN, to: str | NotGiven = NOT_GIVEN, **extra: Any
    ) -> bytes:
        """A client's charges in the period as CSV, one row per ledger entry.

        ``GET /clients/{client_id}/costs.csv``
        """
        result: bytes = await self._client._request("client_costs_csv", (client_id,), {"from_": from_, "to": to}, extra)
        return result

    async def create(
        self,
        *,
        name: str,
        email: Any | NotGiven = NOT_GIVEN,
        reference: str | NotGiven = NOT_GIVEN,
        admin_email: Any | NotGiven = NOT_GIVEN,
        admin_name: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create an end client (and invite its admin).

        ``POST /clients``
        """
        result: DidfarmObject = await self._client._request(
            "clients_create",
            (),
            {
                "name": name,
                "email": email,
                "reference": reference,
                "admin_email": admin_email,
                "admin_name": admin_name,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def get(self, client_id: str | int, **extra: Any) -> DidfarmObject:
        """One end client.

        ``GET /clients/{client_id}``
        """
        result: DidfarmObject = await self._client._request("clients_get", (client_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        search: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Your end clients.

        ``GET /clients``
        """
        result: AsyncPage = await self._client._request(
            "clients_list", (), {"limit": limit, "page": page, "search": search}, extra
        )
        return result

    async def update(
        self,
        client_id: str | int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        email: Any | NotGiven = NOT_GIVEN,
        reference: str | NotGiven = NOT_GIVEN,
        is_active: bool | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a client.

        ``PATCH /clients/{client_id}``
        """
        result: DidfarmObject = await self._client._request(
            "clients_update",
            (client_id,),
            {"name": name, "email": email, "reference": reference, "is_active": is_active},
            extra,
        )
        return result


class AsyncComplianceProfiles:
    """Regulatory compliance profiles and their documents."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def create(
        self,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        countries: Sequence[str] | NotGiven = NOT_GIVEN,
        number_types: Sequence[str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create a compliance profile (a draft: add documents, then submit it).

        ``POST /compliance-profiles``
        """
        result: DidfarmObject = await self._client._request(
            "compliance_profiles_create",
            (),
            {
                "client_id": client_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
                "countries": countries,
                "number_types": number_types,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def delete(self, profile_id: str | int, **extra: Any) -> None:
        """Delete a draft or rejected profile and its documents.

        ``DELETE /compliance-profiles/{profile_id}``
        """
        await self._client._request("compliance_profiles_delete", (profile_id,), {}, extra)

    async def add_documents(
        self,
        profile_id: str | int,
        *,
        files: Mapping[str, FileInput] | None = None,
        document_type: str,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Upload documents to a draft or rejected profile (PDF, JPEG or PNG, 20 MB each).

        ``POST /compliance-profiles/{profile_id}/documents``
        """
        result: DidfarmObject = await self._client._request(
            "compliance_profiles_documents_add",
            (profile_id,),
            {"document_type": document_type},
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result

    async def delete_document(self, profile_id: str | int, document_id: str | int, **extra: Any) -> None:
        """Remove a document from a draft or rejected profile.

        ``DELETE /compliance-profiles/{profile_id}/documents/{document_id}``
        """
        await self._client._request(
            "compliance_profiles_documents_delete",
            (
                profile_id,
                document_id,
            ),
            {},
            extra,
        )

    async def download_document(self, profile_id: str | int, document_id: str | int, **extra: Any) -> bytes:
        """Download one of a profile's documents.

        ``GET /compliance-profiles/{profile_id}/documents/{document_id}``
        """
        result: bytes = await self._client._request(
            "compliance_profiles_documents_download",
            (
                profile_id,
                document_id,
            ),
            {},
            extra,
        )
        return result

    async def get(self, profile_id: str | int, **extra: Any) -> DidfarmObject:
        """One compliance profile, with its documents and status.

        ``GET /compliance-profiles/{profile_id}``
        """
        result: DidfarmObject = await self._client._request("compliance_profiles_get", (profile_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Your compliance profiles, newest first.

        ``GET /compliance-profiles``
        """
        result: AsyncPage = await self._client._request(
            "compliance_profiles_list",
            (),
            {"client_id": client_id, "limit": limit, "page": page, "status": status},
            extra,
        )
        return result

    async def submit(self, profile_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Submit a profile for review (every required document must be there).

        ``POST /compliance-profiles/{profile_id}/submit``
        """
        result: DidfarmObject = await self._client._request(
            "compliance_profiles_submit", (profile_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def update(
        self,
        profile_id: str | int,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        countries: Sequence[str] | NotGiven = NOT_GIVEN,
        number_types: Sequence[str] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a draft or rejected profile (only the keys sent change).

        ``PUT /compliance-profiles/{profile_id}``
        """
        result: DidfarmObject = await self._client._request(
            "compliance_profiles_update",
            (profile_id,),
            {
                "client_id": client_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
                "countries": countries,
                "number_types": number_types,
            },
            extra,
        )
        return result


class AsyncEvents:
    """Events recorded for your account."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, event_id: str | int, **extra: Any) -> DidfarmObject:
        """One event.

        ``GET /events/{event_id}``
        """
        result: DidfarmObject = await self._client._request("events_get", (event_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        event: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Events recorded for your account.

        ``GET /events``
        """
        result: AsyncPage = await self._client._request(
            "events_list", (), {"event": event, "limit": limit, "page": page}, extra
        )
        return result


class AsyncInvoices:
    """Client invoices."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def credit_note(
        self, invoice_id: str | int, *, reason: str, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Cancel an issued invoice with a credit note (numbered in its own series, sent to the client).

        ``POST /invoices/{invoice_id}/credit-note``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_credit", (invoice_id,), {"reason": reason}, extra, idempotency_key=idempotency_key
        )
        return result

    async def csv(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An invoice's lines as CSV.

        ``GET /invoices/{invoice_id}/csv``
        """
        result: bytes = await self._client._request("invoices_csv", (invoice_id,), {}, extra)
        return result

    async def draft(
        self, *, client_id: str, month: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Prepare (or bring up to date) a client's draft invoice for a month.

        ``POST /invoices/draft``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_draft", (), {"client_id": client_id, "month": month}, extra, idempotency_key=idempotency_key
        )
        return result

    async def get(self, invoice_id: str | int, **extra: Any) -> DidfarmObject:
        """One invoice with its lines.

        ``GET /invoices/{invoice_id}``
        """
        result: DidfarmObject = await self._client._request("invoices_get", (invoice_id,), {}, extra)
        return result

    async def issue(self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Issue a draft of a month that is over: it is numbered and frozen.

        ``POST /invoices/{invoice_id}/issue``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_issue", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def reissue(
        self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Invoice a credited invoice's month again: a corrected draft that replaces it (issue it to number it).

        ``POST /invoices/{invoice_id}/reissue``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_reissue", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Client invoices, newest month first (client-scoped keys: their own issued invoices).

        ``GET /invoices``
        """
        result: AsyncPage = await self._client._request(
            "invoices_list", (), {"client_id": client_id, "limit": limit, "page": page, "status": status}, extra
        )
        return result

    async def messages_csv(self, invoice_id: str | int, **extra: Any) -> bytes:
        """Every text message behind an invoice's SMS summary, one row each, as CSV.

        ``GET /invoices/{invoice_id}/messages.csv``
        """
        result: bytes = await self._client._request("invoices_messages_csv", (invoice_id,), {}, extra)
        return result

    async def mark_paid(
        self,
        invoice_id: str | int,
        *,
        paid: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Record that an issued invoice was paid (or take that back with ``paid=False``); owners and admins.

        ``POST /invoices/{invoice_id}/paid``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_paid", (invoice_id,), {"paid": paid}, extra, idempotency_key=idempotency_key
        )
        return result

    async def pdf(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An invoice as PDF.

        ``GET /invoices/{invoice_id}/pdf``
        """
        result: bytes = await self._client._request("invoices_pdf", (invoice_id,), {}, extra)
        return result

    async def send(self, invoice_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Email an issued invoice or credit note to the client's billing email again.

        ``POST /invoices/{invoice_id}/send``
        """
        result: DidfarmObject = await self._client._request(
            "invoices_send", (invoice_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def ubl(self, invoice_id: str | int, **extra: Any) -> bytes:
        """An issued invoice or credit note as UBL 2.1 XML (EN 16931, Peppol BIS Billing 3.0).

        ``GET /invoices/{invoice_id}/ubl``
        """
        result: bytes = await self._client._request("invoices_ubl", (invoice_id,), {}, extra)
        return result


class AsyncMessages:
    """SMS sending, the API reference's way."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def send(
        self,
        *,
        from_: str,
        to: str,
        body: str,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Send an SMS from one of your numbers (charged per segment).

        ``POST /messages/send``
        """
        result: DidfarmObject = await self._client._request(
            "messages_send",
            (),
            {"from_": from_, "to": to, "body": body, "client_id": client_id},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class AsyncNumbers:
    """Numbers: search (two styles), order, buy, list, read, configure and release."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def available(
        self,
        *,
        country: str,
        area_code: str | NotGiven = NOT_GIVEN,
        capabilities: str | NotGiven = NOT_GIVEN,
        contains: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Search numbers for sale by capabilities, area code and digits (Orbit).

        ``GET /numbers/available``
        """
        result: AsyncPage = await self._client._request(
            "numbers_available",
            (),
            {
                "area_code": area_code,
                "capabilities": capabilities,
                "contains": contains,
                "country": country,
                "limit": limit,
                "type": type,
            },
            extra,
        )
        return result

    async def configure(
        self,
        number_id: str | int,
        *,
        label: str | None | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        capabilities: Sequence[str] | NotGiven = NOT_GIVEN,
        forwarding_number: str | None | NotGiven = NOT_GIVEN,
        webhook_url: str | None | NotGiven = NOT_GIVEN,
        sms_webhook_url: str | None | NotGiven = NOT_GIVEN,
        voice_webhook_url: str | None | NotGiven = NOT_GIVEN,
        sms_forwarding: str | None | NotGiven = NOT_GIVEN,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        tags: Sequence[str] | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        cancel_at_period_end: bool | NotGiven = NOT_GIVEN,
        channel_config: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Configure a number (only the keys sent change; unknown keys → 422).

        ``PUT /numbers/{number_id}``
        """
        result: DidfarmObject = await self._client._request(
            "numbers_configure",
            (number_id,),
            {
                "label": label,
                "status": status,
                "capabilities": capabilities,
                "forwarding_number": forwarding_number,
                "webhook_url": webhook_url,
                "sms_webhook_url": sms_webhook_url,
                "voice_webhook_url": voice_webhook_url,
                "sms_forwarding": sms_forwarding,
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "tags": tags,
                "client_id": client_id,
                "cancel_at_period_end": cancel_at_period_end,
                "channel_config": channel_config,
            },
            extra,
        )
        return result

    async def get(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """One of your numbers.

        ``GET /numbers/{number_id}``
        """
        result: DidfarmObject = await self._client._request("numbers_get", (number_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        capabilities: str | NotGiven = NOT_GIVEN,
        client_id: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        digits: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        tag: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Your numbers, newest first (cursor pagination).

        ``GET /numbers``
        """
        result: AsyncPage = await self._client._request(
            "numbers_list",
            (),
            {
                "capabilities": capabilities,
                "client_id": client_id,
                "country": country,
                "cursor": cursor,
                "digits": digits,
                "limit": limit,
                "status": status,
                "tag": tag,
            },
            extra,
        )
        return result

    async def order(
        self,
        *,
        number: str,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        forwarding: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Order one number (charged now, live within 60 s).

        ``POST /numbers``
        """
        result: DidfarmObject = await self._client._request(
            "numbers_order",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "number": number,
                "billing_cycle": billing_cycle,
                "forwarding": forwarding,
                "client_id": client_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def purchase(
        self,
        *,
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        phone_number: str | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        country_code: str | NotGiven = NOT_GIVEN,
        capabilities: Sequence[str] | NotGiven = NOT_GIVEN,
        id: str | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Buy a number (Orbit).

        ``POST /numbers/purchase``
        """
        result: DidfarmObject = await self._client._request(
            "numbers_purchase",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "phone_number": phone_number,
                "number": number,
                "country_code": country_code,
                "capabilities": capabilities,
                "id": id,
                "billing_cycle": billing_cycle,
                "client_id": client_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def release(self, number_id: str | int, **extra: Any) -> None:
        """Release a number now (nothing more billed, paid period not refunded).

        ``DELETE /numbers/{number_id}``
        """
        await self._client._request("numbers_release", (number_id,), {}, extra)

    async def test_call(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """Call the number through the SIP edge as a caller would (202: queued; one already waiting is
        returned instead of placing a second).

        ``POST /numbers/{number_id}/test-call``
        """
        result: DidfarmObject = await self._client._request("numbers_test_call_create", (number_id,), {}, extra)
        return result

    async def test_call_result(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """The number's latest test call and, once done, its outcome.

        ``GET /numbers/{number_id}/test-call``
        """
        result: DidfarmObject = await self._client._request("numbers_test_call_retrieve", (number_id,), {}, extra)
        return result

    async def search(
        self,
        *,
        city: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        country_code: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Search numbers for sale (DIDfarm).

        ``GET /numbers/search``
        """
        result: AsyncPage = await self._client._request(
            "numbers_search",
            (),
            {
                "city": city,
                "country": country,
                "country_code": country_code,
                "limit": limit,
                "number_type": number_type,
                "page": page,
                "type": type,
            },
            extra,
        )
        return result

    async def checkout(
        self,
        *,
        items: Sequence[Mapping[str, Any]],
        compliance_profile_id: str | None | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | None | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Buy numbers from the wallet, all or nothing.

        ``POST /wallet/checkout``
        """
        result: DidfarmObject = await self._client._request(
            "wallet_checkout",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "items": items,
                "client_id": client_id,
                "billing_cycle": billing_cycle,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class AsyncOrders:
    """Number orders."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, order_id: str | int, **extra: Any) -> DidfarmObject:
        """One order.

        ``GET /orders/{order_id}``
        """
        result: DidfarmObject = await self._client._request("orders_get", (order_id,), {}, extra)
        return result

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Your number orders, newest first.

        ``GET /orders``
        """
        result: AsyncPage = await self._client._request("orders_list", (), {"limit": limit, "page": page}, extra)
        return result


class AsyncPaymentSettings:
    """Low-balance alert and auto-recharge."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, **extra: Any) -> DidfarmObject:
        """Low-balance alert, auto-recharge, saved card and bank-transfer details.

        ``GET /wallet/payment-settings``
        """
        result: DidfarmObject = await self._client._request("payment_settings_get", (), {}, extra)
        return result

    async def update(
        self,
        *,
        low_balance_threshold: str | None | NotGiven = NOT_GIVEN,
        auto_recharge_enabled: bool | NotGiven = NOT_GIVEN,
        auto_recharge_threshold: str | None | NotGiven = NOT_GIVEN,
        auto_recharge_amount: str | None | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change the low-balance alert and auto-recharge (fields left out keep their value).

        ``PATCH /wallet/payment-settings``
        """
        result: DidfarmObject = await self._client._request(
            "payment_settings_update",
            (),
            {
                "low_balance_threshold": low_balance_threshold,
                "auto_recharge_enabled": auto_recharge_enabled,
                "auto_recharge_threshold": auto_recharge_threshold,
                "auto_recharge_amount": auto_recharge_amount,
            },
            extra,
        )
        return result


class AsyncPorting:
    """Port-in requests."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def cancel(self, port_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Cancel a port-in request while it is pending.

        ``POST /numbers/porting/{port_id}/cancel``
        """
        result: DidfarmObject = await self._client._request(
            "porting_cancel", (port_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def create(
        self,
        *,
        numbers: Sequence[str],
        current_carrier: str,
        authorization_name: str,
        account_number: str | NotGiven = NOT_GIVEN,
        pin: str | NotGiven = NOT_GIVEN,
        billing_cycle: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        compliance_profile_id: str | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Request numbers to be ported in from another carrier.

        ``POST /numbers/porting``
        """
        result: DidfarmObject = await self._client._request(
            "porting_create",
            (),
            {
                "numbers": numbers,
                "current_carrier": current_carrier,
                "authorization_name": authorization_name,
                "account_number": account_number,
                "pin": pin,
                "billing_cycle": billing_cycle,
                "client_id": client_id,
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def add_documents(
        self,
        port_id: str | int,
        *,
        files: Mapping[str, FileInput] | None = None,
        document_type: str,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Upload the letter of authorization or a recent bill (PDF, JPEG or PNG, 20 MB each).

        ``POST /numbers/porting/{port_id}/documents``
        """
        result: DidfarmObject = await self._client._request(
            "porting_documents_add",
            (port_id,),
            {"document_type": document_type},
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result

    async def delete_document(self, port_id: str | int, document_id: str | int, **extra: Any) -> None:
        """Remove one of a port request's documents while the request is pending.

        ``DELETE /numbers/porting/{port_id}/documents/{document_id}``
        """
        await self._client._request(
            "porting_documents_delete",
            (
                port_id,
                document_id,
            ),
            {},
            extra,
        )

    async def download_document(self, port_id: str | int, document_id: str | int, **extra: Any) -> bytes:
        """Download one of a port request's documents.

        ``GET /numbers/porting/{port_id}/documents/{document_id}``
        """
        result: bytes = await self._client._request(
            "porting_documents_download",
            (
                port_id,
                document_id,
            ),
            {},
            extra,
        )
        return result

    async def get(self, port_id: str | int, **extra: Any) -> DidfarmObject:
        """One port-in request, with its timeline.

        ``GET /numbers/porting/{port_id}``
        """
        result: DidfarmObject = await self._client._request("porting_get", (port_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Your port-in requests, newest first.

        ``GET /numbers/porting``
        """
        result: AsyncPage = await self._client._request(
            "porting_list", (), {"limit": limit, "page": page, "status": status}, extra
        )
        return result


class AsyncPriceRules:
    """Your price list (how client prices derive from wholesale)."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def delete(self, rule_id: str | int, **extra: Any) -> None:
        """Remove a price-list line.

        ``DELETE /price-rules/{rule_id}``
        """
        await self._client._request("price_rules_delete", (rule_id,), {}, extra)

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Your price list: how client prices derive from wholesale.

        ``GET /price-rules``
        """
        result: AsyncPage = await self._client._request("price_rules_list", (), {"limit": limit, "page": page}, extra)
        return result

    async def save(
        self,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        markup_percent: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_monthly: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_setup: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_addon: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_segment: Decimal | str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Add a price-list line (or change the one for the same client, country and type).

        ``POST /price-rules``
        """
        result: DidfarmObject = await self._client._request(
            "price_rules_save",
            (),
            {
                "client_id": client_id,
                "country": country,
                "number_type": number_type,
                "markup_percent": markup_percent,
                "fixed_monthly": fixed_monthly,
                "fixed_setup": fixed_setup,
                "fixed_sms_addon": fixed_sms_addon,
                "fixed_sms_segment": fixed_sms_segment,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def update(
        self,
        rule_id: str | int,
        *,
        client_id: str | None | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        number_type: str | NotGiven = NOT_GIVEN,
        markup_percent: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_monthly: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_setup: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_addon: Decimal | str | NotGiven = NOT_GIVEN,
        fixed_sms_segment: Decimal | str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change a price-list line.

        ``PUT /price-rules/{rule_id}``
        """
        result: DidfarmObject = await self._client._request(
            "price_rules_update",
            (rule_id,),
            {
                "client_id": client_id,
                "country": country,
                "number_type": number_type,
                "markup_percent": markup_percent,
                "fixed_monthly": fixed_monthly,
                "fixed_setup": fixed_setup,
                "fixed_sms_addon": fixed_sms_addon,
                "fixed_sms_segment": fixed_sms_segment,
            },
            extra,
        )
        return result


class AsyncRegulatory:
    """Regulatory requirements and document submission."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def requirements(self, *, country: str, end_user_type: str, number_type: str, **extra: Any) -> DidfarmObject:
        """Which documents a country and number type need, for a person or a business.

        ``GET /regulatory/requirements``
        """
        result: DidfarmObject = await self._client._request(
            "regulatory_requirements",
            (),
            {"country": country, "end_user_type": end_user_type, "number_type": number_type},
            extra,
        )
        return result

    async def submit(
        self,
        *,
        files: Mapping[str, FileInput] | None = None,
        compliance_profile_id: str | NotGiven = NOT_GIVEN,
        provider_bundle_id: str | NotGiven = NOT_GIVEN,
        number_id: str | NotGiven = NOT_GIVEN,
        end_user_type: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven = NOT_GIVEN,
        registration_number: str | NotGiven = NOT_GIVEN,
        street: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        address_country: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Submit documents for review, for a compliance profile or for a number waiting for them.

        ``POST /regulatory/submit``
        """
        result: DidfarmObject = await self._client._request(
            "regulatory_submit",
            (),
            {
                "compliance_profile_id": compliance_profile_id,
                "provider_bundle_id": provider_bundle_id,
                "number_id": number_id,
                "end_user_type": end_user_type,
                "name": name,
                "registration_number": registration_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "address_country": address_country,
            },
            extra,
            files=files,
            idempotency_key=idempotency_key,
        )
        return result


class AsyncRouting:
    """Where each number sends its calls: a trunk, or a forwarding target."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Where each of your numbers sends its calls.

        ``GET /portal/did-routing``
        """
        result: AsyncPage = await self._client._request("routing_list", (), {"limit": limit, "page": page}, extra)
        return result

    async def remove(self, number_id: str | int, **extra: Any) -> DidfarmObject:
        """Remove a number's route.

        ``DELETE /portal/did-routing/{number_id}``
        """
        result: DidfarmObject = await self._client._request("routing_remove", (number_id,), {}, extra)
        return result

    async def set(
        self,
        *,
        did_number_id: str,
        sip_trunk_id: str | None | NotGiven = NOT_GIVEN,
        forwarding: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Route a number to a trunk, or forward it.

        ``POST /portal/did-routing``
        """
        result: DidfarmObject = await self._client._request(
            "routing_set",
            (),
            {"did_number_id": did_number_id, "sip_trunk_id": sip_trunk_id, "forwarding": forwarding},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class AsyncSandbox:
    """Sandbox helpers: simulate the outside world (free)."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def carrier_callback(
        self,
        *,
        id: str,
        sandbox_secret: str,
        to: str | NotGiven = NOT_GIVEN,
        body: str | NotGiven = NOT_GIVEN,
        carrier_ref: str | NotGiven = NOT_GIVEN,
        delivered: bool | NotGiven = NOT_GIVEN,
        error_code: str | NotGiven = NOT_GIVEN,
        error_message: str | NotGiven = NOT_GIVEN,
        kind: str | NotGiven = NOT_GIVEN,
        from_: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Sandbox carrier callback: an inbound SMS or a delivery report (shared secret).

        ``POST /carriers/sandbox/sms``
        """
        result: DidfarmObject = await self._client._request(
            "carrier_sandbox_callback",
            (),
            {
                "id": id,
                "to": to,
                "body": body,
                "carrier_ref": carrier_ref,
                "delivered": delivered,
                "error_code": error_code,
                "error_message": error_message,
                "kind": kind,
                "from_": from_,
            },
            extra,
            headers={"X-Sandbox-Secret": sandbox_secret},
            idempotency_key=idempotency_key,
        )
        return result

    async def simulate_inbound_sms(
        self, *, to_number_id: str, body: str, from_: str, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Sandbox: have someone text one of your numbers (free; as a real inbound message).

        ``POST /portal/sms/simulate-inbound``
        """
        result: DidfarmObject = await self._client._request(
            "portal_sms_simulate_inbound",
            (),
            {"to_number_id": to_number_id, "body": body, "from_": from_},
            extra,
            idempotency_key=idempotency_key,
        )
        return result


class AsyncSipTrunks:
    """SIP trunks for your clients' PBXs."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def create(
        self,
        *,
        name: str,
        auth_type: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        channels: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Create a SIP trunk (the password is in this response only).

        ``POST /portal/sip-trunks``
        """
        result: DidfarmObject = await self._client._request(
            "trunks_create",
            (),
            {
                "name": name,
                "auth_type": auth_type,
                "client_id": client_id,
                "allowed_ips": allowed_ips,
                "channels": channels,
            },
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def delete(self, trunk_id: str | int, **extra: Any) -> None:
        """Delete a trunk no number routes to.

        ``DELETE /portal/sip-trunks/{trunk_id}``
        """
        await self._client._request("trunks_delete", (trunk_id,), {}, extra)

    async def get(self, trunk_id: str | int, **extra: Any) -> DidfarmObject:
        """One SIP trunk.

        ``GET /portal/sip-trunks/{trunk_id}``
        """
        result: DidfarmObject = await self._client._request("trunks_get", (trunk_id,), {}, extra)
        return result

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Your SIP trunks (never their passwords).

        ``GET /portal/sip-trunks``
        """
        result: AsyncPage = await self._client._request("trunks_list", (), {"limit": limit, "page": page}, extra)
        return result

    async def regenerate_credentials(
        self, trunk_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """New password now; the old one stops working (the PBX must be updated).

        ``POST /portal/sip-trunks/{trunk_id}/regenerate-credentials``
        """
        result: DidfarmObject = await self._client._request(
            "trunks_regenerate_credentials", (trunk_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def update(
        self,
        trunk_id: str | int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        channels: int | NotGiven = NOT_GIVEN,
        allowed_ips: Sequence[str] | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Rename a trunk, change its channels or allowed IPs.

        ``PATCH /portal/sip-trunks/{trunk_id}``
        """
        result: DidfarmObject = await self._client._request(
            "trunks_update", (trunk_id,), {"name": name, "channels": channels, "allowed_ips": allowed_ips}, extra
        )
        return result


class AsyncSms:
    """SMS: sending by number id, the inbox, threads, stats and segment pricing."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, message_id: str | int, **extra: Any) -> DidfarmObject:
        """One message, with its status times.

        ``GET /portal/sms/{message_id}``
        """
        result: DidfarmObject = await self._client._request("portal_sms_get", (message_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        contact: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        direction: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        number_id: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        q: str | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Messages, newest first (filter by number, direction, status, dates, text).

        ``GET /portal/sms``
        """
        result: AsyncPage = await self._client._request(
            "portal_sms_list",
            (),
            {
                "client_id": client_id,
                "contact": contact,
                "date_from": date_from,
                "date_to": date_to,
                "direction": direction,
                "limit": limit,
                "number": number,
                "number_id": number_id,
                "page": page,
                "q": q,
                "status": status,
            },
            extra,
        )
        return result

    async def numbers(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Your numbers with SMS enabled (the ones you can send from).

        ``GET /portal/sms/numbers``
        """
        result: AsyncPage = await self._client._request("portal_sms_numbers", (), {"limit": limit, "page": page}, extra)
        return result

    async def segments(
        self, *, body: str, to: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Count a text's segments and price it before sending (nothing is sent or charged).

        ``POST /portal/sms/segments``
        """
        result: DidfarmObject = await self._client._request(
            "portal_sms_segments", (), {"body": body, "to": to}, extra, idempotency_key=idempotency_key
        )
        return result

    async def send(
        self,
        *,
        from_number_id: str,
        to: str,
        body: str,
        client_id: str | None | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Send an SMS from a number id (charged per segment).

        ``POST /portal/sms/send``
        """
        result: DidfarmObject = await self._client._request(
            "portal_sms_send",
            (),
            {"from_number_id": from_number_id, "to": to, "body": body, "client_id": client_id},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def stats(self, **extra: Any) -> DidfarmObject:
        """Messages today and this month, 30-day delivery rate, and a day-by-day series.

        ``GET /portal/sms/stats``
        """
        result: DidfarmObject = await self._client._request("portal_sms_stats", (), {}, extra)
        return result

    async def threads(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        number: str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Conversations: one per number and contact, latest first.

        ``GET /portal/sms/threads``
        """
        result: AsyncPage = await self._client._request(
            "portal_sms_threads", (), {"limit": limit, "number": number, "page": page}, extra
        )
        return result


class AsyncTopUps:
    """Wallet top-ups (card, SEPA, bank transfer)."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def create(
        self,
        *,
        amount: str,
        save_card: bool | NotGiven = NOT_GIVEN,
        success_url: str | NotGiven = NOT_GIVEN,
        cancel_url: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Start a card or SEPA top-up: send the payer to checkout_url (Stripe Checkout).

        ``POST /wallet/top-ups``
        """
        result: DidfarmObject = await self._client._request(
            "top_ups_create",
            (),
            {"amount": amount, "save_card": save_card, "success_url": success_url, "cancel_url": cancel_url},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def get(self, top_up_id: str | int, **extra: Any) -> DidfarmObject:
        """One top-up.

        ``GET /wallet/top-ups/{top_up_id}``
        """
        result: DidfarmObject = await self._client._request("top_ups_get", (top_up_id,), {}, extra)
        return result

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Top-ups: card and SEPA payments, auto-recharges and bank transfers, newest first.

        ``GET /wallet/top-ups``
        """
        result: AsyncPage = await self._client._request("top_ups_list", (), {"limit": limit, "page": page}, extra)
        return result


class AsyncTransactions:
    """Wallet ledger entries."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def get(self, transaction_id: str | int, **extra: Any) -> DidfarmObject:
        """One ledger entry.

        ``GET /wallet/transactions/{transaction_id}``
        """
        result: DidfarmObject = await self._client._request("wallet_transaction", (transaction_id,), {}, extra)
        return result

    async def list(
        self,
        *,
        client_id: str | NotGiven = NOT_GIVEN,
        date_from: str | NotGiven = NOT_GIVEN,
        date_to: str | NotGiven = NOT_GIVEN,
        direction: str | NotGiven = NOT_GIVEN,
        kind: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        reference_id: str | NotGiven = NOT_GIVEN,
        reference_type: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """Ledger entries, newest first.

        ``GET /wallet/transactions``
        """
        result: AsyncPage = await self._client._request(
            "wallet_transactions",
            (),
            {
                "client_id": client_id,
                "date_from": date_from,
                "date_to": date_to,
                "direction": direction,
                "kind": kind,
                "limit": limit,
                "page": page,
                "reference_id": reference_id,
                "reference_type": reference_type,
            },
            extra,
        )
        return result


class AsyncWallet:
    """The prepaid wallet."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def balance(self, **extra: Any) -> DidfarmObject:
        """Wallet balance.

        ``GET /wallet/balance``
        """
        result: DidfarmObject = await self._client._request("wallet_balance", (), {}, extra)
        return result


class AsyncWebhooks:
    """Webhook endpoints and their deliveries."""

    def __init__(self, client: AsyncTransport) -> None:
        self._client = client

    async def create(
        self,
        *,
        url: str,
        events: Sequence[str],
        description: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> DidfarmObject:
        """Add a webhook endpoint (its secret is in this response only).

        ``POST /webhooks``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_create",
            (),
            {"url": url, "events": events, "description": description, "client_id": client_id, "enabled": enabled},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def delete(self, webhook_id: str | int, **extra: Any) -> None:
        """Delete an endpoint and its delivery log.

        ``DELETE /webhooks/{webhook_id}``
        """
        await self._client._request("webhooks_delete", (webhook_id,), {}, extra)

    async def delivery(self, webhook_id: str | int, delivery_id: str | int, **extra: Any) -> DidfarmObject:
        """One delivery with the body sent and every attempt (status, latency, response excerpt).

        ``GET /webhooks/{webhook_id}/deliveries/{delivery_id}``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_deliveries_get",
            (
                webhook_id,
                delivery_id,
            ),
            {},
            extra,
        )
        return result

    async def deliveries(
        self,
        webhook_id: str | int,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        status: str | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> AsyncPage:
        """An endpoint's deliveries, newest first.

        ``GET /webhooks/{webhook_id}/deliveries``
        """
        result: AsyncPage = await self._client._request(
            "webhooks_deliveries_list", (webhook_id,), {"limit": limit, "page": page, "status": status}, extra
        )
        return result

    async def redeliver(
        self, webhook_id: str | int, delivery_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """Send a delivery again now, with the same event id and body.

        ``POST /webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_deliveries_redeliver",
            (
                webhook_id,
                delivery_id,
            ),
            {},
            extra,
            idempotency_key=idempotency_key,
        )
        return result

    async def event_types(self, **extra: Any) -> AsyncPage:
        """The events an endpoint can subscribe to, each with an example body.

        ``GET /webhooks/event-types``
        """
        result: AsyncPage = await self._client._request("webhooks_event_types", (), {}, extra)
        return result

    async def get(self, webhook_id: str | int, **extra: Any) -> DidfarmObject:
        """One webhook endpoint.

        ``GET /webhooks/{webhook_id}``
        """
        result: DidfarmObject = await self._client._request("webhooks_get", (webhook_id,), {}, extra)
        return result

    async def list(
        self, *, limit: int | NotGiven = NOT_GIVEN, page: int | NotGiven = NOT_GIVEN, **extra: Any
    ) -> AsyncPage:
        """Your webhook endpoints (never their secrets).

        ``GET /webhooks``
        """
        result: AsyncPage = await self._client._request("webhooks_list", (), {"limit": limit, "page": page}, extra)
        return result

    async def rotate_secret(
        self, webhook_id: str | int, *, idempotency_key: str | None = None, **extra: Any
    ) -> DidfarmObject:
        """New secret now; the old one keeps signing for 24 hours (both signatures are sent).

        ``POST /webhooks/{webhook_id}/rotate-secret``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_rotate_secret", (webhook_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def test(self, webhook_id: str | int, *, idempotency_key: str | None = None, **extra: Any) -> DidfarmObject:
        """Send a webhook.test event to this endpoint now (one attempt; see its delivery).

        ``POST /webhooks/{webhook_id}/test``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_test", (webhook_id,), {}, extra, idempotency_key=idempotency_key
        )
        return result

    async def update(
        self,
        webhook_id: str | int,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: Sequence[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        client_id: str | None | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        **extra: Any,
    ) -> DidfarmObject:
        """Change an endpoint's URL, events or description, or switch it on or off.

        ``PATCH /webhooks/{webhook_id}``
        """
        result: DidfarmObject = await self._client._request(
            "webhooks_update",
            (webhook_id,),
            {"url": url, "events": events, "description": description, "client_id": client_id, "enabled": enabled},
            extra,
        )
        return result


RESOURCES = {
    "account": "Account",
    "api_keys": "ApiKeys",
    "audit_log": "AuditLog",
    "calls": "Calls",
    "clients": "Clients",
    "compliance_profiles": "ComplianceProfiles",
    "events": "Events",
    "invoices": "Invoices",
    "messages": "Messages",
    "numbers": "Numbers",
    "orders": "Orders",
    "payment_settings": "PaymentSettings",
    "porting": "Porting",
    "price_rules": "PriceRules",
    "regulatory": "Regulatory",
    "routing": "Routing",
    "sandbox": "Sandbox",
    "sip_trunks": "SipTrunks",
    "sms": "Sms",
    "top_ups": "TopUps",
    "transactions": "Transactions",
    "wallet": "Wallet",
    "webhooks": "Webhooks",
}

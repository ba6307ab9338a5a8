"""Every operation of /api/v1: its method, path, resource and call. Generated from the OpenAPI document
and kept in step by a test in the portal's suite (an operation missing here or there fails it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    resource: str
    name: str
    # "page" (page/limit, meta.total/pages), "cursor" (meta.pagination.cursor) or None
    pagination: str | None
    # The API deduplicates this POST by its Idempotency-Key (so a retry is safe).
    keyed: bool
    # "json", "multipart" or None
    body: str | None
    # "object", "page", "list", "binary" or "none"
    response: str

    @property
    def path_params(self) -> tuple[str, ...]:
        import re

        return tuple(re.findall(r"{(\w+)}", self.path))


OPERATIONS: dict[str, Operation] = {
    "me": Operation("GET", "/me", "account", "me", None, False, None, "object"),
    "api_keys_create": Operation("POST", "/api-keys", "api_keys", "create", None, False, "json", "object"),
    "api_keys_get": Operation("GET", "/api-keys/{key_id}", "api_keys", "get", None, False, None, "object"),
    "api_keys_list": Operation("GET", "/api-keys", "api_keys", "list", "page", False, None, "page"),
    "api_keys_revoke": Operation("DELETE", "/api-keys/{key_id}", "api_keys", "revoke", None, False, None, "object"),
    "audit_log": Operation("GET", "/audit-log", "audit_log", "list", "page", False, None, "page"),
    "client_costs": Operation("GET", "/clients/{client_id}/costs", "clients", "costs", None, False, None, "object"),
    "client_costs_csv": Operation(
        "GET", "/clients/{client_id}/costs.csv", "clients", "costs_csv", None, False, None, "binary"
    ),
    "calls_list": Operation("GET", "/calls", "calls", "list", "cursor", False, None, "page"),
    "calls_retrieve": Operation("GET", "/calls/{call_id}", "calls", "get", None, False, None, "object"),
    "clients_create": Operation("POST", "/clients", "clients", "create", None, True, "json", "object"),
    "clients_get": Operation("GET", "/clients/{client_id}", "clients", "get", None, False, None, "object"),
    "clients_list": Operation("GET", "/clients", "clients", "list", "page", False, None, "page"),
    "clients_update": Operation("PATCH", "/clients/{client_id}", "clients", "update", None, False, "json", "object"),
    "compliance_profiles_create": Operation(
        "POST", "/compliance-profiles", "compliance_profiles", "create", None, True, "json", "object"
    ),
    "compliance_profiles_delete": Operation(
        "DELETE", "/compliance-profiles/{profile_id}", "compliance_profiles", "delete", None, False, None, "none"
    ),
    "compliance_profiles_documents_add": Operation(
        "POST",
        "/compliance-profiles/{profile_id}/documents",
        "compliance_profiles",
        "add_documents",
        None,
        False,
        "multipart",
        "object",
    ),
    "compliance_profiles_documents_delete": Operation(
        "DELETE",
        "/compliance-profiles/{profile_id}/documents/{document_id}",
        "compliance_profiles",
        "delete_document",
        None,
        False,
        None,
        "none",
    ),
    "compliance_profiles_documents_download": Operation(
        "GET",
        "/compliance-profiles/{profile_id}/documents/{document_id}",
        "compliance_profiles",
        "download_document",
        None,
        False,
        None,
        "binary",
    ),
    "compliance_profiles_get": Operation(
        "GET", "/compliance-profiles/{profile_id}", "compliance_profiles", "get", None, False, None, "object"
    ),
    "compliance_profiles_list": Operation(
        "GET", "/compliance-profiles", "compliance_profiles", "list", "page", False, None, "page"
    ),
    "compliance_profiles_submit": Operation(
        "POST", "/compliance-profiles/{profile_id}/submit", "compliance_profiles", "submit", None, False, None, "object"
    ),
    "compliance_profiles_update": Operation(
        "PUT", "/compliance-profiles/{profile_id}", "compliance_profiles", "update", None, False, "json", "object"
    ),
    "events_get": Operation("GET", "/events/{event_id}", "events", "get", None, False, None, "object"),
    "events_list": Operation("GET", "/events", "events", "list", "page", False, None, "page"),
    "invoices_credit": Operation(
        "POST", "/invoices/{invoice_id}/credit-note", "invoices", "credit_note", None, False, "json", "object"
    ),
    "invoices_csv": Operation("GET", "/invoices/{invoice_id}/csv", "invoices", "csv", None, False, None, "binary"),
    "invoices_draft": Operation("POST", "/invoices/draft", "invoices", "draft", None, False, "json", "object"),
    "invoices_get": Operation("GET", "/invoices/{invoice_id}", "invoices", "get", None, False, None, "object"),
    "invoices_issue": Operation(
        "POST", "/invoices/{invoice_id}/issue", "invoices", "issue", None, False, None, "object"
    ),
    "invoices_list": Operation("GET", "/invoices", "invoices", "list", "page", False, None, "page"),
    "invoices_messages_csv": Operation(
        "GET", "/invoices/{invoice_id}/messages.csv", "invoices", "messages_csv", None, False, None, "binary"
    ),
    "invoices_paid": Operation(
        "POST", "/invoices/{invoice_id}/paid", "invoices", "mark_paid", None, False, "json", "object"
    ),
    "invoices_pdf": Operation("GET", "/invoices/{invoice_id}/pdf", "invoices", "pdf", None, False, None, "binary"),
    "invoices_reissue": Operation(
        "POST", "/invoices/{invoice_id}/reissue", "invoices", "reissue", None, False, None, "object"
    ),
    "invoices_send": Operation("POST", "/invoices/{invoice_id}/send", "invoices", "send", None, False, None, "object"),
    "invoices_ubl": Operation("GET", "/invoices/{invoice_id}/ubl", "invoices", "ubl", None, False, None, "binary"),
    "messages_send": Operation("POST", "/messages/send", "messages", "send", None, True, "json", "object"),
    "numbers_available": Operation("GET", "/numbers/available", "numbers", "available", None, False, None, "list"),
    "numbers_configure": Operation(
        "PUT", "/numbers/{number_id}", "numbers", "configure", None, False, "json", "object"
    ),
    "numbers_get": Operation("GET", "/numbers/{number_id}", "numbers", "get", None, False, None, "object"),
    "numbers_list": Operation("GET", "/numbers", "numbers", "list", "cursor", False, None, "page"),
    "numbers_order": Operation("POST", "/numbers", "numbers", "order", None, True, "json", "object"),
    "numbers_purchase": Operation("POST", "/numbers/purchase", "numbers", "purchase", None, True, "json", "object"),
    "numbers_release": Operation("DELETE", "/numbers/{number_id}", "numbers", "release", None, False, None, "none"),
    "numbers_test_call_create": Operation(
        "POST", "/numbers/{number_id}/test-call", "numbers", "test_call", None, False, None, "object"
    ),
    "numbers_test_call_retrieve": Operation(
        "GET", "/numbers/{number_id}/test-call", "numbers", "test_call_result", None, False, None, "object"
    ),
    "numbers_search": Operation("GET", "/numbers/search", "numbers", "search", "page", False, None, "page"),
    "wallet_checkout": Operation("POST", "/wallet/checkout", "numbers", "checkout", None, True, "json", "object"),
    "orders_get": Operation("GET", "/orders/{order_id}", "orders", "get", None, False, None, "object"),
    "orders_list": Operation("GET", "/orders", "orders", "list", "page", False, None, "page"),
    "payment_settings_get": Operation(
        "GET", "/wallet/payment-settings", "payment_settings", "get", None, False, None, "object"
    ),
    "payment_settings_update": Operation(
        "PATCH", "/wallet/payment-settings", "payment_settings", "update", None, False, "json", "object"
    ),
    "porting_cancel": Operation(
        "POST", "/numbers/porting/{port_id}/cancel", "porting", "cancel", None, False, None, "object"
    ),
    "porting_create": Operation("POST", "/numbers/porting", "porting", "create", None, True, "json", "object"),
    "porting_documents_add": Operation(
        "POST", "/numbers/porting/{port_id}/documents", "porting", "add_documents", None, False, "multipart", "object"
    ),
    "porting_documents_delete": Operation(
        "DELETE",
        "/numbers/porting/{port_id}/documents/{document_id}",
        "porting",
        "delete_document",
        None,
        False,
        None,
        "none",
    ),
    "porting_documents_download": Operation(
        "GET",
        "/numbers/porting/{port_id}/documents/{document_id}",
        "porting",
        "download_document",
        None,
        False,
        None,
        "binary",
    ),
    "porting_get": Operation("GET", "/numbers/porting/{port_id}", "porting", "get", None, False, None, "object"),
    "porting_list": Operation("GET", "/numbers/porting", "porting", "list", "page", False, None, "page"),
    "price_rules_delete": Operation(
        "DELETE", "/price-rules/{rule_id}", "price_rules", "delete", None, False, None, "none"
    ),
    "price_rules_list": Operation("GET", "/price-rules", "price_rules", "list", "page", False, None, "page"),
    "price_rules_save": Operation("POST", "/price-rules", "price_rules", "save", None, False, "json", "object"),
    "price_rules_update": Operation(
        "PUT", "/price-rules/{rule_id}", "price_rules", "update", None, False, "json", "object"
    ),
    "regulatory_requirements": Operation(
        "GET", "/regulatory/requirements", "regulatory", "requirements", None, False, None, "object"
    ),
    "regulatory_submit": Operation(
        "POST", "/regulatory/submit", "regulatory", "submit", None, False, "multipart", "object"
    ),
    "routing_list": Operation("GET", "/portal/did-routing", "routing", "list", "page", False, None, "page"),
    "routing_remove": Operation(
        "DELETE", "/portal/did-routing/{number_id}", "routing", "remove", None, False, None, "object"
    ),
    "routing_set": Operation("POST", "/portal/did-routing", "routing", "set", None, False, "json", "object"),
    "carrier_sandbox_callback": Operation(
        "POST", "/carriers/sandbox/sms", "sandbox", "carrier_callback", None, False, "json", "object"
    ),
    "portal_sms_simulate_inbound": Operation(
        "POST", "/portal/sms/simulate-inbound", "sandbox", "simulate_inbound_sms", None, False, "json", "object"
    ),
    "trunks_create": Operation("POST", "/portal/sip-trunks", "sip_trunks", "create", None, False, "json", "object"),
    "trunks_delete": Operation(
        "DELETE", "/portal/sip-trunks/{trunk_id}", "sip_trunks", "delete", None, False, None, "none"
    ),
    "trunks_get": Operation("GET", "/portal/sip-trunks/{trunk_id}", "sip_trunks", "get", None, False, None, "object"),
    "trunks_list": Operation("GET", "/portal/sip-trunks", "sip_trunks", "list", "page", False, None, "page"),
    "trunks_regenerate_credentials": Operation(
        "POST",
        "/portal/sip-trunks/{trunk_id}/regenerate-credentials",
        "sip_trunks",
        "regenerate_credentials",
        None,
        False,
        None,
        "object",
    ),
    "trunks_update": Operation(
        "PATCH", "/portal/sip-trunks/{trunk_id}", "sip_trunks", "update", None, False, "json", "object"
    ),
    "portal_sms_get": Operation("GET", "/portal/sms/{message_id}", "sms", "get", None, False, None, "object"),
    "portal_sms_list": Operation("GET", "/portal/sms", "sms", "list", "page", False, None, "page"),
    "portal_sms_numbers": Operation("GET", "/portal/sms/numbers", "sms", "numbers", "page", False, None, "page"),
    "portal_sms_segments": Operation("POST", "/portal/sms/segments", "sms", "segments", None, False, "json", "object"),
    "portal_sms_send": Operation("POST", "/portal/sms/send", "sms", "send", None, True, "json", "object"),
    "portal_sms_stats": Operation("GET", "/portal/sms/stats", "sms", "stats", None, False, None, "object"),
    "portal_sms_threads": Operation("GET", "/portal/sms/threads", "sms", "threads", "page", False, None, "page"),
    "top_ups_create": Operation("POST", "/wallet/top-ups", "top_ups", "create", None, False, "json", "object"),
    "top_ups_get": Operation("GET", "/wallet/top-ups/{top_up_id}", "top_ups", "get", None, False, None, "object"),
    "top_ups_list": Operation("GET", "/wallet/top-ups", "top_ups", "list", "page", False, None, "page"),
    "wallet_transaction": Operation(
        "GET", "/wallet/transactions/{transaction_id}", "transactions", "get", None, False, None, "object"
    ),
    "wallet_transactions": Operation(
        "GET", "/wallet/transactions", "transactions", "list", "page", False, None, "page"
    ),
    "wallet_balance": Operation("GET", "/wallet/balance", "wallet", "balance", None, False, None, "object"),
    "webhooks_create": Operation("POST", "/webhooks", "webhooks", "create", None, False, "json", "object"),
    "webhooks_delete": Operation("DELETE", "/webhooks/{webhook_id}", "webhooks", "delete", None, False, None, "none"),
    "webhooks_deliveries_get": Operation(
        "GET", "/webhooks/{webhook_id}/deliveries/{delivery_id}", "webhooks", "delivery", None, False, None, "object"
    ),
    "webhooks_deliveries_list": Operation(
        "GET", "/webhooks/{webhook_id}/deliveries", "webhooks", "deliveries", "page", False, None, "page"
    ),
    "webhooks_deliveries_redeliver": Operation(
        "POST",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        "webhooks",
        "redeliver",
        None,
        False,
        None,
        "object",
    ),
    "webhooks_event_types": Operation(
        "GET", "/webhooks/event-types", "webhooks", "event_types", None, False, None, "list"
    ),
    "webhooks_get": Operation("GET", "/webhooks/{webhook_id}", "webhooks", "get", None, False, None, "object"),
    "webhooks_list": Operation("GET", "/webhooks", "webhooks", "list", "page", False, None, "page"),
    "webhooks_rotate_secret": Operation(
        "POST", "/webhooks/{webhook_id}/rotate-secret", "webhooks", "rotate_secret", None, False, None, "object"
    ),
    "webhooks_test": Operation("POST", "/webhooks/{webhook_id}/test", "webhooks", "test", None, False, None, "object"),
    "webhooks_update": Operation(
        "PATCH", "/webhooks/{webhook_id}", "webhooks", "update", None, False, "json", "object"
    ),
}

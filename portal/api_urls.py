"""Every /api/v1 endpoint (also served at /v1), and the DIDWW-compatible /api/v3. The catch-alls after
these answer 404 in each API's error format."""

from django.urls import path

from accounts import api as accounts_api
from billing import api as billing_api
from billing.payments import api as payment_api
from messaging import api as messaging_api
from numbers_app import api as numbers_api
from numbers_app.didww import api as dids_api
from numbers_app.didww import endpoints as v3_api
from numbers_app.didww import vault_endpoints as vault_api
from numbers_app.porting import api as porting_api
from numbers_app.regulatory import api as regulatory_api
from numbers_app.trunks import api as trunk_api
from numbers_app.upstream import views as carrier_views
from numbers_app.voice import api as voice_api
from portal.events import api as events_api
from portal.webhooks import api as webhooks_api

api_v1 = [
    path("wallet/balance", billing_api.WalletBalanceApi.as_view(), name="api_wallet_balance"),
    path("wallet/transactions", billing_api.TransactionListApi.as_view(), name="api_wallet_transactions"),
    path(
        "wallet/transactions/<str:transaction_id>",
        billing_api.TransactionDetailApi.as_view(),
        name="api_wallet_transaction",
    ),
    path("wallet/top-ups", payment_api.TopUpListApi.as_view(), name="api_top_ups"),
    path("wallet/top-ups/<str:top_up_id>", payment_api.TopUpDetailApi.as_view(), name="api_top_up"),
    path("wallet/payment-settings", payment_api.PaymentSettingsApi.as_view(), name="api_payment_settings"),
    path("wallet/checkout", numbers_api.CheckoutApi.as_view(), name="api_wallet_checkout"),
    path("numbers/search", numbers_api.NumberSearchApi.as_view(), name="api_numbers_search"),
    path("numbers/available", numbers_api.NumberAvailableApi.as_view(), name="api_numbers_available"),
    path("numbers/purchase", numbers_api.NumberPurchaseApi.as_view(), name="api_numbers_purchase"),
    path("numbers", numbers_api.NumberListApi.as_view(), name="api_numbers"),
    # Before numbers/<number_id>, which would otherwise take "porting" for a number.
    path("numbers/porting", porting_api.PortListApi.as_view(), name="api_porting"),
    path("numbers/porting/<str:port_id>", porting_api.PortDetailApi.as_view(), name="api_port"),
    path("numbers/porting/<str:port_id>/cancel", porting_api.PortCancelApi.as_view(), name="api_port_cancel"),
    path(
        "numbers/porting/<str:port_id>/documents",
        porting_api.PortDocumentListApi.as_view(),
        name="api_port_documents",
    ),
    path(
        "numbers/porting/<str:port_id>/documents/<str:document_id>",
        porting_api.PortDocumentDetailApi.as_view(),
        name="api_port_document",
    ),
    path("numbers/<str:number_id>", numbers_api.NumberDetailApi.as_view(), name="api_number"),
    path("numbers/<str:number_id>/test-call", voice_api.NumberTestCallApi.as_view(), name="api_number_test_call"),
    path("compliance-profiles", regulatory_api.ComplianceProfileListApi.as_view(), name="api_compliance_profiles"),
    path(
        "compliance-profiles/<str:profile_id>",
        regulatory_api.ComplianceProfileDetailApi.as_view(),
        name="api_compliance_profile",
    ),
    path(
        "compliance-profiles/<str:profile_id>/submit",
        regulatory_api.ComplianceProfileSubmitApi.as_view(),
        name="api_compliance_profile_submit",
    ),
    path(
        "compliance-profiles/<str:profile_id>/documents",
        regulatory_api.ComplianceDocumentListApi.as_view(),
        name="api_compliance_documents",
    ),
    path(
        "compliance-profiles/<str:profile_id>/documents/<str:document_id>",
        regulatory_api.ComplianceDocumentDetailApi.as_view(),
        name="api_compliance_document",
    ),
    path("regulatory/submit", regulatory_api.RegulatorySubmitApi.as_view(), name="api_regulatory_submit"),
    path(
        "regulatory/requirements",
        regulatory_api.RegulatoryRequirementsApi.as_view(),
        name="api_regulatory_requirements",
    ),
    path("portal/sip-trunks", trunk_api.TrunkListApi.as_view(), name="api_trunks"),
    path("portal/sip-trunks/<str:trunk_id>", trunk_api.TrunkDetailApi.as_view(), name="api_trunk"),
    path(
        "portal/sip-trunks/<str:trunk_id>/regenerate-credentials",
        trunk_api.TrunkRegenerateApi.as_view(),
        name="api_trunk_regenerate",
    ),
    path("portal/did-routing", trunk_api.RoutingApi.as_view(), name="api_routing"),
    path("calls", voice_api.CallListApi.as_view(), name="api_calls"),
    path("calls/<str:call_id>", voice_api.CallDetailApi.as_view(), name="api_call"),
    path("portal/did-routing/<str:number_id>", trunk_api.RoutingDetailApi.as_view(), name="api_route"),
    path("messages/send", messaging_api.MessageSendApi.as_view(), name="api_messages_send"),
    path("portal/sms/send", messaging_api.PortalSmsSendApi.as_view(), name="api_sms_send"),
    path("portal/sms", messaging_api.SmsListApi.as_view(), name="api_sms"),
    path("portal/sms/stats", messaging_api.SmsStatsApi.as_view(), name="api_sms_stats"),
    path("portal/sms/numbers", messaging_api.SmsNumbersApi.as_view(), name="api_sms_numbers"),
    path("portal/sms/threads", messaging_api.SmsThreadsApi.as_view(), name="api_sms_threads"),
    path("portal/sms/segments", messaging_api.SmsSegmentsApi.as_view(), name="api_sms_segments"),
    path(
        "portal/sms/simulate-inbound",
        messaging_api.SmsSimulateInboundApi.as_view(),
        name="api_sms_simulate_inbound",
    ),
    path("portal/sms/<str:message_id>", messaging_api.SmsDetailApi.as_view(), name="api_sms_message"),
    path("orders", numbers_api.OrderListApi.as_view(), name="api_orders"),
    path("orders/<str:order_id>", numbers_api.OrderDetailApi.as_view(), name="api_order"),
    path("clients", accounts_api.ClientListApi.as_view(), name="api_clients"),
    path("clients/<str:client_id>", accounts_api.ClientDetailApi.as_view(), name="api_client"),
    path("clients/<str:client_id>/costs", billing_api.ClientCostsApi.as_view(), name="api_client_costs"),
    path("clients/<str:client_id>/costs.csv", billing_api.ClientCostsCsvApi.as_view(), name="api_client_costs_csv"),
    path("invoices", billing_api.InvoiceListApi.as_view(), name="api_invoices"),
    path("invoices/draft", billing_api.InvoiceDraftApi.as_view(), name="api_invoice_draft"),
    path("invoices/<str:invoice_id>", billing_api.InvoiceDetailApi.as_view(), name="api_invoice"),
    path("invoices/<str:invoice_id>/issue", billing_api.InvoiceIssueApi.as_view(), name="api_invoice_issue"),
    path("invoices/<str:invoice_id>/pdf", billing_api.InvoicePdfApi.as_view(), name="api_invoice_pdf"),
    path("invoices/<str:invoice_id>/ubl", billing_api.InvoiceUblApi.as_view(), name="api_invoice_ubl"),
    path("invoices/<str:invoice_id>/paid", billing_api.InvoicePaidApi.as_view(), name="api_invoice_paid"),
    path("invoices/<str:invoice_id>/credit-note", billing_api.InvoiceCreditApi.as_view(), name="api_invoice_credit"),
    path("invoices/<str:invoice_id>/reissue", billing_api.InvoiceReissueApi.as_view(), name="api_invoice_reissue"),
    path("invoices/<str:invoice_id>/send", billing_api.InvoiceSendApi.as_view(), name="api_invoice_send"),
    path("invoices/<str:invoice_id>/csv", billing_api.InvoiceCsvApi.as_view(), name="api_invoice_csv"),
    path(
        "invoices/<str:invoice_id>/messages.csv",
        billing_api.InvoiceMessagesCsvApi.as_view(),
        name="api_invoice_messages_csv",
    ),
    path("price-rules", billing_api.PriceRuleListApi.as_view(), name="api_price_rules"),
    path("price-rules/<str:rule_id>", billing_api.PriceRuleDetailApi.as_view(), name="api_price_rule"),
    path("api-keys", accounts_api.ApiKeyListApi.as_view(), name="api_api_keys"),
    path("api-keys/<str:key_id>", accounts_api.ApiKeyDetailApi.as_view(), name="api_api_key"),
    path("audit-log", accounts_api.AuditListApi.as_view(), name="api_audit_log"),
    path("me", accounts_api.MeApi.as_view(), name="api_me"),
    path("events", events_api.EventListApi.as_view(), name="api_events"),
    path("events/<str:event_id>", events_api.EventDetailApi.as_view(), name="api_event"),
    path("webhooks", webhooks_api.WebhookListApi.as_view(), name="api_webhooks"),
    path("webhooks/event-types", webhooks_api.WebhookEventTypesApi.as_view(), name="api_webhook_event_types"),
    path("webhooks/<str:webhook_id>", webhooks_api.WebhookDetailApi.as_view(), name="api_webhook"),
    path(
        "webhooks/<str:webhook_id>/rotate-secret",
        webhooks_api.WebhookRotateApi.as_view(),
        name="api_webhook_rotate_secret",
    ),
    path("webhooks/<str:webhook_id>/test", webhooks_api.WebhookTestApi.as_view(), name="api_webhook_test"),
    path(
        "webhooks/<str:webhook_id>/deliveries",
        webhooks_api.DeliveryListApi.as_view(),
        name="api_webhook_deliveries",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:delivery_id>",
        webhooks_api.DeliveryDetailApi.as_view(),
        name="api_webhook_delivery",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/redeliver",
        webhooks_api.DeliveryRedeliverApi.as_view(),
        name="api_webhook_redeliver",
    ),
]

# Carriers call these (each authenticates its own way, not with an API key).
carrier_callbacks = [
    path("carriers/sandbox/sms", messaging_api.SandboxCallbackApi.as_view(), name="api_carrier_sandbox_sms"),
    # Order callbacks of configured carriers (DIDWW's, signed): they nudge provisioning.
    path("carriers/<slug:name>/orders", carrier_views.carrier_callback, name="carrier-callback"),
]

# DIDWW's v3 API (JSON:API) over the same numbers, keys and services.
api_v3 = [
    path("dids", dids_api.DidListApi.as_view(), name="api_v3_dids"),
    path("dids/<str:number_id>", dids_api.DidDetailApi.as_view(), name="api_v3_did"),
    # A relationship's links: "self" answers its linkage, "related" the resource it points to.
    path(
        "dids/<str:number_id>/relationships/<str:name>",
        dids_api.DidRelationshipApi.as_view(),
        name="api_v3_did_relationship",
    ),
    path("dids/<str:number_id>/<str:name>", dids_api.DidRelatedApi.as_view(), name="api_v3_did_related"),
    path("balance", v3_api.BalanceApi.as_view(), name="api_v3_balance"),
    path("did_reservations", v3_api.ReservationListApi.as_view(), name="api_v3_did_reservations"),
    path("did_reservations/<str:resource_id>", v3_api.ReservationDetailApi.as_view(), name="api_v3_did_reservation"),
    path("orders", v3_api.OrderListApi.as_view(), name="api_v3_orders"),
    path("orders/<str:resource_id>", v3_api.OrderDetailApi.as_view(), name="api_v3_order"),
    path("voice_in_trunks", v3_api.VoiceInTrunkListApi.as_view(), name="api_v3_voice_in_trunks"),
    path("voice_in_trunks/<str:resource_id>", v3_api.VoiceInTrunkDetailApi.as_view(), name="api_v3_voice_in_trunk"),
    path("exports", v3_api.ExportListApi.as_view(), name="api_v3_exports"),
    path("exports/<str:resource_id>", v3_api.ExportDetailApi.as_view(), name="api_v3_export"),
    path("exports/<str:resource_id>/download", v3_api.ExportDownloadApi.as_view(), name="api_v3_export_download"),
    path("capacity_pools", v3_api.CapacityPoolListApi.as_view(), name="api_v3_capacity_pools"),
    path("capacity_pools/<str:resource_id>", v3_api.CapacityPoolDetailApi.as_view(), name="api_v3_capacity_pool"),
    path("voice_in_trunk_groups", v3_api.VoiceInTrunkGroupListApi.as_view(), name="api_v3_voice_in_trunk_groups"),
    path(
        "voice_in_trunk_groups/<str:resource_id>",
        v3_api.VoiceInTrunkGroupDetailApi.as_view(),
        name="api_v3_voice_in_trunk_group",
    ),
]
# The catalogue and the regulatory vault: a list and a detail path for each resource type.
for _name, (_list, _detail) in (v3_api.CATALOGUE_VIEWS | vault_api.ROUTES).items():
    api_v3 += [
        path(_name, _list.as_view(), name=f"api_v3_{_name}"),
        path(f"{_name}/<str:resource_id>", _detail.as_view(), name=f"api_v3_{_name}_one"),
    ]

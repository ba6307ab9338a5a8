from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from accounts import views as account_views
from accounts.branding import views as brand_views
from accounts.security import views as security_views
from billing import views as billing_views
from billing.invoicing import views as invoicing_views
from billing.payments import views as payment_views
from numbers_app.regulatory.api import RegulatorySubmitApi
from numbers_app.urls import trunk_patterns
from numbers_app.voice import views as voice_views
from portal import views
from portal.webhooks import views as webhook_views

from . import jsonapi, reference
from .api_urls import api_v1, api_v3, carrier_callbacks

auth_patterns = [
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("login/verify/", security_views.login_verify, name="login_verify"),
    path("logout/", security_views.LogoutView.as_view(), name="logout"),
    path("language/", account_views.language_set, name="language_set"),
    path("brand/<int:account_id>/logo.png", brand_views.brand_logo, name="brand_logo"),
    path(
        "password-reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

page_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("developers/api-keys/", account_views.api_keys, name="api_keys"),
    path("developers/api-keys/<int:key_id>/revoke/", account_views.api_key_revoke, name="api_key_revoke"),
    path("developers/webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path(
        "developers/webhooks/number-urls/",
        webhook_views.webhook_number_urls_setup,
        name="webhook_number_urls_setup",
    ),
    path("developers/webhooks/<int:webhook_id>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("developers/webhooks/<int:webhook_id>/test/", webhook_views.webhook_test, name="webhook_test"),
    path("developers/webhooks/<int:webhook_id>/switch/", webhook_views.webhook_toggle, name="webhook_toggle"),
    path("developers/webhooks/<int:webhook_id>/rotate/", webhook_views.webhook_rotate, name="webhook_rotate"),
    path("developers/webhooks/<int:webhook_id>/delete/", webhook_views.webhook_delete, name="webhook_delete"),
    path(
        "developers/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("numbers/", include("numbers_app.urls")),
    path("trunks/", include(trunk_patterns)),
    path("calls/", voice_views.call_list_page, name="call_list"),
    path("messaging/", include("messaging.urls")),
    path("billing/wallet/", billing_views.wallet, name="wallet"),
    path("billing/wallet/export.csv", billing_views.wallet_export, name="wallet_export"),
    path("billing/wallet/top-up/", payment_views.top_up_start, name="top_up_start"),
    path("billing/wallet/top-up/return/", payment_views.top_up_return, name="top_up_return"),
    path("billing/wallet/top-ups/<int:top_up_id>/receipt.pdf", payment_views.top_up_receipt, name="top_up_receipt"),
    path("billing/wallet/payment-settings/", payment_views.payment_settings, name="payment_settings"),
    path("billing/wallet/saved-card/forget/", payment_views.saved_card_forget, name="saved_card_forget"),
    path("billing/stripe/webhook", payment_views.stripe_webhook, name="stripe_webhook"),
    path("billing/renewals/", billing_views.renewals, name="renewals"),
    path("billing/clients/", billing_views.client_costs_list, name="client_costs_list"),
    path("billing/clients/<int:client_id>/", billing_views.client_costs, name="client_costs"),
    path("billing/clients/<int:client_id>/costs.csv", billing_views.client_costs_export, name="client_costs_export"),
    path("billing/clients/<int:client_id>/invoice/", billing_views.invoice_prepare, name="invoice_prepare"),
    path("billing/invoices/", billing_views.invoice_list, name="invoice_list"),
    path("billing/invoices/<int:invoice_id>/", billing_views.invoice_detail, name="invoice_detail"),
    path("billing/invoices/<int:invoice_id>/issue/", billing_views.invoice_issue, name="invoice_issue"),
    path("billing/invoices/<int:invoice_id>/paid/", invoicing_views.invoice_mark_paid, name="invoice_mark_paid"),
    path("billing/invoices/<int:invoice_id>/send/", invoicing_views.invoice_resend, name="invoice_resend"),
    path("billing/invoices/<int:invoice_id>/credit/", invoicing_views.invoice_credit, name="invoice_credit"),
    path("billing/invoices/<int:invoice_id>/reissue/", invoicing_views.invoice_reissue, name="invoice_reissue"),
    path("billing/legal-profile/", invoicing_views.legal_profile, name="legal_profile"),
    path(
        "billing/clients/<int:client_id>/billing-profile/",
        invoicing_views.client_billing_profile,
        name="client_billing_profile",
    ),
    path(
        "billing/invoices/<int:invoice_id>/download.<str:fmt>",
        billing_views.invoice_download,
        name="invoice_download",
    ),
    path(
        "billing/invoices/<int:invoice_id>/messages.csv",
        billing_views.invoice_messages_download,
        name="invoice_messages_download",
    ),
    path("billing/prices/", billing_views.price_list, name="price_list"),
    path("billing/prices/<int:rule_id>/delete/", billing_views.price_rule_delete, name="price_rule_delete"),
    path("account/", security_views.account, name="account"),
    path("account/password/", security_views.password_change, name="password_change"),
    path("account/email/", security_views.email_change, name="email_change"),
    path("account/sessions/<int:session_id>/end/", security_views.session_end, name="session_end"),
    path("account/sessions/end-others/", security_views.sessions_end_others, name="sessions_end_others"),
    path("account/two-factor/", security_views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", security_views.two_factor_disable, name="two_factor_disable"),
    path(
        "account/two-factor/recovery-codes/",
        security_views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("settings/team/", account_views.team, name="team"),
    path("settings/team/two-factor/", security_views.two_factor_policy, name="two_factor_policy"),
    path("settings/team/<int:membership_id>/remove/", account_views.member_remove, name="member_remove"),
    path("settings/team/<int:membership_id>/role/", account_views.member_role, name="member_role"),
    path("settings/team/<int:membership_id>/resend/", account_views.invitation_resend, name="invitation_resend"),
    path("settings/team/<int:membership_id>/revoke/", account_views.invitation_revoke, name="invitation_revoke"),
    path("settings/clients/", account_views.clients, name="clients"),
    path("settings/clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("settings/clients/<int:client_id>/status/", views.client_status, name="client_status"),
    path("settings/audit/", account_views.audit, name="audit"),
    path("settings/brand/", brand_views.brand_settings, name="brand_settings"),
    path("settings/test-calls/", voice_views.test_call_sweep_settings, name="test_call_sweep_settings"),
    path("switch-account/", account_views.switch_account, name="switch_account"),
]


urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/v1/", include(carrier_callbacks)),
    path("v1/", include((api_v1, "v1"), namespace="v1")),
    path("api/v3/", include(api_v3)),
    re_path(r"^api/v3(/.*)?$", jsonapi.not_found),
    # The API reference, under the reseller's brand for its clients (portal/reference.py).
    path("api/v1/schema", reference.JsonSchemaView.as_view(), name="schema"),
    path("api/v1/schema.yaml", reference.SchemaView.as_view(), name="schema_yaml"),
    path("api/docs", reference.SwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("api/redoc", reference.RedocView.as_view(url_name="schema"), name="api_redoc"),
    # The Connect guide's path for regulatory documents (the same endpoint as /api/v1/regulatory/submit).
    path("api/regulatory/submit", RegulatorySubmitApi.as_view(), name="api_regulatory_submit_connect"),
    re_path(r"^(api|v1)(/.*)?$", views.api_not_found),
    # The staff console logs in through the portal's login, which asks for the second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include(auth_patterns)),
    path("", include(page_patterns)),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

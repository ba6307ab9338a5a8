"""A reseller's brand: what its clients see instead of the platform, and its own client portal domain."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client as HttpClient

from accounts.branding import colours, hosts, services
from accounts.models import AuditLog, Brand, Membership, Role
from accounts.services import member_invite
from portal.errors import DestinationNotAllowed, PermissionDenied, ValidationFailed
from tests.accounts.brand_fixtures import BRAND_DOMAIN, BRAND_NAME, SUPPORT_EMAIL, make_brand, png
from tests.conftest import PASSWORD
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db


def _input(**changes) -> services.BrandInput:
    values = {"display_name": "Northwind", "primary_color": "#1f6feb", "accent_color": "#111827"} | changes
    return services.BrandInput(**values)


def _client_actor(tenants):
    from accounts.actor import actor_from_membership

    return actor_from_membership(Membership.objects.get(user__email=tenants.x_admin_email))


# --- Colours, names, domains -------------------------------------------------------------------------


def test_contrast_is_wcag_s_ratio():
    assert round(colours.contrast("#000000", "#ffffff"), 1) == 21.0
    assert colours.contrast("#777777", "#777777") == 1.0
    assert colours.contrast("#1f6feb", "#ffffff") >= colours.MIN_CONTRAST
    assert colours.contrast("#ffcc00", "#ffffff") < colours.MIN_CONTRAST
    assert colours.normalise("#ABC") == "#aabbcc"
    assert colours.normalise("red") is None and colours.normalise("#12345g") is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"primary_color": "blue"}, "primary_color"),
        ({"accent_color": "#ffee88"}, "accent_color"),  # white text on pale yellow: unreadable
        ({"display_name": "  "}, "display_name"),
        ({"support_phone": "12345"}, "support_phone"),
        ({"support_email": "help@"}, "support_email"),
        ({"domain": "https://portal.example.com/login"}, "domain"),
        ({"domain": "203.0.113.7"}, "domain"),
        ({"domain": "localhost"}, "domain"),
        ({"domain": "testserver"}, "domain"),
    ],
)
def test_a_brand_with_a_bad_field_is_refused_and_nothing_is_written(tenants, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        services.brand_save(actor=tenants.a.owner_actor, data=_input(**changes))
    assert field in refused.value.fields
    assert not Brand.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="brand.").exists()


def test_saving_a_brand_normalises_it_and_writes_an_audit_row(tenants):
    brand = services.brand_save(
        actor=tenants.a.owner_actor,
        data=_input(
            display_name=" Northwind\r\nVoice ",  # a sender name is one line
            primary_color="#8A1538",
            support_phone="+31 20 794 6000",
            domain="Portal.Northwind.Example.",
        ),
    )
    assert brand.display_name == "Northwind Voice"
    assert (brand.primary_color, brand.support_phone, brand.domain) == ("#8a1538", "+31207946000", BRAND_DOMAIN)
    assert brand.domain_token and brand.domain_verified_at is None
    row = AuditLog.objects.get(action="brand.created")
    assert row.after["domain"] == BRAND_DOMAIN and row.account_id == tenants.a.account.pk


def test_a_changed_domain_must_be_verified_again(tenants):
    brand = make_brand(tenants.a.owner_actor)
    assert brand.domain_verified
    same = services.brand_save(actor=tenants.a.owner_actor, data=_input(domain=BRAND_DOMAIN))
    assert same.domain_verified and same.domain_token == brand.domain_token
    moved = services.brand_save(actor=tenants.a.owner_actor, data=_input(domain="clients.northwind.example"))
    assert not moved.domain_verified and moved.domain_token != brand.domain_token


def test_two_resellers_cannot_share_a_domain(tenants):
    make_brand(tenants.a.owner_actor)
    with pytest.raises(ValidationFailed) as refused:
        services.brand_save(actor=tenants.b.owner_actor, data=_input(domain=BRAND_DOMAIN))
    assert "domain" in refused.value.fields


def test_only_owners_and_admins_of_the_reseller_change_the_brand(tenants):
    with pytest.raises(PermissionDenied):
        services.brand_save(actor=_client_actor(tenants), data=_input())
    assert not Brand.objects.exists()


# --- The logo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_logo_is_stored_redrawn_as_a_png_within_its_box(tenants, fmt):
    make_brand(tenants.a.owner_actor, logo=False)
    brand = services.brand_logo_set(actor=tenants.a.owner_actor, upload=png(size=(1200, 300), fmt=fmt))
    stored = bytes(brand.logo)
    assert stored.startswith(b"\x89PNG") and brand.logo_digest
    import io

    from PIL import Image

    width, height = Image.open(io.BytesIO(stored)).size
    assert width <= services.LOGO_BOX[0] and height <= services.LOGO_BOX[1]


@pytest.mark.parametrize(
    "upload",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"GIF89a" + b"\x00" * 20,
        b"not an image",
        png(fmt="GIF"),
        b"\x89PNG" + b"\x00" * (services.LOGO_MAX_BYTES + 1),
    ],
)
def test_anything_but_a_small_png_jpeg_or_webp_is_refused_as_a_logo(tenants, upload):
    make_brand(tenants.a.owner_actor, logo=False)
    with pytest.raises(ValidationFailed) as refused:
        services.brand_logo_set(actor=tenants.a.owner_actor, upload=upload)
    assert "logo" in refused.value.fields
    assert Brand.objects.get().logo_digest == ""


def test_the_logo_is_served_as_an_image_that_cannot_be_read_as_anything_else(tenants):
    brand = make_brand(tenants.a.owner_actor)
    response = HttpClient().get(f"/brand/{tenants.a.account.pk}/logo.png?v={brand.logo_digest}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response.content == bytes(brand.logo)
    assert HttpClient().get(f"/brand/{tenants.b.account.pk}/logo.png").status_code == 404


# --- Pages under the brand -----------------------------------------------------------------------------


def test_a_client_admin_sees_the_resellers_brand_on_every_page(tenants):
    brand = make_brand(tenants.a.owner_actor)
    page = login(tenants.x_admin_email).get("/").content.decode()
    assert f"<title>Dashboard · {BRAND_NAME}</title>" in page or f"· {BRAND_NAME}</title>" in page
    assert f"/brand/{tenants.a.account.pk}/logo.png?v={brand.logo_digest}" in page  # header and favicon
    assert "--brand: #8a1538" in page and "--side: #2b1a40" in page
    assert "DIDfarm" not in page


def test_a_client_of_a_reseller_without_a_brand_sees_the_resellers_name(tenants):
    page = login(tenants.x_admin_email).get("/").content.decode()
    assert "Alpha Telecom" in page and "DIDfarm" not in page


def test_the_resellers_own_people_keep_the_platforms_look_on_the_platforms_host(tenants):
    make_brand(tenants.a.owner_actor)
    page = login("owner@alpha.test").get("/").content.decode()
    assert "DIDfarm" in page and BRAND_NAME not in page


def test_the_settings_page_saves_the_brand_and_its_logo(tenants):
    owner = login("owner@alpha.test")
    page = owner.get("/settings/brand/")
    assert page.status_code == 200 and b"data-brand-preview" in page.content
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner.post(
        "/settings/brand/",
        {
            "display_name": BRAND_NAME,
            "primary_color": "#8a1538",
            "accent_color": "#2b1a40",
            "support_email": SUPPORT_EMAIL,
            "support_phone": "+31207946000",
            "domain": BRAND_DOMAIN,
            "logo": SimpleUploadedFile("logo.png", png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    brand = Brand.objects.get(account=tenants.a.account)
    assert brand.display_name == BRAND_NAME and brand.logo_digest and not brand.domain_verified
    page = owner.get("/settings/brand/").content.decode()
    assert f"_portal-verification.{BRAND_DOMAIN}" in page and brand.domain_token in page


def test_the_settings_page_shows_what_is_wrong_and_keeps_the_old_brand(tenants):
    make_brand(tenants.a.owner_actor)
    owner = login("owner@alpha.test")
    response = owner.post(
        "/settings/brand/", {"display_name": "Other", "primary_color": "#fff8e0", "accent_color": "#2b1a40"}
    )
    assert response.status_code == 200
    assert "hard to read" in response.content.decode()
    assert Brand.objects.get().display_name == BRAND_NAME


def test_client_admins_cannot_open_the_brand_settings(tenants):
    assert login(tenants.x_admin_email).get("/settings/brand/").status_code == 403


# --- The client portal on the reseller's domain ----------------------------------------------------------


def test_a_verified_domain_is_served_with_the_brand_and_an_unknown_host_is_refused(tenants):
    make_brand(tenants.a.owner_actor)
    page = HttpClient(HTTP_HOST=BRAND_DOMAIN).get("/login/")
    assert page.status_code == 200
    text = page.content.decode()
    assert BRAND_NAME in text and "DIDfarm" not in text
    assert HttpClient(HTTP_HOST="portal.unknown.example").get("/login/").status_code == 400
    assert HttpClient(HTTP_HOST=f"x.{BRAND_DOMAIN}").get("/login/").status_code == 400


def test_a_domain_is_not_served_until_staff_approve_it_nor_after_they_withdraw_it(
    tenants, django_capture_on_commit_callbacks
):
    brand = make_brand(tenants.a.owner_actor, verified=False)
    assert HttpClient(HTTP_HOST=BRAND_DOMAIN).get("/login/").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        services.brand_domain_approve(actor=tenants.a.owner_actor, brand_id=brand.pk)
    assert HttpClient(HTTP_HOST=BRAND_DOMAIN).get("/login/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.brand_domain_withdraw(actor=tenants.a.owner_actor, brand_id=brand.pk)
    assert HttpClient(HTTP_HOST=BRAND_DOMAIN).get("/login/").status_code == 400


def test_the_allowed_hosts_are_the_configured_ones_first_then_verified_domains(tenants, settings):
    make_brand(tenants.a.owner_actor)
    allowed = hosts.ConfiguredHosts(["portal.didfarm.example"])
    assert list(allowed) == ["portal.didfarm.example", BRAND_DOMAIN]
    assert BRAND_DOMAIN in allowed and "evil.example" not in allowed
    assert hosts.ConfiguredHosts(["*"]).configured == ["*"] and list(hosts.ConfiguredHosts(["*"])) == ["*"]
    import portal.settings as configured

    assert isinstance(configured.ALLOWED_HOSTS, hosts.ConfiguredHosts)


def test_on_the_domain_only_the_resellers_people_and_clients_log_in(tenants):
    make_brand(tenants.a.owner_actor)
    for email in (tenants.x_admin_email, "owner@alpha.test"):
        http = HttpClient(HTTP_HOST=BRAND_DOMAIN)
        assert http.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302, email
    refused = HttpClient(HTTP_HOST=BRAND_DOMAIN).post("/login/", {"username": "owner@bravo.test", "password": PASSWORD})
    assert refused.status_code == 200 and b"do not match" in refused.content
    assert HttpClient().post("/login/", {"username": "owner@bravo.test", "password": PASSWORD}).status_code == 302


def test_a_session_of_another_reseller_is_not_served_on_the_domain(tenants):
    make_brand(tenants.a.owner_actor)
    http = login("owner@bravo.test")
    response = http.get("/", HTTP_HOST=BRAND_DOMAIN)
    assert response.status_code == 403 and b"Bravo Voice" not in response.content


# --- Emails to clients -------------------------------------------------------------------------------------


def _assert_branded(message, *, link_host: str = BRAND_DOMAIN):
    assert message.from_email == f"{BRAND_NAME} <no-reply@didfarm.test>"
    assert message.reply_to == [SUPPORT_EMAIL]
    assert "DIDfarm" not in message.subject and "DIDfarm" not in message.body
    assert f"://{link_host}" in message.body


def test_an_invitation_to_a_client_login_comes_from_the_brand(tenants, django_capture_on_commit_callbacks):
    make_brand(tenants.a.owner_actor)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=tenants.a.owner_actor, email="new@xylo.test", role=Role.CLIENT_ADMIN, client=tenants.x)
    (message,) = mail.outbox
    _assert_branded(message)
    assert BRAND_NAME in message.subject and "Xylo Dental" in message.body


def test_an_invitation_to_the_resellers_team_stays_the_platforms(tenants, django_capture_on_commit_callbacks):
    make_brand(tenants.a.owner_actor)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=tenants.a.owner_actor, email="ops@alpha.test", role=Role.ADMIN)
    (message,) = mail.outbox
    assert "DIDfarm" in message.subject and message.reply_to == []


def test_a_clients_password_reset_comes_from_the_brand(tenants):
    make_brand(tenants.a.owner_actor)
    assert HttpClient().post("/password-reset/", {"email": tenants.x_admin_email}).status_code == 302
    (message,) = mail.outbox
    _assert_branded(message)
    assert BRAND_NAME in message.subject


def test_on_the_domain_a_password_reset_reaches_only_the_resellers_people(tenants):
    make_brand(tenants.a.owner_actor)
    on_domain = HttpClient(HTTP_HOST=BRAND_DOMAIN)
    assert on_domain.post("/password-reset/", {"email": "owner@bravo.test"}).status_code == 302
    assert mail.outbox == []
    on_domain.post("/password-reset/", {"email": "owner@alpha.test"})
    (message,) = mail.outbox
    _assert_branded(message)


def test_a_client_told_an_sms_destination_is_refused_is_sent_to_the_resellers_support(tenants):
    from messaging.services import destination_check

    make_brand(tenants.a.owner_actor)
    with pytest.raises(DestinationNotAllowed) as refused:
        destination_check(account=tenants.a.account, to="+449012345678", for_client=True)  # a GB premium number
    message = refused.value.message
    assert refused.value.code == "destination_not_allowed"
    assert BRAND_NAME in message and SUPPORT_EMAIL in message and "DIDfarm" not in message


def test_a_clients_authenticator_app_shows_the_brand_and_the_resellers_the_platform(tenants):
    from accounts.models import AuthenticatorDevice, User

    make_brand(tenants.a.owner_actor)
    client_admin = User.objects.get(email=tenants.x_admin_email)
    owner = User.objects.get(email="owner@alpha.test")
    assert "issuer=Northwind%20Voice" in AuthenticatorDevice.objects.create(user=client_admin, name="Phone").config_url
    assert "issuer=DIDfarm" in AuthenticatorDevice.objects.create(user=owner, name="Phone").config_url


def test_the_brand_costs_a_client_page_no_extra_query(tenants):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = login(tenants.x_admin_email)
    http.get("/")
    with CaptureQueriesContext(connection) as plain:
        http.get("/")
    make_brand(tenants.a.owner_actor)
    with CaptureQueriesContext(connection) as branded:
        page = http.get("/").content.decode()
    assert BRAND_NAME in page
    assert len(branded.captured_queries) == len(plain.captured_queries)


def test_a_client_of_a_suspended_reseller_is_sent_to_the_resellers_support_under_its_brand(tenants):
    from accounts.models import Account

    make_brand(tenants.a.owner_actor)
    Account.objects.filter(pk=tenants.a.account.pk).update(status=Account.Status.SUSPENDED)
    response = login(tenants.x_admin_email).get("/")
    text = response.content.decode()
    assert response.status_code == 403
    assert BRAND_NAME in text and SUPPORT_EMAIL in text and "DIDfarm" not in text

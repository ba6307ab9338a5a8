"""Shared fixtures. The tenant fixtures are built through the real services (``reseller_onboard``,
``client_create``), so every test starts from data the product itself would have written:

- reseller A ("Alpha Telecom", EUR 100.00) with clients X and Y, and reseller B ("Bravo Voice", EUR 50.00);
- keys: A full, A read-only, A bound to X, B full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from accounts.actor import Actor, actor_from_membership, system_actor
from accounts.models import Account, Client, Membership, Role
from accounts.services import api_key_create, client_create, member_invite
from billing.services import reseller_onboard

PASSWORD = "correct-horse-battery"

# Property tests check outcomes, not speed (benchmarks in tests/perf do that): Hypothesis's per-example
# deadline would fail them on a busy machine for reasons that have nothing to do with the code.
hypothesis_settings.register_profile("didfarm", deadline=None)
hypothesis_settings.load_profile("didfarm")


def pytest_configure(config):
    # Tests serve static files from the source folders; the hashed manifest is for production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Like the embedded demo (scripts/run): plain HTTP on this machine, and webhooks delivered to receivers
    # on 127.0.0.1. The tests about the safe defaults themselves read the settings in a fresh process.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    # Hashing passwords slowly is a production virtue and a test suite's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests change SMS rates and expect the next message to see them.
    settings.SMS_RATES_CACHE_SECONDS = 0
    # Pages are tested in every language: from the catalogs as they are now, as an install compiles them.
    from portal.translations import compile_catalogs

    compile_catalogs()


@pytest.fixture(scope="session", autouse=True)
def _brand_domains_allowed(django_test_environment):
    """Django's test set-up copies ALLOWED_HOSTS into a list (adding "testserver"), freezing whatever brand
    domains it read then; give it back the production behaviour, where verified domains are read as they are."""
    import portal.settings as configured
    from accounts.branding.hosts import ConfiguredHosts

    settings.ALLOWED_HOSTS = ConfiguredHosts([*configured.ALLOWED_HOSTS.configured, "testserver"])


@pytest.fixture(autouse=True)
def _english_until_asked():
    """A page request leaves its language active in the thread (Django's LocaleMiddleware does not reset
    it); every test starts in the portal's default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def login_request():
    """The request a login is made in: django-axes counts failures per request's address, so
    ``client.login`` passes one (``client.login(..., request=login_request())``)."""
    from django.test import RequestFactory

    return RequestFactory().post("/login/")


def totp_code(device) -> str:
    """What an authenticator app shows for ``device`` now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def two_factor_device(user):
    """A confirmed authenticator app for ``user``."""
    from accounts.models import AuthenticatorDevice

    return AuthenticatorDevice.objects.create(user=user, name="Phone", confirmed=True)


def pass_two_factor(http: HttpClient, user) -> None:
    """Mark a test client's session as having passed the second factor (with the user's app, made if
    needed), as the code step of the login does."""
    from accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first() or two_factor_device(user)
    session = http.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def _as_the_login_page_does(http: HttpClient, user) -> None:
    """What the login page records besides logging in: the sessions list's row, and (for someone who
    needs no second factor) that the session was checked, so a test's first page reads what any later one
    does."""
    import time

    from accounts.models import LoginSession
    from accounts.security import middleware, sessions, two_factor

    session = http.session
    LoginSession.objects.update_or_create(session_key=session.session_key, defaults={"user": user})
    session[sessions.SEEN] = int(time.time())
    if not two_factor.two_factor_required(user):
        session[middleware.CHECKED] = int(time.time())
    session.save()


@pytest.fixture(autouse=True)
def _staff_logins_pass_two_factor(monkeypatch):
    """Staff must use two-factor authentication before any staff page works (tests/accounts/
    test_two_factor.py proves it through the login form). Tests about the staff console itself log staff in
    with ``force_login``: those sessions count as having passed the second factor."""
    original = HttpClient.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            pass_two_factor(self, user)
        _as_the_login_page_does(self, user)

    monkeypatch.setattr(HttpClient, "force_login", force_login)


@pytest.fixture(autouse=True)
def _clean_redis():
    """Rate-limit counters live in Redis; start every test with none."""
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    else:
        from django.core.cache import cache

        cache.clear()
    from accounts.branding import hosts

    hosts.forget()  # the brand domains one process remembers
    yield


@dataclass
class Tenant:
    account: Account
    owner_actor: Actor
    key: str
    read_only_key: str


@dataclass
class Tenants:
    a: Tenant
    b: Tenant
    x: Client
    y: Client
    x_key: str
    x_admin_email: str
    y_admin_email: str


def make_tenant(name: str, email: str, balance: str) -> Tenant:
    created = reseller_onboard(name=name, owner_email=email, opening_balance=Decimal(balance), owner_password=PASSWORD)
    membership = Membership.objects.select_related("account", "user").get(user=created.owner)
    return Tenant(
        account=created.account,
        owner_actor=actor_from_membership(membership),
        key=created.api_key,
        read_only_key=created.read_only_key,
    )


def make_client_with_admin(tenant: Tenant, name: str, admin_email: str) -> Client:
    client = client_create(actor=tenant.owner_actor, name=name)
    membership = member_invite(
        actor=tenant.owner_actor, email=admin_email, role=Role.CLIENT_ADMIN, client=client, notify=False
    )
    membership.user.set_password(PASSWORD)
    membership.user.save()
    return client


@pytest.fixture
def tenants(db) -> Tenants:
    a = make_tenant("Alpha Telecom", "owner@alpha.test", "100.00")
    b = make_tenant("Bravo Voice", "owner@bravo.test", "50.00")
    x = make_client_with_admin(a, "Xylo Dental", "admin@xylo.test")
    y = make_client_with_admin(a, "Yarrow Logistics", "admin@yarrow.test")
    make_client_with_admin(b, "Zephyr Bakery", "admin@zephyr.test")
    _, x_key = api_key_create(actor=a.owner_actor, name="Xylo integration", read_only=False, client=x)
    return Tenants(a=a, b=b, x=x, y=y, x_key=x_key, x_admin_email="admin@xylo.test", y_admin_email="admin@yarrow.test")


class ApiClient:
    """Django's test client speaking JSON with an API key."""

    def __init__(self, key: str | None, header: str = "Authorization"):
        self.http = HttpClient()
        self.key = key
        self.header = header

    def _headers(self, extra: dict | None) -> dict:
        headers = dict(extra or {})
        if self.key is not None:
            if self.header == "Authorization":
                headers["Authorization"] = f"Bearer {self.key}"
            else:
                headers[self.header] = self.key
        return headers

    def request(self, method: str, path: str, body=None, headers: dict | None = None, raw: str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"headers": self._headers(headers)}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return getattr(self.http, method.lower())(path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def staff_actor(tenants, django_user_model):
    staff = django_user_model.objects.create_superuser("ops@didfarm.test", PASSWORD)
    return system_actor(tenants.a.account, user=staff)


def assert_error(response, status: int, code: str) -> dict:
    """The documented error body: {"error": {"code", "message", "status"}}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


def give_legal_profile(tenant: Tenant, **overrides):
    """The reseller's legal profile, saved through the service (a Dutch company charging 21 % unless told
    otherwise): without one, invoices cannot be issued."""
    from billing.invoicing.profiles import LegalProfileInput, legal_profile_save

    values = {
        "legal_name": f"{tenant.account.name} B.V.",
        "address_line1": "Keizersgracht 1",
        "postcode": "1015 CC",
        "city": "Amsterdam",
        "country": "NL",
        "vat_id": "NL004495445B01",
        "company_registration": "KvK 12345678",
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "vat_rate": Decimal("21"),
        "payment_terms_days": 14,
    } | overrides
    return legal_profile_save(actor=tenant.owner_actor, data=LegalProfileInput(**values))

"""One spelling of a login for looking people up, locking them out and throttling their resets: a
spelling the database would match case-insensitively but the lockout would count apart (a dotless "ı",
which PostgreSQL upper-cases to "I") must not reach the person."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"
DOTLESS_I = "\u0131"


def _attempt(client, email, password, ip):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_a_locked_out_email_stays_locked_out_when_typed_with_a_dotless_i(tenants, client):
    email = tenants.x_admin_email
    assert "i" in email
    for i in range(5):
        _attempt(client, email, WRONG, ip=f"203.0.113.{i}")
    assert _attempt(client, email, PASSWORD, ip="192.0.2.10").status_code == 429

    response = _attempt(client, email.replace("i", DOTLESS_I), PASSWORD, ip="192.0.2.11")

    assert response.status_code != 302
    assert "_auth_user_id" not in client.session


def test_a_login_typed_with_a_dotless_i_is_nobody(tenants, client):
    email = tenants.x_admin_email
    response = _attempt(client, email.replace("i", DOTLESS_I), PASSWORD, ip="192.0.2.12")
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert _attempt(client, f"  {email.upper()} ", PASSWORD, ip="192.0.2.13").status_code == 302


def test_a_password_reset_for_a_dotless_i_spelling_sends_nothing(tenants, client):
    email = tenants.x_admin_email
    client.post("/password-reset/", {"email": email.replace("i", DOTLESS_I)}, REMOTE_ADDR="192.0.2.14")
    assert mail.outbox == []

"""Logins lock out after repeated failures (per email and per client address), for a while; password-reset
emails are limited per email and per address. Both leave audit rows."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLog, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"


def attempt(client, email, password, ip="198.51.100.7", **extra):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_still_refused_with_the_lockout_page(tenants, client):
    statuses = [attempt(client, "owner@alpha.test", WRONG).status_code for _ in range(30)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}

    response = attempt(client, "owner@alpha.test", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not logged_in(client)
    # one audit row for the lockout, not one per attempt
    rows = AuditLog.objects.filter(action="login.locked_out")
    assert rows.count() == 1
    row = rows.get()
    assert (row.user.email, row.account, row.ip_address) == ("owner@alpha.test", tenants.a.account, "198.51.100.7")


def test_the_email_is_locked_out_whatever_address_and_case_the_attempts_come_from(tenants, client):
    for i in range(5):
        attempt(client, "Owner@Alpha.test" if i % 2 else "owner@alpha.test", WRONG, ip=f"203.0.113.{i}")
    assert attempt(client, "owner@alpha.test", PASSWORD, ip="192.0.2.99").status_code == 429
    assert not logged_in(client)


def test_an_address_that_fails_on_many_emails_is_locked_out_for_every_email(tenants, client):
    for i in range(5):
        attempt(client, f"guess{i}@alpha.test", WRONG, ip="198.51.100.66")
    assert attempt(client, "owner@bravo.test", PASSWORD, ip="198.51.100.66").status_code == 429
    assert attempt(client, "owner@bravo.test", PASSWORD, ip="198.51.100.67").status_code == 302


def test_the_lockout_ends_by_itself_after_the_cool_off(tenants, client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(client, "owner@alpha.test", WRONG)
        assert attempt(client, "owner@alpha.test", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert attempt(client, "owner@alpha.test", PASSWORD).status_code == 302
        assert logged_in(client)


def test_a_forwarded_address_is_ignored_unless_the_proxy_is_trusted(tenants, client, settings):
    for i in range(5):  # a client varying X-Forwarded-For itself does not escape the address lockout
        attempt(client, f"guess{i}@alpha.test", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert attempt(client, "owner@bravo.test", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429

    settings.TRUST_PROXY_HEADERS = True  # behind a proxy: the address the proxy appended counts
    response = attempt(client, "owner@bravo.test", PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.10")
    assert response.status_code == 302


def test_staff_unlock_a_locked_out_login_from_the_staff_console(tenants, client, staff_actor):
    for _ in range(5):
        attempt(client, "owner@alpha.test", WRONG, ip="203.0.113.1")
    staff = HttpClientFor(staff_actor.user)
    owner = User.objects.get(email="owner@alpha.test")
    staff.post("/admin/accounts/user/", {"action": "unlock_logins", "_selected_action": [owner.pk]})
    assert AuditLog.objects.filter(action="login.unlocked", user=owner).count() == 1
    assert attempt(client, "owner@alpha.test", PASSWORD, ip="203.0.113.2").status_code == 302


def HttpClientFor(user):
    from django.test import Client

    http = Client()
    http.force_login(user)
    return http


def test_the_lockout_page_is_in_the_persons_language(tenants, client):
    for _ in range(5):
        attempt(client, "owner@alpha.test", WRONG)
    response = attempt(client, "owner@alpha.test", PASSWORD, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 429
    assert 'lang="de"' in response.content.decode()
    assert "Too many attempts" not in response.content.decode()


def reset(client, email, ip="198.51.100.7"):
    return client.post("/password-reset/", {"email": email}, REMOTE_ADDR=ip)


def test_fifteen_reset_requests_send_three_emails_and_every_answer_is_the_same(tenants, client):
    answers = [reset(client, "owner@alpha.test") for _ in range(15)]
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, "/password-reset/sent/")}
    assert len(mail.outbox) == 3
    rows = AuditLog.objects.filter(action="password_reset.throttled")
    assert rows.count() == 1
    assert rows.get().after == {"limit": "email"}


def test_reset_requests_from_one_address_are_capped_across_emails(tenants, client):
    for i in range(12):
        reset(client, f"nobody{i}@example.test", ip="203.0.113.50")
    assert reset(client, "owner@alpha.test", ip="203.0.113.50")["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 0
    assert reset(client, "owner@alpha.test", ip="203.0.113.51")["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(action="password_reset.throttled", after={"limit": "address"}).exists()

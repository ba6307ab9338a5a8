"""The account page: password and email changes (current password required), the sessions list, and
ending other sessions (which really logs those browsers out)."""

import pytest
from django.test import Client as HttpClient

from accounts.models import AuditLog, LoginSession, User
from portal.templatetags.portal_format import device_name
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-42"


def browser(email="owner@alpha.test", agent="Firefox on Linux", ip="198.51.100.1", password=PASSWORD):
    http = HttpClient(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    assert http.post("/login/", {"username": email, "password": password}).status_code == 302
    return http


def logged_in(http) -> bool:
    return http.get("/").status_code == 200


def test_the_page_lists_where_the_person_is_logged_in_and_marks_this_one(tenants):
    laptop = browser(agent=FIREFOX_LINUX, ip="198.51.100.1")
    browser(agent=SAFARI_IPHONE, ip="2001:db8::7")
    browser("owner@bravo.test", agent=EDGE_WINDOWS)
    page = laptop.get("/account/")
    text = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Firefox on Linux" in text and "Safari on iPhone" in text and "2001:db8::7" in text
    assert "Edge on Windows" not in text and "Edg/" not in text  # someone else's session
    assert text.count("this one") == 1


FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36 Edg/131.0.0.0"
)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
            "Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
            "Safari/605.1.15",
            "Safari on macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", ""),
    ],
)
def test_a_session_s_device_is_named_as_people_know_it(agent, name):
    assert device_name(agent) == name


def test_ending_another_session_logs_that_browser_out(tenants):
    laptop, phone = browser(agent="Laptop"), browser(agent="Phone")
    row = LoginSession.objects.get(user__email="owner@alpha.test", user_agent="Phone")
    laptop.post(f"/account/sessions/{row.pk}/end/")
    assert not logged_in(phone)
    assert logged_in(laptop)
    assert AuditLog.objects.filter(action="session.ended").count() == 1


def test_someone_elses_session_cannot_be_ended(tenants):
    mine, theirs = browser(), browser("owner@bravo.test")
    row = LoginSession.objects.get(user__email="owner@bravo.test")
    mine.post(f"/account/sessions/{row.pk}/end/")
    assert logged_in(theirs)


def test_logging_out_everywhere_else_keeps_only_this_browser(tenants):
    here, there, elsewhere = browser(), browser(), browser()
    here.post("/account/sessions/end-others/")
    assert logged_in(here) and not logged_in(there) and not logged_in(elsewhere)
    assert LoginSession.objects.filter(user__email="owner@alpha.test").count() == 1


def test_changing_the_password_needs_the_current_one_and_logs_out_other_sessions(tenants):
    here, there = browser(), browser()
    wrong = here.post("/account/password/", {"current_password": "guess-guess-1", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.content.decode()
    weak = here.post("/account/password/", {"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422
    assert User.objects.get(email="owner@alpha.test").check_password(PASSWORD)

    done = here.post("/account/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done["Location"] == "/account/"
    assert User.objects.get(email="owner@alpha.test").check_password(NEW_PASSWORD)
    assert logged_in(here) and not logged_in(there)
    assert AuditLog.objects.filter(action="password.changed").count() == 1
    assert LoginSession.objects.filter(user__email="owner@alpha.test").count() == 1


def test_changing_the_email_needs_the_password_and_a_free_address(tenants):
    here = browser()
    wrong = here.post("/account/email/", {"email": "new@alpha.test", "password": "guess-guess-1"})
    assert wrong.status_code == 422
    taken = here.post("/account/email/", {"email": "OWNER@bravo.test", "password": PASSWORD})
    assert taken.status_code == 422 and "Another login already uses this email address." in taken.content.decode()
    assert here.post("/account/email/", {"email": "New@Alpha.test", "password": PASSWORD})["Location"] == "/account/"
    assert User.objects.filter(email="new@alpha.test").exists()
    row = AuditLog.objects.get(action="email.changed")
    assert row.after == {"before": "owner@alpha.test", "after": "new@alpha.test"}
    assert browser("new@alpha.test")

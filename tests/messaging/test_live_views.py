"""The SMS pages as they update themselves: the inbox's cards and chart follow the rows that arrive, and a
conversation's reply box counts segments as the compose page does (the browser side is in tests/e2e)."""

from __future__ import annotations

import re

import pytest

from messaging import services
from tests.messaging.conftest import HANDSET, send
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

TABLE = {"HX-Request": "true", "HX-Target": "message-table"}


@pytest.fixture
def owner(tenants):
    return login("owner@alpha.test")


def today_card(html: str) -> str:
    value = re.search(r'data-testid="sms-today">(.*?)</div>', html, re.S).group(1)
    return " ".join(re.findall(r"\d+", re.sub(r"<[^>]+>", " ", value)))


def test_the_inbox_tables_refresh_brings_the_cards_and_chart_along_out_of_band(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    page = owner.get("/messaging/").content.decode()
    assert today_card(page) == "0 0" and "No messages in the last 30 days." in page
    assert page.count('id="sms-stats"') == 1 and 'hx-swap-oob="true"' not in page

    send(tenants.a.owner_actor, number, body="Your parcel is on its way")
    services.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=HANDSET, body="Thanks!")
    refresh = owner.get("/messaging/", headers=TABLE).content.decode()

    assert "<html" not in refresh and "Your parcel is on its way" in refresh
    stats = refresh[refresh.index('<div id="sms-stats" hx-swap-oob="true">') :]
    assert today_card(stats) == "1 1"
    assert 'class="sms-chart"' in stats and "busiest day: 2" in stats


def test_the_reply_box_has_the_compose_pages_counter_and_knows_the_recipient(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    url = f"/messaging/threads/{number.pk}/{HANDSET[1:]}/"

    page = owner.get(url).content.decode()
    compose = owner.get("/messaging/compose/").content.decode()

    reply = page[page.index('<form method="post" class="reply"') :]
    reply = reply[: reply.index("</form>")]
    assert f'data-sms-compose data-sms-to="{HANDSET}"' in reply
    assert 'data-sms-counter data-max="1600"' in reply and 'data-part="too-long"' in reply
    assert "js/sms_compose.js" in page and "js/sms_segments.js" in page
    # The price is the server's quote for this number and contact.
    assert 'hx-post="/messaging/compose/quote/"' in reply
    assert f'hx-vals=\'{{"from_number": "{number.pk}", "to": "{HANDSET}"}}\'' in reply
    counter = re.search(r"<div class=\"sms-counter\".*?data-part=\"too-long\"", reply, re.S).group()
    assert re.sub(r"\s*hx-vals='[^']*'", "", counter) in compose  # one counter, the same on both pages


def test_a_read_only_login_gets_no_reply_box_and_no_rates(tenants, sms_number, enqueued):
    from accounts.models import Role
    from accounts.services import member_invite
    from tests.conftest import PASSWORD

    number = sms_number(tenants.a, client=tenants.x)
    membership = member_invite(
        actor=tenants.a.owner_actor, email="viewer@xylo.test", role=Role.CLIENT_VIEWER, client=tenants.x, notify=False
    )
    membership.user.set_password(PASSWORD)
    membership.user.save()

    page = login("viewer@xylo.test").get(f"/messaging/threads/{number.pk}/{HANDSET[1:]}/").content.decode()

    assert "<h1>" in page and "data-sms-counter" not in page and "compose/quote" not in page

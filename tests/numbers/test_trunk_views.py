"""The SIP trunk pages: list and create (credentials once, with PBX configuration), a trunk's page
(settings, new credentials, delete), the live registration badges, routing from a number's page, and
client admins seeing only their client's trunks."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from numbers_app import services
from numbers_app.models import Number, SipTrunk
from numbers_app.trunks import services as trunks
from tests.numbers.conftest import GB_LONDON, NL_AMS

pytestmark = pytest.mark.django_db

LIST = reverse("trunk_list")
REGISTRATION = reverse("trunk_registration")
HTMX = {"HX-Request": "true"}


def buy(tenants, *numbers, client=None) -> list[Number]:
    order = services.number_purchase(actor=tenants.a.owner_actor, numbers=list(numbers), client=client)
    return list(order.numbers.order_by("e164"))


def make_trunk(tenants, name="Office PBX", client=None, **kw) -> trunks.IssuedTrunk:
    return trunks.trunk_create(actor=tenants.a.owner_actor, name=name, client_id=client.pk if client else None, **kw)


def pre(content: str, element_id: str) -> str:
    """The text of ``<pre id=…>`` as a PBX administrator would paste it."""
    found = re.search(rf'<pre id="{element_id}"[^>]*>(.*?)</pre>', content, re.S)
    assert found, f"no #{element_id}"
    return html.unescape(found.group(1))


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def trunk_url(trunk: SipTrunk, name: str = "trunk_detail") -> str:
    return reverse(name, args=[trunk.pk])


# --- List and create -----------------------------------------------------------------------------


def test_the_trunk_list_starts_empty_with_a_create_form_and_is_in_the_navigation(owner, tenants):
    response = owner.get(LIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-trunks"' in content
    assert set(response.context["form"].fields) == {"name", "client", "auth_type", "allowed_ips", "channels"}
    clients = [label for _value, label in response.context["form"].fields["client"].choices]
    assert "Xylo Dental" in clients and "Yarrow Logistics" in clients and "Zephyr Bakery" not in clients
    assert re.search(rf'<a href="{LIST}" class="active">Trunks</a>', content)
    assert "SIP trunks are being set up" not in content  # no longer a "soon" entry


def test_creating_a_trunk_shows_the_password_once_with_pbx_configuration(owner, tenants):
    response = owner.post(
        LIST,
        {
            "name": "Xylo reception",
            "client": str(tenants.x.pk),
            "auth_type": "digest",
            "allowed_ips": "",
            "channels": 5,
        },
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    trunk = SipTrunk.objects.get()
    password = response.context["issued"].password
    assert trunk.name == "Xylo reception" and trunk.client == tenants.x and trunk.channels == 5
    assert trunks.credentials_match(trunk, username=trunk.username, password=password)
    content = response.content.decode()
    assert 'hx-history="false"' in content  # htmx never keeps a copy of this page
    for element, value in (
        ("cred-server", trunk.sip_server),
        ("cred-username", trunk.username),
        ("cred-password", password),
    ):
        assert re.search(rf'<code id="{element}"[^>]*>{re.escape(value)}</code>', content)
        assert f'data-copy="#{element}"' in content
    pjsip = pre(content, "cfg-pjsip")
    assert "type=registration" in pjsip and "type=auth" in pjsip and "type=endpoint" in pjsip and "type=aor" in pjsip
    assert f"client_uri=sip:{trunk.username}@{trunk.sip_server}" in pjsip
    assert f"username={trunk.username}" in pjsip and f"password={password}" in pjsip
    assert f"server_uri=sip:{trunk.sip_server}" in pjsip
    freeswitch = pre(content, "cfg-freeswitch")
    assert '<gateway name="didfarm">' in freeswitch
    assert f'<param name="username" value="{trunk.username}"/>' in freeswitch
    assert f'<param name="password" value="{password}"/>' in freeswitch
    assert f'<param name="proxy" value="{trunk.sip_server}"/>' in freeswitch
    assert '<param name="register" value="true"/>' in freeswitch
    assert 'data-copy="#cfg-pjsip"' in content and 'data-copy="#cfg-freeswitch"' in content

    # Never again: not in the session, not in messages, not on the list or the trunk's page.
    assert password not in str(dict(owner.session.items()))
    listed = owner.get(LIST)
    assert password not in listed.content.decode() and trunk.username in listed.content.decode()
    assert listed.context["issued"] is None
    page = owner.get(trunk_url(trunk)).content.decode()
    assert password not in page and trunk.username in page
    assert AuditLog.objects.filter(action="trunk.created", subject_id=trunk.public_id).exists()


def test_creating_over_htmx_returns_the_panel_with_the_credentials_and_the_new_row(owner, tenants):
    response = owner.post(LIST, {"name": "Main PBX", "client": "", "auth_type": "digest", "channels": 10}, headers=HTMX)

    assert template_names(response)[0] == "numbers/_trunk_list_panel.html"
    assert response["Cache-Control"] == "no-store"
    assert response["HX-Reswap"] == "innerHTML show:window:top"  # scrolled up to the credentials
    content = response.content.decode()
    assert response.context["issued"].password in content
    trunk = SipTrunk.objects.get()
    assert f'data-trunk="{trunk.public_id}"' in content and trunk.client is None
    assert response.context["form"].is_bound is False  # a fresh form for the next trunk


def test_an_ip_trunk_shows_its_allowed_addresses_and_no_password(owner, tenants):
    response = owner.post(
        LIST,
        {
            "name": "Datacenter PBX",
            "auth_type": "ip",
            "allowed_ips": "203.0.113.10, 198.51.100.0/24\n192.0.2.1",
            "channels": 30,
        },
    )

    trunk = SipTrunk.objects.get()
    assert trunk.auth_type == "ip" and trunk.allowed_ips == ["203.0.113.10/32", "198.51.100.0/24", "192.0.2.1/32"]
    assert response.context["issued"].password is None and trunk.ha1 == ""
    content = response.content.decode()
    assert 'id="cred-password"' not in content
    assert "198.51.100.0/24" in content and 'id="cred-server"' in content
    assert '<param name="register" value="false"/>' in pre(content, "cfg-freeswitch")
    pjsip = pre(content, "cfg-pjsip")
    assert "type=registration" not in pjsip and "password=" not in pjsip and "type=identify" in pjsip


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "auth_type": "digest", "channels": 10}, "name", "This field is required."),
        ({"name": "IP", "auth_type": "ip", "allowed_ips": "", "channels": 10}, "allowed_ips", "at least one address"),
        ({"name": "IP", "auth_type": "ip", "allowed_ips": "999.1.1.1", "channels": 10}, "allowed_ips", "999.1.1.1"),
        ({"name": "Big", "auth_type": "digest", "channels": 5000}, "channels", "Between 1 and 1000"),
    ],
)
def test_create_errors_are_shown_on_their_fields(owner, tenants, data, field, message):
    response = owner.post(LIST, data, headers=HTMX)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not SipTrunk.objects.exists()
    assert response.context["issued"] is None
    assert "HX-Reswap" not in response  # the errors stay in view


def test_the_list_shows_each_trunk_with_client_numbers_and_registration(owner, tenants, stock):
    xylo = make_trunk(tenants, "Xylo PBX", client=tenants.x).trunk
    trunks.trunk_push(trunk_id=xylo.pk)  # the SIP side has it: active
    make_trunk(tenants, "Shared IP", auth_type="ip", allowed_ips=["203.0.113.10"])
    (number,) = buy(tenants, NL_AMS[0], client=tenants.x)
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=xylo)
    trunks.trunk_registration_update(trunk_id=xylo.pk, registered=True, contact="sip:pbx@198.51.100.7")

    response = owner.get(LIST)

    rows = {trunk.name: trunk for trunk in response.context["trunks"]}
    assert rows["Xylo PBX"].numbers_count == 1 and rows["Shared IP"].numbers_count == 0
    content = response.content.decode()
    row = re.search(rf'<tr data-trunk="{xylo.public_id}">.*?</tr>', content, re.S).group(0)
    for text in ("Xylo PBX", "Xylo Dental", "Password (digest)", xylo.username, "Active", "Registered"):
        assert text in row
    shared = re.search(r'<tr data-trunk="trk_[^"]+">\s*<td><a[^>]*>Shared IP.*?</tr>', content, re.S).group(0)
    assert "All clients" in shared and "IP address" in shared and "Never registered" in shared


def test_the_trunk_list_queries_do_not_grow_with_rows(owner, tenants, django_assert_max_num_queries):
    make_trunk(tenants, "One")
    with django_assert_max_num_queries(20) as few:
        owner.get(LIST)
    for n in range(10):
        make_trunk(tenants, f"Trunk {n}", client=tenants.y if n % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner.get(LIST)
    assert len(response.context["trunks"]) == 11


# --- Live registration ---------------------------------------------------------------------------


def test_the_registration_partial_swaps_the_asked_badges_out_of_band(owner, tenants):
    first = make_trunk(tenants, "First").trunk
    second = make_trunk(tenants, "Second").trunk
    theirs = trunks.trunk_create(actor=tenants.b.owner_actor, name="Bravo PBX").trunk

    page = owner.get(LIST).content.decode()
    poll = re.search(r'<div hidden hx-get="([^"]+)"\s+hx-trigger="([^"]+)" hx-swap="none"', page)
    assert poll and poll.group(2).startswith("every 5s")
    assert html.unescape(poll.group(1)) == f"{REGISTRATION}?ids={first.pk}&ids={second.pk}"

    trunks.trunk_registration_update(trunk_id=first.pk, registered=True, contact="sip:pbx@198.51.100.7")
    trunks.trunk_registration_update(trunk_id=second.pk, registered=True)
    trunks.trunk_registration_update(trunk_id=second.pk, registered=False)
    response = owner.get(REGISTRATION, {"ids": [first.pk, second.pk, theirs.pk, "x"]}, headers=HTMX)

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    content = response.content.decode()
    badges = dict(
        re.findall(
            r'<span id="trunk-reg-(\d+)" class="registration" data-registration="(\w+)" hx-swap-oob="true">', content
        )
    )
    assert badges == {str(first.pk): "registered", str(second.pk): "offline"}  # B's trunk is left out
    assert "Registered" in content and "Offline" in content and "From sip:pbx@198.51.100.7" in content
    assert "<html" not in content and len(content) < 2000

    assert owner.get(REGISTRATION).content.decode().strip() == ""


def test_the_trunk_page_polls_its_own_registration(owner, tenants):
    trunk = make_trunk(tenants).trunk

    content = owner.get(trunk_url(trunk)).content.decode()

    assert f'id="trunk-reg-{trunk.pk}"' in content and "Never registered" in content
    assert f"{REGISTRATION}?ids={trunk.pk}" in content


def test_a_new_trunk_shows_provisioning_and_the_poll_turns_it_active(owner, tenants):
    trunk = make_trunk(tenants).trunk
    status = rf'<span id="trunk-status-{trunk.pk}" class="badge \w+" data-status="(\w+)"( hx-swap-oob="true")?>([^<]+)<'

    for page in (owner.get(LIST), owner.get(trunk_url(trunk))):
        assert re.search(status, page.content.decode()).group(1, 3) == ("provisioning", "Provisioning")
    trunks.trunk_push(trunk_id=trunk.pk)
    polled = re.search(status, owner.get(REGISTRATION, {"ids": [trunk.pk]}, headers=HTMX).content.decode())
    assert polled.groups() == ("active", ' hx-swap-oob="true"', "Active")
    assert re.search(status, owner.get(trunk_url(trunk)).content.decode()).group(1) == "active"


# --- A trunk's page ------------------------------------------------------------------------------


def test_the_trunk_page_shows_details_and_the_numbers_routed_to_it(owner, tenants, stock):
    trunk = make_trunk(tenants, "Xylo PBX", client=tenants.x, channels=4, allowed_ips=["198.51.100.0/24"]).trunk
    first, second = buy(tenants, NL_AMS[0], NL_AMS[1], client=tenants.x)
    trunks.number_route(actor=tenants.a.owner_actor, number=first, trunk=trunk)

    response = owner.get(trunk_url(trunk))

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    content = response.content.decode()
    for text in (
        "Xylo PBX",
        trunk.public_id,
        "Xylo Dental",
        trunk.sip_server,
        trunk.username,
        "198.51.100.0/24",
        "4 simultaneous calls",
        "shown once when issued",
    ):
        assert text in content
    assert [n.e164 for n in response.context["numbers"]] == [first.e164]
    assert f'href="{reverse("number_detail", args=[first.pk])}"' in content
    assert f'href="{reverse("number_detail", args=[second.pk])}"' not in content
    assert "applies when the number is live" in content


def test_renaming_resizing_and_changing_allowed_ips_goes_through_the_service(owner, tenants):
    trunk = make_trunk(tenants).trunk
    url = trunk_url(trunk)

    response = owner.post(url, {"name": "Renamed", "channels": 20, "allowed_ips": "203.0.113.10\n203.0.113.11"})

    assert response.status_code == 302 and response["Location"] == url
    trunk.refresh_from_db()
    assert trunk.name == "Renamed" and trunk.channels == 20
    assert trunk.allowed_ips == ["203.0.113.10/32", "203.0.113.11/32"]
    assert AuditLog.objects.filter(action="trunk.updated", subject_id=trunk.public_id).exists()

    response = owner.post(url, {"name": "Renamed", "channels": 0, "allowed_ips": "not-an-ip"}, headers=HTMX)
    assert template_names(response)[0] == "numbers/_trunk_panel.html"
    errors = response.context["form"].errors
    assert "Between 1 and 1000" in errors["channels"][0] and "not-an-ip" in errors["allowed_ips"][0]
    trunk.refresh_from_db()
    assert trunk.channels == 20

    response = owner.post(url, {"name": "Again", "channels": 21, "allowed_ips": ""}, headers=HTMX)
    assert "Saved." in response.content.decode()
    trunk.refresh_from_db()
    assert trunk.name == "Again" and trunk.allowed_ips == []


def test_regenerating_shows_the_new_password_once_and_the_old_one_stops_working(owner, tenants):
    issued = make_trunk(tenants)
    trunk, old = issued.trunk, issued.password
    url = trunk_url(trunk)
    page = owner.get(url).content.decode()
    form = re.search(rf'<form method="post" action="{trunk_url(trunk, "trunk_regenerate")}".*?>', page, re.S).group(0)
    assert "data-confirm=" in form and "PBX disconnects until it is updated" in form

    response = owner.post(trunk_url(trunk, "trunk_regenerate"), headers=HTMX)

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert template_names(response)[0] == "numbers/_trunk_panel.html"
    new = response.context["issued"].password
    content = response.content.decode()
    assert new != old and f'<code id="cred-password" data-testid="trunk-password">{new}</code>' in content
    assert "The old password no longer works." in content
    assert f"password={new}" in pre(content, "cfg-pjsip")
    trunk.refresh_from_db()
    assert not trunks.credentials_match(trunk, username=trunk.username, password=old)
    assert trunks.credentials_match(trunk, username=trunk.username, password=new)
    assert new not in owner.get(url).content.decode()
    assert new not in str(dict(owner.session.items()))

    plain = owner.post(trunk_url(trunk, "trunk_regenerate"))  # without htmx: the whole page, still no-store
    assert plain.status_code == 200 and plain["Cache-Control"] == "no-store"
    assert "<html" in plain.content.decode() and plain.context["issued"].password in plain.content.decode()


def test_an_ip_trunk_has_no_credentials_to_regenerate(owner, tenants):
    trunk = make_trunk(tenants, auth_type="ip", allowed_ips=["203.0.113.10"]).trunk

    page = owner.get(trunk_url(trunk)).content.decode()
    assert trunk_url(trunk, "trunk_regenerate") not in page

    response = owner.post(trunk_url(trunk, "trunk_regenerate"), headers=HTMX)
    assert "it has no password to regenerate" in response.content.decode()
    assert response.context["issued"] is None


def test_delete_is_refused_while_numbers_route_to_the_trunk_then_allowed(owner, tenants, stock):
    trunk = make_trunk(tenants).trunk
    (number,) = buy(tenants, NL_AMS[0])
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=trunk)
    page = owner.get(trunk_url(trunk)).content.decode()
    assert "1 number routes to this trunk" in page and "data-confirm=" in page

    response = owner.post(trunk_url(trunk, "trunk_delete"))

    assert response.status_code == 302 and response["Location"] == trunk_url(trunk)
    assert (
        "1 number(s) still route to this trunk. Route them elsewhere first."
        in owner.get(response["Location"]).content.decode()
    )
    assert SipTrunk.objects.filter(pk=trunk.pk).exists()

    owner.post(reverse("number_route", args=[number.pk]), {"route": "none"})
    response = owner.post(trunk_url(trunk, "trunk_delete"))

    assert response.status_code == 302 and response["Location"] == LIST
    assert not SipTrunk.objects.filter(pk=trunk.pk).exists()
    assert "Trunk “Office PBX” deleted." in owner.get(LIST).content.decode()

    response = owner.post(trunk_url(trunk, "trunk_delete"), headers=HTMX)
    assert response.status_code == 404


# --- Routing from the number's page --------------------------------------------------------------


@pytest.fixture
def routing(tenants, stock):
    """An X number (provisioning), and trunks: account-wide, X's and Y's."""
    (number,) = buy(tenants, NL_AMS[0], client=tenants.x)
    return {
        "number": number,
        "shared": make_trunk(tenants, "Shared PBX").trunk,
        "x": make_trunk(tenants, "Xylo PBX", client=tenants.x).trunk,
        "y": make_trunk(tenants, "Yarrow PBX", client=tenants.y).trunk,
    }


def route_url(number: Number) -> str:
    return reverse("number_route", args=[number.pk])


def test_the_number_page_offers_only_trunks_that_may_take_the_number(owner, routing):
    number = routing["number"]

    response = owner.get(reverse("number_detail", args=[number.pk]))

    content = response.content.decode()
    offered = [value for value, _label in response.context["route_form"].fields["trunk"].widget.choices if value]
    assert offered == [str(routing["shared"].pk), str(routing["x"].pk)]
    assert "Yarrow PBX" not in content
    assert "No route: calls to this number are not delivered." in content
    assert "Applies when the number is live." in content
    assert response.context["route_form"].initial["route"] == "none"


def test_routing_a_number_to_a_trunk_from_its_page(owner, tenants, routing):
    number, trunk = routing["number"], routing["x"]
    page_url = reverse("number_detail", args=[number.pk])

    response = owner.post(route_url(number), {"route": "trunk", "trunk": str(trunk.pk), "forwarding": ""})

    assert response.status_code == 302 and response["Location"] == page_url
    number.refresh_from_db()
    assert number.trunk == trunk and number.forwarding == ""
    assert AuditLog.objects.filter(action="number.routed", subject_id=number.public_id).exists()
    page = owner.get(page_url)
    content = page.content.decode()
    current = re.search(r'data-testid="route-current">(.*?)</dd>', content, re.S).group(1)
    assert "Xylo PBX" in current and f'href="{trunk_url(trunk)}"' in current
    assert "Route saved." in content and "Applies when the number is live." in content
    assert page.context["route_form"].initial == {"route": "trunk", "trunk": str(trunk.pk), "forwarding": ""}
    assert trunk.username in owner.get(trunk_url(trunk)).content.decode()


def test_a_live_numbers_route_shows_what_the_carrier_has_applied(owner, tenants, stock):
    (number,) = buy(tenants, GB_LONDON[0])
    services.number_provision(number_id=number.pk)
    trunk = make_trunk(tenants).trunk
    page_url = reverse("number_detail", args=[number.pk])

    response = owner.post(route_url(number), {"route": "trunk", "trunk": str(trunk.pk)}, headers=HTMX)

    assert template_names(response)[0] == "numbers/_number_panel.html"
    assert "Being sent to the carrier" in response.content.decode()
    trunks.number_route_push(number_id=number.pk)  # what the task does after commit
    content = owner.get(page_url).content.decode()
    applied = re.search(r'data-testid="route-applied">(.*?)</dd>', content, re.S).group(1)
    assert f"<code>sip:{trunk.username}@{trunk.sip_server}</code>" in applied and "since" in applied


def test_forwarding_and_no_route_from_the_number_page(owner, tenants, routing):
    number = routing["number"]
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=routing["x"])

    response = owner.post(
        route_url(number),
        {"route": "forward", "trunk": str(routing["x"].pk), "forwarding": "sip:100@pbx.example.com"},
        headers=HTMX,
    )

    assert "Route saved." in response.content.decode()
    number.refresh_from_db()
    assert number.trunk is None and number.forwarding == "sip:100@pbx.example.com"
    assert "Forwarded to <code>sip:100@pbx.example.com</code>" in response.content.decode()

    response = owner.post(route_url(number), {"route": "forward", "forwarding": ""}, headers=HTMX)
    assert response.context["route_form"].errors["forwarding"] == ["Type a number or SIP URI to forward to."]

    response = owner.post(route_url(number), {"route": "none", "forwarding": "+31201234567"}, headers=HTMX)
    assert "Route removed" in response.content.decode()
    number.refresh_from_db()
    assert number.trunk is None and number.forwarding == ""


def test_a_trunk_of_another_client_is_not_offered_and_posting_it_shows_the_services_error(owner, tenants, routing):
    number = routing["number"]
    theirs = trunks.trunk_create(actor=tenants.b.owner_actor, name="Bravo PBX").trunk

    response = owner.post(route_url(number), {"route": "trunk", "trunk": str(routing["y"].pk)}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["route_form"].errors["trunk"] == [
        "This trunk belongs to another client; it takes only that client's numbers."
    ]
    assert "takes only that client&#x27;s numbers" in response.content.decode()
    number.refresh_from_db()
    assert number.trunk is None

    response = owner.post(route_url(number), {"route": "trunk", "trunk": str(theirs.pk)}, headers=HTMX)
    assert response.context["route_form"].errors["trunk"] == ["Trunk not found."]
    response = owner.post(route_url(number), {"route": "trunk", "trunk": ""}, headers=HTMX)
    assert response.context["route_form"].errors["trunk"] == ["Choose a trunk."]
    number.refresh_from_db()
    assert number.trunk is None


# --- Scoping -------------------------------------------------------------------------------------


def test_someone_elses_trunk_is_not_found_on_every_trunk_url(owner, tenants):
    theirs = trunks.trunk_create(actor=tenants.b.owner_actor, name="Bravo PBX").trunk

    assert owner.get(trunk_url(theirs)).status_code == 404
    assert owner.post(trunk_url(theirs), {"name": "Mine", "channels": 1}).status_code == 404
    assert owner.post(trunk_url(theirs, "trunk_regenerate")).status_code == 404
    assert owner.post(trunk_url(theirs, "trunk_delete")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Bravo PBX"


def test_a_client_admin_sees_only_their_clients_trunks_and_never_a_password_again(x_admin, tenants, routing):
    response = x_admin.get(LIST)

    assert [t.name for t in response.context["trunks"]] == ["Xylo PBX"]
    assert "client" not in response.context["form"].fields
    for other in (routing["y"], routing["shared"]):
        assert x_admin.get(trunk_url(other)).status_code == 404
        assert x_admin.post(trunk_url(other), {"name": "Taken", "channels": 1}).status_code == 404
        assert x_admin.post(trunk_url(other, "trunk_regenerate")).status_code == 404
        assert x_admin.post(trunk_url(other, "trunk_delete")).status_code == 404
        assert x_admin.get(REGISTRATION, {"ids": [other.pk]}).content.decode().strip() == ""

    created = x_admin.post(
        LIST, {"name": "Front desk", "client": str(tenants.y.pk), "auth_type": "digest", "channels": 2}
    )
    password = created.context["issued"].password
    trunk = SipTrunk.objects.get(name="Front desk")
    assert trunk.client == tenants.x  # their own client, whatever was posted
    assert password in created.content.decode()
    assert password not in x_admin.get(LIST).content.decode()
    assert password not in x_admin.get(trunk_url(trunk)).content.decode()

    # The number page offers their trunks only.
    page = x_admin.get(reverse("number_detail", args=[routing["number"].pk]))
    offered = [value for value, _label in page.context["route_form"].fields["trunk"].widget.choices if value]
    assert offered == [str(trunk.pk), str(routing["x"].pk)]
    response = x_admin.post(route_url(routing["number"]), {"route": "trunk", "trunk": str(routing["shared"].pk)})
    assert response.context["route_form"].errors["trunk"] == ["Trunk not found."]

"""The webhook address filter: every way of writing a private, loopback, link-local or reserved address —
IPv4 itself and each IPv6 form that leads to an IPv4 host — is refused when a URL is saved (as a literal
or as a host name's DNS answer) and again when a connection is opened."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from urllib3.exceptions import NewConnectionError

from accounts.actor import system_actor
from numbers_app.services import number_configure, number_purchase
from portal.errors import ValidationFailed
from portal.webhooks import addresses, services
from portal.webhooks.models import WebhookEndpoint
from tests.numbers.conftest import NL_AMS

# IPv4 addresses a webhook must never reach: loopback, the private ranges, the cloud metadata address
# (link-local), shared (carrier-grade NAT), "this host", benchmarking, documentation, multicast, reserved.
PRIVATE_V4 = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "198.18.0.1",
    "192.0.2.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
]
PUBLIC_V4 = "93.184.216.34"


def _v6(prefix: str, value: int) -> str:
    return str(ipaddress.IPv6Address(int(ipaddress.IPv6Address(prefix)) | value))


def ipv6_forms(v4: str) -> dict[str, str]:
    """Each IPv6 spelling of an IPv4 address."""
    n = int(ipaddress.IPv4Address(v4))
    return {
        "mapped": f"::ffff:{v4}",
        "compatible": f"::{v4}",
        "translated": f"::ffff:0:{v4}",
        "nat64": _v6("64:ff9b::", n),
        "nat64-local": _v6("64:ff9b:1::", n),
        "6to4": _v6("2002::", n << 80),
        # Teredo: server 65.54.227.120, flags and port, then the client address with every bit inverted.
        "teredo": _v6("2001:0:4136:e378:8000:63bf::", ~n & 0xFFFFFFFF),
    }


def _refused_cases() -> list:
    cases = []
    for v4 in PRIVATE_V4:
        cases.append(pytest.param(v4, id=v4))
        cases.extend(pytest.param(address, id=f"{form}:{v4}") for form, address in ipv6_forms(v4).items())
    cases.extend(
        pytest.param(address, id=address)
        for address in (
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",  # a cloud metadata service's IPv6 address (unique local)
            "fe80::1",
            "fe80::1%eth0",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "100::1",
            # Forms refused whatever IPv4 address they carry.
            f"::{PUBLIC_V4}",
            f"::ffff:0:{PUBLIC_V4}",
            ipv6_forms(PUBLIC_V4)["nat64-local"],
            ipv6_forms(PUBLIC_V4)["teredo"],
        )
    )
    return cases


REFUSED = _refused_cases()
ALLOWED = [
    PUBLIC_V4,
    "8.8.8.8",
    f"::ffff:{PUBLIC_V4}",
    ipv6_forms(PUBLIC_V4)["nat64"],
    ipv6_forms(PUBLIC_V4)["6to4"],
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200e",
]


@pytest.fixture(autouse=True)
def _filter_on(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False


def test_the_ipv6_forms_carry_the_address_they_are_built_from():
    forms = ipv6_forms("169.254.169.254")
    assert forms["nat64"] == "64:ff9b::a9fe:a9fe"
    assert forms["6to4"] == "2002:a9fe:a9fe::"
    assert ipaddress.IPv6Address(forms["teredo"]).teredo[1] == ipaddress.IPv4Address("169.254.169.254")
    assert ipaddress.IPv6Address(forms["mapped"]).ipv4_mapped == ipaddress.IPv4Address("169.254.169.254")


@pytest.mark.parametrize("address", REFUSED)
def test_a_private_or_reserved_address_in_any_spelling_is_not_allowed(address):
    assert addresses.address_allowed(address) is False


@pytest.mark.parametrize("address", ALLOWED)
def test_a_public_address_is_allowed_including_ipv6_forms_of_a_public_ipv4_host(address):
    assert addresses.address_allowed(address) is True


@pytest.mark.parametrize("address", REFUSED[:3] + ALLOWED[:1])
def test_with_the_setting_on_every_address_is_allowed(settings, address):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert addresses.address_allowed(address) is True


def _url(address: str) -> str:
    host = address.split("%", 1)[0]
    return f"http://[{host}]:8080/hook" if ":" in host else f"http://{host}:8080/hook"


@pytest.mark.parametrize("address", REFUSED)
def test_a_url_with_a_private_address_is_refused_when_saved(address):
    with pytest.raises(ValueError, match="private"):
        addresses.check_url(_url(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_a_url_with_a_public_address_is_accepted(address):
    assert addresses.check_url(_url(address)) == _url(address)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://[64:ff9b::a9fe:a9fe]/", "http://[::127.0.0.1]/", "http://[2002:a00:1::]/"])
def test_endpoints_and_numbers_refuse_ipv6_spellings_of_private_addresses(tenants, stock, url):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(actor=tenants.a.owner_actor, url=url, events=["*"])
    assert "private" in refused.value.fields["url"][0]
    assert not WebhookEndpoint.objects.exists()
    actor = system_actor(tenants.a.account)
    number = number_purchase(actor=actor, numbers=[NL_AMS[0]]).numbers.get()
    with pytest.raises(ValidationFailed) as refused:
        number_configure(actor=actor, number=number, webhook_url=url)
    assert "webhook_url" in refused.value.fields


def _dns_answering(monkeypatch, address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def resolve(host, port, *args, **kwargs):
        assert host == "hooks.example.com"
        sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.mark.parametrize("address", REFUSED)
def test_a_host_name_resolving_to_a_private_address_is_refused_when_saved(monkeypatch, address):
    _dns_answering(monkeypatch, address)
    with pytest.raises(ValueError, match="private"):
        addresses.check_url("https://hooks.example.com/x")


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("address", REFUSED)
def test_a_connection_is_refused_when_the_dns_answer_is_private_at_connect_time(monkeypatch, address, scheme):
    """DNS rebinding: whatever the name resolved to when it was saved, the connection checks the answer it
    is about to use, and never opens a socket to a refused address."""
    _dns_answering(monkeypatch, address)
    opened = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **kw: opened.append(a) or pytest.fail("connected"))
    pool = addresses.POOL_CLASSES[scheme]("hooks.example.com", 443 if scheme == "https" else 80)
    connection = pool.ConnectionCls("hooks.example.com", 443 if scheme == "https" else 80)
    with pytest.raises(NewConnectionError) as refused:
        connection.connect()
    assert isinstance(refused.value.__cause__, addresses.BlockedAddress)
    assert opened == []

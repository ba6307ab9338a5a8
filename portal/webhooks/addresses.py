"""Where webhooks may be sent. A URL must be http(s), without credentials, and its host must not resolve
to a private, loopback, link-local, shared, multicast or reserved address — unless
``settings.WEBHOOKS_ALLOW_PRIVATE`` is on (off by default; the embedded demo run and the tests, whose
receivers are local, switch it on).

``address_allowed`` alone decides whether an address may be reached. It is asked when a URL is saved
(about a literal address, or about every address its host name resolves to) and again when each
connection is opened: the sending connection resolves the host itself, refuses if any address is not
allowed, and connects to the address it checked. A host that answers DNS with a public address at
creation and a private one later (DNS rebinding) therefore never gets a request into the private network.

IPv6 can spell an IPv4 address in several ways, and each of them may lead to the IPv4 host: the
IPv4-mapped ``::ffff:a.b.c.d``, the IPv4-compatible ``::a.b.c.d``, SIIT's ``::ffff:0:a.b.c.d``, NAT64
(``64:ff9b::a.b.c.d``, and anything in the local-use ``64:ff9b:1::/48``), 6to4 (``2002:AABB:CCDD::``) and
Teredo (``2001:0:…``, whose client address is the inverse of the last 32 bits). The mapped, NAT64 and 6to4
forms are judged by the IPv4 address they carry; the others are deprecated, tunnelled to a host behind
a NAT, or only meaningful inside one network, and are refused whatever they carry. Beyond that, an IPv6
address must be global unicast (``2000::/3``) and outside the special-purpose blocks.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError


class BlockedAddress(OSError):
    """The host resolves to an address webhooks may not reach."""


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # IPv4-mapped: the socket layer talks IPv4 to the address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # NAT64's well-known prefix: a translator reaches the IPv4 host
_SIXTOFOUR = ipaddress.ip_network("2002::/16")  # 6to4: a relay reaches the IPv4 host in bits 16-48
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# IPv6 blocks that never lead to a public host, refused whatever Python's ``is_global`` says (its answer
# differs between Python releases and misses several of these).
_V6_REFUSED = [
    ipaddress.ip_network(block)
    for block in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible form ::a.b.c.d
        "::ffff:0:0:0/96",  # SIIT's IPv4-translated form
        "64:ff9b:1::/48",  # NAT64 for use inside one network
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo's 2001::/32 among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 segment identifiers
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
        "ff00::/8",  # multicast
    )
]
_V4_REFUSED = [
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "100.64.0.0/10",  # carrier-grade NAT, shared
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relays (deprecated)
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
]


def _ipv4_allowed(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not any(ip in block for block in _V4_REFUSED)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 address of a translating form (mapped, NAT64, 6to4) leads to."""
    if ip in _MAPPED or ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return ip.sixtofour
    return None


def address_allowed(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether webhooks may be sent to this IP address (``ValueError`` if it is not one). The one rule
    for every check: a URL's literal address, each DNS answer when saving, each DNS answer when
    connecting."""
    if allow_private():
        return True
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])  # a zone (fe80::1%eth0) changes nothing
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_allowed(ip)
    carried = embedded_ipv4(ip)
    if carried is not None and not _ipv4_allowed(carried):
        return False
    if ip in _MAPPED or ip in _NAT64:
        return True  # the IPv4 host is the destination, and it was judged above
    return ip in _GLOBAL_UNICAST and ip.is_global and not any(ip in block for block in _V6_REFUSED)


def resolve_public(host: str, port: int) -> list[tuple]:
    """``getaddrinfo`` for ``host``, refusing with ``BlockedAddress`` if any address is not public (a
    host that mixes public and private addresses is not trusted with either). ``socket.gaierror`` when the
    name does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        if not address_allowed(info[4][0]):
            raise BlockedAddress(_("%(host)s resolves to a private or reserved address.") % {"host": host})
    return infos


def check_url(value: str) -> str:
    """The URL, stripped, if webhooks may be sent to it; ``ValueError`` with a message for people if not.

    A public host name that does not resolve yet is accepted (its DNS may be on its way); deliveries to
    it fail and are retried until it does."""
    text = (value or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(text)
    except ValidationError:
        raise ValueError(_("Use an http:// or https:// URL.")) from None
    parts = urlsplit(text)
    if parts.username or parts.password or "@" in parts.netloc:
        raise ValueError(_("Leave credentials out of the URL; verify our signature instead.")) from None
    if len(text) > 500:
        raise ValueError(_("At most 500 characters."))
    if allow_private():
        return text
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        literal = False
    else:
        literal = True
    if literal:
        if not address_allowed(host):
            raise ValueError(_("This address is private or reserved; webhooks go to public addresses only."))
        return text
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise ValueError(_("This host is private; webhooks go to public addresses only."))
    try:
        resolve_public(host, parts.port or (443 if parts.scheme == "https" else 80))
    except BlockedAddress:
        raise ValueError(
            _("This host resolves to a private or reserved address; webhooks go to public addresses only.")
        ) from None
    except (socket.gaierror, UnicodeError):
        pass
    return text


# --- Connections that check the address they connect to ------------------------------------------


class _CheckedConnectionMixin:
    def _new_conn(self):
        try:
            infos = resolve_public(self._dns_host, self.port)
        except BlockedAddress as exc:
            raise NewConnectionError(self, str(exc)) from exc
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        original = self._dns_host
        self._dns_host = infos[0][4][0]  # connect to the address just checked, not to a fresh lookup
        try:
            return super()._new_conn()
        finally:
            self._dns_host = original  # TLS still checks the certificate against the host name


class CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


POOL_CLASSES = {"http": CheckedHTTPConnectionPool, "https": CheckedHTTPSConnectionPool}

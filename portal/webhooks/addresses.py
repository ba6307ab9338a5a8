"""Where webhooks may be sent. A URL must be http(s), without credentials, and its host must not resolve
to a private, loopback, link-local, shared, multicast or reserved address — unless
``settings.WEBHOOKS_ALLOW_PRIVATE`` is on (the embedded demo run and tests, whose receivers are local).

The check runs when a URL is saved and again when each connection is opened: the sending connection
resolves the host itself, refuses if any address is not public, and connects to the address it checked.
A host that answers DNS with a public address at creation and a private one later (DNS rebinding)
therefore never gets a request into the private network.
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


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> list[tuple]:
    """``getaddrinfo`` for ``host``, refusing with ``BlockedAddress`` if any address is not public (a
    host that mixes public and private addresses is not trusted with either). ``socket.gaierror`` when the
    name does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private():
        for info in infos:
            if not is_public(info[4][0]):
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
        if not is_public(host):
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

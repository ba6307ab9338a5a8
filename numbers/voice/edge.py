"""The SIP edge's configuration: ``deploy/kamailio/kamailio.cfg.tmpl`` filled in for the running settings.

The template names its values ``@@NAME@@``. Every value is checked here before it is written into the file
(an address, a number, a database URL without quotes), so a setting can never add script to the config.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connections

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "kamailio" / "kamailio.cfg.tmpl"
HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}$")
NEVER = "255.255.255.255/32"  # no packet comes from the broadcast address: "no carrier addresses"


class EdgeConfigError(ValueError):
    pass


@dataclass
class EdgeOptions:
    listen: str = field(default_factory=lambda: settings.SIP_EDGE_LISTEN)
    advertise: str = field(default_factory=lambda: settings.SIP_EDGE_ADVERTISE)
    realm: str = field(default_factory=lambda: settings.SIP_SERVER)
    carrier_addresses: str = field(default_factory=lambda: settings.SIP_EDGE_CARRIER_ADDRESSES)
    pstn_gateway: str = field(default_factory=lambda: settings.SIP_EDGE_PSTN_GATEWAY)
    ip_trunk_port: int = field(default_factory=lambda: settings.SIP_EDGE_IP_TRUNK_PORT)
    auth_failures: int = field(default_factory=lambda: settings.SIP_EDGE_AUTH_FAILURES)
    ban_seconds: int = field(default_factory=lambda: settings.SIP_EDGE_BAN_SECONDS)
    pike_density: int = field(default_factory=lambda: settings.SIP_EDGE_PIKE_DENSITY)
    tls_listen: str = field(default_factory=lambda: settings.SIP_EDGE_TLS_LISTEN)
    tls_certificate: str = field(default_factory=lambda: settings.SIP_EDGE_TLS_CERTIFICATE)
    tls_private_key: str = field(default_factory=lambda: settings.SIP_EDGE_TLS_PRIVATE_KEY)
    children: int = 4
    min_expires: int = 60
    location_timer: int = 10
    ring_timeout: int = 60
    log_level: int = 2
    log_stderror: bool = False
    database_url: str = ""  # default: the portal's own database (the test database under pytest)


def database_url(alias: str = "default") -> str:
    """Kamailio's URL of the portal's database, from the live connection settings (so under pytest it names
    the test database): ``postgres://user:password@host:port/name`` for db_postgres, or
    ``sqlite:////absolute/path`` for db_sqlite (the embedded run's file)."""
    conf = connections[alias].settings_dict
    if "sqlite" in conf["ENGINE"]:
        path = Path(str(conf["NAME"]))
        if str(path) == ":memory:" or "mode=memory" in str(path):
            raise EdgeConfigError("The SIP edge cannot share an in-memory SQLite database.")
        return f"sqlite:///{path.resolve()}"
    if "postgresql" not in conf["ENGINE"]:
        raise EdgeConfigError("The SIP edge needs PostgreSQL or SQLite.")
    user = quote(conf.get("USER") or "", safe="")
    password = quote(conf.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{conf['NAME']}"


# What differs between the two databases: the module, a per-process session setting, and how a caller's
# address finds its IP trunk (PostgreSQL compares inet values in SQL; SQLite has no such type, so the edge
# reads the active IP trunks' ranges and compares them itself, keeping the longest match).
DIALECTS = {
    "postgres": {
        "DB_MODULE": "db_postgres.so",
        "DB_SESSION": "",
        "ADDRESS_LOOKUP": (
            '\tsql_xquery("portal", "SELECT trunk_id, channels FROM sip_address WHERE network >>= \'$si\'::inet '
            'ORDER BY masklen(network) DESC LIMIT 1", "src");\n'
            "\tif ($xavp(src=>trunk_id) != $null) {\n"
            "\t\t$var(src_trunk) = $xavp(src=>trunk_id);\n"
            "\t\t$var(src_channels) = $xavp(src=>channels);\n"
            "\t}"
        ),
    },
    "sqlite": {
        "DB_MODULE": "db_sqlite.so",
        # db_sqlite sets no busy timeout: a write meeting the portal's open transaction would fail at once
        # with "database is locked". Each worker process sets one on its (shared, pooled) connection once.
        "DB_SESSION": (
            "\tif ($var(db_session) == 0) {\n"
            '\t\tsql_query("portal", "PRAGMA busy_timeout = 5000");\n'
            "\t\t$var(db_session) = 1;\n"
            "\t}"
        ),
        "ADDRESS_LOOKUP": (
            '\tsql_xquery("portal", "SELECT trunk_id, network, prefix, channels FROM sip_address", "src");\n'
            "\t$var(i) = 0;\n"
            "\t$var(best) = -1;\n"
            "\twhile ($xavp(src[$var(i)]=>trunk_id) != $null) {\n"
            "\t\tif ($xavp(src[$var(i)]=>prefix) > $var(best) && "
            'is_in_subnet("$si", "$xavp(src[$var(i)]=>network)")) {\n'
            "\t\t\t$var(best) = $xavp(src[$var(i)]=>prefix);\n"
            "\t\t\t$var(src_trunk) = $xavp(src[$var(i)]=>trunk_id);\n"
            "\t\t\t$var(src_channels) = $xavp(src[$var(i)]=>channels);\n"
            "\t\t}\n"
            "\t\t$var(i) = $var(i) + 1;\n"
            "\t}"
        ),
    },
}


def _host_port(value: str, *, what: str) -> tuple[str, int | None]:
    text = value.strip()
    host, _sep, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    if not HOST.match(host):
        raise EdgeConfigError(f"{what}: not a host or address: {value!r}")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise EdgeConfigError(f"{what}: not a port: {value!r}")
    return host, int(port) if port else None


def _networks(value: str) -> str:
    nets = []
    for part in value.split(","):
        if part.strip():
            try:
                nets.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError:
                raise EdgeConfigError(f"carrier addresses: not an IP address or range: {part!r}") from None
    return ",".join(nets) or NEVER


def _pem_file(value: str, *, what: str) -> str:
    path = Path(value)
    if not path.is_absolute() or any(c in value for c in "\"'\n\\;"):
        raise EdgeConfigError(f"TLS {what}: an absolute path without quotes or backslashes: {value!r}")
    if not path.is_file():
        raise EdgeConfigError(f"TLS {what}: no such file: {value}")
    return value


def _tls(opts: EdgeOptions, *, host: str, advertise_host: str) -> tuple[str, str]:
    """The TLS listener and the tls module's settings, when a certificate and its key are configured
    (both, or neither: one without the other is a mistake worth stopping for)."""
    if not opts.tls_certificate and not opts.tls_private_key:
        return "", ""
    if not (opts.tls_certificate and opts.tls_private_key):
        raise EdgeConfigError("TLS: set both the certificate and the private key, or neither")
    certificate = _pem_file(opts.tls_certificate, what="certificate")
    private_key = _pem_file(opts.tls_private_key, what="private key")
    t_host, t_port = _host_port(opts.tls_listen or host, what="TLS listen")
    listen = f"\nenable_tls=yes\nlisten=tls:{t_host}:{t_port or 5061}"
    if advertise_host:
        listen += f" advertise {advertise_host}:{t_port or 5061}"
    module = (
        'loadmodule "tls.so"\n'
        f'modparam("tls", "certificate", "{certificate}")\n'
        f'modparam("tls", "private_key", "{private_key}")\n'
        'modparam("tls", "tls_method", "TLSv1.2+")\n'
        'modparam("tls", "verify_certificate", 0)\n'
        'modparam("tls", "require_certificate", 0)'
    )
    return listen, module


def render(options: EdgeOptions | None = None) -> str:
    opts = options or EdgeOptions()
    db_url = opts.database_url or database_url()
    dialect = db_url.partition("://")[0]
    if dialect not in DIALECTS or any(c in db_url for c in "\"'\n\\ ;"):
        raise EdgeConfigError("database URL: postgres://… or sqlite:///… without quotes, spaces or backslashes")
    host, port = _host_port(opts.listen, what="listen")
    listen_at = f"{host}:{port or 5060}"
    advertise, a_host = "", ""
    if opts.advertise:
        a_host, a_port = _host_port(opts.advertise, what="advertise")
        advertise = f" advertise {a_host}:{a_port or port or 5060}"
    listen = "\n".join(f"listen={proto}:{listen_at}{advertise}" for proto in ("udp", "tcp"))
    tls_listen, tls_module = _tls(opts, host=host, advertise_host=a_host)
    listen += tls_listen
    if not HOST.match(opts.realm):
        raise EdgeConfigError(f"realm: not a host name: {opts.realm!r}")
    carriers = _networks(opts.carrier_addresses)
    if opts.pstn_gateway:
        g_host, g_port = _host_port(opts.pstn_gateway, what="PSTN gateway")
        gateway = f"{g_host}:{g_port}" if g_port else g_host
        pstn = f'$ru = "sip:" + $var(target) + "@{gateway}";'
    else:
        pstn = (
            'acc_db_request("480 No Route To Destination", "missed_calls");\n'
            '\t\tsl_send_reply("480", "No Route To Destination");\n'
            "\t\texit;"
        )
    values = {
        "LOG_LEVEL": str(int(opts.log_level)),
        "LOG_STDERROR": "yes" if opts.log_stderror else "no",
        "CHILDREN": str(max(1, int(opts.children))),
        "LISTEN": listen,
        "REALM": opts.realm,
        "DB_URL": db_url,
        "LOCATION_TIMER": str(max(1, int(opts.location_timer))),
        "MIN_EXPIRES": str(max(1, int(opts.min_expires))),
        "RING_TIMEOUT_MS": str(max(1, int(opts.ring_timeout)) * 1000),
        "PIKE_DENSITY": str(max(1, int(opts.pike_density))),
        "BAN_SECONDS": str(max(1, int(opts.ban_seconds))),
        "AUTH_FAILURE_LIMIT": str(max(1, int(opts.auth_failures))),
        "FROM_CARRIER": f'is_in_subnet("$si", "{carriers}")',
        "IP_TRUNK_PORT": str(int(opts.ip_trunk_port)),
        "PSTN_ROUTE": pstn,
        "TLS_MODULE": tls_module,
        **DIALECTS[dialect],
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise EdgeConfigError(f"the template names values nobody fills in: {sorted(set(left))}")
    return text

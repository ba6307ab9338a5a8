"""SIP over TLS: with a certificate and its key configured, the edge listens on TLS as well, and a PBX
registers through it with the password the portal showed. (Debian's SIPp has no TLS, so the PBX here is a
TLS socket speaking SIP: a REGISTER, the 401 challenge, the REGISTER with its digest answer, the 200.)"""

import hashlib
import re
import socket
import ssl
import subprocess
import uuid

import pytest
from django.db import connection

from numbers_app.models import SipTrunk
from numbers_app.voice.edge import EdgeConfigError, EdgeOptions, render
from numbers_app.voice.services import registrations_sync
from tests.voice.conftest import EDGE_HOST, REALM, active_trunk, start_edge, stop_edge

pytestmark = pytest.mark.django_db(transaction=True)
PORT, TLS_PORT = 5077, 5078  # (the benchmark in tests/perf takes 5076)


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for the realm's name, and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - Debian's openssl
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key), "-out",
         str(cert), "-subj", f"/CN={REALM}", "-addext", f"subjectAltName=DNS:{REALM}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _exchange(tls: ssl.SSLSocket, message: str) -> tuple[int, dict[str, str]]:
    tls.sendall(message.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(4096)
        assert chunk, "the edge closed the connection"
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    status, *lines = head.split("\r\n")
    code = int(status.split()[1])
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return code, headers


def _register(tls: ssl.SSLSocket, username: str, cseq: int, call_id: str, authorization: str = "") -> str:
    local_port = tls.getsockname()[1]
    return (
        f"REGISTER sip:{REALM} SIP/2.0\r\n"
        f"Via: SIP/2.0/TLS 127.0.0.1:{local_port};branch=z9hG4bK{uuid.uuid4().hex};rport\r\n"
        f"From: <sip:{username}@{REALM}>;tag=tls{cseq}\r\nTo: <sip:{username}@{REALM}>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n"
        f"Contact: <sip:{username}@127.0.0.1:{local_port};transport=tls>\r\nExpires: 120\r\n"
        f"{authorization}Max-Forwards: 70\r\nUser-Agent: TLS-PBX/1.0\r\nContent-Length: 0\r\n\r\n"
    )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - SIP digest is MD5


def test_a_pbx_registers_over_tls_with_the_shown_password(edge, tenants, certificate, tmp_path):
    cert, key = certificate
    issued = active_trunk(tenants)
    process = start_edge(
        tmp_path, port=PORT, tls_listen=f"{EDGE_HOST}:{TLS_PORT}", tls_certificate=str(cert), tls_private_key=str(key)
    )
    try:
        context = ssl.create_default_context(cafile=str(cert))  # the certificate is checked, name and all
        username, call_id = issued.trunk.username, uuid.uuid4().hex
        with (
            socket.create_connection((EDGE_HOST, TLS_PORT), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=REALM) as tls,
        ):
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            code, headers = _exchange(tls, _register(tls, username, 1, call_id))
            assert code == 401
            challenge = headers["www-authenticate"]
            nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
            assert f'realm="{REALM}"' in challenge

            def answer(password: str) -> str:
                uri = f"sip:{REALM}"
                digest = _md5(f"{_md5(f'{username}:{REALM}:{password}')}:{nonce}:{_md5(f'REGISTER:{uri}')}")
                return (
                    f'Authorization: Digest username="{username}", realm="{REALM}", nonce="{nonce}", '
                    f'uri="{uri}", response="{digest}", algorithm=MD5\r\n'
                )

            code, _ = _exchange(tls, _register(tls, username, 2, call_id, answer(issued.password + "x")))
            assert code == 401  # a wrong password is refused over TLS too
            code, headers = _exchange(tls, _register(tls, username, 3, call_id, answer(issued.password)))
            assert code == 200, headers
            with connection.cursor() as cursor:
                cursor.execute("SELECT socket, user_agent FROM location WHERE username = %s", [username])
                assert cursor.fetchall() == [(f"tls:{EDGE_HOST}:{TLS_PORT}", "TLS-PBX/1.0")]
            assert registrations_sync() == 1
            issued.trunk.refresh_from_db()
            assert issued.trunk.registration == SipTrunk.Registration.REGISTERED
    finally:
        stop_edge(process)


def test_tls_needs_both_a_certificate_and_its_key(certificate):
    cert, key = certificate
    assert "listen=tls:" not in render(EdgeOptions(database_url="postgres://u@h:5432/d"))
    with pytest.raises(EdgeConfigError, match="both"):
        render(EdgeOptions(database_url="postgres://u@h:5432/d", tls_certificate=str(cert), tls_private_key=""))
    with pytest.raises(EdgeConfigError, match="no such file"):
        render(
            EdgeOptions(database_url="postgres://u@h:5432/d", tls_certificate=str(cert), tls_private_key="/nope.pem")
        )
    text = render(EdgeOptions(database_url="postgres://u@h:5432/d", listen="10.0.0.5:5060", advertise="203.0.113.7",
                              tls_certificate=str(cert), tls_private_key=str(key)))  # fmt: skip
    assert "listen=tls:10.0.0.5:5061 advertise 203.0.113.7:5061" in text and 'loadmodule "tls.so"' in text

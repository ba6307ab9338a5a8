"""A real SIP edge for the voice tests: Kamailio with the portal's rendered configuration, connected to the
test database, and SIPp playing PBXs, callers and forwarding targets (scenarios in ``scenarios/``), all on
loopback. The tests are transactional: Kamailio's own connection must see what a test commits. Four wrong
passwords ban an address for 8 seconds (other tests use their own addresses).

Addresses: the edge listens on 127.0.0.1:5071; 127.0.0.2 is the carrier (trusted by address), 127.0.0.3
an IP trunk's PBX, 127.0.0.4 a stranger. Linux answers on all of 127.0.0.0/8 without setup.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from numbers_app import services
from numbers_app.trunks import services as trunks
from numbers_app.voice.edge import EdgeOptions, render
from tests.numbers.conftest import NL_AMS, fast_sandbox, stock  # noqa: F401 - fixtures used here

SCENARIOS = Path(__file__).parent / "scenarios"
EDGE_HOST, EDGE_PORT = "127.0.0.1", 5071
CARRIER_IP, IP_TRUNK_IP, STRANGER_IP = "127.0.0.2", "127.0.0.3", "127.0.0.4"
IP_TRUNK_PORT = 15073
REALM = "sip.didfarm.test"


def options_ok(port: int = EDGE_PORT, timeout: float = 0.5) -> bool:
    """Whether the edge on ``port`` answers an OPTIONS with 200."""
    branch = uuid.uuid4().hex
    message = (
        f"OPTIONS sip:{EDGE_HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:15099;branch=z9hG4bK{branch}\r\n"
        f"From: <sip:probe@127.0.0.1>;tag={branch[:8]}\r\nTo: <sip:{EDGE_HOST}>\r\n"
        f"Call-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.bind(("127.0.0.1", 15099))
        sock.sendto(message.encode(), (EDGE_HOST, port))
        try:
            data, _ = sock.recvfrom(4096)
        except TimeoutError:
            return False
    return data.startswith(b"SIP/2.0 200")


def start_edge(workdir: Path, *, port: int = EDGE_PORT, **options) -> subprocess.Popen:
    """Kamailio with the portal's rendered configuration (the test database), answering on ``port``."""
    binary = shutil.which("kamailio") or ("/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None)
    if binary is None or shutil.which("sipp") is None:
        pytest.fail("The voice tests need Debian's kamailio, kamailio-postgres-modules and sip-tester (scripts/test)")
    settings = {
        "realm": REALM,
        "carrier_addresses": f"{CARRIER_IP}/32",
        "ip_trunk_port": IP_TRUNK_PORT,
        "auth_failures": 4,
        "ban_seconds": 8,
        "pike_density": 500,
        "children": 2,
        "min_expires": 1,
        "location_timer": 1,
        "ring_timeout": 10,
        "log_level": 1,
        "log_stderror": True,
    }
    config = render(EdgeOptions(listen=f"{EDGE_HOST}:{port}", **(settings | options)))
    (workdir / "kamailio.cfg").write_text(config)
    log = (workdir / "kamailio.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
        [binary, "-f", str(workdir / "kamailio.cfg"), "-DD", "-E", "-w", str(workdir), "-Y", str(workdir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TZ": "UTC"},
    )
    deadline = time.monotonic() + 20
    while not options_ok(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("Kamailio did not start:\n" + (workdir / "kamailio.log").read_text()[-4000:])
    return process


def stop_edge(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def sip_edge(django_db_setup, django_db_blocker, tmp_path_factory):
    """Kamailio on 127.0.0.1:5071 for the whole session, reading the test database. The edge's and SIPp's
    addresses are fixed, so two test runs on one machine take turns: the second waits on a lock file until
    the first one's edge has stopped, instead of failing on ports already taken."""
    workdir = tmp_path_factory.mktemp("sip-edge")
    with open(Path(os.environ.get("TMPDIR", "/tmp")) / "didfarm-voice-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with django_db_blocker.unblock():
            process = start_edge(workdir)
        try:
            yield workdir / "kamailio.log"
        finally:
            stop_edge(process)


@pytest.fixture
def edge(sip_edge, transactional_db, settings):
    """The edge, with its accounting and registrations of earlier tests gone, and the portal reading it."""
    settings.SIP_SERVER = REALM
    settings.SIP_EDGE_ENABLED = True
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM acc; DELETE FROM missed_calls")
    return sip_edge


@dataclass
class SippResult:
    returncode: int
    messages: str

    @property
    def final_code(self) -> int | None:
        """The last final answer (≥ 200) SIPp received, from its message trace."""
        codes = [int(c) for c in re.findall(r"^SIP/2\.0 (\d{3})", self.messages, re.MULTILINE) if int(c) >= 200]
        return codes[-1] if codes else None


class Sipp:
    """Runs SIPp scenarios against the edge; a background one (a PBX) is stopped at the end of the test."""

    def __init__(self, workdir: Path, edge_port: int = EDGE_PORT):
        self.workdir = workdir
        self.edge_port = edge_port
        self.background: list[subprocess.Popen] = []

    def _command(self, scenario, *, service, ip, port, keys, auth, duration_ms, media_port, timeout):
        command = [
            "sipp",
            f"{EDGE_HOST}:{self.edge_port}",
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-s",
            service,
            "-i",
            ip,
            "-p",
            str(port),
            "-mp",
            str(media_port),
            "-m",
            "1",
            "-l",
            "1",
            "-timeout",
            f"{timeout}s",
            "-recv_timeout",
            "8000",
            "-nostdin",
            "-trace_msg",
            "-message_file",
            str(self.workdir / f"{scenario}-{port}-{time.monotonic_ns()}.log"),
        ]
        for name, value in (keys or {}).items():
            command += ["-key", name, str(value)]
        if auth:
            command += ["-au", auth[0], "-ap", auth[1]]
        if duration_ms is not None:
            command += ["-d", str(duration_ms)]
        return command

    def run(
        self,
        scenario: str,
        *,
        service: str,
        ip: str = "127.0.0.1",
        port: int = 5072,
        keys: dict | None = None,
        auth: tuple[str, str] | None = None,
        duration_ms: int | None = None,
        media_port: int = 15080,
        timeout: int = 20,
    ) -> SippResult:
        command = self._command(
            scenario,
            service=service,
            ip=ip,
            port=port,
            keys=keys,
            auth=auth,
            duration_ms=duration_ms,
            media_port=media_port,
            timeout=timeout,
        )
        message_file = Path(command[command.index("-message_file") + 1])
        done = subprocess.run(  # noqa: S603 - SIPp with our scenario
            command, cwd=self.workdir, capture_output=True, timeout=timeout + 10, check=False
        )
        return SippResult(done.returncode, message_file.read_text() if message_file.exists() else "")

    def start(self, scenario: str, *, ip: str, port: int, media_port: int = 15086, timeout: int = 30):
        """A SIPp waiting for one call (``pbx.xml``) in the background; ``wait()`` collects it."""
        command = self._command(
            scenario,
            service="pbx",
            ip=ip,
            port=port,
            keys=None,
            auth=None,
            duration_ms=None,
            media_port=media_port,
            timeout=timeout,
        )
        command[1:2] = []  # a UAS listens: no remote address
        process = subprocess.Popen(  # noqa: S603 - SIPp with our scenario
            command, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.background.append(process)
        time.sleep(0.3)  # bound and listening
        return process

    def close(self) -> None:
        for process in self.background:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def sipp(tmp_path):
    runner = Sipp(tmp_path)
    yield runner
    runner.close()


def register(
    sipp: Sipp,
    username: str,
    password: str,
    *,
    expires: int = 60,
    contact_port: int = 15072,
    port: int = 5072,
    ip: str = "127.0.0.1",
    timeout: int = 20,
):
    return sipp.run(
        "register",
        timeout=timeout,
        service=username,
        ip=ip,
        port=port,
        auth=(username, password),
        keys={
            "domain": REALM,
            "expires": expires,
            "contact_host": "127.0.0.1",
            "contact_port": contact_port,
            "user_agent": "Yealink-SIPp/1.0",
        },
    )


def live_number(tenants, e164: str, *, django_capture_on_commit_callbacks):
    """A number of reseller A bought and live (the sandbox carrier provisions it at once)."""
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[e164]).numbers.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    return number


def active_trunk(tenants, *, name="Acme PBX", **kwargs):
    issued = trunks.trunk_create(actor=tenants.a.owner_actor, name=name, **kwargs)
    trunks.trunk_push(trunk_id=issued.trunk.pk)
    issued.trunk.refresh_from_db()
    return issued


def wait_for(check, *, timeout: float = 15.0, every: float = 0.3):
    """Run ``check`` until it returns something truthy (the edge's rows settle within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


__all__ = ["NL_AMS", "fast_sandbox", "stock"]

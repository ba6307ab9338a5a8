"""The web process as ``manage.py serve`` (and the production command) starts it, on a real socket: slow
clients cannot tie it up, and request bodies are read whole or refused, never taken as empty."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from portal.management.commands.serve import web_command
from tests.portal.test_security_settings import demo_environment

ROOT = Path(__file__).resolve().parents[2]
CLIENT_TIMEOUT = 4  # seconds a client has to deliver its request (WEB_CLIENT_TIMEOUT)

SETUP = """
from decimal import Decimal
from django.contrib.sessions.backends.db import SessionStore
from billing.services import reseller_onboard
from accounts.models import User
created = reseller_onboard(
    name="Slow Test", owner_email="owner@slow.test", opening_balance=Decimal("10"), owner_password="a-long-password-1"
)
user = User.objects.get(email="owner@slow.test")
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print("SESSION=" + session.session_key)
print("KEY=" + created.api_key)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The web process (2 workers × 4 threads, as ``serve`` runs it) on the embedded defaults, with a
    reseller logged in; yields its base URL and the session cookie."""
    var = tmp_path_factory.mktemp("web")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        demo_environment(), DIDFARM_VAR_DIR=str(var), PYTHONUNBUFFERED="1", WEB_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT)
    )
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    session = out.split("SESSION=")[1].split()[0]
    key = out.split("KEY=")[1].split()[0]
    port = _free_port()
    log_path = var / "web.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            web_command(host="127.0.0.1", port=port, workers=2), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/login/", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base, port, session, log_path, key
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Tricklers:
    """``count`` connections that send their requests a byte at a time, every ``every`` seconds: half of
    them stuck in the headers, half in a form body that says it is 2,000 bytes long."""

    def __init__(self, port: int, count: int, every: float = 0.25):
        self.every = every
        self.sockets: list[tuple[socket.socket, bytes]] = []
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            if i % 2:
                start = (
                    b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                )
                start += b"Content-Length: 2000\r\n\r\nusername="
            else:
                start = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            s.sendall(start)
            self.sockets.append((s, b"a"))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(self.every):
            for s, byte in self.sockets:
                with contextlib.suppress(OSError):
                    s.send(byte)

    def close(self):
        self.stop.set()
        self.thread.join()
        for s, _ in self.sockets:
            s.close()


def _timed_get(url: str, **kwargs) -> tuple[float, requests.Response]:
    # Under the 4 s the slow clients hold their connections: a server whose threads they had taken would
    # not answer in time, while a busy test machine still leaves room (unloaded, answers take milliseconds).
    started = time.monotonic()
    response = requests.get(url, timeout=3, **kwargs)
    return time.monotonic() - started, response


def test_fifty_clients_trickling_their_requests_leave_health_and_pages_answering_promptly(web):
    base, port, session, _, _ = web
    tricklers = Tricklers(port, 50)
    try:
        time.sleep(0.5)  # every slow request has started; with a thread each, all threads would be taken
        health, pages = [], []
        for _ in range(5):
            took, response = _timed_get(f"{base}/healthz")
            assert response.status_code == 200
            health.append(took)
            took, response = _timed_get(f"{base}/", cookies={"sessionid": session}, allow_redirects=False)
            assert response.status_code == 200 and "Slow Test" in response.text
            pages.append(took)
    finally:
        tricklers.close()
    print(
        f"\n/healthz with 50 slow clients: p50 {statistics.median(health) * 1000:.1f} ms, "
        f"max {max(health) * 1000:.1f} ms"
    )
    print(
        f"dashboard with 50 slow clients: p50 {statistics.median(pages) * 1000:.1f} ms, max {max(pages) * 1000:.1f} ms"
    )


def test_a_client_that_does_not_finish_its_request_in_time_is_disconnected(web):
    _, port, _, log_path, _ = web
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(CLIENT_TIMEOUT + 5)
        started = time.monotonic()
        while True:  # a byte every half second does not keep it open past the timeout
            try:
                s.send(b"X")
            except OSError:
                break
            s.settimeout(0.5)
            try:
                if s.recv(1024) == b"":
                    break
            except TimeoutError:
                pass
            assert time.monotonic() - started < CLIENT_TIMEOUT + 5, "the slow client was never disconnected"
        assert time.monotonic() - started >= CLIENT_TIMEOUT - 1
    finally:
        s.close()
    assert "no whole request within" in log_path.read_text()


def _chunked_post(port: int, path: str, key: str, body: bytes, piece: int = 7) -> tuple[int, dict]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` (no Content-Length), in pieces of ``piece`` bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        pieces = (body[i : i + piece] for i in range(0, len(body), piece))
        connection.request(
            "POST",
            path,
            body=pieces,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_json_body_without_content_length_is_read_whole(web):
    base, port, _, _, key = web
    status, body = _chunked_post(port, "/api/v1/clients", key, json.dumps({"name": "Chunked Dental"}).encode())
    assert status == 201, body
    assert body["data"]["name"] == "Chunked Dental"
    names = [
        c["name"]
        for c in requests.get(f"{base}/api/v1/clients", headers={"Authorization": f"Bearer {key}"}).json()["data"]
    ]
    assert "Chunked Dental" in names


def test_a_chunked_body_over_the_limit_is_a_413_in_the_error_format(web):
    _, port, _, _, key = web
    oversized = json.dumps({"name": "x" * (3 * 1024 * 1024)}).encode()
    status, body = _chunked_post(port, "/api/v1/clients", key, oversized, piece=64 * 1024)
    assert status == 413
    assert body["error"]["code"] == "payload_too_large" and "1048576" in body["error"]["message"]

"""The suite runs against a live portal (the portal's tests/sdk starts one and sets these variables):
DIDFARM_BASE_URL, DIDFARM_API_KEY (a funded reseller), DIDFARM_TEST_READ_ONLY_KEY, DIDFARM_TEST_LIMITED_KEY
(a reseller allowed DIDFARM_TEST_RATE_LIMIT requests per DIDFARM_TEST_RATE_WINDOW seconds) and
DIDFARM_TEST_VOICE_KEY (a reseller whose client has call records on two days and an issued invoice)."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import didfarm
import pytest

REQUIRED = ("DIDFARM_BASE_URL", "DIDFARM_API_KEY", "DIDFARM_TEST_READ_ONLY_KEY", "DIDFARM_TEST_LIMITED_KEY")


@pytest.fixture(scope="session")
def live() -> dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.fail(f"These tests need a live portal: set {', '.join(missing)} (the portal's tests/sdk does)")
    return {name: os.environ[name] for name in os.environ if name.startswith("DIDFARM_")}


@pytest.fixture
def client(live) -> Iterator[didfarm.Client]:
    with didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=live["DIDFARM_BASE_URL"]) as c:
        yield c


@pytest.fixture
def voice_client(live) -> Iterator[didfarm.Client]:
    key = live.get("DIDFARM_TEST_VOICE_KEY")
    assert key, "the live portal's reseller with call records is missing (DIDFARM_TEST_VOICE_KEY)"
    with didfarm.Client(api_key=key, base_url=live["DIDFARM_BASE_URL"]) as c:
        yield c


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A local webhook receiver: records each request's headers and raw body."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.arrived:
                    outer.requests.append((dict(self.headers.items()), body))
                    outer.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/didfarm-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate: Any, timeout: float = 45.0) -> tuple[dict[str, str], bytes]:
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: next((r for r in self.requests if predicate(json.loads(r[1]))), None), timeout=timeout
            )
        assert found, (
            f"no matching delivery within {timeout} s; got {[json.loads(b)['event'] for _, b in self.requests]}"
        )
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()

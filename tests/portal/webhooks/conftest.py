"""A real HTTP receiver on 127.0.0.1 for webhook tests, and helpers to record events and run the sweeper.

The receiver answers each request from a script (``receiver.answer(...)``), records what it got, and
checks the ``X-DIDfarm-Signature`` header with the verification code printed in the README (read from
the README itself, so the documented code is the tested code)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import transaction

from portal import events
from portal.webhooks import services
from tests.numbers.conftest import stock  # noqa: F401 (a fixture some webhook tests use)

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_verification_code() -> dict:
    """Run the README's signature-checking block and return its names (``verify_didfarm_signature`` …)."""
    text = README.read_text()
    found = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", text, re.S)
    assert found, "the README's webhook verification code block is missing"
    names: dict = {}
    exec(compile(found.group(1), "README.md", "exec"), names)  # noqa: S102 - our own documentation
    return names


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    verified: bool | None = None

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class Receiver:
    def __init__(self, port: int = 0):
        self.requests: list[Received] = []
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.secrets: list[str] = []  # when set, every request's X-DIDfarm-Signature is checked
        self.lock = threading.Lock()
        self.verify = readme_verification_code()["verify_didfarm_signature"]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as production servers do: no 40 ms delayed-ACK stalls

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got = Received(self.path, dict(self.headers.items()), body, time.time())
                if receiver.secrets:
                    got.verified = any(
                        receiver.verify(s, body, self.headers.get("X-DIDfarm-Signature", "")) for s in receiver.secrets
                    )
                with receiver.lock:
                    receiver.requests.append(got)
                    answer = receiver.script.popleft() if receiver.script else receiver.default
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        port = self.server.server_address[1] if self.server is not None else self.port
        return f"http://127.0.0.1:{port}/hooks/didfarm"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]

    def answer(self, *answers: Answer | int) -> None:
        for a in answers:
            self.script.append(a if isinstance(a, Answer) else Answer(status=a))

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def down(self) -> None:
        """Stop listening: connections are refused until ``up()``. The port stays bound (without listening)
        so nothing else on the machine can take it meanwhile."""
        self.port = self.server.server_address[1]
        self.close()
        self.holder = socket.socket()
        self.holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.holder.bind(("127.0.0.1", self.port))

    def up(self) -> None:
        self.holder.close()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def emit(account, event_type="number.activated", *, client=None, data=None, subject_type="", subject_id=""):
    """Record one event as a business transaction would, and fan it out."""
    with transaction.atomic():
        event = events.record(
            event_type,
            account=account,
            client=client,
            data=data if data is not None else {"number": "+31201234567"},
            subject_type=subject_type,
            subject_id=subject_id,
        )
    services.events_fan_out(event_ids=[event.pk])
    return event


def sweep() -> int:
    return services.webhooks_sweep(time_budget=30)

"""A local stand-in for VIES's REST service (``POST …/check-vat-number``), answering as it does: the VAT ids
in ``registered`` are valid (with their names), others are not; ``member_state_down`` answers as VIES does
when a member state's register is away (``valid: false`` with ``userError: MS_UNAVAILABLE``); ``status``
other than 200 answers that status; ``delay`` seconds pass before any answer."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ViesFake:
    def __init__(self):
        self.registered: dict[str, str] = {}
        self.requests: list[dict] = []
        self.member_state_down = False
        self.status = 200
        self.delay = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/check-vat-number"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ViesFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, body: dict) -> tuple[int, dict]:
        vat_id = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
        base = {"countryCode": body.get("countryCode"), "vatNumber": body.get("vatNumber"), "requestDate": "2026-04-20"}
        if self.status != 200:
            return self.status, {"actionSucceed": False, "errorWrappers": [{"error": "SERVICE_UNAVAILABLE"}]}
        if self.member_state_down:
            return 200, base | {"valid": False, "userError": "MS_UNAVAILABLE", "name": "---", "address": "---"}
        if vat_id in self.registered:
            return 200, base | {"valid": True, "userError": "VALID", "name": self.registered[vat_id], "address": "-"}
        return 200, base | {"valid": False, "userError": "INVALID", "name": "---", "address": "---"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append(body)
                time.sleep(fake.delay)
                status, answer = fake._answer(body)
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the portal gave up waiting
                    pass

        return Handler

"""A webhook receiver that accepts only genuine DIDfarm deliveries.

    DIDFARM_WEBHOOK_SECRET=whsec_… python examples/webhook_receiver.py

Add http://127.0.0.1:8600/hook as an endpoint (Developers → Webhooks, or ``client.webhooks.create``) and
copy its secret; ``make run`` allows webhooks to this machine.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from didfarm import webhooks

SECRET = os.environ["DIDFARM_WEBHOOK_SECRET"]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = webhooks.verify(body, dict(self.headers.items()), SECRET)
        except webhooks.WebhookVerificationError as error:
            print(f"refused: {error.message}")
            self.send_response(400)
        else:
            print(event.timestamp, event.event, json.dumps(event.data, default=str))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    print("listening on http://127.0.0.1:8600/hook")
    HTTPServer(("127.0.0.1", 8600), Receiver).serve_forever()

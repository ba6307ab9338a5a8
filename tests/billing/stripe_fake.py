"""A local stand-in for the few Stripe endpoints the portal calls, answering Stripe-shaped JSON, so the
tests run the real ``stripe`` library (its ``api_base`` pointed here) without the network. Events are
signed as Stripe signs them: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.

It also serves ``/pay/<session>``, a stand-in for Stripe's hosted page: "Pay" marks the session paid and
sends the browser to the session's ``success_url``."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WEBHOOK_SECRET = "whsec_test_secret"


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StripeFake:
    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.decline = False
        self.fail_all = False
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StripeFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):05d}"

    # --- What Stripe does on its side ----------------------------------------------------------

    def pay(self, session_id: str, *, sepa_pending: bool = False) -> dict:
        """The payer completes the hosted page: card paid at once; SEPA pending until ``clear``."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id, method_id = self._id("pi"), self._id("pm")
            # What the payer entered on the hosted page: Stripe's test card, or a SEPA test account.
            self.payment_methods[method_id] = {"id": method_id, "object": "payment_method"} | (
                {"type": "sepa_debit", "sepa_debit": {"last4": "3000", "country": "DE"}}
                if sepa_pending
                else {"type": "card", "card": {"brand": "visa", "last4": "4242", "exp_month": 8, "exp_year": 2031}}
            )
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "currency": "eur",
                "status": "processing" if sepa_pending else "succeeded",
                "payment_method": method_id,
                "customer": session["customer"] or self._id("cus"),
                "latest_charge": self._id("ch"),
                "metadata": session["metadata"],
            }
            session.update(
                status="complete",
                payment_status="unpaid" if sepa_pending else "paid",
                payment_intent=intent_id,
                customer=self.intents[intent_id]["customer"],
            )
            return dict(session)

    def clear(self, session_id: str) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session["payment_status"] = "paid"
            self.intents[session["payment_intent"]]["status"] = "succeeded"
            return dict(session)

    def event(self, event_type: str, obj: dict, *, event_id: str | None = None) -> str:
        return json.dumps(
            {
                "id": event_id or self._id("evt"),
                "object": "event",
                "api_version": "2024-06-20",
                "created": int(time.time()),
                "type": event_type,
                "livemode": False,
                "data": {"object": obj},
            }
        )

    def charge(self, session_id: str, *, amount_refunded: int = 0) -> dict:
        session = self.sessions[session_id]
        intent = self.intents[session["payment_intent"]]
        return {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": amount_refunded,
            "refunded": amount_refunded == intent["amount"],
            "payment_intent": intent["id"],
        }

    def dispute(self, session_id: str, *, amount: int, status: str = "needs_response", reason: str = "fraudulent"):
        intent = self.intents[self.sessions[session_id]["payment_intent"]]
        return {
            "id": f"dp_{intent['id']}",
            "object": "dispute",
            "amount": amount,
            "charge": intent["latest_charge"],
            "payment_intent": intent["id"],
            "reason": reason,
            "status": status,
        }

    # --- The HTTP side ------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | str, content_type: str = "application/json"):
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if status == 302:
                    self.send_header("Location", body if isinstance(body, str) else "")
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                return {key: values[-1] for key, values in parse_qs(raw, keep_blank_values=True).items()}

            def do_GET(self):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                fake.requests.append(("GET", parts.path, query))
                if parts.path.startswith("/v1/checkout/sessions/"):
                    session = fake.sessions.get(parts.path.rsplit("/", 1)[1])
                    if session is None:
                        return self._send(
                            404, {"error": {"type": "invalid_request_error", "message": "No such session"}}
                        )
                    body = dict(session)
                    expand = [value for key, values in query.items() if key.startswith("expand[") for value in values]
                    if any(path.split(".")[0] == "payment_intent" for path in expand) and body["payment_intent"]:
                        body["payment_intent"] = dict(fake.intents[body["payment_intent"]])
                        method = fake.payment_methods.get(body["payment_intent"]["payment_method"])
                        if "payment_intent.payment_method" in expand and method is not None:
                            body["payment_intent"]["payment_method"] = method
                    return self._send(200, body)
                if parts.path.startswith("/pay/"):
                    session = fake.sessions[parts.path.rsplit("/", 1)[1]]
                    page = (
                        "<!doctype html><title>Stripe test checkout</title><h1>Pay EUR "
                        f"{session['amount_total'] / 100:.2f}</h1><form method='post'>"
                        "<button type='submit'>Pay</button></form>"
                    )
                    return self._send(200, page, "text/html")
                return self._send(404, {"error": {"type": "invalid_request_error", "message": "Unknown path"}})

            def do_POST(self):
                parts = urlsplit(self.path)
                form = self._form()
                fake.requests.append(("POST", parts.path, form))
                if fake.fail_all:
                    return self._send(500, {"error": {"type": "api_error", "message": "Stripe is down"}})
                if parts.path == "/v1/checkout/sessions":
                    session_id = fake._id("cs")
                    fake.sessions[session_id] = {
                        "id": session_id,
                        "object": "checkout.session",
                        "url": f"{fake.url}/pay/{session_id}",
                        "status": "open",
                        "payment_status": "unpaid",
                        "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                        "currency": form["line_items[0][price_data][currency]"],
                        "client_reference_id": form.get("client_reference_id"),
                        "customer": form.get("customer"),
                        "payment_intent": None,
                        "metadata": {"top_up": form.get("metadata[top_up]"), "account": form.get("metadata[account]")},
                        "success_url": form["success_url"],
                        "cancel_url": form["cancel_url"],
                        "setup_future_usage": form.get("payment_intent_data[setup_future_usage]"),
                    }
                    return self._send(200, fake.sessions[session_id])
                if parts.path.startswith("/pay/"):
                    session_id = parts.path.rsplit("/", 1)[1]
                    fake.pay(session_id)
                    target = fake.sessions[session_id]["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    return self._send(302, target, "text/plain")
                if parts.path == "/v1/payment_intents":
                    if fake.decline:
                        return self._send(
                            402,
                            {
                                "error": {
                                    "type": "card_error",
                                    "code": "card_declined",
                                    "decline_code": "insufficient_funds",
                                    "message": "Your card has insufficient funds.",
                                }
                            },
                        )
                    intent_id = fake._id("pi")
                    fake.intents[intent_id] = {
                        "id": intent_id,
                        "object": "payment_intent",
                        "amount": int(form["amount"]),
                        "currency": form["currency"],
                        "status": "succeeded",
                        "customer": form.get("customer"),
                        "payment_method": form.get("payment_method"),
                        "latest_charge": fake._id("ch"),
                        "metadata": {"top_up": form.get("metadata[top_up]")},
                    }
                    return self._send(200, fake.intents[intent_id])
                return self._send(404, {"error": {"type": "invalid_request_error", "message": "Unknown path"}})

        return Handler

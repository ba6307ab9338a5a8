"""Retries: a 429 waits out the portal's Retry-After; a POST retried after a lost answer reuses its
Idempotency-Key, so the portal replays the first result and charges once; a POST the API does not
deduplicate is never repeated; timeouts are raised typed."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import didfarm
import httpx
import pytest
from conftest import free_port


def _limited(live, **options: Any) -> tuple[didfarm.Client, list[int]]:
    statuses: list[int] = []
    http = httpx.Client(event_hooks={"response": [lambda r: statuses.append(r.status_code)]})
    client = didfarm.Client(
        api_key=live["DIDFARM_TEST_LIMITED_KEY"], base_url=live["DIDFARM_BASE_URL"], http_client=http, **options
    )
    return client, statuses


def test_past_the_rate_limit_the_error_says_how_long_to_wait(live):
    client, _ = _limited(live, max_retries=0)
    window = int(live["DIDFARM_TEST_RATE_WINDOW"])
    with pytest.raises(didfarm.RateLimitError) as caught:
        for _ in range(int(live["DIDFARM_TEST_RATE_LIMIT"]) + 1):
            client.account.me()
    error = caught.value
    assert error.status == 429 and error.code == "rate_limited" and error.request_id
    assert error.retry_after is not None and 0 < error.retry_after <= window


def test_the_client_waits_out_retry_after_and_succeeds(live):
    client, statuses = _limited(live, max_retries=5)
    limit = int(live["DIDFARM_TEST_RATE_LIMIT"])
    started = time.monotonic()
    answers = [client.account.me() for _ in range(2 * limit + 1)]
    elapsed = time.monotonic() - started
    assert all(a.account_name == "SDK Limited" for a in answers)
    assert 429 in statuses, "the low limit was never reached"
    assert statuses.count(200) == len(answers)
    assert elapsed >= 1.0  # it waited, as Retry-After said


def test_a_retry_after_longer_than_allowed_is_raised_not_waited(live):
    client, _ = _limited(live, max_retries=3, max_retry_wait=0.0)
    with pytest.raises(didfarm.RateLimitError):
        for _ in range(int(live["DIDFARM_TEST_RATE_LIMIT"]) + 2):
            client.account.me()


class LosingProxy:
    """Forwards requests to the portal; the first POST's answer is thrown away and a 502 sent instead,
    as if the connection had failed after the portal did the work."""

    def __init__(self, upstream_root: str) -> None:
        self.posts: list[tuple[str, str | None, str | None]] = []  # path, Idempotency-Key, Idempotent-Replayed
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length"}}
                answer = httpx.request(self.command, upstream_root + self.path, headers=headers, content=body)
                if self.command == "POST":
                    outer.posts.append(
                        (self.path, self.headers.get("Idempotency-Key"), answer.headers.get("Idempotent-Replayed"))
                    )
                    if len(outer.posts) == 1:
                        self.send_response(502)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in {"content-length", "transfer-encoding", "connection", "content-encoding"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(live):
    upstream_root = live["DIDFARM_BASE_URL"].rsplit("/api/v1", 1)[0]
    p = LosingProxy(upstream_root)
    yield p
    p.close()


def test_a_purchase_retried_after_a_lost_answer_reuses_its_key_and_is_charged_once(live, client, proxy):
    through_proxy = didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=proxy.root + "/api/v1", max_retries=2)
    candidate = client.numbers.search(country_code="GB", number_type="local", limit=1)[0]
    before = client.wallet.balance().balance_exact
    orders_before = client.orders.list(limit=1).meta.total

    number = through_proxy.numbers.order(number=candidate.number, billing_cycle="monthly")

    assert number.number == candidate.number
    assert len(proxy.posts) == 2
    (_, first_key, first_replayed), (_, second_key, second_replayed) = proxy.posts
    assert first_key and first_key == second_key
    assert first_replayed is None and second_replayed == "true"
    assert client.orders.list(limit=1).meta.total == orders_before + 1
    charged = before - client.wallet.balance().balance_exact
    assert charged == number.setup_cost + number.monthly_cost  # one setup fee and one period, once


def test_a_caller_can_choose_the_idempotency_key(client):
    candidate = client.numbers.search(country_code="GB", number_type="local", limit=1)[0]
    first = client.numbers.order(number=candidate.number, idempotency_key=f"sdk-{candidate.number}")
    again = client.numbers.order(number=candidate.number, idempotency_key=f"sdk-{candidate.number}")
    assert first.id == again.id


def test_a_post_the_api_does_not_deduplicate_is_not_repeated(live, proxy):
    through_proxy = didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=proxy.root + "/api/v1", max_retries=2)
    with pytest.raises(didfarm.ServerError) as caught:
        through_proxy.sip_trunks.create(name="Not twice")
    assert caught.value.status == 502
    assert len(proxy.posts) == 1


def test_a_portal_that_does_not_answer_times_out_and_reads_are_retried():
    accepted: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    client = didfarm.Client(
        api_key="df_live_sk_x",
        base_url=f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1",
        timeout=0.3,
        max_retries=1,
    )
    try:
        with pytest.raises(didfarm.APITimeoutError) as caught:
            client.wallet.balance()
        assert caught.value.code == "timeout"
        assert len(accepted) == 2  # the first attempt and one retry
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_an_unreachable_portal_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = didfarm.Client(api_key="df_live_sk_x", base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=0)
    with pytest.raises(didfarm.APIConnectionError):
        client.wallet.balance()


def test_a_redirect_is_an_error_naming_where_to_go():
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(301)
            self.send_header("Location", "https://portal.example" + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = didfarm.Client(api_key="df_live_sk_x", base_url=f"http://127.0.0.1:{server.server_address[1]}/api/v1")
        with pytest.raises(didfarm.APIError) as caught:
            client.wallet.balance()
        assert caught.value.status == 301 and caught.value.code == "redirected"
        assert "https://portal.example/api/v1/wallet/balance" in caught.value.message
    finally:
        server.shutdown()
        server.server_close()

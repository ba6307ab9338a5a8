"""URLs longer than the portal serves get a 414 in the caller's format, also behind the real gunicorn,
whose own (HTML) refusal of long request lines must not come first."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.test import Client as HttpClient

from portal.management.commands.serve import web_command
from portal.middleware import MAX_URL_LENGTH
from tests.portal.test_security_settings import demo_environment

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_MAX_LINE = 8190  # gunicorn's largest finite limit_request_line


def padded(path: str, length: int) -> str:
    """``path`` with a query string making the URL exactly ``length`` characters long."""
    head = f"{path}?pad="
    return head + "x" * (length - len(head))


def assert_api_414(response, length: int) -> None:
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["code"], error["status"]) == ("uri_too_long", 414)
    assert f"{length} bytes" in error["message"] and str(MAX_URL_LENGTH) in error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]


def assert_v3_414(response) -> None:
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    (error,) = response.json()["errors"]
    assert (error["status"], error["code"], error["title"]) == ("414", "uri_too_long", "URI too long")


def assert_page_414(response) -> None:
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "This address is too long" in text and "pad=xxx" not in text  # the address is not repeated


@pytest.mark.django_db
def test_a_url_longer_than_the_limit_is_414_in_each_places_format():
    http = HttpClient()
    too_long = MAX_URL_LENGTH + 1

    assert_api_414(http.get(padded("/api/v1/numbers", too_long)), too_long)
    assert_api_414(http.post(padded("/v1/wallet/checkout", too_long)), too_long)
    assert_v3_414(http.get(padded("/api/v3/dids", too_long)))
    assert_page_414(http.get(padded("/numbers/", too_long)))
    # At the limit the request goes on as usual.
    assert http.get(padded("/api/v1/numbers", MAX_URL_LENGTH)).status_code == 401
    assert http.get(padded("/login/", MAX_URL_LENGTH)).status_code == 200


def test_gunicorns_request_line_limit_leaves_room_for_the_portals_own():
    # "GET " + URL + " HTTP/1.1": the longest URL the portal serves, and its 414s a little beyond, reach it.
    assert len(f"DELETE {'x' * MAX_URL_LENGTH}1 HTTP/1.1") < GUNICORN_MAX_LINE
    from portal import gunicorn_conf

    assert gunicorn_conf.limit_request_line == GUNICORN_MAX_LINE
    assert web_command(host="h", port=1, workers=1)[2:4] == ["--config", "python:portal.gunicorn_conf"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """The web process as ``manage.py serve`` starts it, on the embedded defaults."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # As scripts/run starts it: plain HTTP on this machine (the settings' defaults redirect to HTTPS).
    env.update(demo_environment(), DIDFARM_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    port = _free_port()
    log = (tmp_path / "web.log").open("w")
    proc = subprocess.Popen(
        web_command(host="127.0.0.1", port=port, workers=1), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None, (tmp_path / "web.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_behind_gunicorn_long_urls_reach_the_portal_and_too_long_ones_get_its_414(gunicorn):
    # Longer than gunicorn's default limit (4094): served.
    assert requests.get(gunicorn + padded("/healthz", 6000), timeout=10).json() == {"status": "ok"}
    unauthorized = requests.get(gunicorn + padded("/api/v1/numbers", 6000), timeout=10)
    assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "unauthorized"

    too_long = MAX_URL_LENGTH + 100
    assert_api_414(requests.get(gunicorn + padded("/api/v1/numbers", too_long), timeout=10), too_long)
    assert_v3_414(requests.get(gunicorn + padded("/api/v3/dids", too_long), timeout=10))
    assert_page_414(requests.get(gunicorn + padded("/numbers/", too_long), timeout=10))

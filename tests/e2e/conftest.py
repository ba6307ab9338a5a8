"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Playwright's sync API keeps an asyncio loop running in this thread, which trips Django's "you cannot call
this from an async context" guard on every ORM call the test makes, though the test code itself is
synchronous. ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set only while a browser is open, so the guard stays on for
the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _live_server_closes_db_connections(monkeypatch):
    """The live server answers each browser socket in its own thread and closes that thread's database
    connection only when the socket closes. With the persistent connections of settings (CONN_MAX_AGE=60)
    a kept-alive socket's connection can still be open when the test database is dropped; close them after
    every request instead."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Function-scoped: the Playwright loop (and the relaxed async guard it needs) lives only as long as a test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, Django hands this thread a separate set of connections (they live in
        # asgiref's context-local storage); close them here, or one outlives the test and blocks dropping
        # the test database.
        connections.close_all()


@pytest.fixture
def browser_page(browser, live_server) -> Iterator[Page]:
    """A fresh page (own cookies) on the live server, with clipboard access. ``page.js_errors`` collects
    uncaught JavaScript errors and failed (4xx/5xx) responses."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.on("response", lambda r: page.js_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page
    context.close()


@pytest.fixture
def screenshot(browser_page) -> Callable[[str], Path]:
    """``screenshot("01-dashboard")`` saves the whole page to ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Page, live_server, email: str, password: str) -> None:
    """Log in through the form and wait for the dashboard."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

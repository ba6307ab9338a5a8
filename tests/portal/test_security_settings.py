"""Safe defaults: with nothing set, every security setting is on the safe side; the demo opts out of what
plain HTTP on 127.0.0.1 cannot have, in scripts/run; ``check --deploy`` reports nothing with the README's
production environment and warns about each unsafe value. Settings are read in a fresh process, as a
server starting with that environment would read them (the test process runs with the demo's opt-ins)."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.numbers.conftest import login

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# Everything the settings read that bears on security: unset unless a test sets it.
SECURITY_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "PUBLIC_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "TRUST_PROXY_HEADERS",
    "WEBHOOKS_ALLOW_PRIVATE",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
}


def environment(tmp_path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    env.update(DIDFARM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="portal.settings", **values)
    return env


def settings_in_a_fresh_process(env: dict[str, str]) -> dict:
    code = (
        # ALLOWED_HOSTS as configured: the brands' verified domains are added from the database at run time.
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "n: s.ALLOWED_HOSTS.configured if n == 'ALLOWED_HOSTS' else getattr(s, n, None) for n in ("
        "'DEBUG', 'ALLOWED_HOSTS', 'CSRF_TRUSTED_ORIGINS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_PROXY_SSL_HEADER', "
        "'USE_X_FORWARDED_HOST', 'WEBHOOKS_ALLOW_PRIVATE', 'EMAIL_USE_TLS', 'SECURE_CONTENT_TYPE_NOSNIFF', "
        "'X_FRAME_OPTIONS', 'SECRET_KEY_FROM_ENVIRONMENT', 'ENCRYPTION_KEYS_FROM_ENVIRONMENT')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def documented_production_environment() -> dict[str, str]:
    """The README's production environment block, with ``<…>`` placeholders filled in."""
    found = re.search(r"<!-- production-env -->\s*```sh\n(.*?)```", README.read_text(), re.S)
    assert found, "the README's production environment block is missing"
    values = {}
    for line in found.group(1).splitlines():
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[name.strip()] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(50), value)
    # The README's placeholder filled with a key of the form its command makes (32 bytes, URL-safe base64).
    assert "ENCRYPTION_KEYS" in values, "the production environment sets ENCRYPTION_KEYS"
    values["ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return values


def demo_environment() -> dict[str, str]:
    """What scripts/run exports for the demo: ``export NAME="${NAME:-value}" …``."""
    exports = re.findall(r"^export (.*)$", (ROOT / "scripts" / "run").read_text(), re.M)
    return dict(re.findall(r'(\w+)="\$\{\1:-([^}]*)\}"', "\n".join(exports)))


def test_with_nothing_set_every_security_setting_is_on_the_safe_side(tmp_path):
    got = settings_in_a_fresh_process(environment(tmp_path))
    assert got["DEBUG"] is False
    assert set(got["ALLOWED_HOSTS"]) == {"127.0.0.1", "localhost", "[::1]"}
    assert got["CSRF_TRUSTED_ORIGINS"] == []
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SESSION_COOKIE_SECURE"] is got["CSRF_COOKIE_SECURE"] is True
    assert got["SESSION_COOKIE_HTTPONLY"] is got["CSRF_COOKIE_HTTPONLY"] is True
    assert got["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is got["SECURE_HSTS_PRELOAD"] is True
    assert got["SECURE_PROXY_SSL_HEADER"] is None and got["USE_X_FORWARDED_HOST"] is False
    assert got["WEBHOOKS_ALLOW_PRIVATE"] is False
    assert got["EMAIL_USE_TLS"] is True
    assert got["SECURE_CONTENT_TYPE_NOSNIFF"] is True and got["X_FRAME_OPTIONS"] == "DENY"
    assert got["SECRET_KEY_FROM_ENVIRONMENT"] is False
    assert got["ENCRYPTION_KEYS_FROM_ENVIRONMENT"] is False
    assert (tmp_path / "encryption_key").stat().st_mode & 0o077 == 0  # generated, readable by its owner only


def test_the_demo_opts_out_of_https_only_and_in_to_local_webhooks_explicitly(tmp_path):
    demo = demo_environment()
    assert demo == {"SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "WEBHOOKS_ALLOW_PRIVATE": "true"}
    got = settings_in_a_fresh_process(environment(tmp_path, **demo))
    assert got["SECURE_SSL_REDIRECT"] is False and got["SESSION_COOKIE_SECURE"] is False
    assert got["WEBHOOKS_ALLOW_PRIVATE"] is True
    assert got["DEBUG"] is False and got["SECURE_PROXY_SSL_HEADER"] is None  # nothing else is loosened


def test_check_deploy_reports_no_issue_with_the_documented_production_environment(tmp_path):
    env = environment(tmp_path, **documented_production_environment())
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_about_each_unsafe_setting(tmp_path):
    unsafe = {
        **documented_production_environment(),
        "DEBUG": "true",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "PUBLIC_URL": "http://portal.example.net",
        "CSRF_TRUSTED_ORIGINS": "http://portal.example.com",
    }
    del unsafe["SECRET_KEY"], unsafe["ENCRYPTION_KEYS"]
    result = check_deploy(environment(tmp_path, **unsafe))
    assert result.returncode != 0
    reported = set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", result.stderr + result.stdout))
    assert reported >= {
        "security.W018",  # DEBUG
        "security.W008",  # no redirect to HTTPS
        "security.W012",  # session cookie over plain HTTP
        "security.W016",  # CSRF cookie over plain HTTP
        "security.W004",  # no HSTS
        "portal.W001",  # webhooks may reach private addresses
        "portal.W002",  # SECRET_KEY generated
        "portal.W003",  # PUBLIC_URL not https
        "portal.W004",  # PUBLIC_URL's host not allowed
        "portal.W005",  # a plain-HTTP trusted origin
        "portal.W006",  # ENCRYPTION_KEYS generated
    }, result.stderr + result.stdout


def test_the_default_environment_asks_for_a_secret_key_encryption_keys_and_an_https_public_url(tmp_path):
    result = check_deploy(environment(tmp_path))
    reported = set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", result.stderr + result.stdout))
    assert reported == {"portal.W002", "portal.W003", "portal.W006"}, result.stderr + result.stdout


def test_a_malformed_encryption_key_stops_the_checks_naming_its_place(tmp_path):
    good = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    production = {**documented_production_environment(), "ENCRYPTION_KEYS": f"{good},oops"}
    result = check_deploy(environment(tmp_path, **production))
    assert result.returncode != 0 and "portal.E001" in result.stderr, result.stderr + result.stdout
    assert "ENCRYPTION_KEYS: key 2 is not 32 bytes" in result.stderr


@pytest.mark.django_db
def test_the_webhooks_page_says_so_while_private_targets_are_allowed(tenants, settings):
    browser = login("owner@alpha.test")
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    page = browser.get(reverse("webhook_list")).content.decode()
    assert 'data-testid="private-targets-allowed"' in page and "WEBHOOKS_ALLOW_PRIVATE" in page
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    page = browser.get(reverse("webhook_list")).content.decode()
    assert 'data-testid="private-targets-allowed"' not in page and "WEBHOOKS_ALLOW_PRIVATE" not in page

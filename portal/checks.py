"""The portal's own deployment checks, run by ``manage.py check --deploy`` beside Django's: settings that
are fine for the embedded demo on 127.0.0.1 and unsafe or broken on a public server. The README's
production section lists the environment under which none of them (nor Django's) warns."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.http.request import validate_host


@register(Tags.security, deploy=True)
def webhooks_private_targets(app_configs, **kwargs):
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        return []
    return [
        Warning(
            "WEBHOOKS_ALLOW_PRIVATE is on: webhook URLs may point at loopback, private and link-local "
            "addresses (cloud metadata included), and the first KB of each answer shows in the delivery log.",
            hint="Leave WEBHOOKS_ALLOW_PRIVATE unset (or false) in production; only the local demo needs it.",
            id="portal.W001",
        )
    ]


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        Warning(
            "SECRET_KEY is not set in the environment: a key was generated and kept in the var directory. "
            "Each machine makes its own, so sessions and reset links fail across machines, and the key sits "
            "beside the data it protects.",
            hint='Set SECRET_KEY to one long random value (python3 -c "import secrets; '
            'print(secrets.token_urlsafe(50))") shared by every process.',
            id="portal.W002",
        )
    ]


@register(Tags.security)
def encryption_keys_valid(app_configs, **kwargs):
    """Malformed keys are reported at start-up, not at the first secret read or written."""
    from portal.crypto import EncryptionKeyError, keyring

    try:
        keyring()
    except EncryptionKeyError as exc:
        return [Error(str(exc), id="portal.E001")]
    return []


@register(Tags.security, deploy=True)
def encryption_keys_from_environment(app_configs, **kwargs):
    if getattr(settings, "ENCRYPTION_KEYS_FROM_ENVIRONMENT", True):
        return []
    return [
        Warning(
            "ENCRYPTION_KEYS is not set in the environment: the key that encrypts webhook secrets and port PINs "
            "was generated into the var directory, where it sits beside the data (and in its backups) and "
            "other machines cannot read what this one encrypted.",
            hint="Set ENCRYPTION_KEYS to the same key on every process (the generated one from "
            "var/encryption_key keeps existing data readable), and keep a copy apart from database backups.",
            id="portal.W006",
        )
    ]


@register(Tags.security, deploy=True)
def public_url_https(app_configs, **kwargs):
    parts = urlsplit(settings.PUBLIC_URL)
    problems = []
    if parts.scheme != "https":
        problems.append(
            Warning(
                f"PUBLIC_URL ({settings.PUBLIC_URL}) is not an https:// URL: links in emails (invitations, "
                "password resets) would send people to the portal over plain HTTP.",
                hint="Set PUBLIC_URL to the portal's public https:// address.",
                id="portal.W003",
            )
        )
    if parts.hostname and not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        problems.append(
            Warning(
                f"PUBLIC_URL's host ({parts.hostname}) is not in ALLOWED_HOSTS: the links the portal sends "
                "lead to a host it refuses to answer.",
                hint="Add the public host name to ALLOWED_HOSTS.",
                id="portal.W004",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def csrf_origins_https(app_configs, **kwargs):
    plain = [origin for origin in settings.CSRF_TRUSTED_ORIGINS if not origin.lower().startswith("https://")]
    if not plain:
        return []
    return [
        Warning(
            f"CSRF_TRUSTED_ORIGINS trusts origins that are not HTTPS ({', '.join(plain)}): anyone on the network "
            "path of those origins can submit forms as a logged-in user.",
            hint="List only https:// origins, or none: the portal's own origin needs no entry.",
            id="portal.W005",
        )
    ]

"""Emails written in each recipient's language.

Who reads an email chose a language in the portal (``User.language``); people who never did get the
language the sender was using (an invitation from a German page is in German), or, from a background job,
the portal's default. Recipients are grouped by language and each group gets its own message, composed
with that language active, so its dates and amounts are written that way too.

A ``Sender`` sends under another name than the platform's (a reseller's brand, to its clients): its name is
the From display name and its support address the Reply-To, while the From address stays
``DEFAULT_FROM_EMAIL``'s, the one domain SPF and DKIM are set up for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation


@dataclass(frozen=True)
class Sender:
    name: str
    reply_to: str = ""


def send_one(
    *,
    subject: str,
    body: str,
    to: list[str],
    sender: Sender | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> None:
    """One plain-text email, from ``sender`` when given (see the module's docstring), with
    ``attachments`` (filename, content, MIME type)."""
    from_email = settings.DEFAULT_FROM_EMAIL
    reply_to: list[str] = []
    if sender is not None:
        from_email = formataddr((sender.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
        reply_to = [sender.reply_to] if sender.reply_to else []
    # Header-safe: a subject never carries a line break (a name or a label may end up in it).
    subject = " ".join(subject.splitlines())
    message = EmailMessage(subject=subject, body=body, from_email=from_email, to=to, reply_to=reply_to)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def recipient_language(saved: str | None, default: str | None = None) -> str:
    """The language to write to someone in: theirs, else ``default`` (the sender's), else the portal's."""
    offered = dict(settings.LANGUAGES)
    for candidate in (saved, default):
        if candidate and candidate.lower() in offered:
            return candidate.lower()
    return settings.LANGUAGE_CODE


def send_in_languages(
    *,
    people: Iterable[tuple[str, str | None]],
    compose: Callable[[], tuple[str, str]],
    default_language: str | None = None,
    sender: Sender | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> int:
    """Send one message per language to ``people`` — pairs of (email, saved language) — with
    ``compose()`` returning (subject, body) while that language is active, and ``attachments``
    (filename, content, MIME type) on each. Returns how many people were written to. ``sender``: see
    the module's docstring."""
    attachments = list(attachments)
    groups: dict[str, set[str]] = defaultdict(set)
    for email, saved in people:
        groups[recipient_language(saved, default_language)].add(email)
    for language, emails in sorted(groups.items()):
        with translation.override(language):
            subject, body = compose()
        send_one(subject=subject, body=body, to=sorted(emails), sender=sender, attachments=attachments)
    return sum(len(emails) for emails in groups.values())

"""Emails written in each recipient's language.

Who reads an email chose a language in the portal (``User.language``); people who never did get the
language the sender was using (an invitation from a German page is in German), or, from a background job,
the portal's default. Recipients are grouped by language and each group gets its own message, composed
with that language active, so its dates and amounts are written that way too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.utils import translation


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
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> int:
    """Send one message per language to ``people`` — pairs of (email, saved language) — with
    ``compose()`` returning (subject, body) while that language is active, and ``attachments``
    (filename, content, MIME type) on each. Returns how many people were written to."""
    attachments = list(attachments)
    groups: dict[str, set[str]] = defaultdict(set)
    for email, saved in people:
        groups[recipient_language(saved, default_language)].add(email)
    for language, emails in sorted(groups.items()):
        with translation.override(language):
            subject, body = compose()
        if attachments:
            message = EmailMessage(subject=subject, body=body, to=sorted(emails))
            for filename, content, mimetype in attachments:
                message.attach(filename, content, mimetype)
            message.send()
        else:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=sorted(emails))
    return sum(len(emails) for emails in groups.values())

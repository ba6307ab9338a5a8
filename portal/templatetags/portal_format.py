from django import template
from django.utils import dateformat, formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from portal import l10n

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def ldate(value, name: str = "DATE_FORMAT") -> str:
    """Like ``|date`` with a format name, and also knows the portal's own names (``TIMESTAMP_FORMAT``,
    ``WEEKDAY_FORMAT``), each written as the reader's language writes dates."""
    if value in (None, ""):
        return ""
    return dateformat.format(value, l10n.date_format_named(name))


@register.simple_tag
def decimal_mark() -> str:
    """The active language's decimal mark, for scripts that write amounts on the page."""
    return formats.get_format("DECIMAL_SEPARATOR")


@register.filter
def country_name(code: str, fallback: str = "") -> str:
    """A country's name (from its ISO code) in the reader's language."""
    return l10n.country_name(code or "", fallback)


@register.filter
def ltr(text) -> str:
    """Text that reads left to right (an address, a key, a number) kept so on right-to-left pages."""
    return l10n.ltr("" if text is None else str(text))


@register.filter
def changes(entry) -> list[tuple[str, object, object]]:
    """An audit row's before/after as (field, old, new) rows, changed fields only when both exist."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for field in list(dict.fromkeys([*before, *after])):
        old, new = before.get(field), after.get(field)
        if before and after and old == new:
            continue
        rows.append((field, old, new))
    return rows


@register.filter
def since_or_now(moment) -> str:
    """ "just now" under a minute, else "5 minutes ago"."""
    if (timezone.now() - moment).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment)}

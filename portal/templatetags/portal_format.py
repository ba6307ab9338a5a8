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


# Browser and system names people recognise, looked for in this order: Edge and Opera also say "Chrome",
# Chrome also says "Safari", Android also says "Linux", iOS also says "Mac OS X".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


@register.filter
def device_name(user_agent: str) -> str:
    """ "Firefox on Windows" for a browser's user agent; a program's own name ("curl/8.5.0") as it is, cut
    short; "" for none. The full string stays available to show on hover."""
    if not user_agent:
        return ""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or user_agent.split(" ", 1)[0][:60]

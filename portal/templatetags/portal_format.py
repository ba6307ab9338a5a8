from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


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

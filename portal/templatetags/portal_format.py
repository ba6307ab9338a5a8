from django import template

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

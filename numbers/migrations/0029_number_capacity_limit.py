"""A number's own limit of calls at once (``capacity_limit``, DIDWW's attribute of a DID), and ``sip_route``
with it as ``capacity`` (0: no limit of its own), on both databases, so the SIP edge can answer 486 beyond it.

The new view is the one 0021 (PostgreSQL) and 0026 (SQLite) created, with the one column added: this
migration takes their frozen SQL and adds it, so the rest of the view stays word for word what it was.
"""

from importlib import import_module
from pathlib import Path

from django.db import migrations, models


def _migration(name: str):
    """An earlier migration of this app by its name without the number (numbers may change when branches
    are merged), to reuse its frozen SQL."""
    (path,) = Path(__file__).parent.glob(f"[0-9][0-9][0-9][0-9]_{name}.py")
    return import_module(f"{__package__}.{path.stem}")


PG = _migration("sip_edge_tables_and_views")
LITE = _migration("sip_edge_on_sqlite")


def _route_view(views: str) -> str:
    """The ``CREATE VIEW sip_route`` statement of a migration's views."""
    start = views.index("CREATE VIEW sip_route")
    return views[start : views.index(";\n", start)]


def _with_capacity(view: str, inner: str, capacity: str) -> str:
    """``view`` with ``capacity`` after ``channels`` in its outer select, and ``capacity`` computed after
    ``inner`` in its inner one."""
    outer = "SELECT e164, number_id, action, target, trunk_id, channels,"
    assert view.count(outer) == 1 and view.count(inner) == 1
    return view.replace(outer, "SELECT e164, number_id, action, target, trunk_id, channels, capacity,").replace(
        inner, f"{inner}\n        {capacity} AS capacity,"
    )


OLD = {"postgresql": _route_view(PG.VIEWS), "sqlite": _route_view(LITE.VIEWS)}
NEW = {
    "postgresql": _with_capacity(
        OLD["postgresql"], "coalesce(t.channels, 0) AS channels,", "coalesce(n.capacity_limit, 0)"
    ),
    "sqlite": _with_capacity(
        OLD["sqlite"].replace("n.status AS n_status,", "n.status AS n_status, n.capacity_limit AS n_capacity,"),
        "coalesce(t_channels, 0) AS channels,",
        "coalesce(n_capacity, 0)",
    ),
}


def _replace(schema_editor, views: dict[str, str]) -> None:
    view = views.get(schema_editor.connection.vendor)
    if view is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP VIEW IF EXISTS sip_route")
        cursor.execute(view)


def forwards(apps, schema_editor):
    _replace(schema_editor, NEW)


def backwards(apps, schema_editor):
    _replace(schema_editor, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0028_sip_edge_on_sqlite"),
    ]

    operations = [
        migrations.AddField(
            model_name="number",
            name="capacity_limit",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="calls at once"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

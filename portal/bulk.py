"""Writing many new rows of one model at once, as cheaply as the database allows.

On PostgreSQL the rows go in with ``COPY`` (psycopg formats them in C), after their primary keys are
drawn from the table's sequence in one query, so every object knows its key afterwards, as with
``bulk_create``. Elsewhere (the embedded SQLite run) it is ``bulk_create``.

``COPY`` takes the objects as they are: defaults are applied when a model object is made, and fields
that set themselves on save (``auto_now``/``auto_now_add``) are set here. Constraints hold as for any
insert: one violating row fails the statement, and nothing of it is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models


def insert(objs: Sequence[models.Model]) -> None:
    """Insert new (unsaved) objects of one model, and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                field.pre_save(obj, add=True)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        keys = [row[0] for row in cursor.fetchall()]
        getters = [_getter(field) for field in fields]
        columns = ", ".join(quote(f.column) for f in [pk, *fields])
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for key, obj in zip(keys, objs, strict=True):
                copy.write_row([key, *(get(obj) for get in getters)])
    for key, obj in zip(keys, objs, strict=True):
        setattr(obj, pk.attname, key)
        obj._state.adding = False
        obj._state.db = connection.alias


def _getter(field: models.Field) -> Callable[[models.Model], Any]:
    attname = field.attname
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def get_json(obj: models.Model) -> str | None:
            value = getattr(obj, attname)
            return None if value is None and field.null else json.dumps(value, cls=encoder)

        return get_json
    return lambda obj: getattr(obj, attname)

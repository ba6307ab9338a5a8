"""Writing new rows as cheaply as the database allows, for the paths that write the most.

- ``insert(objs)``: many rows of one model. On PostgreSQL they go in with ``COPY`` (psycopg formats them in
  C), after their primary keys are drawn from the table's sequence in one query, so every object knows
  its key afterwards, as with ``bulk_create``.
- ``insert_one(obj)``: one row, as ``obj.save(force_insert=True)``, with the statement built once per
  model rather than compiled by the ORM each time (a sent message writes three rows).
- ``update_each(model, ...)``: many rows, each given its own value of one column (and all of them the
  same values of others), in one ``UPDATE … FROM unnest(…)``, for rows that still match a condition.

Elsewhere than PostgreSQL (the embedded SQLite run) they are ``bulk_create`` and ``save``. Both take the
objects as they are: defaults are applied when a model object is made, and fields that set themselves on
save (``auto_now``/``auto_now_add``) are set here. No model signals are sent (none of these models has
receivers). Constraints hold as for any insert: a violating row fails the statement, nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault, Value


def insert(objs: Sequence[models.Model]) -> None:
    """Insert new (unsaved) objects of one model, and set their primary keys."""
    if not objs:
        return
    if len(objs) == 1:  # one statement rather than a key query and a COPY
        insert_one(objs[0])
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    plan = _plan(model)
    for obj in objs:
        plan.prepare(obj)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, plan.pk.column, len(objs)],
        )
        keys = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(plan.copy_sql) as copy:
            for key, obj in zip(keys, objs, strict=True):
                copy.write_row([key, *(get(obj) for get in plan.copy_getters)])
    for key, obj in zip(keys, objs, strict=True):
        plan.saved(obj, key)


def insert_one(obj: models.Model) -> None:
    """Insert one new (unsaved) object, and set its primary key."""
    if connection.vendor != "postgresql":
        obj.save(force_insert=True)
        return
    plan = _plan(type(obj))
    plan.prepare(obj)
    with connection.cursor() as cursor:
        cursor.execute(plan.insert_sql, [get(obj) for get in plan.param_getters])
        key = cursor.fetchone()[0]
    plan.saved(obj, key)


def update_each(
    model: type[models.Model],
    *,
    column: str,
    values: dict[int, Any],
    where: dict[str, Any] | None = None,
    same: dict[str, Any] | None = None,
) -> list[int]:
    """Set ``column`` of each row whose primary key is in ``values`` to its value there, and the fields in
    ``same`` to theirs, in rows that still have the values in ``where`` (equality). Returns the primary
    keys of the rows changed. ``auto_now`` fields are not touched: name them in ``same``."""
    where, same = where or {}, same or {}
    if not values:
        return []
    if connection.vendor != "postgresql":
        queryset = model.objects.filter(**where)
        return [key for key, value in values.items() if queryset.filter(pk=key).update(**{column: value}, **same)]
    meta, quote = model._meta, connection.ops.quote_name
    target = meta.get_field(column)
    assignments, params = [f"{quote(target.column)} = v.value"], []
    for name, value in same.items():
        field = meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    keys = list(values)
    params += [keys, [target.get_db_prep_save(values[key], connection) for key in keys]]
    conditions = [f"t.{quote(meta.pk.column)} = v.key"]
    for name, value in where.items():
        field = meta.get_field(name)
        conditions.append(f"t.{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {', '.join(assignments)} "
        f"FROM unnest(%s::bigint[], %s::{target.db_type(connection)}[]) AS v(key, value) "
        f"WHERE {' AND '.join(conditions)} RETURNING t.{quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class _Plan:
    """How rows of one model are written: the statements and a value getter per column, made once."""

    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        self.pk = meta.pk
        self.fields = [f for f in meta.concrete_fields if f is not self.pk]
        self.auto = [f for f in self.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        table, columns = quote(meta.db_table), [quote(f.column) for f in self.fields]
        self.copy_sql = f"COPY {table} ({quote(self.pk.column)}, {', '.join(columns)}) FROM STDIN"
        self.copy_getters = [_getter(field, json_text=True) for field in self.fields]
        self.insert_sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"RETURNING {quote(self.pk.column)}"
        )
        self.param_getters = [_getter(field, json_text=False) for field in self.fields]

    def prepare(self, obj: models.Model) -> None:
        for field in self.auto:
            field.pre_save(obj, add=True)

    def saved(self, obj: models.Model, key: int) -> None:
        setattr(obj, self.pk.attname, key)
        obj._state.adding = False
        obj._state.db = connection.alias


_plans: dict[type[models.Model], _Plan] = {}


def _plan(model: type[models.Model]) -> _Plan:
    plan = _plans.get(model)
    if plan is None:
        plan = _plans[model] = _Plan(model)
    return plan


def _getter(field: models.Field, *, json_text: bool) -> Callable[[models.Model], Any]:
    """The column's value from an object: the attribute itself, but for JSON (text for ``COPY``, the
    database adapter's JSON value for a statement)."""
    attname = field.attname
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def get_json(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if value is None and field.null:
                return None
            return json.dumps(value, cls=encoder) if json_text else connection.ops.adapt_json_value(value, encoder)

        return get_json
    if field.db_default is not models.NOT_PROVIDED:
        # A field left to its database default (``db_default``) gets the default's value, as the ORM's
        # ``DEFAULT`` in an INSERT would give it (COPY has no DEFAULT per value). Literal defaults only.
        default = field.db_default
        if isinstance(default, Value):
            default = default.value
        elif hasattr(default, "resolve_expression"):
            raise TypeError(f"{field}: only literal database defaults can be bulk-inserted")
        literal = default

        def get_or_default(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            return literal if isinstance(value, DatabaseDefault) else value

        return get_or_default
    return lambda obj: getattr(obj, attname)

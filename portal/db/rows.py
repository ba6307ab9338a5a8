"""One row and the rows it points at, read with a statement written once, for reads made on every request.

The ORM compiles a query each time it runs one; for the API key of every request and the sender of every
SMS, compiling cost more than the database's answer. ``Lookup`` writes the ``SELECT`` once per shape of
condition and reads its row as the ORM would: the database converters of each field applied, the objects
made with ``Model.from_db`` (fields not listed load on first access, at the price of a query).

    keys = Lookup(ApiKey, related={"account": None, "client": None})
    key = keys.first(key_hash=digest, revoked_at__isnull=True)   # key.account, key.client already loaded

Conditions are equalities (``field=value``), ``field__ne=value`` and ``field__isnull=True|False``, on the
main model's fields, joined with AND.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


class Lookup(Generic[M]):
    def __init__(
        self,
        model: type[M],
        *,
        fields: Iterable[str] | None = None,
        related: dict[str, Iterable[str] | None] | None = None,
    ) -> None:
        """``fields``: the attribute names to load of ``model`` (None: all); ``related``: foreign keys of
        ``model`` to load with it (one level), each with its own field names (None: all)."""
        self.model = model
        self.parts: list[tuple[str | None, type[models.Model], list[models.Field]]] = [
            (None, model, self._fields(model, fields))
        ]
        for name, names in (related or {}).items():
            target = model._meta.get_field(name).related_model
            self.parts.append((name, target, self._fields(target, names)))
        self._statements: dict[tuple, str] = {}
        self._converters: list[tuple[list, Any]] | None = None

    @staticmethod
    def _fields(model: type[models.Model], names: Iterable[str] | None) -> list[models.Field]:
        # In the model's own field order, which ``Model.from_db`` expects of a subset; the key always first.
        wanted = None if names is None else {*names, model._meta.pk.attname}
        fields = [f for f in model._meta.concrete_fields if wanted is None or f.attname in wanted]
        return sorted(fields, key=lambda f: not f.primary_key)

    def _statement(self, conditions: dict[str, Any]) -> tuple[str, list[Any]]:
        shape = tuple((name, value) if name.endswith("__isnull") else name for name, value in conditions.items())
        sql = self._statements.get(shape)
        if sql is None:
            sql = self._statements[shape] = self._write(conditions)
        main = self.model._meta
        params = [
            main.get_field(name.removesuffix("__ne")).get_db_prep_value(value, connection)
            for name, value in conditions.items()
            if not name.endswith("__isnull")
        ]
        return sql, params

    def _write(self, conditions: dict[str, Any]) -> str:
        q = connection.ops.quote_name
        main = self.model._meta
        columns = ", ".join(f"t{i}.{q(f.column)}" for i, (_n, _m, fields) in enumerate(self.parts) for f in fields)
        joins = "".join(
            f" LEFT JOIN {q(target._meta.db_table)} t{i} ON t{i}.{q(target._meta.pk.column)} = "
            f"t0.{q(main.get_field(name).column)}"
            for i, (name, target, _fields) in enumerate(self.parts)
            if name is not None
        )
        where = []
        for name, value in conditions.items():
            if name.endswith("__isnull"):
                column = q(main.get_field(name.removesuffix("__isnull")).column)
                where.append(f"t0.{column} IS {'' if value else 'NOT '}NULL")
            elif name.endswith("__ne"):
                where.append(f"t0.{q(main.get_field(name.removesuffix('__ne')).column)} <> %s")
            else:
                where.append(f"t0.{q(main.get_field(name).column)} = %s")
        return (
            f"SELECT {columns} FROM {q(main.db_table)} t0{joins}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " LIMIT 1"
        )

    def _field_converters(self) -> list[tuple[list, Any]]:
        """Per column, what the ORM would apply to the database's value (SQLite, say, has no booleans or
        decimals of its own), and the column expression the converters are given."""
        if self._converters is None:
            columns = [field.get_col(target._meta.db_table) for _name, target, fields in self.parts for field in fields]
            self._converters = [
                (connection.ops.get_db_converters(col) + col.field.get_db_converters(connection), col)
                for col in columns
            ]
        return self._converters

    def first(self, **conditions: Any) -> M | None:
        """The first row matching ``conditions`` (in no particular order: look up by something unique), its
        related objects set (None where the foreign key is empty), or None."""
        sql, params = self._statement(conditions)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, (converters, col) in enumerate(self._field_converters()):
            for converter in converters:
                values[index] = converter(values[index], col, connection)
        objects, start = [], 0
        for _name, target, fields in self.parts:
            part = values[start : start + len(fields)]
            start += len(fields)
            objects.append(
                None if part[0] is None else target.from_db(connection.alias, [f.attname for f in fields], part)
            )
        main = objects[0]
        for (name, _target, _fields), obj in zip(self.parts[1:], objects[1:], strict=True):
            setattr(main, name, obj)
        return main

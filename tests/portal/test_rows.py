"""``portal.db.rows.Lookup``: one row and the rows it points at, as the ORM would have read them."""

from __future__ import annotations

import pytest

from accounts.models import ApiKey
from portal.db.rows import Lookup

pytestmark = pytest.mark.django_db


def test_a_row_and_its_related_rows_equal_what_the_orm_reads(tenants, django_assert_num_queries):
    lookup = Lookup(ApiKey, related={"account": None, "client": None})
    expected = ApiKey.objects.select_related("account", "client").filter(account=tenants.a.account, client=None)[0]

    with django_assert_num_queries(1):
        key = lookup.first(key_hash=expected.key_hash, revoked_at__isnull=True)
        assert key.client is None  # an empty foreign key: no object, no query
        assert key.account.name == expected.account.name

    for field in ApiKey._meta.concrete_fields:
        assert getattr(key, field.attname) == getattr(expected, field.attname), field.name
    for field in type(expected.account)._meta.concrete_fields:
        assert getattr(key.account, field.attname) == getattr(expected.account, field.attname), field.name
    assert key._state.adding is False


def test_conditions_select_the_row_and_unlisted_fields_load_when_read(tenants):
    lookup = Lookup(ApiKey, fields={"name", "read_only"}, related={"client": {"name"}})
    client_key = ApiKey.objects.get(client=tenants.x)

    found = lookup.first(account=tenants.a.account.pk, read_only__ne=True, client=tenants.x.pk)
    assert (found.pk, found.name, found.read_only, found.client.name) == (
        client_key.pk,
        client_key.name,
        False,
        tenants.x.name,
    )
    assert found.key_hash == client_key.key_hash  # (not read by the statement: loaded on access)

    assert lookup.first(account=tenants.b.account.pk, client=tenants.x.pk) is None
    assert lookup.first(id=client_key.pk, revoked_at__isnull=False) is None
    ApiKey.objects.filter(pk=client_key.pk).update(read_only=True)
    assert lookup.first(account=tenants.a.account.pk, read_only__ne=True, client=tenants.x.pk) is None

"""How the portal talks to PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_statement_run_again_on_a_connection_is_prepared_once():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")  # (the test command always runs on PostgreSQL)
    for digest in ("a" * 64, "b" * 64, "c" * 64):  # one statement, other parameters
        assert not ApiKey.objects.filter(key_hash=digest).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ['%"accounts_apikey"%key_hash%']
        )
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 1 and "$1" in prepared[0]  # the digest is a parameter, not part of the text

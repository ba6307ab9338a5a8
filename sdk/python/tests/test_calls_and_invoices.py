"""Call records page by cursor and filter by status, number and day; an issued invoice downloads as UBL
and is marked paid and back."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import didfarm
import pytest


def test_calls_walk_every_cursor_page_newest_first(voice_client):
    first = voice_client.calls.list(limit=3)
    pagination = first.meta.pagination
    assert len(first) == 3 and pagination.has_more and pagination.cursor.startswith("cur_")
    second = first.next_page()
    assert second is not None and {c.id for c in first}.isdisjoint({c.id for c in second})

    walked = list(voice_client.calls.list(limit=3).auto_paging_iter())
    assert len(walked) == pagination.total == 8
    assert len({c.id for c in walked}) == 8
    assert [c.started_at for c in walked] == sorted((c.started_at for c in walked), reverse=True)
    assert Counter(c.status for c in walked) == {"completed": 4, "missed": 2, "busy": 2}
    answered = next(c for c in walked if c.status == "completed" and c.duration == 95)
    assert answered.billable_minutes == 2 and answered.sip_code == 200 and answered.id.startswith("call_")

    one = voice_client.calls.get(answered.id)
    assert one.id == answered.id and one.caller == answered.caller and one.number == answered.number


def test_calls_filter_by_status_number_and_day(voice_client):
    walked = list(voice_client.calls.list(limit=200).auto_paging_iter())
    missed = list(voice_client.calls.list(status="missed", limit=1).auto_paging_iter())
    assert len(missed) == 2 and {c.status for c in missed} == {"missed"}

    number = walked[0].number
    assert len(list(voice_client.calls.list(number=number).auto_paging_iter())) == 8
    assert len(voice_client.calls.list(number=walked[0].number_id)) == 8

    days = Counter(c.started_at[:10] for c in walked)
    assert len(days) == 2
    for day, count in days.items():
        on_that_day = voice_client.calls.list(date_from=day, date_to=day)
        assert len(on_that_day) == count == 4
        assert {c.started_at[:10] for c in on_that_day} == {day}


def test_calls_answer_typed_errors(voice_client, client):
    with pytest.raises(didfarm.ValidationError) as invalid:
        voice_client.calls.list(date_from="2026-03-02", date_to="2026-03-01")
    assert "date_to" in invalid.value.fields
    with pytest.raises(didfarm.NotFoundError):
        voice_client.calls.get("call_000000000000")
    someone_elses = voice_client.calls.list(limit=1)[0].id
    with pytest.raises(didfarm.NotFoundError):
        client.calls.get(someone_elses)  # another reseller's call
    assert len(client.calls.list()) == 0


def test_an_issued_invoice_downloads_as_ubl_and_is_marked_paid_and_back(voice_client):
    issued = voice_client.invoices.list(status="issued")
    assert len(issued) == 1
    invoice = issued[0]
    assert invoice.number and isinstance(invoice.total_due, Decimal) and isinstance(invoice.vat_total, Decimal)
    assert invoice.total_due == invoice.total + invoice.vat_total

    ubl = voice_client.invoices.ubl(invoice.id)
    assert isinstance(ubl, bytes) and ubl.startswith(b"<?xml")
    assert b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" in ubl
    assert f"<cbc:ID>{invoice.number}</cbc:ID>".encode() in ubl

    paid = voice_client.invoices.mark_paid(invoice.id)
    assert paid.payment_state == "paid" and paid.paid_at
    assert voice_client.invoices.get(invoice.id).paid_at == paid.paid_at
    undone = voice_client.invoices.mark_paid(invoice.id, paid=False)
    assert undone.paid_at is None and undone.payment_state != "paid"

    with pytest.raises(didfarm.ValidationError):
        voice_client.invoices.credit_note(invoice.id, reason="   ")
    with pytest.raises(didfarm.ValidationError) as refused:  # a corrected invoice replaces a credited one only
        voice_client.invoices.reissue(invoice.id)
    assert refused.value.code == "invalid_state"

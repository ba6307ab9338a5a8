"""The numbers pages: search and buy with a session cart, the confirmation, orders, My numbers, a number."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditLog, Client
from billing import ledger
from numbers_app import services
from numbers_app.models import AvailableNumber, Number, Order
from numbers_app.tasks import number_provision_task
from numbers_app.views import CART_KEY, USED_TOKENS_KEY
from tests.conftest import PASSWORD
from tests.numbers.conftest import DE_BERLIN, GB_LONDON, NL_AMS, NL_MOBILE

pytestmark = pytest.mark.django_db

SEARCH = reverse("number_search")
CART_ADD = reverse("number_cart_add")
CART_REMOVE = reverse("number_cart_remove")
CHECKOUT = reverse("number_checkout")
MINE = reverse("number_list")
BULK = reverse("number_bulk")
ORDERS = reverse("number_orders")
HTMX = {"HX-Request": "true"}


def balance(tenants) -> Decimal:
    return ledger.wallet_for(tenants.a.account).balance


def buy(tenants, *numbers, client=None, **kw) -> Order:
    return services.number_purchase(actor=tenants.a.owner_actor, numbers=list(numbers), client=client, **kw)


def set_cart(http: HttpClient, numbers: list[str]) -> None:
    session = http.session
    session[CART_KEY] = list(numbers)
    session.save()


def cart_of(http: HttpClient) -> list[str]:
    return http.session.get(CART_KEY, [])


def shown(response) -> list[str]:
    return [row.e164 for row in response.context["rows"]]


def listed(response) -> list[str]:
    return [number.e164 for number in response.context["numbers"]]


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


# --- Search --------------------------------------------------------------------------------------


def test_the_search_page_asks_for_a_country_and_offers_only_countries_with_stock(owner, stock):
    AvailableNumber.objects.filter(country_id="DE").update(status="sold")

    response = owner.get(SEARCH)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content
    assert 'data-testid="choose-country"' in content
    assert response.context["rows"] == []
    countries = [code for code, _label in response.context["form"].fields["country"].choices]
    assert countries == ["", "NL", "GB"]  # by name: Netherlands, United Kingdom; Germany has nothing left
    assert 'hx-trigger="input changed delay:300ms, change' in content
    assert 'hx-push-url="true"' in content
    assert 'id="cart"' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "NL"}, NL_AMS + NL_MOBILE),
        ({"country": "NL", "type": "local"}, NL_AMS),
        ({"country": "NL", "type": "mobile"}, NL_MOBILE),
        ({"country": "NL", "city": "amsterdam"}, NL_AMS),
        ({"country": "GB", "area_code": "20"}, GB_LONDON),
        ({"country": "NL", "capabilities": ["voice", "sms"]}, NL_MOBILE),
        ({"country": "NL", "contains": "7000005"}, [NL_AMS[4]]),
        ({"country": "NL", "city": "Rotterdam"}, []),
    ],
)
def test_search_filters_narrow_the_results(owner, stock, query, expected):
    response = owner.get(SEARCH, query)

    assert response.status_code == 200
    assert shown(response) == sorted(expected)


def test_search_answers_htmx_with_the_results_partial(owner, stock):
    response = owner.get(SEARCH, {"country": "DE"}, headers=HTMX)

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert template_names(response)[0] == "numbers/_results.html"
    content = response.content.decode()
    assert "<html" not in content and 'id="cart"' not in content
    assert shown(response) == DE_BERLIN
    assert "+49 30 12345601" in content  # formatted
    assert "Monthly (EUR)" in content and "2.00" in content and "Berlin" in content
    assert "needs documents" in content
    assert content.count("Add to cart") == len(DE_BERLIN)


def test_a_history_restore_gets_the_whole_page(owner, stock):
    response = owner.get(SEARCH, {"country": "NL"}, headers=HTMX | {"HX-History-Restore-Request": "true"})

    assert "<html" in response.content.decode()


def test_invalid_filters_are_explained_in_the_results(owner, stock):
    response = owner.get(SEARCH, {"country": "NL", "contains": "12ab"}, headers=HTMX)

    assert response.context["rows"] == []
    assert "Contains digits: Digits only" in response.content.decode()


# --- Cart ----------------------------------------------------------------------------------------


def test_adding_to_the_cart_swaps_the_cart_and_the_results_button_out_of_band(owner, stock):
    response = owner.post(
        CART_ADD, {"number": NL_AMS[0], "shown": NL_AMS[:3], "billing_cycle": "monthly"}, headers=HTMX
    )

    assert response.status_code == 200
    assert cart_of(owner) == [NL_AMS[0]]
    content = response.content.decode()
    # the cart panel is the request's target (it stays on the page whatever the results do) ...
    assert re.search(r'<aside id="cart"(?![^>]*hx-swap-oob)', content)
    # ... and the number's button in the results is swapped out of band

    assert re.search(rf'<div id="pick-{NL_AMS[0][1:]}"[^>]*hx-swap-oob="true"', content)
    assert "In cart" in content
    assert response.context["cart_total"] == Decimal("1.50")

    # a second number, priced for the quarter the buyer picked; a number not on the page gets no button swap
    response = owner.post(CART_ADD, {"number": NL_MOBILE[0], "billing_cycle": "quarterly"}, headers=HTMX)
    assert cart_of(owner) == [NL_AMS[0], NL_MOBILE[0]]
    assert "pick-" not in response.content.decode()
    assert response.context["cart_total"] == Decimal("4.50") + Decimal("2.50") + Decimal("12.00")

    response = owner.post(CART_REMOVE, {"number": NL_AMS[0], "shown": [NL_AMS[0]]}, headers=HTMX)
    assert cart_of(owner) == [NL_MOBILE[0]]
    content = response.content.decode()
    assert 'id="cart"' in content
    assert re.search(rf'<div id="pick-{NL_AMS[0][1:]}"[^>]*hx-swap-oob="true"', content)
    assert "Add to cart" in content


def test_the_same_number_goes_into_the_cart_once(owner, stock):
    owner.post(CART_ADD, {"number": NL_AMS[0]}, headers=HTMX)
    owner.post(CART_ADD, {"number": "+31 20 700 0001"}, headers=HTMX)

    assert cart_of(owner) == [NL_AMS[0]]


def test_the_cart_refuses_a_sold_number_and_a_51st_number(owner, stock):
    AvailableNumber.objects.filter(e164=NL_AMS[1]).update(status="sold")
    response = owner.post(CART_ADD, {"number": NL_AMS[1]}, headers=HTMX)
    assert cart_of(owner) == []
    assert "no longer available" in response.content.decode()

    full = [f"+312080{n:05d}" for n in range(50)]
    set_cart(owner, full)
    response = owner.post(CART_ADD, {"number": NL_AMS[0]}, headers=HTMX)
    assert cart_of(owner) == full
    assert "at most 50 numbers" in response.content.decode()


def test_a_plain_cart_form_goes_back_to_the_search_it_came_from(owner, stock):
    response = owner.post(CART_ADD, {"number": NL_AMS[0], "back": "country=NL&type=local"})

    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH}?country=NL&type=local"
    page = owner.get(response["Location"])
    assert page.context["cart"] == [NL_AMS[0]]
    assert "In cart" in page.content.decode()


def test_the_cart_panel_reprices_when_the_billing_cycle_changes(owner, stock):
    set_cart(owner, [NL_AMS[0]])

    response = owner.get(reverse("number_cart"), {"billing_cycle": "annual"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["cart_total"] == Decimal("18.00")
    assert "18.00 EUR" in response.content.decode()


# --- Confirmation and buying ---------------------------------------------------------------------


def test_the_confirmation_shows_each_price_the_total_and_the_balance_after(owner, tenants, stock):
    set_cart(owner, [NL_AMS[0], NL_MOBILE[0]])

    response = owner.get(CHECKOUT, {"billing_cycle": "quarterly", "client": str(tenants.x.pk)})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    content = response.content.decode()
    # local: 3 × 1.50; mobile: 2.50 setup + 3 × 4.00
    assert [(line.setup_fee, line.first_period) for line in response.context["lines"]] == [
        (Decimal("0"), Decimal("4.50")),
        (Decimal("2.5"), Decimal("12.00")),
    ]
    assert response.context["total"] == Decimal("19.00")
    assert 'data-testid="balance-now">100.00 EUR' in content
    assert "81.00 EUR" in content
    assert "Buy for EUR 19.00" in content
    assert "Xylo Dental" in content
    assert 'hx-disabled-elt="find button[type=submit]"' in content
    assert re.search(r'name="token" value="[\w-]{20,}"', content)
    assert balance(tenants) == Decimal("100.0000")  # looking costs nothing


def test_an_empty_cart_has_nothing_to_review(owner, stock):
    response = owner.get(CHECKOUT)

    assert response.status_code == 302 and response["Location"] == SEARCH


def confirm(http: HttpClient, **query) -> str:
    response = http.get(CHECKOUT, query)
    assert response.status_code == 200
    return response.context["token"]


def test_buying_charges_the_wallet_clears_the_cart_and_redirects_to_the_order(
    owner, tenants, stock, django_capture_on_commit_callbacks, monkeypatch
):
    set_cart(owner, [NL_AMS[0], NL_MOBILE[0]])
    token = confirm(owner)
    enqueued = []
    monkeypatch.setattr(number_provision_task, "delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            CHECKOUT, {"token": token, "billing_cycle": "monthly", "client": str(tenants.x.pk)}, headers=HTMX
        )

    order = Order.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("number_order", args=[order.pk])
    assert order.total == Decimal("8.0000") and order.client == tenants.x
    assert balance(tenants) == Decimal("92.0000") == ledger.entries_total(ledger.wallet_for(tenants.a.account))
    assert sorted(order.numbers.values_list("e164", flat=True)) == sorted([NL_AMS[0], NL_MOBILE[0]])
    assert set(order.numbers.values_list("status", flat=True)) == {"provisioning"}
    assert sorted(enqueued) == sorted(order.numbers.values_list("pk", flat=True))  # after commit
    assert cart_of(owner) == []
    assert owner.session[USED_TOKENS_KEY] == {token: order.pk}

    page = owner.get(response["HX-Redirect"])
    assert "EUR 8.00 charged" in page.content.decode()


def test_a_plain_buy_form_redirects(owner, tenants, stock):
    set_cart(owner, [NL_AMS[0]])
    token = confirm(owner)

    response = owner.post(CHECKOUT, {"token": token, "billing_cycle": "annual", "client": ""})

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("number_order", args=[order.pk])
    assert order.total == Decimal("18.0000") and order.client is None


def test_a_number_gone_meanwhile_buys_and_charges_nothing_and_leaves_the_cart(owner, tenants, stock):
    set_cart(owner, [NL_AMS[0], NL_AMS[1], NL_AMS[2]])
    token = confirm(owner)
    AvailableNumber.objects.filter(e164=NL_AMS[1]).update(status="sold")  # someone else bought it

    response = owner.post(CHECKOUT, {"token": token, "billing_cycle": "monthly", "client": ""}, headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == "numbers/_confirmation.html"
    content = response.content.decode()
    assert f"No longer available: {NL_AMS[1]}. Nothing was bought or charged." in content
    assert not Order.objects.exists() and not Number.objects.exists()
    assert balance(tenants) == Decimal("100.0000")
    assert cart_of(owner) == [NL_AMS[0], NL_AMS[2]]
    # the confirmation now offers the two that are left, with a fresh token
    assert [line.e164 for line in response.context["lines"]] == [NL_AMS[0], NL_AMS[2]]
    assert "Buy for EUR 3.00" in content
    assert response.context["token"] != token

    retry = owner.post(
        CHECKOUT, {"token": response.context["token"], "billing_cycle": "monthly", "client": ""}, headers=HTMX
    )
    assert retry["HX-Redirect"]
    assert balance(tenants) == Decimal("97.0000")


def test_insufficient_balance_is_explained_and_charges_nothing(owner, tenants, stock):
    set_cart(owner, DE_BERLIN)  # 5 × 2.00 × 12 = 120.00 > 100.00
    page = owner.get(CHECKOUT, {"billing_cycle": "annual"})
    assert "EUR 20.00 short" in page.content.decode()

    response = owner.post(
        CHECKOUT, {"token": page.context["token"], "billing_cycle": "annual", "client": ""}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Order.objects.exists()
    assert balance(tenants) == Decimal("100.0000")
    assert cart_of(owner) == DE_BERLIN


def test_the_same_confirmation_posted_twice_buys_once(owner, tenants, stock):
    set_cart(owner, [NL_AMS[0]])
    token = confirm(owner)
    data = {"token": token, "billing_cycle": "monthly", "client": ""}

    first = owner.post(CHECKOUT, data, headers=HTMX)
    set_cart(owner, [NL_AMS[1]])  # even with something new in the cart, the old button buys nothing
    second = owner.post(CHECKOUT, data, headers=HTMX)

    order = Order.objects.get()
    assert first["HX-Redirect"] == second["HX-Redirect"] == reverse("number_order", args=[order.pk])
    assert balance(tenants) == Decimal("98.5000")
    assert list(Number.objects.values_list("e164", flat=True)) == [NL_AMS[0]]
    page = owner.get(second["HX-Redirect"])
    assert "already placed; nothing more was charged" in page.content.decode()


def test_a_racing_second_post_with_the_same_token_and_another_session_buys_once(owner, tenants, stock):
    """The session cannot stop two requests that read it at the same time; the idempotency record can."""
    set_cart(owner, [NL_AMS[0]])
    token = confirm(owner)
    data = {"token": token, "billing_cycle": "monthly", "client": ""}
    owner.post(CHECKOUT, data)

    # what a concurrent request would have seen: the cart still full, the token not yet remembered
    session = owner.session
    session[CART_KEY] = [NL_AMS[0]]
    session[USED_TOKENS_KEY] = {}
    session.save()
    response = owner.post(CHECKOUT, data)

    order = Order.objects.get()
    assert response["Location"] == reverse("number_order", args=[order.pk])
    assert balance(tenants) == Decimal("98.5000")


def test_a_buy_without_a_token_is_refused(owner, tenants, stock):
    set_cart(owner, [NL_AMS[0]])

    response = owner.post(CHECKOUT, {"billing_cycle": "monthly", "client": ""}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not Order.objects.exists()


# --- Orders --------------------------------------------------------------------------------------


def test_the_order_page_polls_while_numbers_are_provisioning_and_stops_when_they_are_active(owner, tenants, stock):
    order = buy(tenants, NL_AMS[0], NL_AMS[1])
    url = reverse("number_order", args=[order.pk])

    page = owner.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "<html" in content
    assert 'hx-trigger="every 2s"' in content
    assert content.count('data-status="provisioning"') == 2
    assert "3.00 EUR" in content  # charged

    first = order.numbers.order_by("id").first()
    services.number_provision(number_id=first.pk)
    partial = owner.get(url, headers=HTMX)
    content = partial.content.decode()
    assert template_names(partial)[0] == "numbers/_order_status.html"
    assert "<html" not in content and 'hx-trigger="every 2s"' in content
    assert content.count('data-status="active"') == 1

    services.number_provision(number_id=order.numbers.order_by("id").last().pk)
    content = owner.get(url, headers=HTMX).content.decode()
    assert "every 2s" not in content
    assert content.count('data-status="active"') == 2
    assert "All numbers in this order are active." in content


def test_order_history_lists_orders_newest_first_with_their_totals(owner, tenants, stock):
    first = buy(tenants, NL_AMS[0])
    second = buy(tenants, NL_MOBILE[0], NL_MOBILE[1], client=tenants.x)

    response = owner.get(ORDERS)

    assert [o.pk for o in response.context["orders"]] == [second.pk, first.pk]
    assert [o.number_count for o in response.context["orders"]] == [2, 1]
    content = response.content.decode()
    assert "13.00 EUR" in content and "Xylo Dental" in content


def test_someone_elses_order_is_not_found(owner, tenants, stock):
    other = services.number_purchase(actor=tenants.b.owner_actor, numbers=[GB_LONDON[0]])

    assert owner.get(reverse("number_order", args=[other.pk])).status_code == 404


# --- My numbers ----------------------------------------------------------------------------------


@pytest.fixture
def owned(tenants, stock):
    """A's numbers: two NL local for X (one tagged), one NL mobile for Y, one GB unassigned (active)."""
    x_order = buy(tenants, NL_AMS[0], NL_AMS[1], client=tenants.x)
    buy(tenants, NL_MOBILE[0], client=tenants.y)
    gb = buy(tenants, GB_LONDON[0]).numbers.get()
    services.number_provision(number_id=gb.pk)
    tagged = x_order.numbers.get(e164=NL_AMS[1])
    services.number_configure(actor=tenants.a.owner_actor, number=tagged, tags=["support"])
    return {n.e164: n for n in Number.objects.all()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [GB_LONDON[0], NL_MOBILE[0], NL_AMS[1], NL_AMS[0]]),
        ({"country": "GB"}, [GB_LONDON[0]]),
        ({"status": "active"}, [GB_LONDON[0]]),
        ({"status": "provisioning", "country": "NL"}, [NL_MOBILE[0], NL_AMS[1], NL_AMS[0]]),
        ({"client": "x"}, [NL_AMS[1], NL_AMS[0]]),
        ({"tag": "support"}, [NL_AMS[1]]),
        ({"digits": "6123456"}, [NL_MOBILE[0]]),
    ],
)
def test_my_numbers_filters(owner, tenants, owned, query, expected):
    if query.get("client") == "x":
        query = query | {"client": str(tenants.x.pk)}

    response = owner.get(MINE, query)

    assert response.status_code == 200
    assert listed(response) == expected


def test_my_numbers_shows_status_badges_and_answers_htmx_with_the_list(owner, owned):
    page = owner.get(MINE)
    content = page.content.decode()
    assert "<html" in content
    assert 'class="badge ok" data-status="active">Active' in content
    assert content.count('data-status="provisioning"') == 3
    assert "Xylo Dental" in content and "support" in content

    partial = owner.get(MINE, {"country": "GB"}, headers=HTMX)
    assert template_names(partial)[0] == "numbers/_number_list.html"
    assert "<html" not in partial.content.decode()
    assert "HX-Request" in partial["Vary"]


def test_my_numbers_shows_awaiting_documents(owner, tenants, stock):
    number = buy(tenants, DE_BERLIN[0]).numbers.get()
    services.number_provision(number_id=number.pk)

    content = owner.get(MINE).content.decode()

    assert 'data-status="pending_regulatory">Awaiting documents' in content


def test_my_numbers_paginates_by_25(owner, tenants, stock):
    buy(tenants, *NL_AMS, *NL_MOBILE, *GB_LONDON)

    first = owner.get(MINE)
    second = owner.get(MINE, {"page": 2})

    assert len(first.context["numbers"]) == 25 and len(second.context["numbers"]) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_bulk_assign_to_a_client_reports_what_changed_and_what_did_not(owner, tenants, owned):
    other = services.number_purchase(actor=tenants.b.owner_actor, numbers=[GB_LONDON[1]]).numbers.get()
    ids = [owned[NL_AMS[0]].pk, owned[GB_LONDON[0]].pk, other.pk]

    response = owner.post(BULK, {"ids": ids, "action": "assign", "client": str(tenants.y.pk)}, headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == "numbers/_number_list.html"
    assert set(Number.objects.filter(client=tenants.y).values_list("e164", flat=True)) == {
        NL_AMS[0],
        GB_LONDON[0],
        NL_MOBILE[0],
    }
    assert Number.objects.get(pk=other.pk).client is None
    content = response.content.decode()
    assert "2 numbers assigned to Yarrow Logistics." in content
    assert f"Not changed: #{other.pk}" in content and "Number not found." in content


def test_bulk_tag_adds_the_tag_and_keeps_the_others(owner, owned):
    ids = [owned[NL_AMS[0]].pk, owned[NL_AMS[1]].pk]

    response = owner.post(BULK, {"ids": ids, "action": "tag", "tag": "eu"}, headers=HTMX)

    assert Number.objects.get(e164=NL_AMS[0]).tags == ["eu"]
    assert Number.objects.get(e164=NL_AMS[1]).tags == ["support", "eu"]
    assert "Tag “eu” added to 2 numbers." in response.content.decode()


def test_bulk_tag_reports_the_services_refusal(owner, owned):
    response = owner.post(BULK, {"ids": [owned[NL_AMS[0]].pk], "action": "tag", "tag": "Not OK"}, headers=HTMX)

    assert Number.objects.get(e164=NL_AMS[0]).tags == []
    assert "Not changed: +31207000001" in response.content.decode()


def test_bulk_release_releases_each_ticked_number(owner, tenants, owned):
    ids = [owned[NL_AMS[0]].pk, owned[GB_LONDON[0]].pk]

    response = owner.post(BULK, {"ids": ids, "action": "release"}, headers=HTMX)

    assert set(Number.objects.filter(status="released").values_list("e164", flat=True)) == {NL_AMS[0], GB_LONDON[0]}
    content = response.content.decode()
    assert "2 numbers released. The period already paid is not refunded." in content
    assert listed(response) == [NL_MOBILE[0], NL_AMS[1]]
    assert balance(tenants) == Decimal("100") - Decimal("1.50") * 2 - Decimal("6.50") - Decimal("1.00")  # no refund


def test_the_release_button_asks_with_the_count_and_the_no_refund_warning(owner, owned):
    content = owner.get(MINE).content.decode()

    button = re.search(r'<button[^>]*value="release"[^>]*>', content, re.S).group(0)
    assert 'data-confirm-count="ids"' in button
    assert "Release {count} numbers now?" in button and "not refunded" in button


def test_a_plain_bulk_form_redirects_back_to_the_filtered_list_with_messages(owner, tenants, owned):
    response = owner.post(f"{BULK}?country=NL", {"ids": [owned[NL_AMS[0]].pk], "action": "tag", "tag": "eu"})

    assert response.status_code == 302 and response["Location"] == f"{MINE}?country=NL"
    content = owner.get(response["Location"]).content.decode()
    assert "Tag “eu” added to 1 number." in content


def test_bulk_without_ticked_numbers_explains(owner, owned):
    response = owner.post(BULK, {"action": "release"}, headers=HTMX)

    assert "Tick at least one number first." in response.content.decode()
    assert not Number.objects.filter(status="released").exists()


def test_my_numbers_queries_do_not_grow_with_rows(owner, tenants, stock, django_assert_max_num_queries):
    buy(tenants, NL_AMS[0], client=tenants.x)
    with django_assert_max_num_queries(20) as few:
        owner.get(MINE)
    buy(tenants, *NL_AMS[1:], *NL_MOBILE, client=tenants.y)
    buy(tenants, *GB_LONDON)
    Number.objects.update(tags=["a", "b"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner.get(MINE)
    assert len(response.context["numbers"]) == 25


# --- One number ----------------------------------------------------------------------------------


def test_the_number_page_shows_its_details(owner, tenants, owned):
    number = owned[GB_LONDON[0]]

    response = owner.get(reverse("number_detail", args=[number.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    for text in ("+44 20 7946 0100", "United Kingdom", "Local", "London", "Active", "Monthly", "1.00 EUR", "Voice"):
        assert text in content
    assert number.paid_through.strftime("%-d %b %Y") in content
    assert Number.objects.get(pk=number.pk).carrier_ref in content


def test_configuring_a_number_saves_through_the_service(owner, tenants, owned):
    number = owned[NL_AMS[0]]
    url = reverse("number_detail", args=[number.pk])

    response = owner.post(
        url,
        {
            "label": "Reception",
            "tags": "support, eu-west",
            "client_id": str(tenants.y.pk),
            "cancel_at_period_end": "on",
        },
    )

    assert response.status_code == 302 and response["Location"] == url
    number.refresh_from_db()
    assert number.label == "Reception"
    assert number.tags == ["support", "eu-west"]
    assert number.client == tenants.y
    assert number.cancel_at_period_end is True
    assert AuditLog.objects.filter(action="number.updated", subject_id=number.public_id).exists()


def test_a_numbers_own_limit_of_calls_at_once_is_set_and_lifted_on_its_page(owner, owned):
    number = owned[NL_AMS[0]]
    url = reverse("number_detail", args=[number.pk])
    assert 'name="capacity_limit"' in owner.get(url).content.decode()

    assert owner.post(url, {"label": "", "tags": "", "capacity_limit": "2"}).status_code == 302
    number.refresh_from_db()
    assert number.capacity_limit == 2
    assert AuditLog.objects.filter(
        action="number.updated", subject_id=number.public_id, after__capacity_limit=2
    ).exists()

    refused = owner.post(url, {"label": "", "tags": "", "capacity_limit": "0"}, headers=HTMX)
    assert refused.status_code == 200 and refused.context["form"].errors["capacity_limit"]
    number.refresh_from_db()
    assert number.capacity_limit == 2

    assert owner.post(url, {"label": "", "tags": "", "capacity_limit": ""}).status_code == 302
    number.refresh_from_db()
    assert number.capacity_limit is None


def test_configuring_over_htmx_returns_the_panel_with_errors_from_the_service(owner, tenants, owned):
    number = owned[NL_AMS[0]]
    url = reverse("number_detail", args=[number.pk])

    response = owner.post(url, {"label": "x", "tags": "Not A Tag!", "client_id": ""}, headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == "numbers/_number_panel.html"
    assert response.context["form"].errors["tags"]
    number.refresh_from_db()
    assert number.label == "" and number.client == tenants.x

    response = owner.post(url, {"label": "Desk", "tags": "", "client_id": ""}, headers=HTMX)
    assert "Saved." in response.content.decode()
    number.refresh_from_db()
    assert number.label == "Desk" and number.client is None


def test_forwarding_is_set_in_the_routing_panel_not_the_configure_form(owner, tenants, owned):
    number = owned[NL_AMS[0]]
    url = reverse("number_detail", args=[number.pk])
    page = owner.get(url)
    assert "forwarding" not in page.context["form"].fields
    route = reverse("number_route", args=[number.pk])

    response = owner.post(route, {"route": "forward", "forwarding": "not a target"}, headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == "numbers/_number_panel.html"
    assert response.context["route_form"].errors["forwarding"]
    number.refresh_from_db()
    assert number.forwarding == ""

    response = owner.post(route, {"route": "forward", "forwarding": "+44 20 7946 0999"}, headers=HTMX)
    assert "Route saved." in response.content.decode()
    number.refresh_from_db()
    assert number.forwarding == "+442079460999" and number.trunk is None

    owner.post(url, {"label": "Desk", "tags": "", "client_id": str(tenants.x.pk)})  # configuring keeps the route
    number.refresh_from_db()
    assert number.label == "Desk" and number.forwarding == "+442079460999"


def test_releasing_a_number_from_its_page(owner, tenants, owned):
    number = owned[NL_AMS[0]]

    page = owner.get(reverse("number_detail", args=[number.pk])).content.decode()
    assert "data-confirm=" in page and "not refunded" in page
    response = owner.post(reverse("number_release", args=[number.pk]))

    assert response.status_code == 302 and response["Location"] == MINE
    assert Number.objects.get(pk=number.pk).status == "released"
    assert owner.get(reverse("number_detail", args=[number.pk])).status_code == 404
    assert "has left your account" in owner.get(MINE).content.decode()


def test_someone_elses_number_is_not_found_on_every_number_url(owner, tenants, stock):
    other = services.number_purchase(actor=tenants.b.owner_actor, numbers=[GB_LONDON[0]]).numbers.get()

    assert owner.get(reverse("number_detail", args=[other.pk])).status_code == 404
    assert owner.post(reverse("number_detail", args=[other.pk]), {"label": "mine"}).status_code == 404
    assert owner.post(reverse("number_release", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.label == "" and other.status == "provisioning"


# --- Client admins -------------------------------------------------------------------------------


def test_a_client_admin_sees_and_configures_only_their_clients_numbers(x_admin, tenants, owned):
    response = x_admin.get(MINE)

    assert listed(response) == [NL_AMS[1], NL_AMS[0]]
    assert "client" not in response.context["form"].fields
    y_number = owned[NL_MOBILE[0]]
    assert x_admin.get(reverse("number_detail", args=[y_number.pk])).status_code == 404
    assert x_admin.post(reverse("number_release", args=[y_number.pk])).status_code == 404

    mine = owned[NL_AMS[0]]
    page = x_admin.get(reverse("number_detail", args=[mine.pk]))
    assert "client_id" not in page.context["form"].fields
    response = x_admin.post(
        reverse("number_detail", args=[mine.pk]),
        {"label": "Front desk", "tags": "", "client_id": str(tenants.y.pk)},
    )
    mine.refresh_from_db()
    assert mine.label == "Front desk" and mine.client == tenants.x  # client_id ignored: not theirs to set


def test_a_client_admins_bulk_actions_touch_only_their_numbers(x_admin, tenants, owned):
    ids = [owned[NL_AMS[0]].pk, owned[NL_MOBILE[0]].pk]

    response = x_admin.post(BULK, {"ids": ids, "action": "tag", "tag": "x"}, headers=HTMX)

    assert Number.objects.get(e164=NL_AMS[0]).tags == ["x"]
    assert Number.objects.get(e164=NL_MOBILE[0]).tags == []
    assert "Number not found." in response.content.decode()


def test_a_client_admin_has_no_buy_controls(x_admin, tenants, owned):
    page = x_admin.get(MINE).content.decode()
    assert "Search &amp; buy" not in page and "Add to cart" not in page
    assert 'value="assign"' not in page  # only the reseller assigns clients
    assert x_admin.get(SEARCH)["Location"] == MINE
    assert x_admin.post(CART_ADD, {"number": NL_AMS[2]}, headers=HTMX).status_code == 403
    assert x_admin.get(CHECKOUT).status_code == 403
    assert x_admin.post(CHECKOUT, {"token": "t", "billing_cycle": "monthly"}).status_code == 403
    assert Order.objects.count() == 3


def test_the_navigation_links_the_numbers_pages(owner, stock):
    content = owner.get(MINE).content.decode()

    assert f'href="{SEARCH}"' in content and f'href="{ORDERS}"' in content
    assert re.search(rf'<a href="{MINE}" class="sub active">My numbers</a>', content)
    assert "Number search and purchase are being set up" not in content


def test_a_client_cannot_be_chosen_from_another_account(owner, tenants, stock):
    zephyr = Client.objects.get(name="Zephyr Bakery")
    set_cart(owner, [NL_AMS[0]])

    response = owner.post(
        CHECKOUT, {"token": "abc", "billing_cycle": "monthly", "client": str(zephyr.pk)}, headers=HTMX
    )

    assert response.context["form"].errors["client"]
    assert not Order.objects.exists()


def test_search_queries_do_not_grow_with_results(owner, stock, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as few:
        owner.get(SEARCH, {"country": "DE"}, headers=HTMX)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner.get(SEARCH, {"country": "NL"}, headers=HTMX)
    assert len(response.context["rows"]) == 20


def test_a_price_change_between_review_and_buy_buys_nothing(tenants, stock, client):
    from decimal import Decimal

    from billing import ledger
    from numbers_app.models import Number, NumberGroup
    from tests.numbers.conftest import NL_AMS

    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    client.post("/numbers/cart/add/", {"number": NL_AMS[0]})
    review = client.get("/numbers/checkout/")
    token = review.context["token"]
    assert review.context["total"] == Decimal("1.5000")
    NumberGroup.objects.filter(pk=stock.nl_local.pk).update(monthly_price=Decimal("9.00"))
    response = client.post(
        "/numbers/checkout/", {"token": token, "expected_total": "1.5000", "billing_cycle": "monthly", "client": ""}
    )
    assert "Prices changed" in response.content.decode()
    assert not Number.objects.exists()
    assert ledger.wallet_for(tenants.a.account).balance == Decimal("100.0000")


def test_sms_where_offered_adds_the_add_on_to_the_numbers_that_have_it_and_charges_it(
    owner, tenants, stock, monkeypatch
):
    set_cart(owner, [NL_AMS[0], NL_MOBILE[0]])
    monkeypatch.setattr(number_provision_task, "delay", lambda *a: None)
    response = owner.get(CHECKOUT, {"billing_cycle": "monthly", "sms": "on"})
    lines = response.context["lines"]
    # The local number offers no SMS; the mobile one does, at its group's EUR 1.00 a month.
    assert [line.sms_addon for line in lines] == [Decimal("0"), Decimal("1.00")]
    assert response.context["total"] == Decimal("9.00")
    content = response.content.decode()
    assert "SMS add-on" in content and 'name="sms" value="on"' in content and "Buy for EUR 9.00" in content

    owner.post(
        CHECKOUT,
        {"token": response.context["token"], "billing_cycle": "monthly", "sms": "on", "expected_total": "9.00"},
    )

    order = Order.objects.get()
    assert order.total == Decimal("9.0000")
    mobile = order.numbers.get(e164=NL_MOBILE[0])
    local = order.numbers.get(e164=NL_AMS[0])
    assert mobile.sms_enabled and "sms" in mobile.capabilities and mobile.sms_monthly_price == Decimal("1.00")
    assert not local.sms_enabled and "sms" not in local.capabilities
    assert balance(tenants) == Decimal("91.0000") == ledger.entries_total(ledger.wallet_for(tenants.a.account))

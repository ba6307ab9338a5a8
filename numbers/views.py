"""Numbers pages: search and buy (a cart kept in the session, a confirmation, then the order updating live),
order history, My numbers with bulk actions, and a number's page.

Every write goes through ``services`` (``number_purchase``, ``number_configure``, ``number_release``):
these views check the shape of the input with a form, call the service and render either the full page or,
for an HTMX request, the fragment that is swapped. Owned numbers and orders are always read through the
actor-scoped selectors; someone else's id is a 404.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, prefetch_related_objects
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from billing import quotes
from billing import selectors as billing_selectors
from billing.periods import CYCLE_MONTHS, add_months
from billing.pricing import Item, PriceBook, show_client_order_prices, show_client_prices
from messaging import services as messaging
from messaging.forms import SmsForwardingForm
from portal import idempotency
from portal.errors import ApplicationError, IdempotencyConflict, IdempotencyKeyReused, NotFound
from portal.l10n import ltr, money
from portal.pages import (
    add_error,
    go,
    page_of,
    portal_page,
    query_without_page,
    render_page,
    updates_wallet_badge,
    wants_fragment,
)

from . import selectors, services
from .forms import (
    BulkForm,
    CartItemForm,
    CartOptionsForm,
    CheckoutForm,
    NumberConfigureForm,
    NumberFilterForm,
    NumberRouteForm,
    SearchForm,
)
from .models import AvailableNumber, BillingCycle, Country, Number
from .regulatory import selectors as regulatory_selectors
from .trunks import services as trunks

CART_KEY = "numbers_cart"
USED_TOKENS_KEY = "numbers_checkout_tokens"
MAX_USED_TOKENS = 50
SEARCH_LIMIT = 50  # numbers on a page of search results
# A search for digits counts its matches (other searches add up their groups' for-sale counters, which
# costs nothing) and stops counting here: "more than 1,000" says enough.
SEARCH_COUNT_LIMIT = 1000
SEARCH_MAX_PAGE = 10_000


# --- Helpers -------------------------------------------------------------------------------------


def can_buy(actor) -> bool:
    """Whether the actor may buy numbers (and port them in): a reseller login that may write."""
    return actor.can_write and not actor.is_client_scoped


def _require_buyer(actor) -> None:
    if not can_buy(actor):
        raise PermissionDenied


def number_or_404(actor, number_id: int) -> Number:
    try:
        return selectors.number_get(actor=actor, number_id=number_id)
    except NotFound as exc:  # someone else's number: a 404 that does not hint it exists
        raise Http404(exc.message) from exc


def _error_text(exc: ApplicationError) -> str:
    if exc.fields:
        return " ".join(message for messages_ in exc.fields.values() for message in messages_)
    return exc.message


def _context(request, tab: str, **extra) -> dict:
    return {"numbers_tab": tab, "can_buy": can_buy(request.actor), **extra}


# Two reads the pages need beyond the selectors (inventory rows by number, whatever their country; the
# countries that have stock). Candidates for ``selectors.py``, which another change owns at the moment.


def _stock_rows(e164s: list[str]) -> dict[str, AvailableNumber]:
    if not e164s:
        return {}
    rows = AvailableNumber.objects.filter(e164__in=e164s).select_related("group", "country")
    return {row.e164: row for row in rows}


def _countries_with_stock():
    in_stock = AvailableNumber.objects.filter(country=OuterRef("pk"), status=AvailableNumber.Status.AVAILABLE)
    return Country.objects.filter(Exists(in_stock)).order_by("name")


# --- The cart (a list of E.164 strings in the session) ------------------------------------------


@dataclass
class CartLine:
    e164: str
    row: AvailableNumber | None
    setup_fee: Decimal = Decimal("0")
    first_period: Decimal = Decimal("0")
    sms_addon: Decimal = Decimal("0")  # the SMS add-on's first period, when wanted and offered

    @property
    def available(self) -> bool:
        return self.row is not None and self.row.status == AvailableNumber.Status.AVAILABLE

    @property
    def subtotal(self) -> Decimal:
        return self.setup_fee + self.first_period + self.sms_addon


def _cart(request) -> list[str]:
    cart = request.session.get(CART_KEY, [])
    return [e164 for e164 in cart if isinstance(e164, str)][: services.MAX_ITEMS_PER_ORDER]


def _save_cart(request, cart: list[str]) -> None:
    request.session[CART_KEY] = cart


def _cart_lines(cart: list[str], billing_cycle: str, *, sms: bool = False) -> tuple[list[CartLine], Decimal]:
    """Each number with what it would cost now (setup fee, the first period and, with ``sms``, the SMS
    add-on's first period where offered), for display only: the service prices the purchase itself from
    the same rows, under lock."""
    rows = _stock_rows(cart)
    lines, total = [], Decimal("0")
    for e164 in cart:
        line = CartLine(e164=e164, row=rows.get(e164))
        if line.available:
            group = line.row.group
            quote = quotes.line_quote(
                setup_fee=group.setup_fee,
                monthly_price=group.monthly_price,
                billing_cycle=billing_cycle,
                sms_monthly_price=messaging.addon_monthly_price(group) if sms and group.has_sms else None,
            )
            line.setup_fee, line.first_period, line.sms_addon = quote.setup_fee, quote.first_period, quote.sms_addon
            total += line.subtotal
        lines.append(line)
    return lines, total


def _cart_context(request, options: CartOptionsForm, *, error: str = "") -> dict:
    cycle, _client = options.options()
    lines, total = _cart_lines(_cart(request), cycle, sms=options.sms_wanted())
    return {
        "cart": [line.e164 for line in lines],
        "cart_lines": lines,
        "cart_total": total,
        "cart_available": sum(1 for line in lines if line.available),
        "cart_error": error,
        "options": options,
    }


def _back_query(request) -> str:
    """The search the cart buttons came from, re-encoded (it goes into a redirect)."""
    return QueryDict(request.POST.get("back", "")).urlencode()


# --- Search and buy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsPage:
    """Where a page of search results stands among all the matches."""

    number: int
    first: int  # position of the page's first number among the matches (from 1)
    last: int
    total: int
    more_than: bool  # a digits search that stopped counting at ``total``
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        return None if self.more_than else max(1, -(-self.total // SEARCH_LIMIT))


def _page_asked(request) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), SEARCH_MAX_PAGE)
    except ValueError:
        return 1


def _results_page(
    filters: selectors.StockFilters, number: int, *, past_end: bool = True
) -> tuple[list[selectors.StockRow], ResultsPage]:
    """A page of matches and where it stands: one query for the page (``stock_page``, one number more than
    shown, to know whether a next page exists). The total comes free when this is the last page, or from
    the groups' counters (``stock_total``); only a search for digits with a further page counts, at most
    ``SEARCH_COUNT_LIMIT`` + 1 rows. A page past the end shows the last one."""
    offset = (number - 1) * SEARCH_LIMIT
    rows = selectors.stock_page(filters, offset=offset, limit=SEARCH_LIMIT + 1)
    if not rows and number > 1 and past_end:
        total = selectors.stock_total(filters, at_most=SEARCH_COUNT_LIMIT + 1)
        last = min(max(1, -(-min(total, SEARCH_COUNT_LIMIT) // SEARCH_LIMIT)), number - 1)
        return _results_page(filters, last, past_end=False)
    has_next = len(rows) > SEARCH_LIMIT
    rows = rows[:SEARCH_LIMIT]
    shown_to = offset + len(rows)
    more_than = False
    if not has_next:
        total = shown_to
    else:
        counted = selectors.stock_total(filters, at_most=SEARCH_COUNT_LIMIT + 1)
        more_than = bool(filters.contains) and counted > SEARCH_COUNT_LIMIT
        # (counters a moment behind a sale must not say fewer than the pages hold)
        total = SEARCH_COUNT_LIMIT if more_than else max(counted, shown_to + 1)
    first = offset + 1 if rows else 0
    return rows, ResultsPage(number, first, shown_to, total, more_than, has_next)


@portal_page
@require_GET
def search(request):
    actor = request.actor
    if not can_buy(actor):
        return redirect("number_list")  # client logins and read-only roles do not buy
    form = SearchForm(request.GET or None, countries=_countries_with_stock())
    filters = form.filters() if form.is_bound and form.is_valid() else None
    rows: list[selectors.StockRow] = []
    page = None
    if filters is not None:
        # Group details (city, capabilities, prices, regulatory flag) come from the in-process copy.
        rows, page = _results_page(filters, _page_asked(request))
    clients = account_selectors.client_list(actor=actor)
    context = _context(
        request,
        "search",
        form=form,
        rows=rows,
        page=page,
        searched=filters is not None,
        back=request.GET.urlencode(),
        query=query_without_page(request),
    )
    if wants_fragment(request):
        context["cart"] = _cart(request)
    else:
        context.update(_cart_context(request, CartOptionsForm(clients=clients)))
    return render_page(request, "numbers/search.html", "numbers/_results.html", context)


@portal_page
@require_GET
def cart(request):
    """The cart panel, re-rendered when the billing cycle or client changes (its prices depend on them)."""
    actor = request.actor
    _require_buyer(actor)
    if not request.htmx:
        return redirect("number_search")
    options = CartOptionsForm(request.GET, clients=account_selectors.client_list(actor=actor))
    return render(request, "numbers/_cart.html", _context(request, "search", **_cart_context(request, options)))


def _cart_changed(request, *, changed: list[str], error: str = ""):
    """HTMX: the cart panel (the request's target, so it updates even if a search refresh replaced the
    button that was clicked) and, out of band, the changed numbers' buttons in the results. A plain form:
    back to the search it came from."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        url = reverse("number_search")
        back = _back_query(request)
        return redirect(f"{url}?{back}" if back else url)
    options = CartOptionsForm(request.POST, clients=account_selectors.client_list(actor=request.actor))
    # Only the buttons of numbers on the page are swapped ("shown" lists them): an out-of-band swap
    # without a target is an error in htmx.
    shown = set(request.POST.getlist("shown"))
    context = _context(
        request, "search", changed=[e164 for e164 in changed if e164 in shown], back=request.POST.get("back", "")
    )
    context.update(_cart_context(request, options, error=error))
    return render(request, "numbers/_cart_changed.html", context)


@portal_page
@require_POST
def cart_add(request):
    _require_buyer(request.actor)
    form = CartItemForm(request.POST)
    if not form.is_valid():
        return _cart_changed(request, changed=[], error=form.errors["number"][0])
    e164 = form.cleaned_data["number"]
    cart = _cart(request)
    error = ""
    if e164 not in cart:
        row = _stock_rows([e164]).get(e164)
        if row is None or row.status != AvailableNumber.Status.AVAILABLE:
            error = _("%(number)s is no longer available.") % {"number": e164}
        elif len(cart) >= services.MAX_ITEMS_PER_ORDER:
            error = _("A cart holds at most %(n)d numbers. Buy these first, then add more.") % {
                "n": services.MAX_ITEMS_PER_ORDER
            }
        else:
            _save_cart(request, [*cart, e164])
    return _cart_changed(request, changed=[e164], error=error)


@portal_page
@require_POST
def cart_remove(request):
    _require_buyer(request.actor)
    number = request.POST.get("number", "")
    cart = _cart(request)
    if number in cart:
        _save_cart(request, [e164 for e164 in cart if e164 != number])
    return _cart_changed(request, changed=[number] if number else [])


def _confirmation_context(request, form: CheckoutForm, *, cycle: str, client_id: str, sms: bool) -> dict:
    """What the buyer confirms: each number's setup fee, first period and SMS add-on, the total, the
    balance now and after, and a fresh token for the Buy button."""
    actor = request.actor
    lines, total = _cart_lines(_cart(request), cycle, sms=sms)
    gone = [line.e164 for line in lines if not line.available]
    notices = []
    if gone:
        _save_cart(request, [line.e164 for line in lines if line.available])
        lines = [line for line in lines if line.available]
        notices.append(
            ngettext(
                "%(numbers)s is no longer available and was taken out of your cart.",
                "%(numbers)s are no longer available and were taken out of your cart.",
                len(gone),
            )
            % {"numbers": ", ".join(gone)}
        )
    client = None
    if client_id:
        client = account_selectors.client_list(actor=actor).filter(pk=client_id).first()
    balance = billing_selectors.wallet_get(actor=actor).balance
    return _context(
        request,
        "search",
        form=form,
        lines=lines,
        total=total,
        balance=balance,
        balance_after=balance - total,
        short_by=total - balance if total > balance else None,
        needs_documents=any(line.row.group.requires_regulatory for line in lines),
        metered=any(line.row.group.minute_price for line in lines),
        profiles=regulatory_selectors.profiles_for_checkout(
            actor=actor, client_id=int(client_id) if client_id else None
        ),
        compliance_profile=form["compliance_profile"].value() or "",
        billing_cycle=cycle,
        billing_cycle_label=BillingCycle(cycle).label,
        paid_through=add_months(timezone.localdate(), CYCLE_MONTHS[cycle]),
        client=client,
        client_id=client_id,
        sms=sms,
        with_sms=any(line.sms_addon for line in lines),
        token=secrets.token_urlsafe(24),
        notices=notices,
    )


def _show_confirmation(request, form: CheckoutForm, *, cycle: str, client_id: str, sms: bool = False):
    context = _confirmation_context(request, form, cycle=cycle, client_id=client_id, sms=sms)
    response = render_page(request, "numbers/checkout.html", "numbers/_confirmation.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _used_tokens(request) -> dict[str, int]:
    used = request.session.get(USED_TOKENS_KEY, {})
    return used if isinstance(used, dict) else {}


def _already_placed(request, order_id: int):
    messages.info(request, _("This order was already placed; nothing more was charged."))
    return go(request, reverse("number_order", args=[order_id]))


@portal_page
@require_http_methods(["GET", "POST"])
def checkout(request):
    actor = request.actor
    _require_buyer(actor)
    clients = account_selectors.client_list(actor=actor)
    if request.method == "GET":
        options = CartOptionsForm(request.GET or None, clients=clients)
        cycle, client_id = options.options()
        sms = options.sms_wanted()
        if not _cart(request):
            messages.info(request, _("Your cart is empty. Add numbers from the search results first."))
            return redirect("number_search")
        form = CheckoutForm(initial={"billing_cycle": cycle, "client": client_id, "sms": sms}, clients=clients)
        return _show_confirmation(request, form, cycle=cycle, client_id=client_id, sms=sms)

    form = CheckoutForm(request.POST, clients=clients)
    if not form.is_valid():
        options = CartOptionsForm(request.POST, clients=clients)
        cycle, client_id = options.options()
        return _show_confirmation(request, form, cycle=cycle, client_id=client_id, sms=options.sms_wanted())
    token = form.cleaned_data["token"]
    cycle, client_id = form.cleaned_data["billing_cycle"], form.cleaned_data["client"]
    sms = form.cleaned_data["sms"]
    profile_id = form.cleaned_data["compliance_profile"]
    used = _used_tokens(request)
    if token in used:  # a second POST of the same confirmation: show what the first one bought
        return _already_placed(request, used[token])
    cart = _cart(request)
    if not cart:
        messages.info(request, _("Your cart is empty. Add numbers from the search results first."))
        return go(request, reverse("number_search"))
    client = clients.filter(pk=client_id).first() if client_id else None

    # The session remembers used tokens; the idempotency record (unique per account and key) also stops
    # two POSTs racing with the same token, which a session read by both cannot.
    fingerprint = idempotency.request_fingerprint(
        method="POST",
        route="number_checkout",
        caller=f"user:{actor.user.pk}",
        data={"numbers": cart, "billing_cycle": cycle, "client": client_id, "sms": sms, "profile": profile_id},
    )
    try:
        record, replay = idempotency.begin(
            account=actor.account,
            key=f"web-checkout:{token}",
            method="POST",
            path=request.path,
            fingerprint=fingerprint,
        )
    except IdempotencyConflict:
        form.add_error(None, _("This order is already being placed. Look at your orders in a moment."))
        return _show_confirmation(request, form, cycle=cycle, client_id=client_id, sms=sms)
    except IdempotencyKeyReused:
        form.add_error(None, _("This confirmation was already used for another order. Check the order below again."))
        return _show_confirmation(request, form, cycle=cycle, client_id=client_id, sms=sms)
    if replay:
        return _already_placed(request, record.response_body["order_id"])
    try:
        with transaction.atomic():  # the order and its idempotency record commit together
            order = services.number_purchase(
                actor=actor,
                numbers=cart,
                client=client,
                billing_cycle=cycle,
                sms_where_offered=sms,
                expected_total=form.cleaned_data.get("expected_total"),
                compliance_profile_id=profile_id,
            )
            idempotency.finish(record, status=201, body={"order_id": order.pk})
    except ApplicationError as exc:
        idempotency.release(record)
        gone = exc.extra.get("numbers") or []
        if gone:
            _save_cart(request, [e164 for e164 in cart if e164 not in gone])
        add_error(form, exc)
        return _show_confirmation(request, form, cycle=cycle, client_id=client_id, sms=sms)
    except BaseException:
        idempotency.release(record)
        raise

    used[token] = order.pk
    request.session[USED_TOKENS_KEY] = dict(list(used.items())[-MAX_USED_TOKENS:])
    _save_cart(request, [])
    messages.success(
        request,
        _("Order %(order)s placed: EUR %(total)s charged. Your numbers are being set up.")
        % {"order": order.public_id, "total": money(order.total)},
    )
    return go(request, reverse("number_order", args=[order.pk]))


# --- Orders --------------------------------------------------------------------------------------


@portal_page
@require_GET
def order_list(request):
    actor = request.actor
    orders = page_of(request, selectors.order_list(actor=actor).annotate(number_count=Count("items")))
    if actor.is_client_scoped:  # its own prices (the lines it may see), never wholesale
        orders.object_list = list(orders.object_list)
        prefetch_related_objects(orders.object_list, Prefetch("items", queryset=selectors.order_items_for(actor=actor)))
        show_client_order_prices(actor, orders.object_list)
    context = _context(request, "orders", orders=orders, query=query_without_page(request))
    return render_page(request, "numbers/order_list.html", "numbers/_order_table.html", context)


@portal_page
@updates_wallet_badge  # a number the carrier could not set up is refunded while the page polls
@require_GET
def order_detail(request, order_id: int):
    actor = request.actor
    try:
        order = selectors.order_get(actor=actor, order_id=order_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    items = list(selectors.order_items_for(actor=actor).filter(order=order))
    order._prefetched_objects_cache = {"items": items}  # the lines this viewer may see, priced for it below
    show_client_order_prices(actor, [order])
    for item in items:
        item.subtotal = item.setup_fee + item.first_period  # the number's line; its SMS add-on has its own
    statuses = [item.number.status for item in items]
    failed = [item for item in items if item.number.status == Number.Status.FAILED]
    refunded = sum((item.subtotal + item.sms_addon for item in failed), Decimal("0"))  # all it cost
    context = _context(
        request,
        "orders",
        order=order,
        items=items,
        provisioning=statuses.count(Number.Status.PROVISIONING),
        active=statuses.count(Number.Status.ACTIVE),
        awaiting_documents=statuses.count(Number.Status.PENDING_REGULATORY),
        refunded=refunded,
        billing_cycle_label=BillingCycle(items[0].billing_cycle).label if items else "",
    )
    response = render_page(request, "numbers/order_detail.html", "numbers/_order_status.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- My numbers ----------------------------------------------------------------------------------


def _number_filters(request, clients) -> tuple[NumberFilterForm, dict]:
    actor = request.actor
    countries = Country.objects.filter(code__in=selectors.number_list(actor=actor).values("country_id"))
    form = NumberFilterForm(
        request.GET or None, countries=countries, clients=clients, client_scoped=actor.is_client_scoped
    )
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "country": data["country"],
            "status": data["status"],
            "client_id": int(data["client"]) if data.get("client") else None,
            "tag": data["tag"].strip(),
            "digits": data["digits"].lstrip("+"),
        }
    return form, filters


def _number_list_context(request, **extra) -> dict:
    actor = request.actor
    clients = account_selectors.client_list(actor=actor)
    form, filters = _number_filters(request, clients)
    numbers = page_of(request, selectors.number_list(actor=actor, **filters))
    numbers.object_list = show_client_prices(actor, numbers.object_list)
    return _context(
        request,
        "mine",
        form=form,
        numbers=numbers,
        filtered=any(filters.values()),
        clients=clients,
        query=query_without_page(request),
        full_query=request.GET.urlencode(),
        bulk_form=BulkForm(clients=clients),
        **extra,
    )


@portal_page
@require_GET
def number_list(request):
    context = _number_list_context(request)
    return render_page(request, "numbers/number_list.html", "numbers/_number_list.html", context)


@dataclass
class BulkResult:
    done: list[Number]
    failed: dict[str, list[str]]  # reason → numbers


def _bulk_apply(actor, form: BulkForm) -> tuple[str, BulkResult]:
    """Run the action on each ticked number through the service, one by one: each succeeds or fails on
    its own, and the result says which did and why the others did not."""
    data = form.cleaned_data
    action, tag = data["action"], data["tag"].strip().lower()
    client = None
    if action == "assign" and data["client"]:
        client = account_selectors.client_list(actor=actor).filter(pk=data["client"]).first()
    result = BulkResult(done=[], failed=defaultdict(list))
    for number_id in data["ids"]:
        try:
            number = selectors.number_get(actor=actor, number_id=number_id)
        except NotFound as exc:
            result.failed[exc.message].append(f"#{number_id}")
            continue
        try:
            if action == "assign":
                services.number_configure(actor=actor, number=number, client_id=client.pk if client else None)
            elif action == "tag":
                tags = number.tags if tag in number.tags else [*number.tags, tag]
                services.number_configure(actor=actor, number=number, tags=tags)
            else:
                services.number_release(actor=actor, number=number)
        except ApplicationError as exc:
            result.failed[_error_text(exc)].append(number.e164)
            continue
        result.done.append(number)
    n = len(result.done)
    if action == "assign" and client is not None:
        summary = ngettext("%(n)d number assigned to %(client)s.", "%(n)d numbers assigned to %(client)s.", n) % {
            "n": n,
            "client": client.name,
        }
    elif action == "assign":
        summary = ngettext(
            "%(n)d number no longer assigned to a client.", "%(n)d numbers no longer assigned to a client.", n
        ) % {"n": n}
    elif action == "tag":
        summary = ngettext("Tag “%(tag)s” added to %(n)d number.", "Tag “%(tag)s” added to %(n)d numbers.", n) % {
            "n": n,
            "tag": tag,
        }
    else:
        summary = ngettext(
            "%(n)d number released. The period already paid is not refunded.",
            "%(n)d numbers released. The period already paid is not refunded.",
            n,
        ) % {"n": n}
    return summary, result


@portal_page
@require_POST
def number_bulk(request):
    actor = request.actor
    clients = account_selectors.client_list(actor=actor)
    form = BulkForm(request.POST, clients=clients)
    summary, result, problems = "", None, []
    if form.is_valid():
        summary, result = _bulk_apply(actor, form)
    else:
        problems = [message for errors in form.errors.values() for message in errors]
    if not request.htmx:
        if summary and result.done:
            messages.success(request, summary)
        for reason, numbers in result.failed.items() if result else []:
            messages.error(
                request, _("Not changed: %(numbers)s — %(reason)s") % {"numbers": ", ".join(numbers), "reason": reason}
            )
        for problem in problems:
            messages.error(request, problem)
        query = request.GET.urlencode()
        return redirect(reverse("number_list") + (f"?{query}" if query else ""))
    context = _number_list_context(
        request,
        bulk_summary=summary if result and result.done else "",
        bulk_failed=dict(result.failed) if result else {},
        bulk_problems=problems,
    )
    return render(request, "numbers/_number_list.html", context)


# --- One number ----------------------------------------------------------------------------------


def _configure_form(actor, number: Number, data=None) -> NumberConfigureForm:
    initial = {
        "label": number.label,
        "tags": ", ".join(number.tags),
        "client_id": str(number.client_id or ""),
        "cancel_at_period_end": number.cancel_at_period_end,
        "capacity_limit": number.capacity_limit,
        **{name: getattr(number, name) for name in NumberConfigureForm.WEBHOOK_FIELDS},
    }
    return NumberConfigureForm(
        data,
        initial=initial,
        clients=account_selectors.client_list(actor=actor),
        client_scoped=actor.is_client_scoped,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def number_detail(request, number_id: int):
    actor = request.actor
    number = number_or_404(actor, number_id)
    if request.method == "POST" and not actor.can_write:
        raise PermissionDenied  # read-only logins get no form to post
    form = _configure_form(actor, number, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {"label": data["label"], "tags": data["tags"], "capacity_limit": data["capacity_limit"]}
        changes.update({name: data[name] for name in NumberConfigureForm.WEBHOOK_FIELDS})
        if "cancel_at_period_end" in form.fields:
            changes["cancel_at_period_end"] = data["cancel_at_period_end"]
        if "client_id" in form.fields:
            changes["client_id"] = data["client_id"] or None
        try:
            services.number_configure(actor=actor, number=number, **changes)
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            if not request.htmx:
                return redirect("number_detail", number_id=number.pk)
            number = number_or_404(actor, number.pk)
            form = _configure_form(actor, number)
    context = number_page_context(request, number, form=form)
    return render_page(request, "numbers/number_detail.html", "numbers/_number_panel.html", context)


def route_form(actor, number: Number, data=None) -> NumberRouteForm:
    """The routing panel's form, offering the trunks that may take this number: the actor's trunks that
    are account-wide or belong to the number's client (the service enforces the same rule on POST)."""
    offered = list(selectors.trunks_for_number(actor=actor, number=number))
    if number.trunk_id:
        route = "trunk"
    elif number.forwarding:
        route = "forward"
    else:
        route = "none"
    initial = {"route": route, "trunk": str(number.trunk_id or ""), "forwarding": number.forwarding}
    return NumberRouteForm(data, initial=initial, trunks=offered)


def _route_state(number: Number) -> str:
    """Where the carrier is with the number's route: "waiting" (the number is not live yet: the route is
    sent when it is), "applied" (the carrier has the current route) or "pending" (a task is sending it)."""
    if number.status not in (Number.Status.ACTIVE, Number.Status.INACTIVE):
        return "waiting"
    destination = trunks.route_destination(number)
    if number.route_applied == destination and (number.route_applied_at or not destination):
        return "applied"  # the carrier has it (a number never routed has nothing to send)
    return "pending"


def number_page_context(request, number: Number, *, form=None, route=None) -> dict:
    """What a number's page shows: details, the configure form, the routing panel and, while it waits for
    documents, what is missing."""
    from .regulatory import views as regulatory_views  # (it imports this module)
    from .voice.views import test_call_context

    actor = request.actor
    show_client_prices(actor, [number])
    sms_quote = messaging.sms_addon_quote(number) if number.group.has_sms else None
    if sms_quote and actor.is_client_scoped:
        # A client login sees its own price of the add-on (and cannot switch it on: nothing is due now).
        monthly = PriceBook.of(actor.account.pk).for_number(number, item=Item.SMS_ADDON, wholesale=sms_quote["monthly"])
        sms_quote = {**sms_quote, "monthly": monthly, "due_now": 0}
    return _context(
        request,
        "mine",
        number=number,
        form=form or _configure_form(actor, number),
        route_form=route or route_form(actor, number),
        route_state=_route_state(number),
        sms_quote=sms_quote,
        **test_call_context(actor, number),
        sms_forwarding_form=SmsForwardingForm(initial={"sms_forwarding": number.sms_forwarding}),
        regulatory=regulatory_views.regulatory_banner(actor, number),
    )


@portal_page
@require_POST
def number_release(request, number_id: int):
    actor = request.actor
    number = number_or_404(actor, number_id)
    try:
        services.number_release(actor=actor, number=number)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return go(request, reverse("number_detail", args=[number.pk]))
    messages.success(
        request,
        _("%(number)s released: it has left your account. The period already paid is not refunded.")
        % {"number": ltr(number.number_formatted)},
    )
    return go(request, reverse("number_list"))

from django.conf import settings

from portal.l10n import money


def portal(request):
    # The languages as settings name them, each in itself (Django's {% get_available_languages %} would
    # translate "English" into the page's language).
    context = {"PUBLIC_URL": settings.PUBLIC_URL, "SITE_LANGUAGES": settings.LANGUAGES}
    actor = getattr(request, "actor", None)
    if actor is not None:
        context["actor"] = actor
        if actor.user is not None:
            memberships = list(actor.user.memberships.select_related("account").order_by("account__name"))
            if len(memberships) > 1:
                context["other_memberships"] = memberships
        if actor.can_see_wallet:
            from billing import ledger

            wallet = ledger.wallet_for(actor.account)
            context["wallet_badge"] = f"{money(wallet.balance)} {wallet.currency}"
            if not actor.is_client_scoped:
                from django.utils.functional import SimpleLazyObject

                from billing.payments.selectors import renewals_shortfall

                # Read only by the pages that show the layout's banner, once per request.
                account_id, balance = actor.account.pk, wallet.balance
                context["wallet_banner"] = SimpleLazyObject(
                    lambda: renewals_shortfall(account_id=account_id, balance=balance) or ""
                )
    return context

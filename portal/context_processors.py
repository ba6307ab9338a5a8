from django.conf import settings

from portal.l10n import money


def portal(request):
    context = {"PUBLIC_URL": settings.PUBLIC_URL}
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
    return context

"""The API reference (the OpenAPI schema, Swagger UI and ReDoc) as each reader should see it.

A reseller's client admins have API keys of their own (scoped to their client), so the reference stays
open to them; but it is the reseller's product they use. Whoever reads it as a reseller's client — on the
reseller's verified domain, or logged in on the platform's host with a login that is only a client's — gets
the reseller's brand: its name in the title, a description of its own, and no word of the platform (the
platform's own signature header is left out: the Standard Webhooks headers carry the same signature).
Everyone else (the resellers, the public on the platform's host) reads the platform's reference unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from accounts.branding.selectors import Look, look_for_user
from portal.webhooks.api import PLATFORM_SIGNATURE_CLAUSE

PLATFORM_NAME = re.compile(r"didfarm", re.IGNORECASE)


def reference_look(request) -> Look | None:
    """The brand the reference is read under, or None for the platform's own (``look_for_user``'s rule:
    the domain's reseller, else the reseller of a login that is only a client's). ``request`` is Django's:
    the reference's views authenticate no one, so DRF's request would say anonymous."""
    user = getattr(request, "user", None)
    return look_for_user(
        user if user is not None and user.is_authenticated else None,
        site_account_id=getattr(request, "site_account_id", None),
    )


class UnderBrand:
    """Reads the brand before DRF wraps the request (see ``reference_look``)."""

    look: Look | None = None

    def dispatch(self, request, *args, **kwargs):
        self.look = reference_look(request)
        if self.look is not None:
            self.title = reference_title(self.look)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def reference_title(look: Look) -> str:
    # Like the platform's "DIDfarm API": a name, the same in every language.
    return f"{look.name} API"


def schema_under_brand(schema: dict[str, Any], look: Look) -> dict[str, Any]:
    """``schema`` as ``look``'s clients read it: their reseller's title and description, and every text
    that named the platform naming the reseller instead."""

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return PLATFORM_NAME.sub(look.name, value.replace(PLATFORM_SIGNATURE_CLAUSE, ""))
        if isinstance(value, dict):
            return {key: rewrite(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    branded = rewrite(schema)
    branded["info"] = {
        **branded.get("info", {}),
        "title": reference_title(look),
        "description": _(
            "Numbers, SIP trunks, SMS and webhooks of your %(brand)s account. Authenticate with an API key "
            "from the portal's API keys page in `Authorization: Bearer …` (or the `X-API-Key` header). "
            'Errors always answer `{"error": {"code", "message", "status"}}`. Questions: %(support)s.'
        )
        % {"brand": look.name, "support": look.support_email or look.name},
    }
    return branded


class SchemaView(UnderBrand, SpectacularAPIView):
    """The OpenAPI schema (``/api/v1/schema``, ``.yaml``), under the reader's brand."""

    def _get_schema_response(self, request):
        response = super()._get_schema_response(request)
        if self.look is not None:
            response.data = schema_under_brand(response.data, self.look)
            suffix = self.perform_content_negotiation(request, force=True)[0].format
            response["Content-Disposition"] = f'inline; filename="{reference_title(self.look)}.{suffix}"'
        return response


class JsonSchemaView(SchemaView):
    renderer_classes = SpectacularJSONAPIView.renderer_classes


class SwaggerView(UnderBrand, SpectacularSwaggerView):
    pass


class RedocView(UnderBrand, SpectacularRedocView):
    pass

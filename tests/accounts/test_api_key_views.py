"""The API keys page: what a client admin is offered (keys bound to its own client only), and the message after
revoking a key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

KEYS = reverse("api_keys")


def test_a_client_admin_is_not_offered_keys_for_all_clients(tenants):
    x_admin = login(tenants.x_admin_email)

    response = x_admin.get(KEYS)

    content = response.content.decode()
    assert "client" not in response.context["form"].fields
    assert "All clients" not in content and "Limit to client" not in content
    assert "Keys you create here work for Xylo Dental only" in content


def test_a_client_admins_new_key_is_bound_to_its_client_whatever_is_posted(tenants):
    x_admin = login(tenants.x_admin_email)

    response = x_admin.post(
        KEYS, {"name": "Dental CRM", "access": "full", "client": str(tenants.y.pk)}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200 and 'data-testid="new-key"' in response.content.decode()
    assert ApiKey.objects.get(name="Dental CRM").client == tenants.x


def test_the_reseller_still_chooses_all_clients_or_one(tenants):
    owner = login("owner@alpha.test")

    choices = [label for _value, label in owner.get(KEYS).context["form"].fields["client"].choices]
    owner.post(KEYS, {"name": "Billing", "access": "read_only", "client": ""})
    owner.post(KEYS, {"name": "Yarrow sync", "access": "full", "client": str(tenants.y.pk)})

    assert choices == ["All clients", "Xylo Dental", "Yarrow Logistics"]
    assert ApiKey.objects.get(name="Billing").client is None
    assert ApiKey.objects.get(name="Yarrow sync").client == tenants.y


def test_revoking_a_key_says_so_once(tenants):
    owner = login("owner@alpha.test")
    key = ApiKey.objects.get(name="Xylo integration")

    response = owner.post(reverse("api_key_revoke", args=[key.pk]), follow=True)

    assert response.content.decode().count("revoked. Requests using it are now refused.") == 1

"""factory_boy factories for rows that tests need in bulk. Money moves only through billing.ledger."""

from __future__ import annotations

import factory

from accounts.models import Account, Client, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Reseller {n}")
    billing_email = factory.LazyAttribute(lambda o: f"billing@{o.name.lower().replace(' ', '-')}.test")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Client {n}")

"""Country lists in the reader's language, sorted as that language sorts (accents second to letters), and
the same on every country select of the portal's pages."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import User
from numbers_app.forms import NumberFilterForm
from numbers_app.models import Country
from portal.l10n import collation_key, country_choices
from tests.numbers.conftest import _fill, _group, login

# Stored (English) names as the inventory has them; other languages take CLDR's.
COUNTRIES = {
    "CI": "Côte d'Ivoire",
    "CZ": "Czech Republic",
    "CR": "Costa Rica",
    "HR": "Croatia",
    "AT": "Austria",
    "OM": "Oman",
    "PK": "Pakistan",
    "AE": "United Arab Emirates",
    "EG": "Egypt",
    "EC": "Ecuador",
    "ES": "Spain",
    "EE": "Estonia",
    "US": "United States",
    "AX": "Åland Islands",
}


def sort(names: list[str], language: str) -> list[str]:
    return sorted(names, key=lambda name: collation_key(name, language))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Åland Islands", "Albania", "Costa Rica", "Côte d'Ivoire", "Croatia", "Czech Republic"]),
        ("de", ["Afghanistan", "Ägypten", "Albanien", "Oman", "Österreich", "Pakistan", "Uruguay", "Usbekistan"]),
        (
            "fr",
            ["Égypte", "Émirats arabes unis", "Équateur", "Érythrée", "Espagne", "Estonie", "États-Unis", "Éthiopie"],
        ),
        ("es", ["Nicaragua", "Níger", "Nigeria", "Noruega", "Panamá", "Paraguay", "Perú"]),
        ("es", ["Camerún", "Canadá", "Chad", "Chile"]),
        ("es", ["Nueva Zelanda", "Ñandú", "Omán"]),  # ñ: a letter after n
    ],
)
def test_names_sort_by_their_letters_first_and_their_accents_second(language, expected):
    assert sort(expected[::-1], language) == expected


def test_names_alike_but_for_accents_and_case_keep_one_order():
    assert sort(["cote", "Côte", "Cote", "côte"], "fr") == ["cote", "Cote", "côte", "Côte"]


def test_the_key_follows_the_active_language_by_default():
    with translation.override("es"):
        assert sort(["Ñu", "Nz"], None) == ["Nz", "Ñu"]
    with translation.override("en"):
        assert sort(["Ñu", "Nz"], None) == ["Ñu", "Nz"]


class Named:
    def __init__(self, code: str, name: str):
        self.code, self.display_name = code, name


def test_country_choices_sort_by_name_and_label_options_as_asked():
    countries = [Named("CZ", "Czech Republic"), Named("CI", "Côte d'Ivoire"), Named("CR", "Costa Rica")]
    assert country_choices(countries) == [
        ("CR", "Costa Rica"),
        ("CI", "Côte d'Ivoire"),
        ("CZ", "Czech Republic"),
    ]
    assert [label for _, label in country_choices(countries, lambda c: f"{c.display_name} ({c.code})")] == [
        "Costa Rica (CR)",
        "Côte d'Ivoire (CI)",
        "Czech Republic (CZ)",
    ]


# --- The pages ---------------------------------------------------------------------------------------


@pytest.fixture
def world(tenants):
    """Each country with a group and a number in stock."""
    for n, (code, name) in enumerate(sorted(COUNTRIES.items())):
        country = Country.objects.create(code=code, name=name, dial_code=f"+{900 + n}")
        _fill(_group(country, "local", "", "", "", "1.00"), [f"+{900 + n}1234567"])


def search_countries(http) -> list[str]:
    choices = http.get("/numbers/").context["form"].fields["country"].choices
    return [label.split(" (")[0] for code, label in choices if code]


def test_the_search_lists_cote_divoire_between_costa_rica_and_croatia_in_english(world):
    names = search_countries(login("owner@alpha.test"))
    assert (
        names.index("Costa Rica")
        < names.index("Côte d'Ivoire")
        < names.index("Croatia")
        < names.index("Czech Republic")
    )
    assert names[0] == "Åland Islands"


@pytest.mark.parametrize(
    ("language", "in_order"),
    [
        ("de", ["Oman", "Österreich", "Pakistan"]),
        ("fr", ["Égypte", "Émirats arabes unis", "Équateur", "Espagne", "Estonie", "États-Unis"]),
        ("en", ["Costa Rica", "Côte d'Ivoire", "Croatia", "Czech Republic"]),
    ],
)
def test_every_country_select_is_in_the_readers_language_and_order(world, language, in_order):
    User.objects.filter(email="owner@alpha.test").update(language=language)
    http = login("owner@alpha.test")
    selects = {
        "search": http.get("/numbers/").context["form"].fields["country"].choices,
        "compliance profile": http.get("/numbers/compliance/?new=1").context["form"].fields["countries"].choices,
        "price list": http.get("/billing/prices/").context["form"].fields["country"].choices,
    }
    with translation.override(language):
        selects["my numbers"] = NumberFilterForm(countries=Country.objects.all()).fields["country"].choices
    for page, choices in selects.items():
        names = [label.split(" (")[0] for code, label in choices if code]
        assert [name for name in names if name in in_order] == in_order, page
        assert names == sort(names, language), page

"""The sandbox carrier's inventory: deterministic, realistic, and valid by ``phonenumbers`` metadata.

Pure Python (no Django). ``group_specs()`` describes the number groups (DIDWW's "DID groups") of every
country in ``COUNTRIES``; ``numbers_for(spec, count, start=...)`` yields that group's numbers. The same
library version always gives the same groups and the same numbers, in the same order.

Where the numbers come from
---------------------------
- **local**: one group per geographic area, taken from the geocoding data that ships with
  ``phonenumbers`` (``phonenumbers.geodata.GEOCODE_DATA``). A number's area is the longest prefix in that
  data with an English name, so each area owns a set of pure prefixes (the prefix minus its longer,
  differently named children); a group's numbers only ever come from those prefixes, which is why the
  geocoder names every one of them with the group's city. The biggest areas of a country come first
  (by share of the numbering space; for NANPA countries by the number of exchanges). The area code is
  ``phonenumbers.length_of_geographical_area_code`` digits of the national number (or the geocoding
  prefix where the library knows no area codes) and every number of the group starts with it.
  Countries without geocoding data get one nationwide local group (no area code, city or region).
- **mobile**: one group per country, near the metadata's example mobile number; in countries where a
  number can be both fixed and mobile (NANPA, Denmark, ...) the local groups' prefixes are left out, so
  no number is in two groups.
- **toll_free**: where the metadata has a toll-free example. **national**: where it has a
  non-geographic example (VoIP, UAN, personal number or shared cost, first found in that order, examples
  shorter than 7 digits skipped). **short_code**: US, CA and GB only.

Validity. A group's numbers are laid out in blocks: a prefix followed by free digits. A block is used
only if every regular expression that ``phonenumbers`` consults for such a number (the type patterns of
the country and, for shared calling codes such as +1 and +44, the leading-digit or type patterns of the
regions listed before it) gives the same answer for every number in the block; that is decided exactly
by running the patterns as automata over the block. One number of the block is then checked with
``phonenumbers`` itself (valid, right region, right type, and for short codes a valid SMS short code),
so every number of the block is valid without checking them one by one. Within a block the numbers come
in a fixed scrambled order (an affine permutation of the free digits), so they look like real stock.

Short codes are not E.164 numbers and a five-digit code can exist in both the US and Canada, so they are
stored as ``"<ISO country>-<code>"``, e.g. ``"US-24680"`` or ``"GB-78123"`` (never starting with
``+``, so they can never be mistaken for, or collide with, a phone number). ``short_code_value`` builds
that form and ``parse_short_code`` reads it back.
"""

from __future__ import annotations

import bisect
import functools
import math
import random
import re
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder, shortnumberinfo
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from .automata import dfa

LOCAL, MOBILE, NATIONAL, TOLL_FREE, SHORT_CODE = "local", "mobile", "national", "toll_free", "short_code"
TYPES = (LOCAL, MOBILE, NATIONAL, TOLL_FREE, SHORT_CODE)

COUNTRIES: tuple[str, ...] = (
    # Europe
    "GB", "IE", "FR", "DE", "IT", "ES", "PT", "NL", "BE", "LU", "AT", "CH", "SE", "NO", "DK", "FI", "IS",
    "PL", "CZ", "SK", "HU", "RO", "BG", "GR", "HR", "SI", "RS", "EE", "LV", "LT", "CY", "MT", "UA", "BA",
    "MK", "AL", "MD", "GE",
    # Americas
    "US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "EC", "UY", "PY", "BO", "CR", "PA", "GT", "SV", "DO",
    "PR", "JM",
    # Asia-Pacific
    "AU", "NZ", "JP", "SG", "HK", "KR", "TW", "MY", "TH", "ID", "PH", "VN", "IN", "PK", "BD", "LK",
    # Middle East
    "IL", "AE", "TR", "SA", "QA", "BH", "KW", "OM", "JO",
    # Africa
    "ZA", "NG", "KE", "EG", "MA", "GH", "TN", "TZ", "UG", "CI", "SN", "MU",
)  # fmt: skip
SHORT_CODE_COUNTRIES = ("US", "CA", "GB")

MAX_LOCAL_AREAS = 25
_MAX_LOCAL_AREAS = {"US": 40}
# numbers_for never goes past this many numbers in one group (capacity() says at most this).
GROUP_CAPACITY_LIMIT = 5_000_000

_NAME_OVERRIDES = {"MK": "North Macedonia"}
# Preferred national-number length where the metadata allows several and its example is not the usual one.
_PREFERRED_LENGTH = {("DE", LOCAL): 10, ("DE", TOLL_FREE): 10, ("AT", LOCAL): 10}
# Countries whose geocoding names read "City, Region" (NANPA: "City, ST").
_CITY_REGION_COUNTRIES = {"US", "CA", "DO", "PR", "JM", "AR", "JP", "IN", "CL", "CI"}
_REGION_WORDS = ("Region", "region", "Province", "province", "County", "Canton", "Oblast")
_REGION_NAMES = {
    "Ile de France", "Nord Est", "Nord Ouest", "Sud Est", "Sud Ouest", "Northern Ireland", "New South Wales",
    "Victoria", "Queensland", "South Island", "North Island",
}  # fmt: skip
_BR_STATES = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul", "MG": "Minas Gerais", "PA": "Pará", "PB": "Paraíba", "PR": "Paraná",
    "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul", "RO": "Rondônia", "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo",
    "SE": "Sergipe", "TO": "Tocantins",
}  # fmt: skip

# Price tier per country: 0 = cheapest market ... 4 = dearest. Unlisted countries are tier 2.
_TIER = {
    **dict.fromkeys(("US", "CA", "GB", "PR"), 0),
    **dict.fromkeys(("NL", "SE", "NO", "DK", "FI", "IE", "DE", "FR", "BE", "AT", "IT", "ES", "PT", "PL", "CZ", "LU",
                     "EE", "LV", "LT", "AU", "NZ"), 1),
    **dict.fromkeys(("CH", "IS", "JP", "SG", "HK", "KR", "TW", "IL", "MX", "BR", "AR", "CL", "CO"), 2),
    **dict.fromkeys(("AE", "SA", "QA", "BH", "KW", "OM", "JO", "TR", "IN", "PK", "BD", "LK", "VN", "ID", "PH", "TH",
                     "MY", "ZA", "MA", "TN", "EG"), 3),
    **dict.fromkeys(("NG", "KE", "GH", "TZ", "UG", "CI", "SN", "MU", "BO", "PY", "EC", "GT", "SV"), 4),
}  # fmt: skip
_MONTHLY_BASE = {  # EUR per month, by tier
    LOCAL: (0.60, 1.00, 1.50, 2.10, 2.60),
    MOBILE: (1.80, 3.00, 4.20, 5.60, 7.00),
    TOLL_FREE: (2.50, 5.00, 8.00, 11.00, 13.50),
    NATIONAL: (1.20, 2.00, 3.00, 4.20, 5.40),
}
_MONTHLY_RANGE = {
    LOCAL: (0.50, 3.00), MOBILE: (1.50, 8.00), TOLL_FREE: (2.00, 15.00), NATIONAL: (1.00, 6.00),
    SHORT_CODE: (500, 1500),
}  # fmt: skip
_SHORT_CODE_MONTHLY = {"US": 1000, "CA": 800, "GB": 650}
_SMS_ADDON_BASE = (0.50, 0.80, 1.10, 1.50, 1.90)

_REGULATORY_ALL = {
    "AU", "ZA", "BR", "TR", "AE", "IN", "SA", "QA", "BH", "KW", "OM", "JO", "EG", "NG", "KE", "GH", "TZ", "UG",
    "CI", "SN", "MA", "TN", "PK", "BD", "LK", "VN", "ID", "PH", "TH", "MY", "JP", "KR", "TW", "MX", "AR", "CO",
}  # fmt: skip
_REGULATORY_LOCAL = {
    "DE", "FR", "IT", "ES", "NL", "BE", "AT", "PT", "GR", "CH", "PL", "CZ", "SK", "HU", "RO", "HR", "SI",
    "LU", "IE", "DK", "NO", "LT", "LV", "EE", "CY", "MT", "BG", "RS", "IL", "SG", "HK", "CL", "PE",
}  # fmt: skip
_REGULATORY_MOBILE = {"DE", "FR", "IT", "ES", "BE", "AT", "CH", "PL", "HU", "GR", "SG", "HK", "IL"}
_REGULATORY_NON_GEO = {"DE", "FR", "IT", "ES", "BE", "AT", "PT", "GR", "PL"}
_MMS_MOBILE = {"US", "CA", "GB", "AU"}

_FOUR = Decimal("0.0001")
# The automata and the block lists are built lazily and shared; one thread at a time extends them.
_LOCK = threading.RLock()


@dataclass(frozen=True)
class GroupSpec:
    country: str
    type: str
    area_code: str
    city: str
    region: str
    capabilities: tuple[str, ...]
    monthly_price: Decimal
    setup_fee: Decimal
    sms_addon_price: Decimal
    requires_regulatory: bool

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the group (NumberGroup's unique constraint)."""
        return (self.country, self.type, self.area_code, self.city)


# ----------------------------------------------------------------------------------------------------------
# Public API


def country_rows() -> list[tuple[str, str, str]]:
    """(ISO code, English name, dial code such as "+31") for every country of the inventory."""
    rows = []
    for code in COUNTRIES:
        metadata = PhoneMetadata.metadata_for_region(code)
        example = phonenumbers.parse(f"+{metadata.country_code}{metadata.fixed_line.example_number}")
        name = _NAME_OVERRIDES.get(code) or geocoder.country_name_for_number(example, "en") or code
        rows.append((code, name, f"+{metadata.country_code}"))
    return rows


def group_specs(countries: tuple[str, ...] | list[str] | None = None) -> list[GroupSpec]:
    """Every group of the inventory (or of the given countries), country by country in ``COUNTRIES``
    order; within a country local groups (biggest areas first), then mobile, national, toll-free and
    short code. Deterministic."""
    wanted = COUNTRIES if countries is None else [c for c in COUNTRIES if c in set(countries)]
    with _LOCK:
        return [plan.spec for code in wanted for plan in _country_plans(code)]


def numbers_for(spec: GroupSpec, count: int, *, start: int = 0) -> list[str]:
    """The group's numbers ``start`` .. ``start + count - 1`` (fewer at the end of its capacity): E.164
    strings, or ``"US-24680"``-style values for short codes. Deterministic."""
    if count <= 0:
        return []
    stop = min(start + count, GROUP_CAPACITY_LIMIT)
    with _LOCK:
        stock = _stock_for(spec)
        stock.ensure(stop)
    stop = min(stop, stock.total)
    if start >= stop:
        return []
    out: list[str] = []
    index = bisect.bisect_right(stock.ends, start)
    position = start
    while position < stop:
        head, m, size, mult, add = stock.blocks[index]
        block_start = stock.ends[index] - size
        last = min(stop, stock.ends[index])
        if m:
            fmt = f"0{m}d"
            out.extend(
                f"{head}{format((mult * j + add) % size, fmt)}"
                for j in range(position - block_start, last - block_start)
            )
        else:
            out.append(head)
        position = last
        index += 1
    return out


def capacity(spec: GroupSpec) -> int:
    """How many distinct numbers ``numbers_for`` can produce for the group (at most
    ``GROUP_CAPACITY_LIMIT``)."""
    with _LOCK:
        stock = _stock_for(spec)
        stock.ensure(GROUP_CAPACITY_LIMIT)
        return min(stock.total, GROUP_CAPACITY_LIMIT)


def capacity_at_least(spec: GroupSpec, n: int) -> int:
    """The group's capacity if it is below ``n``, else some number >= ``n`` (cheaper than ``capacity``)."""
    with _LOCK:
        stock = _stock_for(spec)
        stock.ensure(min(n, GROUP_CAPACITY_LIMIT))
        return min(stock.total, GROUP_CAPACITY_LIMIT)


def short_code_value(country: str, code: str) -> str:
    return f"{country}-{code}"


def parse_short_code(value: str) -> tuple[str, str] | None:
    """``"US-24680"`` -> ``("US", "24680")``; anything else -> None."""
    country, sep, code = value.partition("-")
    if sep and len(country) == 2 and country.isalpha() and country.isupper() and code.isdigit():
        return country, code
    return None


def split_description(country: str, description: str, area_region: str = "") -> tuple[str, str]:
    """A geocoder description as (city, region): "San Francisco, CA" -> ("San Francisco", area_region or
    "CA"); "São Paulo - SP" -> ("São Paulo", "São Paulo"); "Greater Accra Region" -> ("", that)."""
    if country in _CITY_REGION_COUNTRIES and ", " in description:
        city, _, region = description.rpartition(", ")
        return city, area_region or region
    if country == "BR" and " - " in description:
        city, _, state = description.rpartition(" - ")
        return city, _BR_STATES.get(state, state)
    if description in _REGION_NAMES or any(word in description for word in _REGION_WORDS):
        return "", description
    return description, ""


# ----------------------------------------------------------------------------------------------------------
# Checkers: which patterns matter for a kind of number of a country, and the check of one number.

_DESCS = ("general_desc", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line", "mobile")  # fmt: skip
_SHORT_DESCS = ("general_desc", "short_code", "sms_services", "premium_rate", "standard_rate", "toll_free",
                "emergency", "carrier_specific")  # fmt: skip
_NON_GEO_TYPES = (
    ("voip", PhoneNumberType.VOIP),
    ("uan", PhoneNumberType.UAN),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("shared_cost", PhoneNumberType.SHARED_COST),
)
_KIND_TYPES = {
    LOCAL: ("fixed_line", {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    MOBILE: ("mobile", {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    TOLL_FREE: ("toll_free", {PhoneNumberType.TOLL_FREE}),
}


class _Checker:
    def __init__(self, country: str, kind: str, national_desc: str | None = None):
        self.country = country
        self.kind = kind
        self.short = kind == SHORT_CODE
        metadata = PhoneMetadata.metadata_for_region(country)
        self.cc = str(metadata.country_code)
        patterns: list[tuple[str, bool]] = []
        if self.short:
            short = PhoneMetadata.short_metadata_for_region(country)
            self.short_metadata = short
            for name in _SHORT_DESCS:
                desc = getattr(short, name, None)
                if desc is not None and desc.national_number_pattern:
                    patterns.append((desc.national_number_pattern, False))
            required = ["general_desc", "short_code", "sms_services"]
            source = short
        else:
            regions = COUNTRY_CODE_TO_REGION_CODE[metadata.country_code]
            if len(regions) > 1:  # region_code_for_number walks these in order
                for region in regions:
                    other = PhoneMetadata.metadata_for_region(region)
                    if other is None:
                        continue
                    if other.leading_digits is not None:
                        patterns.append((other.leading_digits, True))
                    else:
                        patterns += [(p, False) for p in _desc_patterns(other)]
                    if region == country:
                        break
            patterns += [(p, False) for p in _desc_patterns(metadata)]
            if kind == NATIONAL:
                self.types = {dict(_NON_GEO_TYPES)[national_desc]}
                required = ["general_desc", national_desc]
            else:
                desc_name, self.types = _KIND_TYPES[kind]
                required = ["general_desc", desc_name]
            source = metadata
        unique = list(dict.fromkeys(patterns))
        self.dfas = [dfa(p, prefix) for p, prefix in unique]
        required_patterns = {getattr(source, name).national_number_pattern for name in required}
        self.required = [i for i, (p, prefix) in enumerate(unique) if not prefix and p in required_patterns]
        self.start = tuple(d.start for d in self.dfas)

    def walk(self, digits: str, states: tuple[int, ...] | None = None) -> tuple[int, ...]:
        states = self.start if states is None else states
        for ch in digits:
            digit = ord(ch) - 48
            states = tuple(d.step(s, digit) for d, s in zip(self.dfas, states, strict=True))
        return states

    def accepts(self, digits: str) -> bool:
        """One number checked by phonenumbers itself."""
        if self.short:
            if digits[:1] in ("", "0"):
                return False
            number = phonenumbers.PhoneNumber(country_code=int(self.cc), national_number=int(digits))
            short = self.short_metadata
            return (
                shortnumberinfo.is_valid_short_number_for_region(number, self.country)
                and _fullmatch(short.sms_services, digits)
                and not _fullmatch(short.premium_rate, digits)
                and not _fullmatch(short.emergency, digits)
                and not _fullmatch(short.toll_free, digits)
                and not _fullmatch(short.carrier_specific, digits)
            )
        try:
            number = phonenumbers.parse(f"+{self.cc}{digits}")
        except phonenumbers.NumberParseException:
            return False
        return (
            phonenumbers.national_significant_number(number) == digits
            and phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == self.country
            and phonenumbers.number_type(number) in self.types
        )


def _desc_patterns(metadata) -> list[str]:
    out = []
    for name in _DESCS:
        desc = getattr(metadata, name)
        if desc is not None and desc.national_number_pattern:
            out.append(desc.national_number_pattern)
    return out


def _fullmatch(desc, digits: str) -> bool:
    if desc is None or not desc.national_number_pattern:
        return False
    if desc.possible_length and len(digits) not in desc.possible_length:
        return False
    return re.fullmatch(desc.national_number_pattern, digits) is not None


# ----------------------------------------------------------------------------------------------------------
# Plans: for each group, where its numbers come from.


@dataclass
class _Plan:
    spec: GroupSpec
    checker: _Checker
    roots: tuple[tuple[str, int], ...]  # (national-number prefix, national-number length)
    guide: str = ""  # the example number: the first two digits are tried from its digits on
    forbidden: frozenset[str] = frozenset()  # prefixes owned by other groups of the country
    forbidden_sorted: tuple[str, ...] = ()


def _blocks(plan: _Plan) -> Iterator[tuple[str, int]]:
    """Blocks (prefix, free digits) of valid numbers, in a fixed order."""
    checker = plan.checker
    for root, length in plan.roots:
        if len(root) <= length:
            yield from _search(plan, root, checker.walk(root), length)


def _search(plan: _Plan, prefix: str, states: tuple[int, ...], length: int) -> Iterator[tuple[str, int]]:
    checker = plan.checker
    m = length - len(prefix)
    contains_forbidden = False
    if plan.forbidden:
        if any(prefix[:i] in plan.forbidden for i in range(len(prefix) + 1)):
            return
        i = bisect.bisect_right(plan.forbidden_sorted, prefix)
        contains_forbidden = m > 0 and i < len(plan.forbidden_sorted) and plan.forbidden_sorted[i].startswith(prefix)
    dfas = checker.dfas
    for i in checker.required:
        if dfas[i].outcomes(states[i], m) == 1:
            return  # no number below here can be of the right type
    if not contains_forbidden and all(d.outcomes(s, m) != 3 for d, s in zip(dfas, states, strict=True)):
        # Every pattern answers alike for the whole block: one number speaks for all of them.
        if checker.accepts(prefix + "0" * m):
            yield (prefix, m)
        return
    depth = len(prefix)
    # Children in a fixed order that differs from node to node (near the example number at the top), so
    # that stock does not all start at ...000.
    first = int(plan.guide[depth]) if depth < 2 and depth < len(plan.guide) else zlib.crc32(prefix.encode()) % 10
    order = [(first + k) % 10 for k in range(10)]
    for digit in order:
        if checker.short and depth == 0 and digit == 0:
            continue
        yield from _search(
            plan, prefix + str(digit), tuple(d.step(s, digit) for d, s in zip(dfas, states, strict=True)), length
        )


class _Stock:
    """A group's blocks, enumerated as far as asked."""

    def __init__(self, plan: _Plan):
        self.plan = plan
        self.head = f"{plan.spec.country}-" if plan.checker.short else f"+{plan.checker.cc}"
        self._blocks = _blocks(plan)
        self.blocks: list[tuple[str, int, int, int, int]] = []  # (head+prefix, m, 10**m, multiplier, offset)
        self.ends: list[int] = []
        self.total = 0
        self.done = False

    def ensure(self, n: int) -> None:
        while not self.done and self.total < n:
            try:
                prefix, m = next(self._blocks)
            except StopIteration:
                self.done = True
                break
            size = 10**m
            rng = random.Random(f"didfarm-sandbox|{'|'.join(self.plan.spec.key)}|{prefix}|{m}")
            mult = 1
            if size > 1:
                mult = rng.randrange(1, size)
                while math.gcd(mult, 10) != 1:
                    mult = rng.randrange(1, size)
            self.blocks.append((self.head + prefix, m, size, mult, rng.randrange(size)))
            self.total += size
            self.ends.append(self.total)


_STOCKS: dict[tuple[str, str, str, str], _Stock] = {}


def _stock_for(spec: GroupSpec) -> _Stock:
    stock = _STOCKS.get(spec.key)
    if stock is None:
        plans = {plan.spec.key: plan for plan in _country_plans(spec.country)}
        if spec.key not in plans:
            raise KeyError(f"no sandbox group {spec.key!r}")
        stock = _STOCKS[spec.key] = _Stock(plans[spec.key])
    return stock


def _first_block(plan: _Plan) -> tuple[str, int] | None:
    return next(_blocks(plan), None)


def _lengths(country: str, kind: str, desc, example: str) -> list[int]:
    metadata = PhoneMetadata.metadata_for_region(country)
    possible = list(desc.possible_length or metadata.general_desc.possible_length or (len(example),))
    target = _PREFERRED_LENGTH.get((country, kind), len(example))
    return sorted(possible, key=lambda n: (abs(n - target), -n))


@functools.cache
def _geo_index() -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    """Per calling code of the inventory: national-number prefixes with an English geocoding name."""
    from phonenumbers.geodata import GEOCODE_DATA

    codes = {str(PhoneMetadata.metadata_for_region(country).country_code) for country in COUNTRIES}
    names: dict[str, dict[str, str]] = {cc: {} for cc in codes}
    for key, value in GEOCODE_DATA.items():
        if "en" not in value:
            continue
        for n in (1, 2, 3):
            if key[:n] in codes:
                names[key[:n]][key[n:]] = value["en"]
                break
    return {cc: (found, tuple(sorted(found))) for cc, found in names.items()}


@functools.cache
def _nanpa_regions() -> dict[str, str]:
    """NANPA area code -> the region phonenumbers puts its numbers in."""
    names, ordered = _geo_index()["1"]
    out: dict[str, str] = {}
    for key in ordered:
        npa = key[:3]
        if len(key) < 6 or npa in out:
            continue
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(key[:6] + "5309"))
        region = phonenumbers.region_code_for_number(number)
        if region:
            out[npa] = region
    return out


@functools.cache
def _nanpa_states() -> dict[str, str]:
    """ "TX" -> "Texas": NANPA's area codes are named after their state, their exchanges "City, TX"."""
    names, ordered = _geo_index()["1"]
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key in ordered:
        if len(key) == 6 and key[:3] in names and ", " in names[key]:
            votes[names[key].rpartition(", ")[2]][names[key[:3]]] += 1
    return {abbr: max(counts, key=lambda state: (counts[state], state)) for abbr, counts in votes.items()}


def _owned_roots(key: str, names: dict[str, str], ordered: tuple[str, ...]) -> list[str]:
    """The pure prefixes whose longest named prefix is ``key``."""
    out: list[str] = []

    def walk(prefix: str) -> None:
        i = bisect.bisect_right(ordered, prefix)
        if not (i < len(ordered) and ordered[i].startswith(prefix)):
            out.append(prefix)
            return
        for digit in "0123456789":
            if prefix + digit not in names:
                walk(prefix + digit)

    walk(key)
    return out


def _local_plans(country: str) -> list[_Plan]:
    metadata = PhoneMetadata.metadata_for_region(country)
    cc = str(metadata.country_code)
    checker = _Checker(country, LOCAL)
    example = metadata.fixed_line.example_number
    lengths = _lengths(country, LOCAL, metadata.fixed_line, example)
    names, ordered = _geo_index()[cc]
    nanpa = cc == "1"
    nanpa_regions = _nanpa_regions() if nanpa else {}
    by_name: dict[str, list[str]] = defaultdict(list)
    coverage: dict[str, float] = defaultdict(float)
    for key in ordered:
        if nanpa and (len(key) != 6 or nanpa_regions.get(key[:3]) != country):
            continue  # NPA-NXX exchanges name cities ("Dallas, TX"); NPAs name states
        if country in ("US", "CA") and ", " not in names[key]:
            continue
        by_name[names[key]].append(key)
        coverage[names[key]] += 10.0 ** -len(key)
    ranked = sorted(by_name, key=lambda name: (-coverage[name], by_name[name][0]))
    limit = _MAX_LOCAL_AREAS.get(country, MAX_LOCAL_AREAS)
    plans: list[_Plan] = []
    used: set[tuple[str, str]] = set()
    for name in ranked:
        if len(plans) >= limit:
            break
        if len(name) > 100:
            continue
        keys = sorted(by_name[name], key=lambda k: (len(k), k))
        roots = [root for key in keys for root in _owned_roots(key, names, ordered)]
        found = None
        for root in roots[:12]:
            for length in lengths:
                probe = _Plan(spec=None, checker=checker, roots=((root, length),))  # type: ignore[arg-type]
                block = _first_block(probe)
                if block:
                    found = (root, length, block[0] + "0" * block[1])
                    break
            if found:
                break
        if not found:
            continue
        root, length, sample = found
        number = phonenumbers.parse(f"+{cc}{sample}")
        area_length = phonenumbers.length_of_geographical_area_code(number)
        if not area_length:
            key = next(k for k in keys if root.startswith(k))
            area_length = min(len(key), 4)
        area_code = sample[:area_length]
        description = geocoder.description_for_number(number, "en")
        if description != name:  # pragma: no cover - the trie guarantees it
            continue
        area_region = _nanpa_states().get(name.rpartition(", ")[2], "") if nanpa else ""
        city, region = split_description(country, name, area_region)
        if (area_code, city) in used:
            continue
        group_roots = []
        for r in roots:
            if r.startswith(area_code):
                group_roots.append((r, length))
            elif area_code.startswith(r):
                group_roots.append((area_code, length))
        used.add((area_code, city))
        plans.append(_Plan(spec=_spec(country, LOCAL, area_code, city, region), checker=checker,
                           roots=tuple(dict.fromkeys(group_roots))))  # fmt: skip
    if not plans:  # no geocoding data: one nationwide group near the example number
        for length in lengths:
            plan = _Plan(spec=_spec(country, LOCAL, "", "", ""), checker=checker, roots=((example[:2], length),),
                         guide=example)  # fmt: skip
            if _first_block(plan):
                plans.append(plan)
                break
    return plans


def _non_local_plan(country: str, kind: str, forbidden: set[str]) -> _Plan | None:
    metadata = PhoneMetadata.metadata_for_region(country)
    national_desc = None
    if kind == NATIONAL:
        for name, _ in _NON_GEO_TYPES:
            desc = getattr(metadata, name)
            if desc is not None and desc.example_number and len(desc.example_number) >= 7:
                national_desc = name
                break
        if national_desc is None:
            return None
        desc = getattr(metadata, national_desc)
    else:
        desc = getattr(metadata, _KIND_TYPES[kind][0])
    if desc is None or not desc.example_number:
        return None
    checker = _Checker(country, kind, national_desc)
    example = desc.example_number
    for length in _lengths(country, kind, desc, example):
        plan = _Plan(
            spec=_spec(country, kind, "", "", ""),
            checker=checker,
            roots=(("", length),),
            guide=example,
            forbidden=frozenset(forbidden),
            forbidden_sorted=tuple(sorted(forbidden)),
        )
        if _first_block(plan):
            return plan
    return None


def _short_code_plan(country: str) -> _Plan | None:
    checker = _Checker(country, SHORT_CODE)
    plan = _Plan(spec=_spec(country, SHORT_CODE, "", "", ""), checker=checker, roots=(("", 5), ("", 6)))
    return plan if _first_block(plan) else None


@functools.cache
def _country_plans(country: str) -> tuple[_Plan, ...]:
    if country not in COUNTRIES:
        raise KeyError(f"{country!r} is not in the sandbox inventory")
    plans = _local_plans(country)
    local_roots = {root for plan in plans for root, _ in plan.roots}
    for kind in (MOBILE, NATIONAL, TOLL_FREE):
        plan = _non_local_plan(country, kind, local_roots if kind == MOBILE else set())
        if plan:
            plans.append(plan)
    if country in SHORT_CODE_COUNTRIES:
        plan = _short_code_plan(country)
        if plan:
            plans.append(plan)
    return tuple(plans)


# ----------------------------------------------------------------------------------------------------------
# Capabilities, prices and regulatory flags


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_FOUR, rounding=ROUND_HALF_UP)


def _price(value: float, low: float, high: float, step: float = 0.05) -> Decimal:
    value = min(max(value, low), high)
    return _money(round(round(value / step) * step, 2))


def _spec(country: str, kind: str, area_code: str, city: str, region: str) -> GroupSpec:
    rng = random.Random(f"didfarm-sandbox-prices|{country}|{kind}|{area_code}|{city}")
    tier = _TIER.get(country, 2)
    capabilities = ["voice"]
    if kind == LOCAL:
        if country in ("US", "CA"):
            capabilities.append("sms")
        if rng.random() < 0.45:
            capabilities.append("fax")
    elif kind == MOBILE:
        capabilities.append("sms")
        if country in _MMS_MOBILE:
            capabilities.append("mms")
    elif kind == SHORT_CODE:
        capabilities = ["sms", "mms"] if country in ("US", "CA") else ["sms"]
    capabilities.sort(key=("voice", "sms", "mms", "fax").index)

    regulatory = country in _REGULATORY_ALL or (
        (kind == LOCAL and country in _REGULATORY_LOCAL)
        or (kind == MOBILE and country in _REGULATORY_MOBILE)
        or (kind in (NATIONAL, TOLL_FREE) and country in _REGULATORY_NON_GEO)
    )
    if kind == SHORT_CODE:
        low, high = _MONTHLY_RANGE[kind]
        monthly = _price(_SHORT_CODE_MONTHLY[country] * rng.uniform(0.95, 1.05), low, high, step=5)
        setup = _price(float(monthly) * 0.5, 0, 1000, step=5)
    else:
        low, high = _MONTHLY_RANGE[kind]
        monthly = _price(_MONTHLY_BASE[kind][tier] * rng.uniform(0.88, 1.12), low, high)
        setup = Decimal("0")
        if kind == TOLL_FREE and tier >= 2:
            setup = _price(float(monthly) * 1.5, 0, 25)
        elif regulatory and rng.random() < 0.6:
            setup = _price(rng.uniform(1.0, 5.0), 0, 25, step=0.5)
    sms_addon = Decimal("0")
    if "sms" in capabilities and kind != SHORT_CODE:
        sms_addon = _price(_SMS_ADDON_BASE[tier] * rng.uniform(0.9, 1.1), 0.50, 2.00)
    return GroupSpec(
        country=country,
        type=kind,
        area_code=area_code,
        city=city,
        region=region,
        capabilities=tuple(capabilities),
        monthly_price=monthly,
        setup_fee=setup.quantize(_FOUR),
        sms_addon_price=sms_addon.quantize(_FOUR),
        requires_regulatory=regulatory,
    )

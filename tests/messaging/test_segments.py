"""SMS segment counting: the encoding chosen, the units counted and the parts a body is split into, checked against
the GSM 03.38 tables written out here by code point (independently of the module's own) and against a reference
packing that cuts the encoded units."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from messaging.segments import GSM_BASIC, GSM_EXTENSION, MAX_BODY_CHARS, Segmentation, segment

ESC = None  # slot 0x1B: the escape to the extension table, not a character

# 3GPP TS 23.038 default alphabet, septets 0x00 to 0x7F, as Unicode code points.
SPEC_BASIC = [
    # 0x00-0x0F: @ £ $ ¥ è é ù ì ò Ç LF Ø ø CR Å å
    *(0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC),
    *(0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5),
    # 0x10-0x1F: Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ ESC Æ æ ß É (Greek capital letters)
    *(0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8),
    *(0x03A3, 0x0398, 0x039E, ESC, 0x00C6, 0x00E6, 0x00DF, 0x00C9),
    # 0x20-0x3F: ASCII, but ¤ where ASCII has $
    *range(0x20, 0x24),
    0x00A4,
    *range(0x25, 0x40),
    # 0x40-0x5F: ¡ A-Z Ä Ö Ñ Ü §
    0x00A1,
    *range(0x41, 0x5B),
    *(0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7),
    # 0x60-0x7F: ¿ a-z ä ö ñ ü à
    0x00BF,
    *range(0x61, 0x7B),
    *(0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0),
]
# The extension table: septet after the escape -> Unicode code point.
SPEC_EXTENSION = {
    0x0A: 0x000C,  # form feed
    0x14: 0x005E,  # ^
    0x28: 0x007B,  # {
    0x29: 0x007D,  # }
    0x2F: 0x005C,  # backslash
    0x3C: 0x005B,  # [
    0x3D: 0x007E,  # ~
    0x3E: 0x005D,  # ]
    0x40: 0x007C,  # |
    0x65: 0x20AC,  # €
}
BASIC = [chr(cp) for cp in SPEC_BASIC if cp is not ESC]
EXTENSION = [chr(cp) for cp in SPEC_EXTENSION.values()]
GSM = frozenset(BASIC) | frozenset(EXTENSION)

# Characters that look GSM-7 but are not in it: each forces UCS-2.
NOT_GSM = [
    "ç",  # only the capital Ç is in the alphabet
    "`",
    "á",
    "í",
    "ó",
    "ú",
    "â",
    "ê",
    "ã",
    "õ",
    "ł",
    "ő",
    "\t",
    "\x1b",  # the escape itself is not a character of the body
    "\u00a0",  # no-break space
    "\u2019",  # ’ (a typographic apostrophe)
    "\u201c",  # “
    "\u2013",  # – (en dash)
    "\u2026",  # …
    "\u2206",  # ∆ INCREMENT, not Δ
    "\u2126",  # Ω OHM SIGN, not Ω
    "\u0391",  # Α Greek capital alpha, not A
    "\u00b5",  # µ
    "中",
    "ع",
    "Ж",
]

A = "a"
L = "ł"  # a BMP character outside GSM-7
EMOJI = "\U0001f600"  # 😀, a surrogate pair in UTF-16
EURO = "€"

CAPACITY = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def units_of(char: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if char in EXTENSION else 1
    return len(char.encode("utf-16-le")) // 2


def text_units(text: str, encoding: str) -> int:
    return sum(units_of(char, encoding) for char in text)


def seg(encoding, characters, units, segments, per_segment, remaining, *parts):
    return Segmentation(encoding, characters, units, segments, per_segment, remaining, tuple(parts))


# --- the boundary table ----------------------------------------------------------------------------------------------

BOUNDARIES = [
    # GSM-7, one septet per character
    pytest.param("", seg("GSM-7", 0, 0, 0, 160, 160), id="empty"),
    pytest.param(A, seg("GSM-7", 1, 1, 1, 160, 159, A), id="gsm-1"),
    pytest.param(A * 159, seg("GSM-7", 159, 159, 1, 160, 1, A * 159), id="gsm-159"),
    pytest.param(A * 160, seg("GSM-7", 160, 160, 1, 160, 0, A * 160), id="gsm-160"),
    pytest.param(A * 161, seg("GSM-7", 161, 161, 2, 153, 145, A * 153, A * 8), id="gsm-161"),
    pytest.param(A * 306, seg("GSM-7", 306, 306, 2, 153, 0, A * 153, A * 153), id="gsm-306"),
    pytest.param(A * 307, seg("GSM-7", 307, 307, 3, 153, 152, A * 153, A * 153, A), id="gsm-307"),
    pytest.param(A * 459, seg("GSM-7", 459, 459, 3, 153, 0, A * 153, A * 153, A * 153), id="gsm-459"),
    pytest.param(A * 460, seg("GSM-7", 460, 460, 4, 153, 152, A * 153, A * 153, A * 153, A), id="gsm-460"),
    # UCS-2, one unit per character
    pytest.param(L, seg("UCS-2", 1, 1, 1, 70, 69, L), id="ucs2-1"),
    pytest.param(L * 70, seg("UCS-2", 70, 70, 1, 70, 0, L * 70), id="ucs2-70"),
    pytest.param(L * 71, seg("UCS-2", 71, 71, 2, 67, 63, L * 67, L * 4), id="ucs2-71"),
    pytest.param(L * 134, seg("UCS-2", 134, 134, 2, 67, 0, L * 67, L * 67), id="ucs2-134"),
    pytest.param(L * 135, seg("UCS-2", 135, 135, 3, 67, 66, L * 67, L * 67, L), id="ucs2-135"),
    pytest.param(L * 201, seg("UCS-2", 201, 201, 3, 67, 0, L * 67, L * 67, L * 67), id="ucs2-201"),
    pytest.param(L * 202, seg("UCS-2", 202, 202, 4, 67, 66, L * 67, L * 67, L * 67, L), id="ucs2-202"),
    # one non-GSM character switches the whole body: 70 fits, 71 does not
    pytest.param(A * 69 + L, seg("UCS-2", 70, 70, 1, 70, 0, A * 69 + L), id="ucs2-69-gsm-plus-1"),
    pytest.param(A * 70 + L, seg("UCS-2", 71, 71, 2, 67, 63, A * 67, A * 3 + L), id="ucs2-70-gsm-plus-1"),
    # extension characters take two septets and are never split from their escape
    pytest.param(EURO, seg("GSM-7", 1, 2, 1, 160, 158, EURO), id="euro-alone"),
    pytest.param(A * 158 + EURO, seg("GSM-7", 159, 160, 1, 160, 0, A * 158 + EURO), id="158-plus-euro-fits"),
    pytest.param(A * 159 + EURO, seg("GSM-7", 160, 161, 2, 153, 145, A * 153, A * 6 + EURO), id="159-plus-euro"),
    pytest.param(
        A * 153 + EURO + A * 5, seg("GSM-7", 159, 160, 1, 160, 0, A * 153 + EURO + A * 5), id="153-euro-5-fits"
    ),
    pytest.param(
        A * 152 + EURO + A * 10, seg("GSM-7", 163, 164, 2, 153, 141, A * 152, EURO + A * 10), id="152-euro-moves"
    ),
    pytest.param(
        A * 151 + EURO + A * 10, seg("GSM-7", 162, 163, 2, 153, 143, A * 151 + EURO, A * 10), id="151-euro-fills"
    ),
    pytest.param(
        A * 153 + EURO + A * 10, seg("GSM-7", 164, 165, 2, 153, 141, A * 153, EURO + A * 10), id="153-euro-opens"
    ),
    pytest.param(
        A * 305 + EURO + A,
        seg("GSM-7", 307, 308, 3, 153, 150, A * 153, A * 152, EURO + A),
        id="euro-at-second-edge",
    ),
    pytest.param(EURO * 80, seg("GSM-7", 80, 160, 1, 160, 0, EURO * 80), id="80-euros-fit"),
    pytest.param(EURO * 81, seg("GSM-7", 81, 162, 2, 153, 143, EURO * 76, EURO * 5), id="81-euros"),
    # surrogate pairs take two units and are never split
    pytest.param(EMOJI, seg("UCS-2", 1, 2, 1, 70, 68, EMOJI), id="emoji-alone"),
    pytest.param(A * 68 + EMOJI, seg("UCS-2", 69, 70, 1, 70, 0, A * 68 + EMOJI), id="68-plus-emoji-fits"),
    pytest.param(A * 69 + EMOJI, seg("UCS-2", 70, 71, 2, 67, 63, A * 67, A * 2 + EMOJI), id="69-plus-emoji"),
    pytest.param(A * 66 + EMOJI + A * 3, seg("UCS-2", 70, 71, 2, 67, 62, A * 66, EMOJI + A * 3), id="66-emoji-moves"),
    pytest.param(A * 65 + EMOJI + A * 4, seg("UCS-2", 70, 71, 2, 67, 63, A * 65 + EMOJI, A * 4), id="65-emoji-fills"),
    pytest.param(EMOJI * 35, seg("UCS-2", 35, 70, 1, 70, 0, EMOJI * 35), id="35-emoji-fit"),
    pytest.param(EMOJI * 36, seg("UCS-2", 36, 72, 2, 67, 61, EMOJI * 33, EMOJI * 3), id="36-emoji"),
    pytest.param(L * 133 + EMOJI, seg("UCS-2", 134, 135, 3, 67, 65, L * 67, L * 66, EMOJI), id="emoji-at-second-edge"),
    # line breaks: CR and LF are characters of their own
    pytest.param("a\r\nb", seg("GSM-7", 4, 4, 1, 160, 156, "a\r\nb"), id="crlf-gsm"),
    pytest.param("\r\n" * 80, seg("GSM-7", 160, 160, 1, 160, 0, "\r\n" * 80), id="80-crlf-fit"),
    pytest.param(A * 152 + "\r\n" + A, seg("GSM-7", 155, 155, 1, 160, 5, A * 152 + "\r\n" + A), id="crlf-single-part"),
    pytest.param(
        A * 152 + "\r\n" + A * 10,
        seg("GSM-7", 164, 164, 2, 153, 142, A * 152 + "\r", "\n" + A * 10),
        id="crlf-may-straddle-parts",
    ),
    pytest.param(L + "\r\n", seg("UCS-2", 3, 3, 1, 70, 67, L + "\r\n"), id="crlf-ucs2"),
]


@pytest.mark.parametrize(("body", "expected"), BOUNDARIES)
def test_segmentation_matches_the_boundary_table(body, expected):
    assert segment(body) == expected


# --- named cases -----------------------------------------------------------------------------------------------------


def test_an_empty_body_is_gsm_with_no_parts_and_a_whole_part_free():
    assert segment("") == Segmentation("GSM-7", 0, 0, 0, 160, 160, ())


def test_160_gsm_characters_fit_one_part():
    result = segment("x" * 160)
    assert (result.segments, result.per_segment, result.remaining) == (1, 160, 0)


def test_161_gsm_characters_need_two_parts_of_153():
    result = segment("x" * 161)
    assert (result.segments, result.per_segment) == (2, 153)
    assert [len(part) for part in result.parts] == [153, 8]


def test_70_ucs2_characters_fit_one_part_and_71_need_two_parts_of_67():
    assert segment("Ж" * 70).segments == 1
    result = segment("Ж" * 71)
    assert (result.encoding, result.segments, result.per_segment) == ("UCS-2", 2, 67)


def test_an_extension_character_that_does_not_fit_whole_opens_the_next_part():
    # 152 septets in the first part leave one free: the euro sign needs two, so it opens the second part.
    result = segment(A * 152 + EURO + A * 10)
    assert result.parts == (A * 152, EURO + A * 10)
    assert text_units(result.parts[0], "GSM-7") == 152


def test_159_plain_characters_and_a_euro_sign_are_161_septets_in_two_parts():
    result = segment(A * 159 + EURO)
    assert (result.characters, result.units, result.segments) == (160, 161, 2)


def test_a_surrogate_pair_is_never_split_between_parts():
    result = segment(A * 66 + EMOJI + A * 3)
    assert result.parts == (A * 66, EMOJI + A * 3)
    for part in result.parts:
        part.encode("utf-16-le")  # a lone surrogate would not encode


def test_69_characters_and_an_emoji_are_71_units_in_two_parts():
    result = segment(A * 69 + EMOJI)
    assert (result.encoding, result.characters, result.units, result.segments) == ("UCS-2", 70, 71, 2)


def test_an_emoji_counts_one_character_and_two_units():
    result = segment(EMOJI)
    assert (result.characters, result.units) == (1, 2)


def test_characters_of_several_code_points_are_counted_by_code_point():
    thumbs_up_medium_skin = "\U0001f44d\U0001f3fd"
    flag = "\U0001f1f3\U0001f1f1"
    e_combining_acute = "e\u0301"
    assert segment(thumbs_up_medium_skin).characters == 2
    assert segment(thumbs_up_medium_skin).units == 4
    assert segment(flag).units == 4
    assert (segment(e_combining_acute).encoding, segment(e_combining_acute).units) == ("UCS-2", 2)


def test_a_multi_code_point_emoji_may_be_split_between_parts_at_a_pair_boundary():
    # Only surrogate pairs are kept whole, as carriers do: an emoji with a skin tone is two pairs.
    thumbs_up_medium_skin = "\U0001f44d\U0001f3fd"
    result = segment(L * 65 + thumbs_up_medium_skin + L * 3)
    assert result.parts == (L * 65 + "\U0001f44d", "\U0001f3fd" + L * 3)


@pytest.mark.parametrize("char", NOT_GSM, ids=[f"U+{ord(c):04X}" for c in NOT_GSM])
def test_one_character_outside_gsm_forces_ucs2_for_the_whole_body(char):
    result = segment("Hello, world! " + char)
    assert result.encoding == "UCS-2"
    assert result.units == 15
    assert result.per_segment == 70


def test_a_crlf_line_break_counts_two_septets():
    assert segment("Hi\r\nthere").units == 9
    assert segment("Hi\nthere").units == 8


def test_crlf_is_not_normalised():
    body = "one\r\ntwo\rthree\n"
    assert segment(body).parts == (body,)


def test_the_body_length_limit_is_1600_characters_and_not_enforced_by_segment():
    assert MAX_BODY_CHARS == 1600
    result = segment(A * 2000)
    assert result.segments == math.ceil(2000 / 153)
    assert segment(EMOJI * MAX_BODY_CHARS).segments == math.ceil(3200 / 66)


def test_a_segmentation_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        segment("hi").segments = 2


# --- the tables ------------------------------------------------------------------------------------------------------


def test_the_basic_table_is_the_gsm_default_alphabet_in_septet_order():
    assert len(SPEC_BASIC) == 128
    assert len(BASIC) == 127
    assert "".join(BASIC) == GSM_BASIC


def test_the_extension_table_holds_exactly_ten_characters():
    assert sorted(GSM_EXTENSION) == sorted(EXTENSION)
    assert len(GSM_EXTENSION) == 10
    assert not set(GSM_EXTENSION) & set(GSM_BASIC)


@pytest.mark.parametrize("char", BASIC, ids=[f"U+{ord(c):04X}" for c in BASIC])
def test_every_basic_table_character_is_one_septet(char):
    assert segment(char) == Segmentation("GSM-7", 1, 1, 1, 160, 159, (char,))
    assert segment(char * 160).segments == 1
    assert segment(char * 161).segments == 2


@pytest.mark.parametrize("char", EXTENSION, ids=[f"U+{ord(c):04X}" for c in EXTENSION])
def test_every_extension_table_character_is_two_septets(char):
    assert segment(char) == Segmentation("GSM-7", 1, 2, 1, 160, 158, (char,))
    assert segment(char * 80).segments == 1
    assert segment(char * 81).parts == (char * 76, char * 5)


def test_the_whole_alphabet_in_one_body_stays_gsm():
    body = "".join(BASIC) + "".join(EXTENSION)
    result = segment(body)
    assert (result.encoding, result.characters, result.units) == ("GSM-7", 137, 147)


def test_no_other_character_of_latin_1_greek_or_general_punctuation_is_gsm():
    for codepoint in [*range(0x00, 0x0250), *range(0x0370, 0x0400), *range(0x2000, 0x2070), 0x20AC]:
        char = chr(codepoint)
        expected = "GSM-7" if char in GSM else "UCS-2"
        assert segment(char).encoding == expected, f"U+{codepoint:04X}"


# --- properties over random bodies -----------------------------------------------------------------------------------

BMP_NOT_GSM = list("çłąęśćżźńőűčřšžЖжЯяλαβ中文字日本語عربيשלוםहिन्दी’“”–—…\t`\u00a0\u0301")
ASTRAL = list("\U0001f600\U0001f44d\U0001f3fd\U0001f1f3\U0001f1f1\U0001d11e\U00020000\U0001f680")


def random_bodies(seed: int, count: int) -> list[str]:
    """Bodies of every kind, many of them near the part edges: GSM-only ones with and without extension
    characters, and ones mixing in BMP characters outside GSM-7 and astral characters."""
    rng = random.Random(seed)
    edges = [0, 67, 70, 134, 153, 160, 201, 306, 459, 612]
    bodies = []
    for _ in range(count):
        length = rng.choice(edges) + rng.randint(-4, 4) if rng.random() < 0.6 else rng.randint(0, 700)
        length = max(length, 0)
        kind = rng.randrange(4)
        if kind == 0:  # plain GSM
            pools, weights = [BASIC], [1]
        elif kind == 1:  # GSM with extension characters
            pools, weights = [BASIC, EXTENSION], [rng.randint(1, 10), rng.randint(1, 10)]
        elif kind == 2:  # UCS-2 mostly in the BMP
            pools, weights = [BASIC, EXTENSION, BMP_NOT_GSM, ASTRAL], [10, 2, 3, 1]
        else:  # astral-heavy
            pools, weights = [BASIC, BMP_NOT_GSM, ASTRAL], [rng.randint(0, 5), 1, rng.randint(1, 10)]
        chars = [rng.choice(rng.choices(pools, weights)[0]) for _ in range(length)]
        if kind >= 2 and chars and not any(c in BMP_NOT_GSM or c in ASTRAL for c in chars):
            chars[rng.randrange(len(chars))] = rng.choice(ASTRAL)
        bodies.append("".join(chars))
    return bodies


def reference_part_count(body: str, encoding: str) -> int:
    """Cut the encoded units every `capacity` units, moving a cut that falls inside a character back to its start."""
    units_per_char = [units_of(char, encoding) for char in body]
    total = sum(units_per_char)
    single, concatenated = CAPACITY[encoding]
    if total == 0:
        return 0
    if total <= single:
        return 1
    starts = set()  # unit offsets where a character starts
    offset = 0
    for units in units_per_char:
        starts.add(offset)
        offset += units
    count, cut = 0, 0
    while cut < total:
        count += 1
        nxt = cut + concatenated
        if nxt < total:
            while nxt not in starts:
                nxt -= 1
        cut = nxt
    return count


def check_invariants(body: str) -> None:
    result = segment(body)
    encoding = "GSM-7" if set(body) <= GSM else "UCS-2"
    assert result.encoding == encoding
    assert result.characters == len(body)
    assert result.units == text_units(body, encoding)
    if encoding == "UCS-2":
        assert result.units == len(body.encode("utf-16-le")) // 2
    assert "".join(result.parts) == body
    assert result.segments == len(result.parts) == reference_part_count(body, encoding)
    single, concatenated = CAPACITY[encoding]
    assert result.per_segment == (single if result.segments <= 1 else concatenated)
    assert result.segments >= math.ceil(result.units / result.per_segment)
    for index, part in enumerate(result.parts):
        assert part, "no part is empty"
        assert text_units(part, encoding) <= result.per_segment
        if index + 1 < len(result.parts):  # greedy: the next part's first character did not fit here
            assert text_units(part, encoding) + units_of(result.parts[index + 1][0], encoding) > result.per_segment
    last = text_units(result.parts[-1], encoding) if result.parts else 0
    assert result.remaining == result.per_segment - last


def test_random_bodies_keep_every_invariant_and_use_the_fewest_parts():
    bodies = random_bodies(seed=23038, count=4000)
    assert {segment(body).encoding for body in bodies} == {"GSM-7", "UCS-2"}
    assert max(segment(body).segments for body in bodies) >= 5
    for body in bodies:
        check_invariants(body)


@pytest.mark.parametrize("body", [p.values[0] for p in BOUNDARIES], ids=[p.id for p in BOUNDARIES])
def test_the_boundary_bodies_keep_every_invariant(body):
    check_invariants(body)

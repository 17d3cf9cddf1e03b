import re

import pytest

from bot.tickets.codes import SUFFIX_ALPHABET, CaseCode, format_code, new_suffix, parse_code

CODE_RE = re.compile(r"^MEN-\d{4}-\d{6}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_format_is_readable_and_zero_padded():
    assert format_code(year=2026, number=123, suffix="K7QX") == "MEN-2026-000123-K7QX"


def test_suffixes_use_only_unambiguous_characters_and_vary():
    suffixes = {new_suffix() for _ in range(500)}
    assert all(len(s) == 4 and set(s) <= set(SUFFIX_ALPHABET) for s in suffixes)
    assert not set("ILOU") & set(SUFFIX_ALPHABET)
    assert len(suffixes) > 490  # ~1M possibilities: collisions in 500 draws are rare


@pytest.mark.parametrize(
    "text",
    [
        "MEN-2026-000123-K7QX",
        "como va mi caso men-2026-000123-k7qx?",
        "caso MEN 2026 000123 K7QX por favor",
        "men_2026_123_k7qx",
        "Mi código es MEN-2026-000123 K7QX.",
    ],
)
def test_parse_tolerates_how_people_type_it(text):
    assert parse_code(text) == CaseCode(2026, 123, "K7QX")


def test_parse_maps_crockford_lookalikes():
    assert parse_code("MEN-2026-000045-O1LZ") == CaseCode(2026, 45, "011Z")


def test_parse_without_suffix_or_with_a_word_after_it():
    assert parse_code("como va el caso MEN-2026-000123") == CaseCode(2026, 123, None)
    assert parse_code("caso MEN-2026-000123 gracias") == CaseCode(2026, 123, None)
    assert str(CaseCode(2026, 123, None)) == "MEN-2026-000123"


@pytest.mark.parametrize("text", [None, "", "hola", "MEN-26-000123", "MEN-2026-000000-ABCD", "XMEN-2026-1"])
def test_parse_rejects_non_codes(text):
    assert parse_code(text) is None


def test_generated_codes_match_the_documented_pattern():
    assert CODE_RE.match(format_code(year=2026, number=1, suffix=new_suffix()))

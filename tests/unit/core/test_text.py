import pytest

from bot.text import normalize, normalize_token, strip_accents


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Deserción", "desercion"),
        ("AÑO", "ano"),
        ("Bogotá", "bogota"),
        ("pingüino", "pinguino"),
    ],
)
def test_accents_and_case_are_removed(raw, expected):
    assert normalize_token(raw) == expected


def test_chat_abbreviations_are_expanded():
    assert normalize("xq no me sale la info?") == "porque no me sale la informacion ?"
    assert normalize("Q es la escuela") == "que es la escuela"


def test_words_that_look_like_abbreviations_inside_others_are_kept():
    assert normalize("queso") == "queso"
    assert normalize("educacion xyz") == "educacion xyz"


def test_empty_text():
    assert normalize("") == ""
    assert normalize(None) == ""  # type: ignore[arg-type]
    assert strip_accents("") == ""

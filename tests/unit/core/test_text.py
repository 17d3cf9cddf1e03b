import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.text import ABBREVIATIONS, STOPWORDS, fold, normalize, normalize_token, stem, stems, strip_accents

NLU_DIR = Path(__file__).resolve().parents[3] / "data" / "nlu"


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
    assert fold(None) == fold("") == ""


def test_fold_is_the_matching_key():
    assert fold("  ¿Bogotá, D.C.? ") == "bogota d c"
    assert fold("NARIÑO") == fold("Narino") == "narino"
    assert fold("contraseña/usuario-SIMAT") == "contrasena usuario simat"


def test_stems_fold_plurals_and_keep_numbers():
    assert stems("Traslados y permutas") == stems("traslado y permuta")
    assert stem("2024") == "2024"
    assert {"de", "la", "que", "hola"} <= STOPWORDS


def _nlu_texts() -> list[str]:
    texts = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            raw = block.get("examples") or ""
            texts += [line[2:] for line in raw.splitlines() if line.startswith("- ")]
    return texts


def _token_as_trained(token: str) -> str:
    """The token normaliser the current NLU model was trained with (do not change without retraining)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", token.lower()) if not unicodedata.combining(ch))
    return ABBREVIATIONS.get(plain, plain)


def test_nlu_tokens_are_normalised_as_the_model_was_trained():
    texts = _nlu_texts()
    assert len(texts) > 1000
    tokens = {t for text in texts for t in re.findall(r"\w+|[^\w\s]", text) + text.split()}
    changed = [t for t in sorted(tokens) if normalize_token(t) != _token_as_trained(t)]
    assert changed == []

"""Helpers shared by the evaluation scripts (scripts/eval_*.py): which set, which model, text and numbers.

The evaluation sets live in tests/eval/: ``frozen/`` (written blind, never tuned on: only aggregate
figures may be printed) and ``validation/`` (for tuning: failures may be printed).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "eval"
FROZEN_DIR = EVAL_DIR / "frozen"
VALIDATION_DIR = EVAL_DIR / "validation"
AREAS_FILES = (ROOT.parent / "shared" / "spec" / "men-areas.yml", ROOT / "data" / "spec" / "men-areas.yml")


def resolve_set(choice: str, name: str) -> Path:
    """``frozen`` / ``validation`` -> tests/eval/<choice>/<name>.yml; anything else is a path."""
    if choice in ("frozen", "validation"):
        return EVAL_DIR / choice / f"{name}.yml"
    path = Path(choice)
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def is_frozen(path: Path) -> bool:
    try:
        path.resolve().relative_to(FROZEN_DIR.resolve())
        return True
    except ValueError:
        return False


def refuse_details_on_frozen(path: Path, flag: str) -> None:
    if is_frozen(path):
        sys.exit(f"{flag} no se permite con un conjunto congelado ({path}): solo se imprimen cifras agregadas. "
                 "Use --set validation.")


def newest_model() -> str:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("No hay modelos en models/: entrene uno con scripts/ensure_model.sh (o pase --model).")
    return str(models[-1])


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalize(text: str) -> str:
    """Lower case, no accents (ñ -> n), single spaces."""
    return " ".join(strip_accents(str(text)).lower().split())


def normalize_words(text: str) -> str:
    """``normalize`` and punctuation dropped: ``Bogotá, D.C.`` -> ``bogota d c``."""
    return " ".join(re.findall(r"[0-9a-z]+", normalize(text)))


def pct(part: int | float, whole: int | float) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "  n/a"


# --- MEN areas ------------------------------------------------------------------------------------
def load_areas() -> list[dict]:
    for path in AREAS_FILES:
        if path.exists():
            return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("areas") or [])
    raise FileNotFoundError("men-areas.yml not found")


def area_code_by_name() -> dict[str, str]:
    return {normalize_words(a["name"]): str(a["code"]) for a in load_areas()}


def default_area() -> str:
    areas = load_areas()
    return next((str(a["code"]) for a in areas if a.get("default")), str(areas[-1]["code"]))


# --- numbers as the assistant writes them (es-CO: 93,85 % ; 1.288.473) ---------------------------
NUMBER_RE = re.compile(r"(?<![\d.,])(-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:,\d+)?)(?![\d])(\s?%)?")


def numbers_in(text: str) -> list[tuple[float, int, bool, bool]]:
    """Every number of ``text``: (value, decimals shown, followed by %, grouped or with decimals)."""
    out = []
    for match in NUMBER_RE.finditer(text):
        raw, percent = match.group(1), bool(match.group(2))
        integer, _, decimals = raw.partition(",")
        value = float(integer.replace(".", "") + (f".{decimals}" if decimals else ""))
        out.append((value, len(decimals), percent, "." in integer or bool(decimals)))
    return out


def states_value(text: str, expected: float) -> bool:
    """The text states ``expected``, rounded to the decimals the text shows.

    "The decimals the text shows" is the largest number of decimals among its figures, so that with
    «3,19 %» on screen an expected 3.19 is not taken from the «3,2 %» of another year. Numbers with
    decimals, thousands separators or a % sign count; a bare integer counts only when the expected
    value is an integer (populations), so list positions and «5 a 16» are not taken as figures.
    """
    integer_expected = float(expected).is_integer()
    numbers = [n for n in numbers_in(text) if n[2] or n[3] or integer_expected]
    if not numbers:
        return False
    shown = max(decimals for _, decimals, _, _ in numbers)
    tolerance = 10 ** (-shown) / 2 + 1e-9
    return any(abs(float(expected) - value) <= tolerance for value, _, _, _ in numbers)


def states_a_figure(text: str) -> bool:
    """A percentage, a number with decimals or a grouped number (not a bare year or count)."""
    return any(percent or formatted for _, _, percent, formatted in numbers_in(text))

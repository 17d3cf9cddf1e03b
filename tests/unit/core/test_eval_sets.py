"""The evaluation sets of tests/eval/ are honest: frozen files unchanged, no near-copies of training data.

Similarity is rapidfuzz ``fuzz.ratio`` / 100 on normalised text (lower case, no accents, single
spaces); a message is an offender when it reaches 0.8 against any training example (NLU examples of
data/nlu, routing examples of data/routing/examples, and the keyword phrases of
data/routing/keywords.yml that are full sentences). Messages of one or two words («hola», «2016»,
«del huila») cannot help but match and are not checked. For frozen files only counts are reported.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[3]
EVAL = ROOT / "tests" / "eval"
FROZEN = EVAL / "frozen"
VALIDATION = EVAL / "validation"
THRESHOLD = 80.0  # fuzz.ratio is 0-100
MIN_WORDS = 3  # shorter messages are not checked
SENTENCE_WORDS = 5  # a keyword phrase this long is a sentence, hence a training example
ENTITY_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


def strip_annotations(example: str) -> str:
    return ENTITY_RE.sub(lambda m: m.group(1) or m.group(2), example)


def nlu_examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "examples" not in block or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(strip_annotations(line[2:].strip()))
    return out


def eval_messages(path: Path) -> list[str]:
    """Every message a user types in an evaluation file, whatever its kind."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "nlu" in data:
        return nlu_examples(path)
    out = [str(i["text"]) for i in data.get("inquiries") or []]
    out += [str(t["user"]) for c in data.get("conversations") or [] for t in c.get("turns") or []]
    out += [str(q["query"]) for q in data.get("queries") or []]
    return out


def training_messages() -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        out += nlu_examples(path)
    for path in sorted((ROOT / "data" / "routing" / "examples").glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += [str(t) for t in raw.get("examples") or []]
    keywords = ROOT / "data" / "routing" / "keywords.yml"
    if keywords.exists():
        raw = yaml.safe_load(keywords.read_text(encoding="utf-8")) or {}
        for phrases in (raw.get("keywords") or {}).values():
            out += [str(p) for p in phrases or [] if len(str(p).split()) >= SENTENCE_WORDS]
    return out


def checked(messages: list[str]) -> list[str]:
    return sorted({n for n in map(normalise, messages) if len(n.split()) >= MIN_WORDS})


def near_copies(queries: list[str], choices: list[str]) -> list[tuple[str, str, float]]:
    """(query, closest choice, score) for every query that reaches the threshold."""
    if not queries or not choices:
        return []
    scores = process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=THRESHOLD, dtype=np.uint8, workers=1)
    out = []
    for i, row in enumerate(scores):
        j = int(row.argmax())
        if row[j] >= THRESHOLD:
            out.append((queries[i], choices[j], float(row[j]) / 100))
    return out


def eval_files() -> list[Path]:
    return sorted(FROZEN.glob("*.yml")) + sorted(VALIDATION.glob("*.yml"))


def describe(offenders: dict[Path, list[tuple[str, str, float]]], *, partners_frozen: bool = False) -> str:
    """Counts per file; the texts only of validation files (and never a frozen text as the partner)."""
    lines = []
    for path, found in offenders.items():
        lines.append(f"{path.relative_to(ROOT)}: {len(found)}")
        if VALIDATION in path.parents:  # frozen sets: counts only
            lines += [f"    {s:.2f}  {q!r}" + ("" if partners_frozen else f" ~ {c!r}") for q, c, s in found]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def training() -> list[str]:
    return sorted(set(map(normalise, training_messages())))


def test_the_sets_and_the_training_data_are_where_expected(training):
    assert len(training) > 500
    assert {p.name for p in FROZEN.glob("*.yml")} >= {"nlu.yml", "routing.yml", "conversations.yml"}
    assert {p.name for p in VALIDATION.glob("*.yml")} >= {"nlu.yml", "routing.yml", "conversations.yml"}
    for path in eval_files():
        assert len(eval_messages(path)) >= 20, path


def test_near_copy_detection_works():
    found = near_copies(checked(["Cual fue la desercion en Pasto?", "una pregunta muy distinta de todo"]),
                        checked(["¿Cuál fue la deserción en Pasto?"]))
    assert [q for q, _, _ in found] == ["cual fue la desercion en pasto?"]


def test_no_evaluation_message_is_a_near_copy_of_training_data(training):
    offenders = {}
    for path in eval_files():
        found = near_copies(checked(eval_messages(path)), training)
        if found:
            offenders[path] = found
    if offenders:  # pytest.fail: an assert would print the frozen texts
        pytest.fail("mensajes de evaluación casi iguales a datos de entrenamiento:\n" + describe(offenders), pytrace=False)


def test_frozen_and_validation_sets_do_not_near_copy_each_other():
    frozen = checked([m for p in sorted(FROZEN.glob("*.yml")) for m in eval_messages(p)])
    offenders = {}
    for path in sorted(VALIDATION.glob("*.yml")):
        found = near_copies(checked(eval_messages(path)), frozen)
        if found:
            offenders[path] = found
    if offenders:  # pytest.fail: an assert would print the frozen texts
        pytest.fail("mensajes de validación casi iguales al conjunto congelado:\n"
                    + describe(offenders, partners_frozen=True), pytrace=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_frozen_files_match_their_checksums():
    sums = {}
    for line in (FROZEN / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*")] = digest
    files = {p.name for p in FROZEN.iterdir() if p.is_file() and p.name != "SHA256SUMS"}
    assert set(sums) == files, "SHA256SUMS no lista exactamente los archivos congelados"
    changed = sorted(name for name, digest in sums.items() if sha256(FROZEN / name) != digest)
    assert not changed, f"archivos congelados modificados: {changed}"

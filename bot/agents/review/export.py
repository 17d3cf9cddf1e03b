"""Accepted corrections to the training data, in Rasa's YAML format, with provenance comments.

- NLU: ``data/nlu/revisado/<feature>.yml`` (``version``/``nlu`` with ``- intent: X`` blocks;
  entities written as ``[texto](entidad)``). ``data/nlu`` is a training path of ``make train``
  (``scripts/ensure_model.sh``), read recursively, so the reviewed files are trained on and change
  the model's fingerprint.
- Routing: ``data/routing/examples/revisado.yml``: ``examples`` as a list of ``{text, area}``.

Each block starts with ``# revisado AAAA-MM-DD por <revisor> (#id)``. An example is never written
when its normalised text already is a training example, or when it is a near-copy (similarity
≥ 0.8) of a text of the frozen evaluation sets (``tests/eval/frozen/``, ``tests/nlu_holdout.yml``,
``tests/routing_holdout.yml``) — those files are only read, never written. Skipped examples are
marked so they are not tried again.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import select

from bot.agents.review.ingest import BOGOTA
from bot.agents.review.models import ReviewGroup, RoutingReview
from bot.db import session_scope
from bot.settings import PROJECT_ROOT
from bot.text import normalize
from bot.tickets.models import utcnow

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
REVIEWED_NLU_DIR = NLU_DIR / "revisado"
ROUTING_EXAMPLES_DIR = PROJECT_ROOT / "data" / "routing" / "examples"
REVIEWED_ROUTING_FILE = ROUTING_EXAMPLES_DIR / "revisado.yml"
FROZEN_PATHS = (
    PROJECT_ROOT / "tests" / "eval" / "frozen",
    PROJECT_ROOT / "tests" / "nlu_holdout.yml",
    PROJECT_ROOT / "tests" / "routing_holdout.yml",
)
NEAR_COPY = 80  # rapidfuzz ratio (0-100): 0.8 similarity
SKIPPED_DUPLICATE = "(ya estaba en los datos de entrenamiento)"
SKIPPED_FROZEN = "(parecido a un conjunto de evaluación congelado)"
NLU_HEADER = (
    'version: "3.1"\n'
    "# Ejemplos revisados por curadores del MEN a partir de conversaciones reales.\n"
    "# Los escribe `python -m bot revision exportar` (o el botón Exportar de la bandeja de revisión);\n"
    "# cada bloque indica la fecha y quién lo revisó. No se duplican ejemplos existentes.\n"
    "nlu:\n"
)
ROUTING_HEADER = (
    "# Ejemplos de enrutamiento revisados: casos que un agente transfirió a otra área.\n"
    "# Los escribe `python -m bot revision exportar`; cada bloque indica la fecha y quién lo revisó.\n"
    "examples:\n"
)
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def plain(text: str) -> str:
    """Training text without entity annotations, normalised for comparisons."""
    return " ".join(_PUNCT.sub(" ", normalize(_ANNOTATION.sub(r"\1", text))).split())


# ----------------------------------------------------------------------------- reading texts
def _texts_in(node, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples" and isinstance(value, str):
                found.extend(line.strip()[2:] for line in value.splitlines() if line.strip().startswith("- "))
            elif key in ("examples", "inquiries") and isinstance(value, list):
                for entry in value:
                    if isinstance(entry, str):
                        found.append(entry)
                    else:
                        _texts_in(entry, found)
            elif key in ("text", "texto", "user") and isinstance(value, str):
                found.append(value)
            else:
                _texts_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _texts_in(value, found)


def texts_of(paths: Iterable[Path]) -> list[str]:
    """Every example text of the YAML (or JSON) files under ``paths`` (files or folders)."""
    found: list[str] = []
    for base in paths:
        if not base.exists():
            continue
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            if path.suffix not in (".yml", ".yaml", ".json"):
                continue
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError):
                continue
            _texts_in(data, found)
    return found


class FrozenGuard:
    """Near-copy test against the frozen evaluation texts (loaded in code, never shown)."""

    def __init__(self, paths: Iterable[Path] = FROZEN_PATHS) -> None:
        self._texts = sorted({plain(t) for t in texts_of(paths) if t.strip()})

    def near_copy(self, text: str) -> bool:
        if not self._texts:
            return False
        return process.extractOne(plain(text), self._texts, scorer=fuzz.ratio, score_cutoff=NEAR_COPY) is not None


# ----------------------------------------------------------------------------- writing
@dataclass
class ExportReport:
    written: dict[str, int] = field(default_factory=dict)  # file -> examples
    duplicates: int = 0
    frozen: int = 0

    @property
    def total(self) -> int:
        return sum(self.written.values())


def annotate(text: str, entities: list[dict]) -> str:
    out, last = [], 0
    for e in sorted(entities or [], key=lambda e: e["start"]):
        out.append(text[last:e["start"]])
        out.append(f"[{text[e['start']:e['end']]}]({e['entity']})")
        last = e["end"]
    out.append(text[last:])
    return "".join(out)


def _provenance(when: datetime, reviewer: str | None, reviewer_id: int | None) -> str:
    day = when.astimezone(BOGOTA).date().isoformat()
    who = " ".join((reviewer or "revisor").split())
    return f"# revisado {day} por {who}" + (f" (#{reviewer_id})" if reviewer_id else "")


def _write(path: Path, header: str, block: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else header
    if not existing.endswith("\n"):
        existing += "\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(existing + block, encoding="utf-8")
    yaml.safe_load(tmp.read_text(encoding="utf-8"))  # never leave a broken file behind
    os.replace(tmp, path)


def export_nlu(
    *, database_url: str, nlu_dir: Path = NLU_DIR, frozen: FrozenGuard | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ExportReport:
    report = ExportReport()
    guard = frozen if frozen is not None else FrozenGuard()
    known = {plain(t) for t in texts_of([nlu_dir])}
    now = clock()
    with session_scope(database_url) as session:
        groups = session.execute(
            select(ReviewGroup).where(ReviewGroup.status.in_(("aceptado", "fuera_de_alcance")),
                                      ReviewGroup.exported_at.is_(None), ReviewGroup.intent.is_not(None))
            .order_by(ReviewGroup.reviewed_at, ReviewGroup.id)
        ).scalars().all()
        from bot.agents.review.intents import load_intents

        catalog = load_intents()
        blocks: dict[str, dict[tuple, list[str]]] = defaultdict(lambda: defaultdict(list))
        for group in groups:
            text = group.example_text or group.text
            key = plain(text)
            if key in known:
                group.exported_at, group.export_file = now, SKIPPED_DUPLICATE
                report.duplicates += 1
                continue
            if guard.near_copy(text):
                group.exported_at, group.export_file = now, SKIPPED_FROZEN
                report.frozen += 1
                continue
            known.add(key)
            feature = catalog.feature_of(group.intent)
            reviewed = group.reviewed_at or now
            block_key = (_provenance(reviewed, group.reviewer_name, group.reviewer_id), group.intent)
            blocks[feature][block_key].append(annotate(text, group.entities or []))
            group.exported_at = now
            group.export_file = str(Path("data/nlu/revisado") / f"{feature}.yml")
        for feature, by_block in sorted(blocks.items()):
            lines: list[str] = []
            for (comment, intent), examples in by_block.items():
                lines += [comment, f"- intent: {intent}", "  examples: |"]
                lines += [f"    - {' '.join(e.split())}" for e in examples]
            path = nlu_dir / "revisado" / f"{feature}.yml"
            _write(path, NLU_HEADER, "\n".join(lines) + "\n")
            report.written[str(path)] = sum(len(v) for v in by_block.values())
    return report


def export_routing(
    *, database_url: str, examples_dir: Path = ROUTING_EXAMPLES_DIR, frozen: FrozenGuard | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ExportReport:
    report = ExportReport()
    guard = frozen if frozen is not None else FrozenGuard()
    known = {plain(t) for t in texts_of([examples_dir])}
    now = clock()
    path = examples_dir / "revisado.yml"
    with session_scope(database_url) as session:
        reviews = session.execute(
            select(RoutingReview).where(RoutingReview.status == "aceptado", RoutingReview.exported_at.is_(None))
            .order_by(RoutingReview.reviewed_at, RoutingReview.id)
        ).scalars().all()
        by_comment: dict[str, list[str]] = defaultdict(list)
        for review in reviews:
            key = plain(review.text)
            review.exported_at = now
            if key in known:
                report.duplicates += 1
                continue
            if guard.near_copy(review.text):
                report.frozen += 1
                continue
            known.add(key)
            comment = _provenance(review.reviewed_at or now, review.reviewer_name, review.reviewer_id)
            by_comment[comment].append(
                f"  - text: {json.dumps(review.text, ensure_ascii=False)}\n    area: {json.dumps(review.area_code)}"
            )
        if by_comment:
            block = "".join(f"  {comment}\n" + "\n".join(items) + "\n" for comment, items in by_comment.items())
            _write(path, ROUTING_HEADER, block)
            report.written[str(path)] = sum(len(v) for v in by_comment.values())
    return report

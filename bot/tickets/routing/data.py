"""Labelled routing examples and curated keywords (YAML data under ``data/routing/``).

``data/routing/examples/<AREA>.yml``::

    area: DFGT-SRH
    examples:
      - texto de una consulta
      - ...

``data/routing/examples/revisado.yml`` (examples accepted in the review inbox) has no
top-level ``area``; its ``examples`` are ``{text, area}`` pairs.

``tests/routing_holdout.yml`` (held-out, written separately) is a list of ``{text, area}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

ROUTING_DIR = PROJECT_ROOT / "data" / "routing"
HOLDOUT_FILE = PROJECT_ROOT / "tests" / "routing_holdout.yml"


@dataclass(frozen=True)
class LabelledText:
    text: str
    area: str


def load_examples(directory: Path = ROUTING_DIR / "examples") -> list[LabelledText]:
    items: list[LabelledText] = []
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        if "area" not in raw:  # reviewed examples: one area per example
            items.extend(LabelledText(text=str(e["text"]), area=str(e["area"])) for e in raw.get("examples") or [])
            continue
        area = str(raw["area"])
        items.extend(LabelledText(text=str(t), area=area) for t in raw.get("examples") or [])
    return items


def load_keywords(path: Path = ROUTING_DIR / "keywords.yml") -> dict[str, list[str]]:
    """Curated keyword phrases per area code (in addition to the topics of the spec)."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return {str(code): [str(k) for k in kws or []] for code, kws in (raw.get("keywords") or {}).items()}


def load_holdout(path: Path = HOLDOUT_FILE) -> list[LabelledText]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return [LabelledText(text=str(i["text"]), area=str(i["area"])) for i in raw.get("inquiries") or []]

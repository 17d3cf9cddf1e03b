"""The intents a curator may choose, their Spanish labels and the feature (training file) of each.

Read from ``domain.yml`` (intents), ``data/nlu/faq.yml`` (``faq/<tema>`` retrieval intents),
``data/nlu/<feature>.yml`` (which file teaches which intent) and ``data/labels/opciones.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
LABELS_FILE = PROJECT_ROOT / "data" / "labels" / "opciones.yml"
NEVER_CHOSEN = {"nlu_fallback"}
OUT_OF_SCOPE = "out_of_scope"
_INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class IntentCatalog:
    intents: tuple[str, ...]
    labels: dict[str, str]
    features: dict[str, str]  # intent -> feature (file stem in data/nlu)

    def feature_of(self, intent: str) -> str:
        if intent in self.features:
            return self.features[intent]
        if intent.startswith("faq/"):
            return "faq"
        return "core"

    def __contains__(self, intent: str) -> bool:
        return intent in self.intents


@lru_cache(maxsize=2)
def load_intents(nlu_dir: Path = NLU_DIR, domain_file: Path = DOMAIN_FILE) -> IntentCatalog:
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names: list[str] = []
    for entry in domain.get("intents") or []:
        name = next(iter(entry)) if isinstance(entry, dict) else str(entry)
        if name != "faq" and name not in NEVER_CHOSEN:
            names.append(name)
    features: dict[str, str] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        for intent in _INTENT_LINE.findall(path.read_text(encoding="utf-8")):
            features.setdefault(intent, path.stem)
            if intent.startswith("faq/") and intent not in names:
                names.append(intent)
    if OUT_OF_SCOPE not in names:
        names.append(OUT_OF_SCOPE)
    labels_raw = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")) if LABELS_FILE.exists() else {}
    labels = dict((labels_raw or {}).get("intenciones") or {})
    for topic, label in ((labels_raw or {}).get("temas_faq") or {}).items():
        labels[f"faq/{topic}"] = f"Escuela: {label}"
    labels.setdefault(OUT_OF_SCOPE, "Fuera del alcance del asistente")
    return IntentCatalog(intents=tuple(names), labels=labels, features=features)

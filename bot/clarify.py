"""What the user may have meant: options for "¿Quiso decir…?" and the FAQ topic of a message.

Works on plain dictionaries shaped like Rasa's parse data, so it needs no rasa import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

LABELS_FILE = PROJECT_ROOT / "data" / "labels" / "opciones.yml"
FAQ_INTENT = "faq"
NEVER_PROPOSED = {"nlu_fallback", "out_of_scope", "afirmar", "negar"}
# An intent this unlikely is not offered as "¿Quiso decir…?": options unrelated to the message do not help.
MIN_OPTION_CONFIDENCE = 0.1


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


@dataclass(frozen=True)
class Labels:
    intents: dict[str, str]
    faq_topics: dict[str, str]
    none_of_these: str = "Ninguna de estas"


@lru_cache(maxsize=4)
def load_labels(path: Path = LABELS_FILE) -> Labels:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Labels(
        intents=dict(data.get("intenciones") or {}),
        faq_topics=dict(data.get("temas_faq") or {}),
        none_of_these=data.get("ninguna") or "Ninguna de estas",
    )


def faq_payload(topic: str) -> str:
    return f'/faq{{"tema": "{topic}"}}'


def faq_topic(parse_data: dict, labels: Labels | None = None) -> str | None:
    """The FAQ topic of a message: the ``tema`` entity of a button, else the ResponseSelector's choice."""
    labels = labels or load_labels()
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "tema" and entity.get("value") in labels.faq_topics:
            return entity["value"]
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    topic = key.split("/", 1)[1] if key.startswith(FAQ_INTENT + "/") else None
    return topic if topic in labels.faq_topics else None


def _faq_options(parse_data: dict, labels: Labels, limit: int) -> list[Option]:
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    options = []
    for item in selector.get("ranking") or []:
        key = item.get("intent_response_key") or ""
        topic = key.split("/", 1)[1] if "/" in key else ""
        if topic in labels.faq_topics:
            options.append(Option(labels.faq_topics[topic], faq_payload(topic)))
        if len(options) >= limit:
            break
    return options


def is_noise(parse_data: dict) -> bool:
    """The fallback came from the unknown-words check (keyboard noise: its confidence is 0)."""
    intent = parse_data.get("intent") or {}
    return intent.get("name") == "nlu_fallback" and intent.get("confidence", 1.0) == 0.0


def clarification_options(parse_data: dict, labels: Labels | None = None, limit: int = 3) -> list[Option]:
    """Up to ``limit`` options, most likely first, from the intent ranking of a low-confidence message."""
    labels = labels or load_labels()
    options: list[Option] = []
    seen: set[str] = set()
    for item in parse_data.get("intent_ranking") or []:
        name = item.get("name")
        confidence = item.get("confidence")
        if not name or name in NEVER_PROPOSED or (confidence is not None and confidence < MIN_OPTION_CONFIDENCE):
            continue
        if name == FAQ_INTENT:
            candidates = _faq_options(parse_data, labels, limit=2)
        elif name in labels.intents:
            candidates = [Option(labels.intents[name], f"/{name}")]
        else:
            candidates = []
        for option in candidates:
            if option.payload not in seen:
                seen.add(option.payload)
                options.append(option)
        if len(options) >= limit:
            break
    return options[:limit]

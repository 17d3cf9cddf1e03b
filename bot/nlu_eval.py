"""Scoring of NLU predictions on a held-out set (pure Python; the model runs in scripts/eval_nlu.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # intent, or faq/<topic> for retrieval intents


@dataclass(frozen=True)
class Prediction:
    label: str  # after the FallbackClassifier
    best_label: str  # best intent ignoring the fallback
    confidence: float  # confidence of best_label

    @classmethod
    def from_parse_data(cls, data: dict) -> Prediction:
        ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        best = ranking[0] if ranking else {"name": FALLBACK, "confidence": 0.0}
        best_label = _full_label(best["name"], data)
        top = (data.get("intent") or {}).get("name") or FALLBACK
        label = FALLBACK if top == FALLBACK else _full_label(top, data)
        return cls(label=label, best_label=best_label, confidence=float(best.get("confidence") or 0.0))


def _full_label(intent: str, data: dict) -> str:
    selector = (data.get("response_selector") or {}).get(intent)
    if selector:
        key = (selector.get("response") or {}).get("intent_response_key")
        if key:
            return key
    return intent


def load_holdout(path: Path) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(text=line[2:].strip(), label=block["intent"]))
    return examples


@dataclass(frozen=True)
class Report:
    accuracy: float
    macro_f1: float
    weighted_f1: float
    per_label: dict[str, float]


def f1_report(examples: list[Example], predictions: list[Prediction]) -> Report:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    support: dict[str, int] = defaultdict(int)
    for example, prediction in zip(examples, predictions, strict=False):
        support[example.label] += 1
        if example.label == prediction.label:
            tp[example.label] += 1
        else:
            fp[prediction.label] += 1
            fn[example.label] += 1
    per_label = {}
    for label in support:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        per_label[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = sum(support.values()) or 1
    return Report(
        accuracy=sum(tp.values()) / total,
        macro_f1=sum(per_label.values()) / (len(per_label) or 1),
        weighted_f1=sum(per_label[label] * support[label] for label in support) / total,
        per_label=per_label,
    )


@dataclass(frozen=True)
class SweepRow:
    threshold: float
    accuracy: float  # valid examples answered with the right label
    false_fallback: float  # valid examples sent to the fallback
    caught: float  # gibberish sent to the fallback


def sweep(examples: list[Example], predictions: list[Prediction], thresholds=None) -> list[SweepRow]:
    thresholds = thresholds or [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7]
    valid = [(e, p) for e, p in zip(examples, predictions, strict=False) if e.label != FALLBACK]
    junk = [p for e, p in zip(examples, predictions, strict=False) if e.label == FALLBACK]
    rows = []
    for t in thresholds:
        right = sum(1 for e, p in valid if p.confidence >= t and p.best_label == e.label)
        fell = sum(1 for _, p in valid if p.confidence < t)
        caught = sum(1 for p in junk if p.confidence < t)
        rows.append(
            SweepRow(
                threshold=t,
                accuracy=right / (len(valid) or 1),
                false_fallback=fell / (len(valid) or 1),
                caught=caught / (len(junk) or 1),
            )
        )
    return rows

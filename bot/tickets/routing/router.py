"""The router: keyword rules + classifier -> exactly one area code, with a confidence."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from bot.tickets.areas import AREAS_FILE, AreaCatalog, load_areas
from bot.tickets.routing import classifier
from bot.tickets.routing.data import ROUTING_DIR, load_examples, load_keywords
from bot.tickets.routing.rules import KeywordRules

RULE_WEIGHT = 0.35  # share of the keyword rules in the combined score when at least one rule fires


@dataclass(frozen=True)
class RoutingDecision:
    area_code: str
    confidence: float
    needs_triage: bool
    method: str  # "clasificador", "reglas+clasificador" or "defecto"
    predicted_area: str  # best area before the threshold (equals area_code unless sent to triage)
    candidates: tuple[tuple[str, float], ...]  # top 3 (area, score)


class Router:
    def __init__(self, *, areas: AreaCatalog, rules: KeywordRules, model, min_confidence: float) -> None:
        self.areas = areas
        self.rules = rules
        self.model = model
        self.min_confidence = min_confidence

    def scores(self, text: str) -> dict[str, float]:
        """Combined score per area code (sums to 1)."""
        proba = self.model.predict_proba([text])[0]
        combined = {code: float(p) for code, p in zip(self.model.classes_, proba, strict=True)}
        for code in self.areas.codes:
            combined.setdefault(code, 0.0)
        rule_scores = self.rules.scores(text)
        total = sum(rule_scores.values())
        if total > 0:
            combined = {
                code: (1 - RULE_WEIGHT) * p + RULE_WEIGHT * rule_scores.get(code, 0.0) / total
                for code, p in combined.items()
            }
        return combined

    def route(self, text: str) -> RoutingDecision:
        combined = self.scores(text)
        ranked = sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))
        best, confidence = ranked[0]
        method = "reglas+clasificador" if self.rules.scores(text) else "clasificador"
        candidates = tuple((code, round(score, 4)) for code, score in ranked[:3])
        confidence = min(max(confidence, 0.0), 1.0)
        if confidence < self.min_confidence:
            return RoutingDecision(
                area_code=self.areas.default.code,
                confidence=confidence,
                needs_triage=True,
                method="defecto",
                predicted_area=best,
                candidates=candidates,
            )
        return RoutingDecision(
            area_code=best,
            confidence=confidence,
            needs_triage=False,
            method=method,
            predicted_area=best,
            candidates=candidates,
        )


def build_router(
    *,
    min_confidence: float,
    areas: AreaCatalog | None = None,
    routing_dir: Path = ROUTING_DIR,
    c: float = 20.0,
) -> Router:
    """Train a router from the data files (about a second on this machine)."""
    areas = areas or load_areas()
    examples = load_examples(routing_dir / "examples")
    unknown = {e.area for e in examples} - set(areas.codes)
    if unknown:
        raise ValueError(f"routing examples use unknown area codes: {sorted(unknown)}")
    # The topics of each area are examples too.
    texts = [e.text for e in examples] + [a.topics for a in areas.areas]
    labels = [e.area for e in examples] + [a.code for a in areas.areas]
    model = classifier.train(texts, labels, c=c)
    rules = KeywordRules.build(areas, load_keywords(routing_dir / "keywords.yml"))
    return Router(areas=areas, rules=rules, model=model, min_confidence=min_confidence)


_cache: dict[tuple, Router] = {}
_lock = threading.Lock()


def get_router(min_confidence: float, areas_file: Path = AREAS_FILE) -> Router:
    """The process-wide router, trained at first use and cached (per threshold and areas file)."""
    key = (min_confidence, str(areas_file))
    with _lock:
        if key not in _cache:
            _cache[key] = build_router(min_confidence=min_confidence, areas=load_areas(areas_file))
        return _cache[key]

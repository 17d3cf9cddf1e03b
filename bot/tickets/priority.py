"""Priority and SLA of a new case, from ``data/routing/priority.yml`` (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.text import stems
from bot.tickets.models import PRIORITIES
from bot.tickets.routing.data import ROUTING_DIR

PRIORITY_FILE = ROUTING_DIR / "priority.yml"


@dataclass(frozen=True)
class PriorityPolicy:
    default: str
    sla_business_days: dict[str, int]
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # priority -> tokenised phrases

    def classify(self, text: str) -> str:
        toks = stems(text)
        for priority in ("alta", "baja"):
            for phrase in self.phrases.get(priority, ()):
                n = len(phrase)
                if any(tuple(toks[i : i + n]) == phrase for i in range(len(toks) - n + 1)):
                    return priority
        return self.default

    def sla_days(self, priority: str) -> int:
        return self.sla_business_days[priority]


def parse_policy(raw: dict) -> PriorityPolicy:
    sla = {str(k): int(v) for k, v in (raw.get("sla_business_days") or {}).items()}
    if set(sla) != set(PRIORITIES) or any(v <= 0 for v in sla.values()):
        raise ValueError(f"priority.yml needs positive sla_business_days for {PRIORITIES}")
    default = str(raw.get("default_priority", "media"))
    if default not in PRIORITIES:
        raise ValueError(f"unknown default priority {default!r}")
    phrases = {p: tuple(tuple(stems(str(s))) for s in raw.get(p) or [] if stems(str(s))) for p in ("alta", "baja")}
    return PriorityPolicy(default=default, sla_business_days=sla, phrases=phrases)


@lru_cache(maxsize=4)
def load_policy(path: Path = PRIORITY_FILE) -> PriorityPolicy:
    with open(path, encoding="utf-8") as fh:
        return parse_policy(yaml.safe_load(fh) or {})

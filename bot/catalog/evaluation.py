"""Search quality of the catalog: MRR and nDCG@5 over labelled queries.

Query file format (``tests/eval/frozen/catalog_queries.yml``, written by someone who has not seen
the ranking code; never tune on it)::

    queries:
      - query: "¿dónde está el manual del SIMAT?"
        relevant: [simat-manual-v7, https://...]   # entry ids or URLs; may be empty

* MRR: mean over the queries with relevant entries of 1/rank of the first relevant result (0 when
  none is returned).
* nDCG@5: binary gains, ``DCG = Σ rel_i / log2(i + 1)`` over the first five results, divided by
  the DCG of an ideal ranking of ``min(5, |relevant|)`` relevant entries.
* Queries with no relevant entry (nothing in the catalog answers them) are reported apart: the
  share of them for which the search returned nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.catalog.search import CatalogEntry

K = 5


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant: tuple[str, ...]  # ids or URLs, as written


@dataclass
class QueryScore:
    query: str
    relevant: frozenset[str]  # entry keys
    ranked: list[str]
    rr: float
    ndcg: float
    unknown: list[str] = field(default_factory=list)  # labels that match no catalog entry


@dataclass
class Report:
    scores: list[QueryScore]

    @property
    def labelled(self) -> list[QueryScore]:
        return [s for s in self.scores if s.relevant or s.unknown]

    @property
    def unanswerable(self) -> list[QueryScore]:
        return [s for s in self.scores if not s.relevant and not s.unknown]

    @property
    def mrr(self) -> float:
        scored = self.labelled
        return sum(s.rr for s in scored) / len(scored) if scored else 0.0

    @property
    def ndcg(self) -> float:
        scored = self.labelled
        return sum(s.ndcg for s in scored) / len(scored) if scored else 0.0

    @property
    def empty_when_nothing_relevant(self) -> float | None:
        none = self.unanswerable
        return sum(1 for s in none if not s.ranked) / len(none) if none else None


def load_queries(path: Path | str) -> list[LabelledQuery]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = []
    for n, item in enumerate(data.get("queries") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("query") or "").strip():
            raise ValueError(f"consulta {n}: falta 'query'")
        out.append(LabelledQuery(str(item["query"]), tuple(str(r) for r in (item.get("relevant") or []))))
    return out


def reciprocal_rank(ranked: Sequence[str], relevant: frozenset[str]) -> float:
    for i, key in enumerate(ranked, start=1):
        if key in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(
    ranked: Sequence[str], relevant: frozenset[str] | set[str], k: int = K, n_relevant: int | None = None
) -> float:
    n_rel = len(relevant) if n_relevant is None else n_relevant
    if n_rel == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, key in enumerate(ranked[:k], start=1) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, n_rel) + 1))
    return dcg / ideal


def evaluate(
    queries: Sequence[LabelledQuery], entries: Sequence[CatalogEntry], rank: Callable[[str], list[str]]
) -> Report:
    """Score ``rank(query) -> [entry keys, best first]`` on the labelled queries."""
    by_url = {e.url: e.key for e in entries if e.url}
    keys = {e.key for e in entries}
    scores = []
    for q in queries:
        relevant, unknown = set(), []
        for label in q.relevant:
            key = label if label in keys else by_url.get(label)
            if key:
                relevant.add(key)
            else:
                unknown.append(label)
        rel = frozenset(relevant)
        ranked = rank(q.query)
        n_rel = len(rel) + len(unknown)  # an unknown label still counts as a relevant entry missed
        scores.append(
            QueryScore(q.query, rel, ranked, reciprocal_rank(ranked, rel), ndcg_at(ranked, rel, K, n_rel), unknown)
        )
    return Report(scores)


def entries_from_file(path: Path | str) -> list[CatalogEntry]:
    """Catalog entries of a catalog file (either format), without a database, as the search sees them."""
    from bot.catalog.importer import CATALOG_SCHEMA, read_file, validate

    raw = read_file(path)
    raw.meta.setdefault("_archivo", Path(path).name)
    rows = validate(raw, CATALOG_SCHEMA)
    return [
        CatalogEntry(
            id=n,
            key=r["key"],
            title=r["title"],
            summary=r["summary"],
            type=r["type"],
            themes=tuple(r["themes"]),
            url=r["url"],
            audience=r["audience"],
            published_on=r["published_on"],
            tags=tuple(r["tags"]),
            source=r["source"],
            is_sample=r["is_sample"],
            evidence=r["evidence"],
            topics=tuple(r["topics"]),
            territories=tuple(r["territories"]),
        )
        for n, r in enumerate(rows, start=1)
    ]

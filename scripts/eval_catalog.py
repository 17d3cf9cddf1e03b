"""Search quality of the catalog ("Quiero aprender"): MRR and nDCG@5 on labelled queries.

Usage: python scripts/eval_catalog.py [--queries tests/eval/frozen/catalog_queries.yml]
                                      [--catalog data/catalog/recursos-men.yml]
                                      [--motor bm25|fts5|todos] [--verbose]

The queries were written by someone who has not seen the ranking code: never tune on them.
No database is needed: the catalog file is read as the importer reads it and indexed in memory
with the same search code as the assistant. Figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalog.evaluation import K, entries_from_file, evaluate, load_queries  # noqa: E402
from bot.catalog.search import ENGINES, SynonymTable, engine_from_env  # noqa: E402

DEFAULT_QUERIES = ROOT / "tests" / "eval" / "frozen" / "catalog_queries.yml"
DEFAULT_CATALOG = ROOT / "data" / "catalog" / "recursos-men.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument(
        "--motor",
        choices=[*ENGINES, "todos"],
        default=None,
        help="motor de búsqueda (por defecto CATALOG_SEARCH_ENGINE)",
    )
    parser.add_argument("--verbose", action="store_true", help="list each query with its first results")
    args = parser.parse_args(argv)
    if not args.queries.exists():
        print(f"No existe el conjunto de consultas {args.queries}", file=sys.stderr)
        return 2

    from bot.catalog.themes import area_names

    queries = load_queries(args.queries)
    entries = entries_from_file(args.catalog)
    synonyms, areas = SynonymTable.from_file(), area_names()
    print(f"Catálogo: {args.catalog.name} ({len(entries)} entradas); consultas: {args.queries.name} ({len(queries)})")
    engines = list(ENGINES) if args.motor == "todos" else [args.motor or engine_from_env()]
    for name in engines:
        index = ENGINES[name](entries, synonyms, area_names=areas)

        def rank(query: str, index=index) -> list[str]:
            hits, _ = index.search(query)
            return [h.entry.key for h in hits]

        started = time.perf_counter()
        report = evaluate(queries, entries, rank)
        elapsed = (time.perf_counter() - started) / max(1, len(queries)) * 1000
        _print(name, report, elapsed, args.verbose)
    return 0


def _print(engine: str, report, elapsed: float, verbose: bool) -> None:
    labelled, none = report.labelled, report.unanswerable
    print(f"Motor: {engine} ({ENGINE_NAMES[engine]}); {elapsed:.1f} ms por consulta")
    print(f"MRR      = {report.mrr:.3f}  ({len(labelled)} consultas con entradas relevantes)")
    print(f"nDCG@{K}   = {report.ndcg:.3f}")
    if none:
        share = report.empty_when_nothing_relevant or 0.0
        print(f"Sin entradas relevantes: {len(none)} consultas; la búsqueda no devolvió nada en {share:.0%}")
    unknown = sorted({u for s in report.scores for u in s.unknown})
    if unknown:
        print(f"Aviso: {len(unknown)} etiqueta(s) no corresponden a ninguna entrada: {', '.join(unknown[:5])}")
    if verbose:
        for s in report.scores:
            print(f"- rr={s.rr:.2f} ndcg={s.ndcg:.2f}  {s.query!r}: {s.ranked[:K]} (relevantes: {sorted(s.relevant)})")


ENGINE_NAMES = {"bm25": "BM25 propio, bot/catalog/search.py", "fts5": "SQLite FTS5 bm25() con el análisis en español"}


if __name__ == "__main__":
    sys.exit(main())

"""MRR and nDCG@5 of the catalog search (scripts/eval_catalog.py) on a tiny fixture."""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import pytest

from bot.catalog.evaluation import LabelledQuery, evaluate, ndcg_at, reciprocal_rank
from bot.catalog.search import CatalogEntry
from bot.settings import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures"


def test_reciprocal_rank():
    assert reciprocal_rank(["a", "b", "c"], frozenset({"b"})) == 0.5
    assert reciprocal_rank(["a", "b"], frozenset({"z"})) == 0.0


def test_ndcg_at_5():
    assert ndcg_at(["a", "b"], {"b"}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["r1", "x", "r2"], {"r1", "r2"}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at(["x", "x", "x", "x", "x", "r"], {"r"}) == 0.0  # past the fifth result
    assert ndcg_at(["r"], {"r"}, n_relevant=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_evaluate_maps_urls_and_reports_queries_without_answer():
    entries = [CatalogEntry(1, "a", "A", "", "guia", (), url="https://x/a"), CatalogEntry(2, "b", "B", "", "guia", ())]
    queries = [
        LabelledQuery("q1", ("https://x/a",)),
        LabelledQuery("q2", ("b",)),
        LabelledQuery("q3", ()),
        LabelledQuery("q4", ()),
    ]
    ranking = {"q1": ["b", "a"], "q2": ["b"], "q3": [], "q4": ["a"]}
    report = evaluate(queries, entries, lambda q: ranking[q])
    assert report.mrr == pytest.approx((0.5 + 1.0) / 2)
    assert report.ndcg == pytest.approx((1 / math.log2(3) + 1.0) / 2)
    assert report.empty_when_nothing_relevant == 0.5


def test_script_on_the_fixture(capsys):
    script = str(PROJECT_ROOT / "scripts" / "eval_catalog.py")
    argv = ["--queries", str(FIXTURES / "eval_consultas.yml"), "--catalog", str(FIXTURES / "eval_catalogo.yml")]
    import sys

    old = sys.argv
    sys.argv = [script, *argv]
    try:
        with pytest.raises(SystemExit) as done:
            runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = old
    assert done.value.code == 0
    out = capsys.readouterr().out
    # q1 and q2 first; q3 finds the news second (after the manual) and misses an unknown label
    ndcg3 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert f"MRR      = {(1 + 1 + 0.5) / 3:.3f}  (3 consultas con entradas relevantes)" in out
    assert f"nDCG@5   = {(1 + 1 + ndcg3) / 3:.3f}" in out
    assert "Sin entradas relevantes: 1 consultas; la búsqueda no devolvió nada en 100%" in out
    assert "no-existe" in out


def test_missing_query_file_is_an_error(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "eval_catalog.py"), "--queries", str(tmp_path / "no.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "No existe el conjunto de consultas" in done.stderr

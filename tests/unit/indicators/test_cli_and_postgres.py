"""The CLI command and the loader on the PostgreSQL server of this machine."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from bot.cli import main
from bot.indicators import models as m
from bot.indicators.loader import load
from bot.indicators.service import IndicatorService
from tests.db_fixtures import postgres_database

from .conftest import DATA_DIR


def test_cli_registers_the_commands(loaded_db, capsys):
    assert main(["indicadores", "cargar", "--url", loaded_db, "--sin-progreso"]) == 0
    assert "Sin cambios" in capsys.readouterr().out
    assert main(["indicadores", "calidad", "--url", loaded_db]) == 0
    out = capsys.readouterr().out
    assert "columna_identica\tAPROBACIÓN_SECUNDARIA" in out


@pytest.fixture(scope="module")
def pg_url() -> str:
    return postgres_database("indicators_test")


@pytest.mark.postgres
def test_load_on_postgres_is_idempotent(pg_url, tmp_path):
    first = load(pg_url, DATA_DIR, force=True)  # replaces whatever a previous run left
    assert not first.skipped and first.values > 450_000 and first.entities["departamento"] == 33
    assert load(pg_url, DATA_DIR).skipped
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.value)).scalar() == first.values
    engine.dispose()
    service = IndicatorService(pg_url, charts_dir=tmp_path, live_enabled=False)
    ans = service.value(service.resolve_place("cartagena").place, "desercion", "total", 2020)
    assert ans.figure.formatted == "1,92 %"
    rank = service.ranking("desercion", scope="etc", order="asc", n=3, year=2022)
    assert rank.rows[0].figure.place_name == "Quibdó"

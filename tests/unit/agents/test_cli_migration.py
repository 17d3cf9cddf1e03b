"""``python -m bot agentes ...`` and the Alembic revision of the agents' tables."""

from __future__ import annotations

import io

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.agents import models  # noqa: F401 - registers the tables on Base.metadata
from bot.agents.accounts import AgentAccounts
from bot.cli import main
from bot.db import Base
from bot.migrate import upgrade

AGENT_TABLES = {"agents", "agent_areas", "agent_tokens", "ticket_outbox", "ticket_ratings"}


def _run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_admin_then_agents(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"  # not migrated yet: crear-admin migrates
    common = ["--database-url", url, "--clave-stdin"]
    code, out, _ = _run(monkeypatch, capsys, ["agentes", "crear-admin", "--email", "Jefa@MinEducacion.gov.co",
                                              "--nombre", "Jefa", *common], "clave-de-admin-1\n")
    assert code == 0 and "jefa@mineducacion.gov.co (admin" in out
    code, _, err = _run(monkeypatch, capsys, ["agentes", "crear-admin", "--email", "otra@mineducacion.gov.co",
                                              "--nombre", "Otra", *common], "clave-de-admin-2\n")
    assert code == 1 and "Ya existe un administrador" in err
    code, out, _ = _run(monkeypatch, capsys, ["agentes", "crear", "--email", "ana@mineducacion.gov.co", "--nombre",
                                              "Ana", "--rol", "agente", "--areas", "DFGT-SRH,OTSI", *common],
                        "clave-de-ana-1\n")
    assert code == 0 and "DFGT-SRH, OTSI" in out
    code, _, err = _run(monkeypatch, capsys, ["agentes", "crear", "--email", "x@mineducacion.gov.co", "--nombre",
                                              "X", "--areas", "NADA", *common], "clave-de-x-123\n")
    assert code == 1 and "area_desconocida" in err
    code, _, err = _run(monkeypatch, capsys, ["agentes", "crear", "--email", "y@mineducacion.gov.co", "--nombre",
                                              "Y", "--areas", "OAJ", *common], "corta\n")
    assert code == 1 and "clave_corta" in err
    code, out, _ = _run(monkeypatch, capsys, ["agentes", "listar", "--database-url", url])
    assert "ana@mineducacion.gov.co" in out and "DFGT-SRH,OTSI" in out and "$2b$" not in out
    login = AgentAccounts(database_url=url).login(email="ana@mineducacion.gov.co", password="clave-de-ana-1")
    assert login.principal.areas == frozenset({"DFGT-SRH", "OTSI"})


def test_deliver_command_reports(db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        code, out, _ = _run(monkeypatch, capsys, ["agentes", "entregar", "--database-url", db_url])
    finally:
        get_settings.cache_clear()
    assert code == 0 and "Avisos enviados: 0; pendientes: 0; fallidos: 0" in out


def _agent_diffs(url: str) -> list:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()

    def tables(diff) -> set[str]:
        items = diff if isinstance(diff, list) else [diff]
        names = set()
        for item in items:
            for obj in item[1:]:
                table = getattr(obj, "table", None)
                if table is not None:
                    names.add(table.name)
                elif getattr(obj, "name", None) in AGENT_TABLES:
                    names.add(obj.name)
                elif isinstance(obj, str) and obj in AGENT_TABLES:
                    names.add(obj)
        return names

    return [d for d in diffs if tables(d) & AGENT_TABLES]


def test_sqlite_migration_matches_models(db_url) -> None:
    assert set(inspect(create_engine(db_url, future=True)).get_table_names()) >= AGENT_TABLES
    assert _agent_diffs(db_url) == []
    upgrade(db_url)  # repeatable


@pytest.mark.postgres
def test_postgres_migration_matches_models(pg_url) -> None:
    assert _agent_diffs(pg_url) == []

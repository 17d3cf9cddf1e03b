"""``python -m bot catalogo|eventos|pares`` through bot.cli.main."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import get_settings

from .conftest import STARTER_CATALOG


@pytest.fixture
def env_db(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_import_then_search(env_db, capsys):
    assert main(["catalogo", "importar", str(STARTER_CATALOG)]) == 0
    assert "48 nuevos" in capsys.readouterr().out
    assert main(["catalogo", "importar", str(STARTER_CATALOG)]) == 0
    assert "48 sin cambios" in capsys.readouterr().out
    assert main(["catalogo", "buscar", "manual del simat"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("1. Manual del SIMAT") and "[muestra]" not in out


def test_news_command_newest_first(env_db, capsys):
    assert main(["catalogo", "importar", str(STARTER_CATALOG)]) == 0
    capsys.readouterr()
    assert main(["catalogo", "noticias", "noticias de Nariño"]) == 0
    out = capsys.readouterr().out
    assert "territorio=Nariño; 2 noticia(s)" in out


def test_broken_file_exits_1_and_lists_errors(env_db, tmp_path, capsys):
    bad = tmp_path / "roto.csv"
    bad.write_text("titulo,tipo\nSin tipo,\n", encoding="utf-8")
    assert main(["catalogo", "importar", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "no se importó nada" in err and "fila 2, campo 'tipo': es obligatorio" in err


def test_events_commands(env_db, tmp_path, capsys):
    path = tmp_path / "ev.yml"
    path.write_text(
        "eventos:\n  - {clave: t1, titulo: Taller PAE, tipo: taller, modalidad: virtual, inicio: '2099-05-04 08:00'}\n",
        encoding="utf-8",
    )
    assert main(["eventos", "importar", str(path)]) == 0
    assert main(["eventos", "proximos"]) == 0
    assert "lunes 4 de mayo de 2099, 8:00 a. m." in capsys.readouterr().out


def test_peers_command(env_db, capsys):  # empty database: the CSV files are read
    assert main(["pares", "Tunja"]) == 0
    out = capsys.readouterr().out
    assert "Periodo: 2017–2021" in out and "Facatativá (Cundinamarca): 2,68 → 2" in out

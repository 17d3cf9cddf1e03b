"""Importer: formats, row-level errors, all-or-nothing, re-import by stable key."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.catalog.importer import ImportValidationError, RowError, import_file
from bot.catalog.models import CatalogItem
from bot.db import session_scope
from bot.encuentros.models import CatalogEvent

from .conftest import SAMPLE_CATALOG, STARTER_EVENTS

HEADER = "clave,titulo,resumen,tipo,temas,url,fecha_publicacion,etiquetas\n"


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(url, path, kind="catalogo", areas=(), **kw):
    with session_scope(url) as session:
        return import_file(session, path, kind, valid_themes=areas, **kw)


def _count(url, model=CatalogItem) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count(model.id))).scalar_one()


def _errors(url, path, kind="catalogo", areas=()) -> list[RowError]:
    with pytest.raises(ImportValidationError) as info:
        _import(url, path, kind, areas)
    return info.value.errors


# ------------------------------------------------------------------ the starter files
def test_starter_catalog_is_honest_sample_data(db_url, areas):
    result = _import(db_url, SAMPLE_CATALOG, areas=areas)
    assert result.created == result.total == 27
    with session_scope(db_url) as session:
        items = session.execute(select(CatalogItem)).scalars().all()
        assert all(i.is_sample for i in items)
        assert all(i.url == "" for i in items), "no invented URL"
        assert all(i.published_on is None for i in items), "no invented date"
        assert all(i.source for i in items), "every entry says where it comes from"
        assert all(i.theme_codes and set(i.theme_codes) <= set(areas) for i in items)
        titles = {i.title for i in items}
    assert {
        "Quiero aprender",
        "Juntos lo Vamos a Lograr",
        "Movemos más Allá",
        "El Territorio, La Gran Escuela",
    } <= titles


def test_starter_events_file_is_empty(db_url, areas):
    result = _import(db_url, STARTER_EVENTS, kind="eventos", areas=areas)
    assert result.total == 0 and _count(db_url, CatalogEvent) == 0


# ------------------------------------------------------------------ re-import
def test_reimport_updates_instead_of_duplicating(db_url, areas, tmp_path):
    _import(db_url, SAMPLE_CATALOG, areas=areas)
    again = _import(db_url, SAMPLE_CATALOG, areas=areas)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 27)

    changed = _write(
        tmp_path,
        "cambio.csv",
        HEADER + "jornada-unica,Jornada Única (actualizada),Nuevo resumen,programa,DCAL-EPBM;DCE-PER,,,\n",
    )
    result = _import(db_url, changed, areas=areas)
    assert (result.created, result.updated) == (0, 1)
    assert _count(db_url) == 27
    with session_scope(db_url) as session:
        item = session.execute(select(CatalogItem).where(CatalogItem.key == "jornada-unica")).scalar_one()
        assert item.title == "Jornada Única (actualizada)"
        assert item.theme_codes == ["DCAL-EPBM", "DCE-PER"]
        assert item.is_sample is False  # the new export is not sample data


def test_key_derived_from_title_when_missing(db_url, tmp_path):
    path = _write(tmp_path, "sin_clave.csv", "titulo,tipo\nGuía de Permanencia Escolar,guia\n")
    _import(db_url, path)
    _import(db_url, path)
    with session_scope(db_url) as session:
        keys = session.execute(select(CatalogItem.key)).scalars().all()
    assert keys == ["guia-de-permanencia-escolar"]


def test_retire_missing_deactivates_what_the_new_export_dropped(db_url, areas, tmp_path):
    _import(db_url, SAMPLE_CATALOG, areas=areas)
    path = _write(tmp_path, "oficial.csv", HEADER + "simat,SIMAT,,herramienta,DCE-ACC,,,\n")
    result = _import(db_url, path, areas=areas, retire_missing=True)
    assert result.retired == 26
    with session_scope(db_url) as session:
        active = session.execute(select(CatalogItem.key).where(CatalogItem.active.is_(True))).scalars().all()
    assert active == ["simat"]


def test_dry_run_writes_nothing(db_url, areas):
    result = _import(db_url, SAMPLE_CATALOG, areas=areas, dry_run=True)
    assert result.created == 27 and result.dry_run
    assert _count(db_url) == 0


# ------------------------------------------------------------------ formats
def test_csv_with_semicolons_and_accented_headers(db_url, areas, tmp_path):
    text = (
        "Clave;Título;Descripción;Tipo;Temas;Enlace;Fecha;Palabras clave\n"
        "g-1;Guía de alertas;Cómo usar alertas;Guía;dce-per;https://example.org/g1;2024-05-02;alertas|riesgo\n"
        "\n"
        "c-1;Curso de planeación;;Curso;OAPF;;15/01/2025;\n"
    )
    result = _import(db_url, _write(tmp_path, "men.csv", text), areas=areas)
    assert result.created == 2
    with session_scope(db_url) as session:
        g = session.execute(select(CatalogItem).where(CatalogItem.key == "g-1")).scalar_one()
        c = session.execute(select(CatalogItem).where(CatalogItem.key == "c-1")).scalar_one()
        assert (g.type, g.theme_codes, g.tags, g.published_on) == (
            "guia",
            ["DCE-PER"],
            ["alertas", "riesgo"],
            date(2024, 5, 2),
        )
        assert (c.type, c.published_on, c.url) == ("curso", date(2025, 1, 15), "")


def test_json_list_and_yaml_mapping(db_url, areas, tmp_path):
    data = [{"clave": "x", "titulo": "Grabación del encuentro", "tipo": "grabacion_encuentro", "temas": ["VPBM-ESC"]}]
    _import(db_url, _write(tmp_path, "a.json", json.dumps(data)), areas=areas)
    yml = "muestra: true\ncontenidos:\n  - {clave: y, titulo: Tablero, tipo: herramienta, temas: OAPF}\n"
    _import(db_url, _write(tmp_path, "b.yaml", yml), areas=areas)
    with session_scope(db_url) as session:
        rows = {i.key: i.is_sample for i in session.execute(select(CatalogItem)).scalars()}
    assert rows == {"x": False, "y": True}


# ------------------------------------------------------------------ broken files
def test_broken_csv_reports_every_error_and_imports_nothing(db_url, areas, tmp_path):
    text = (
        HEADER
        + "ok-1,Una guía válida,,guia,DPI,,,\n"  # line 2: valid
        + ",,,guia,DPI,,,\n"  # line 3: no title
        + "ok-3,Algo,,video,DPI,,,\n"  # line 4: unknown type
        + "ok-4,Algo,,guia,ZZZ-1,,,\n"  # line 5: unknown area code
        + "ok-5,Algo,,guia,DPI,www.men.gov,,\n"  # line 6: URL without scheme
        + "ok-6,Algo,,guia,DPI,,31/02/2024,\n"  # line 7: impossible date
        + "ok-1,Repetida,,guia,DPI,,,\n"  # line 8: duplicated key
    )
    errors = _errors(db_url, _write(tmp_path, "roto.csv", text), areas=areas)
    found = {(e.row, e.field) for e in errors}
    assert found == {(3, "titulo"), (4, "tipo"), (5, "temas"), (6, "url"), (7, "fecha_publicacion"), (8, "clave")}
    reasons = {e.row: e.reason for e in errors}
    assert "obligatorio" in reasons[3]
    assert "video" in reasons[4] and "guia" in reasons[4]
    assert "ZZZ-1" in reasons[5]
    assert "fila 2" in reasons[8]
    assert str(errors[0]).startswith("fila 3, campo 'titulo'")
    assert _count(db_url) == 0, "the valid row 2 was not imported either"


def test_failed_reimport_leaves_previous_catalog_untouched(db_url, areas, tmp_path):
    _import(db_url, SAMPLE_CATALOG, areas=areas)
    text = HEADER + "jornada-unica,Título cambiado,,programa,DCAL-EPBM,,,\nmalo,Malo,,programa,NOPE,,,\n"
    _errors(db_url, _write(tmp_path, "mitad.csv", text), areas=areas)
    with session_scope(db_url) as session:
        title = session.execute(select(CatalogItem.title).where(CatalogItem.key == "jornada-unica")).scalar_one()
    assert title == "Jornada Única"


def test_unknown_column_is_an_error(db_url, tmp_path):
    errors = _errors(db_url, _write(tmp_path, "col.csv", "titulo,tipo,resumne\nA,guia,x\n"))
    assert [(e.row, e.field) for e in errors] == [(2, "resumne")]
    assert "columna desconocida" in errors[0].reason


def test_csv_row_with_extra_cells_is_an_error(db_url, tmp_path):
    errors = _errors(db_url, _write(tmp_path, "extra.csv", "titulo,tipo\nA,guia,sobra\n"))
    assert errors[0].row == 2 and "columna" in errors[0].reason


def test_unreadable_json_and_wrong_shape(db_url, tmp_path):
    errors = _errors(db_url, _write(tmp_path, "x.json", '[{"titulo": '))
    assert errors[0].row == 0 and "JSON" in errors[0].reason
    errors = _errors(db_url, _write(tmp_path, "y.json", json.dumps({"titulo": "no es lista"})))
    assert "lista" in errors[0].reason
    errors = _errors(db_url, _write(tmp_path, "z.json", json.dumps(["texto suelto"])))
    assert errors[0].row == 1


def test_unsupported_format(db_url, tmp_path):
    errors = _errors(db_url, _write(tmp_path, "x.xlsx", "binario"))
    assert "formato" in errors[0].reason


# ------------------------------------------------------------------ events
EVENT_HEADER = "clave,titulo,tipo,modalidad,inicio,fin,enlace_inscripcion\n"


def test_event_times_without_zone_are_colombian_time(db_url, tmp_path):
    path = _write(
        tmp_path,
        "ev.csv",
        EVENT_HEADER + "e1,Encuentro,encuentro_secretarios,Virtual,2030-03-05 09:00,2030-03-05 12:30,\n",
    )
    _import(db_url, path, kind="eventos")
    with session_scope(db_url) as session:
        event = session.execute(select(CatalogEvent)).scalar_one()
        starts = event.starts_at.replace(tzinfo=event.starts_at.tzinfo or timezone.utc)
    assert starts == datetime(2030, 3, 5, 14, 0, tzinfo=timezone.utc)
    assert event.mode == "virtual"


def test_event_reimport_updates_date(db_url, tmp_path):
    _import(
        db_url, _write(tmp_path, "a.csv", EVENT_HEADER + "e1,Taller,taller,presencial,2030-03-05 09:00,,\n"), "eventos"
    )
    result = _import(
        db_url,
        _write(tmp_path, "b.csv", EVENT_HEADER + "e1,Taller,taller,presencial,2030-03-06T09:00-05:00,,\n"),
        "eventos",
    )
    assert (result.created, result.updated) == (0, 1)
    assert _count(db_url, CatalogEvent) == 1


def test_broken_events(db_url, tmp_path):
    text = (
        EVENT_HEADER
        + "e1,Encuentro,encuentro_secretarios,virtual,2030-03-05,,\n"  # no time
        + "e2,Encuentro,encuentro_secretarios,a distancia,2030-03-05 09:00,,\n"  # bad mode
        + "e3,Encuentro,encuentro_secretarios,virtual,2030-03-05 09:00,2030-03-05 08:00,\n"  # ends before start
        + "e4,Encuentro,encuentro_secretarios,virtual,,,ftp://x\n"  # no start, bad link
    )
    errors = _errors(db_url, _write(tmp_path, "ev.csv", text), kind="eventos")
    assert {(e.row, e.field) for e in errors} == {
        (2, "inicio"),
        (3, "modalidad"),
        (4, "fin"),
        (5, "inicio"),
        (5, "enlace_inscripcion"),
    }
    assert _count(db_url, CatalogEvent) == 0

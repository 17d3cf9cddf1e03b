"""Get a database ready for the assistant: migrations, indicator tables, the catalog and the events.

``python -m bot preparar`` — run by `make run` and by the tests before the action server starts.
Every step is idempotent: an up-to-date database is left as it is.
"""

from __future__ import annotations

import argparse
import sys
import time

from bot.settings import PROJECT_ROOT

# The MEN's real public resources (provenance in data/catalog/SOURCES.md). Importing it
# retires the placeholders of the former starter catalog from an existing database.
STARTER_CATALOG = PROJECT_ROOT / "data" / "catalog" / "recursos-men.yml"
STARTER_EVENTS = PROJECT_ROOT / "data" / "catalog" / "eventos_inicial.yml"


def prepare(url: str | None = None, *, progress: bool = False) -> list[str]:
    """Migrate, load the indicators and import the catalog and the starter events; returns a log."""
    from bot.catalog.importer import CATALOG_SCHEMA, EVENT_SCHEMA, import_file
    from bot.catalog.themes import area_names
    from bot.db import session_scope
    from bot.indicators.loader import load
    from bot.migrate import upgrade
    from bot.services import get_services

    url = url or get_services().settings.database_url
    log = []
    start = time.perf_counter()
    upgrade(url)
    log.append(f"Migraciones al día ({time.perf_counter() - start:.1f} s).")
    report = load(url, force=False, progress=progress)
    log.append("Indicadores sin cambios." if report.skipped else f"Indicadores cargados: {report.values} valores.")
    themes = area_names().keys()
    for path, kind, sample in ((STARTER_CATALOG, CATALOG_SCHEMA.kind, None), (STARTER_EVENTS, EVENT_SCHEMA.kind, True)):
        if path.exists():
            with session_scope(url) as session:
                result = import_file(session, path, kind, valid_themes=themes, sample=sample)
            log.append(f"{path.name}: {result.total} registros ({result.created} nuevos, {result.updated} actualizados).")
    return log


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("preparar", help="Preparar la base de datos (migraciones, indicadores, catálogo)")
    parser.add_argument("--url", default=None, help="URL de la base de datos (por defecto DATABASE_URL / var/app.db)")
    parser.add_argument("--sin-progreso", action="store_true", help="Sin barra de progreso")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        for line in prepare(args.url, progress=not args.sin_progreso):
            print(line)
    except Exception as exc:  # a clear message instead of a traceback for the operator
        print(f"No se pudo preparar la base de datos: {exc}", file=sys.stderr)
        return 1
    return 0

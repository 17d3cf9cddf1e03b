"""``python -m bot indicadores ...``: load the MEN open data and show the quality report."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("indicadores", help="Indicadores de educación (datos abiertos del MEN)")
    sub = parser.add_subparsers(dest="indicadores_command", metavar="ACCION")

    load = sub.add_parser("cargar", help="Carga (o recarga) las tablas de indicadores desde data/indicators")
    load.add_argument("--url", help="URL de la base de datos (por defecto DATABASE_URL / var/app.db)")
    load.add_argument("--datos", type=Path, help="Carpeta con los CSV (por defecto data/indicators)")
    load.add_argument("--forzar", action="store_true", help="Recargar aunque los archivos no hayan cambiado")
    load.add_argument("--sin-progreso", action="store_true", help="Sin barra de progreso")
    load.set_defaults(func=_load)

    report = sub.add_parser("calidad", help="Muestra los defectos detectados en la última carga")
    report.add_argument("--url", help="URL de la base de datos")
    report.set_defaults(func=_quality)
    lookup = sub.add_parser("lookup", help="Imprime la tabla de búsqueda (lookup) de lugares para data/nlu")
    lookup.add_argument("--url", help="URL de la base de datos")
    lookup.set_defaults(func=_lookup)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def _load(args: argparse.Namespace) -> int:
    from bot.indicators.loader import load
    from bot.places import clear_resolver_cache

    report = load(args.url, args.datos, force=args.forzar, progress=not args.sin_progreso)
    clear_resolver_cache()
    if report.skipped:
        print(f"Sin cambios: los archivos ya estaban cargados ({report.seconds:.2f} s).")
        return 0
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(report.entities.items()))
    print(f"Cargado en {report.seconds:.1f} s. Entidades: {kinds}.")
    print(f"Valores: {report.values} ({report.unreliable} marcados como no confiables); defectos detectados: {report.issues}.")
    fixes = ", ".join(f"{k}: {v}" for k, v in sorted(report.normalised.items()))
    print(f"Formatos normalizados: {fixes}.")
    return 0


def _quality(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.db import get_engine
    from bot.indicators import models as m
    from bot.services import get_services

    engine = get_engine(args.url or get_services().settings.database_url)
    q = select(m.issue).order_by(m.issue.c.source_file, m.issue.c.check_name, m.issue.c.column_name, m.issue.c.year)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    if not rows:
        print("No hay informe: ejecute primero `python -m bot indicadores cargar`.")
        return 1
    for r in rows:
        print(f"{r['source_file']}\t{r['year']}\t{r['check_name']}\t{r['column_name']}\t{r['rows']}\t{r['detail']}")
    return 0


def _lookup(args: argparse.Namespace) -> int:
    """Departments, certified municipalities and curated aliases, with and without accents."""
    from bot.places import CURATED_ALIASES, DEPARTAMENTO, get_resolver
    from bot.services import get_services
    from bot.text import strip_accents

    resolver = get_resolver(args.url or get_services().settings.database_url)
    names: set[str] = set()
    for place in resolver.all_places():
        if place.kind == DEPARTAMENTO or place.etc_key:
            base = place.name.replace(" (ETC)", "")
            names.update({base.lower(), strip_accents(base).lower()})
    names.update(a for a in CURATED_ALIASES if len(a) > 3 and a not in {"pais", "el pais", "nacional"})
    print("- lookup: lugar\n  examples: |")
    for name in sorted(names):
        print(f"    - {name}")
    return 0

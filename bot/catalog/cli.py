"""Commands of the catalog.

    python -m bot catalogo importar ARCHIVO [--formato csv|json|yaml] [--muestra|--no-muestra]
                                            [--retirar-ausentes] [--simular]
    python -m bot catalogo buscar "texto" [--tipo guia] [--tema DCE-PER] [--desde 0]
    python -m bot catalogo noticias ["texto con tema o territorio"]
    python -m bot catalogo verificar-enlaces [--archivo data/catalog/recursos-men.yml] [--salida var]
                                             [--tiempo 15] [--simultaneas 4]

Exit status: 0 done, 1 invalid file (every error is listed; nothing was imported);
``verificar-enlaces``: 0 every link works, 3 some link is broken, moved or did not answer (see the report).
``add_import_command`` gives the encuentros' commands (:mod:`bot.encuentros.cli`) the same ``importar``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.catalog.models import CONTENT_TYPES


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser("catalogo", help="Catálogo de contenidos y herramientas (Quiero aprender)")
    csub = catalog.add_subparsers(dest="catalogo_cmd", metavar="ACCION")
    add_import_command(csub, "catalogo")
    search = csub.add_parser("buscar", help="Buscar en el catálogo")
    search.add_argument("texto")
    search.add_argument("--tipo", choices=sorted(CONTENT_TYPES))
    search.add_argument("--tema", help="código de área (men-areas.yml)")
    search.add_argument("--desde", type=int, default=0, help="posición del primer resultado")
    search.add_argument("--cuantos", type=int, default=3)
    search.set_defaults(func=_cmd_search)
    news = csub.add_parser("noticias", help="Noticias del catálogo, de la más reciente a la más antigua")
    news.add_argument("texto", nargs="?", default="", help="tema o territorio, p. ej. 'PAE en Nariño'")
    news.set_defaults(func=_cmd_news)
    links = csub.add_parser(
        "verificar-enlaces", help="Revisar cada URL del catálogo y escribir el informe de enlaces rotos o movidos"
    )
    links.add_argument("--archivo", help="revisar las URL de un archivo en lugar de la base de datos")
    links.add_argument("--salida", default=None, help="carpeta del informe (por defecto var/)")
    links.add_argument("--tiempo", type=float, default=15.0, help="segundos de espera por solicitud")
    links.add_argument("--simultaneas", type=int, default=4, help="solicitudes a la vez")
    links.set_defaults(func=_cmd_check_links)


def add_import_command(
    sub: argparse._SubParsersAction, kind: str, after: Callable[[], None] | None = None
) -> None:
    """``importar ARCHIVO`` for ``kind`` (``catalogo`` or ``eventos``); ``after`` runs once the rows are stored."""
    p = sub.add_parser("importar", help=f"Importar un archivo CSV/JSON/YAML de {kind}")
    p.add_argument("archivo")
    p.add_argument("--formato", choices=["csv", "json", "yaml", "yml"])
    sample = p.add_mutually_exclusive_group()
    sample.add_argument("--muestra", dest="muestra", action="store_true", default=None, help="marcar como muestra")
    sample.add_argument("--no-muestra", dest="muestra", action="store_false", help="datos oficiales")
    p.add_argument("--retirar-ausentes", action="store_true", help="desactivar lo que no esté en el archivo")
    p.add_argument("--simular", action="store_true", help="validar y contar sin guardar")
    p.set_defaults(func=_cmd_import, kind=kind, after_import=after)


def _cmd_import(args: argparse.Namespace) -> int:
    from bot.catalog.importer import ImportValidationError, import_file
    from bot.catalog.themes import area_names
    from bot.db import session_scope

    try:
        with session_scope() as session:
            result = import_file(
                session,
                args.archivo,
                args.kind,
                fmt=args.formato,
                valid_themes=area_names().keys(),
                sample=args.muestra,
                retire_missing=args.retirar_ausentes,
                dry_run=args.simular,
            )
    except ImportValidationError as exc:
        print(f"{args.archivo}: {exc}", file=sys.stderr)
        for error in exc.errors:
            print(f"  - {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"No se encontró el archivo: {exc.filename or exc}", file=sys.stderr)
        return 1
    prefix = "(simulación) " if result.dry_run else ""
    print(
        f"{prefix}{args.kind}: {result.total} registros — {result.created} nuevos, {result.updated} actualizados, "
        f"{result.unchanged} sin cambios, {result.retired} retirados."
    )
    if args.after_import is not None and not result.dry_run:
        args.after_import()
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from bot.services import get_services

    page = get_services().catalog.search(
        args.texto, tipo=args.tipo, tema=args.tema, offset=args.desde, limit=args.cuantos
    )
    if page.corrections:
        print("Correcciones: " + ", ".join(f"{a} → {b}" for a, b in page.corrections.items()))
    print(f"{page.total} resultado(s)")
    for n, hit in enumerate(page.hits, start=page.offset + 1):
        sample = " [muestra]" if hit.entry.is_sample else ""
        print(
            f"{n}. {hit.entry.title} ({hit.entry.type_label}; {', '.join(hit.entry.themes)}){sample}  {hit.score:.2f}"
        )
        print(f"   {hit.entry.summary}")
    return 0


def _cmd_news(args: argparse.Namespace) -> int:
    from bot.catalog.resources import latest_news, parse_news_request
    from bot.services import get_services

    request = parse_news_request(args.texto)
    news = latest_news(get_services().catalog.index().entries, topics=request.topics, territory=request.territory)
    print(f"Filtros: temas={list(request.topics) or '-'} territorio={request.territory or '-'}; {len(news)} noticia(s)")
    for e in news:
        print(f"- {e.published_on or 'sin fecha'}  {e.title}\n  {e.url}")
    return 0


def _cmd_check_links(args: argparse.Namespace) -> int:
    from bot.catalog.links import check_links, links_from_catalog, links_from_file, write_report
    from bot.settings import PROJECT_ROOT

    links = links_from_file(args.archivo) if args.archivo else links_from_catalog()
    print(f"Revisando {len(links)} enlaces (HEAD y, si hace falta, GET; {args.tiempo:g} s por solicitud)...")
    results = check_links(links, timeout=args.tiempo, workers=args.simultaneas)
    md, csv_path = write_report(results, args.salida or PROJECT_ROOT / "var")
    bad = [r for r in results if r.needs_attention]
    print(f"{len(results) - len(bad)} funcionan, {len(bad)} rotos, movidos o sin respuesta.")
    print(f"Informe: {md} (y {csv_path.name})")
    return 3 if bad else 0

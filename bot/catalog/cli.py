"""Commands of the catalog feature.

    python -m bot catalogo importar ARCHIVO [--formato csv|json|yaml] [--muestra|--no-muestra]
                                            [--retirar-ausentes] [--simular]
    python -m bot catalogo buscar "texto" [--tipo guia] [--tema DCE-PER] [--desde 0]
    python -m bot catalogo noticias ["texto con tema o territorio"]
    python -m bot catalogo verificar-enlaces [--archivo data/catalog/recursos-men.yml] [--salida var]
                                             [--tiempo 15] [--simultaneas 4]
    python -m bot eventos importar ARCHIVO [...mismas opciones]
    python -m bot eventos proximos
    python -m bot eventos avisos [--marcar]
    python -m bot pares "Soacha" [--indicador desercion] [--nivel total] [--desde 2017 --hasta 2021]

Exit status: 0 done, 1 invalid file (every error is listed; nothing was imported);
``verificar-enlaces``: 0 every link works, 3 some link is broken, moved or did not answer (see the report).
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.catalog.models import CONTENT_TYPES, EVENT_TYPES


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser("catalogo", help="Catálogo de contenidos y herramientas (Quiero aprender)")
    csub = catalog.add_subparsers(dest="catalogo_cmd", metavar="ACCION")
    _import_parser(csub, "catalogo")
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

    events = subparsers.add_parser("eventos", help="Encuentros, talleres y sesiones de la Escuela")
    esub = events.add_subparsers(dest="eventos_cmd", metavar="ACCION")
    _import_parser(esub, "eventos")
    upcoming = esub.add_parser("proximos", help="Próximos eventos")
    upcoming.add_argument("--tipo", choices=sorted(EVENT_TYPES))
    upcoming.set_defaults(func=_cmd_upcoming)
    notices = esub.add_parser("avisos", help="Lista (JSON) de suscripciones con un encuentro nuevo; el envío lo "
                              "hace 'python -m bot avisos trabajar'")
    notices.add_argument("--marcar", action="store_true", help="marcarlos como enviados")
    notices.set_defaults(func=_cmd_notices)

    peers = subparsers.add_parser("pares", help="Secretarías parecidas que mejoraron un indicador")
    peers.add_argument("etc", help="nombre de la secretaría / ETC")
    peers.add_argument("--indicador", default="desercion")
    peers.add_argument("--nivel", default="total")
    peers.add_argument("--desde", type=int, help="año base")
    peers.add_argument("--hasta", type=int, help="año final")
    peers.set_defaults(func=_cmd_peers)


def _import_parser(sub: argparse._SubParsersAction, kind: str) -> None:
    p = sub.add_parser("importar", help=f"Importar un archivo CSV/JSON/YAML de {kind}")
    p.add_argument("archivo")
    p.add_argument("--formato", choices=["csv", "json", "yaml", "yml"])
    sample = p.add_mutually_exclusive_group()
    sample.add_argument("--muestra", dest="muestra", action="store_true", default=None, help="marcar como muestra")
    sample.add_argument("--no-muestra", dest="muestra", action="store_false", help="datos oficiales")
    p.add_argument("--retirar-ausentes", action="store_true", help="desactivar lo que no esté en el archivo")
    p.add_argument("--simular", action="store_true", help="validar y contar sin guardar")
    p.set_defaults(func=_cmd_import, kind=kind)


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
    if args.kind == "eventos" and not result.dry_run:
        from bot.catalog.models import utcnow
        from bot.delivery.encuentros import plan_notices

        with session_scope() as session:  # the sender (python -m bot avisos trabajar) sends them
            planned = plan_notices(session, now=utcnow())
        print(f"Avisos a suscriptores puestos en cola: {planned}.")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from bot.catalog.search import CatalogSearchService

    page = CatalogSearchService().search(
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
    from bot.catalog.search import CatalogSearchService

    request = parse_news_request(args.texto)
    news = latest_news(CatalogSearchService().index().entries, topics=request.topics, territory=request.territory)
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


def _cmd_upcoming(args: argparse.Namespace) -> int:
    from bot.catalog.events import EventService

    events = EventService().upcoming(limit=10, tipo=args.tipo)
    if not events:
        print("No hay eventos programados.")
    for e in events:
        print(f"- {e.when_text} (hora de Colombia) — {e.title} [{e.mode_label}]")
    return 0


def _cmd_notices(args: argparse.Namespace) -> int:
    from bot.catalog.models import utcnow
    from bot.catalog.subscriptions import due_notifications, mark_notified
    from bot.db import session_scope

    now = utcnow()
    with session_scope() as session:
        notices = due_notifications(session, now=now)
        print(
            json.dumps(
                [{"canal": n.channel, "conversacion": n.conversation_id, "evento": n.event.key} for n in notices],
                ensure_ascii=False,
                indent=2,
            )
        )
        if args.marcar:
            mark_notified(session, [n.subscription_id for n in notices], when=now)
    return 0


def _cmd_peers(args: argparse.Namespace) -> int:
    from bot.catalog.peers import PeerFinder
    from bot.formatting import format_number

    finder = PeerFinder()
    etc = finder.resolve(args.etc)
    result = finder.find(etc, indicator=args.indicador, level=args.nivel, base_year=args.desde, end_year=args.hasta)
    print(f"Estado: {result.status}")
    if etc:
        print(f"ETC: {etc.name} ({etc.kind}, {etc.department_name}, {etc.region or 'sin región'})")
    crit = result.criteria
    if crit:
        if result.requested_period:
            a, b = result.requested_period
            print(
                f"Entre {a} y {b} ninguna de las {result.requested_candidates} parecidas mejoró; se muestra otro periodo."
            )
        print(f"Periodo: {crit.base_year}–{crit.end_year}; {result.indicator_name} ({result.level})")
        print(
            f"Su ETC: {format_number(result.user_base)} → {format_number(result.user_end)} "
            f"(mejora {format_number(result.user_improvement)})"
        )
        print(
            f"Criterios: población 5–16 en {crit.base_year} entre {format_number(crit.population_min, 0)} y "
            f"{format_number(crit.population_max, 0)}; valor inicial entre {format_number(crit.baseline_min)} y "
            f"{format_number(crit.baseline_max)}; región: {crit.region or 'cualquiera'}; relajados: {crit.relaxed or '-'}"
        )
        print(f"Parecidas con datos: {result.candidates}; mejoraron: {result.improved}")
    for p in result.peers:
        print(
            f"  - {p.etc.name} ({p.etc.department_name}): {format_number(p.base_value)} → "
            f"{format_number(p.end_value)} (mejora {format_number(p.improvement)} puntos)"
        )
    print(f"Fuente: {result.source}")
    return 0

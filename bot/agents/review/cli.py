"""``python -m bot revision ...``: the review inbox from the command line (cron, automation).

- ``revision ingerir``: reads the new events of Rasa's tracker store and the new case transfers
  (incremental: each source keeps a watermark).
- ``revision exportar``: writes the accepted corrections to ``data/nlu/revisado/<feature>.yml`` and
  the accepted routing examples to ``data/routing/examples/revisado.yml`` (then ``make train``).
"""

from __future__ import annotations

import argparse


def _settings(args: argparse.Namespace):
    from bot.services import get_services

    return get_services().settings


def _ingest(args: argparse.Namespace) -> int:
    from bot.agents.review.ingest import TrackerIngestor, ingest_transfers
    from bot.migrate import upgrade

    settings = _settings(args)
    url = args.database_url or settings.database_url
    upgrade(url)
    report = TrackerIngestor(
        database_url=url, tracker_url=args.tracker_url or settings.tracker_store_url,
        threshold=settings.review_confidence_threshold,
    ).run()
    transfers = ingest_transfers(database_url=url)
    print(f"Eventos leídos: {report.events}; mensajes: {report.messages}; a revisión: {report.flagged}; "
          f"casos transferidos por revisar: {transfers}.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.agents.review.export import NLU_DIR, ROUTING_EXAMPLES_DIR, FrozenGuard, export_nlu, export_routing

    settings = _settings(args)
    url = args.database_url or settings.database_url
    guard = FrozenGuard()
    nlu = export_nlu(database_url=url, nlu_dir=Path(args.nlu_dir) if args.nlu_dir else NLU_DIR, frozen=guard)
    routing = export_routing(database_url=url, examples_dir=Path(args.routing_dir) if args.routing_dir
                             else ROUTING_EXAMPLES_DIR, frozen=guard)
    for path, n in {**nlu.written, **routing.written}.items():
        print(f"{path}: {n} ejemplo(s) nuevo(s).")
    print(f"Ejemplos exportados: {nlu.total + routing.total}; omitidos por repetidos: "
          f"{nlu.duplicates + routing.duplicates}; por parecerse a un conjunto de evaluación: "
          f"{nlu.frozen + routing.frozen}.")
    if nlu.total:
        print("Vuelva a entrenar con `make train` para que el modelo aprenda los ejemplos nuevos.")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("revision", help="bandeja de revisión: ingerir conversaciones, exportar correcciones")
    sub = parser.add_subparsers(dest="revision_command", metavar="ACCION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default="", help="base de la aplicación (por defecto DATABASE_URL)")
    ingest = sub.add_parser("ingerir", parents=[common], help="lee los eventos nuevos del tracker store de Rasa")
    ingest.add_argument("--tracker-url", default="", help="URL del tracker store (por defecto TRACKER_STORE_URL)")
    ingest.set_defaults(func=_ingest)
    export = sub.add_parser("exportar", parents=[common], help="escribe las correcciones aceptadas en data/")
    export.add_argument("--nlu-dir", default="", help="carpeta data/nlu (por defecto la del proyecto)")
    export.add_argument("--routing-dir", default="", help="carpeta data/routing/examples")
    export.set_defaults(func=_export)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)

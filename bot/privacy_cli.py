"""``python -m bot datos ...``: requests of a person under Ley 1581 and the privacy job.

- ``datos exportar --email X | --caso CODE [--salida ARCHIVO]``: everything kept about the person (JSON).
- ``datos borrar --email X | --caso CODE --confirmar``: remove their personal data (tickets and conversations).
- ``datos tarea``: run the privacy job once (the web app runs it every ``PRIVACY_JOB_MINUTES``).
"""

from __future__ import annotations

import argparse
import json
import sys


def _urls(args: argparse.Namespace) -> tuple[str, str]:
    from bot.services import get_services

    settings = get_services().settings
    return args.database_url or settings.database_url, args.tracker_url or settings.tracker_store_url


def _export(args: argparse.Namespace) -> int:
    from bot.privacy import export_person

    database_url, tracker_url = _urls(args)
    data = export_person(database_url=database_url, tracker_url=tracker_url, email=args.email, code=args.caso)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if args.salida:
        with open(args.salida, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        print(f"{len(data['casos'])} casos exportados en {args.salida}.")
    else:
        sys.stdout.write(text + "\n")
    return 0 if data["casos"] else 1


def _delete(args: argparse.Namespace) -> int:
    from bot.privacy import delete_person

    if not args.confirmar:
        print("Borrar datos personales no se puede deshacer: repita el comando con --confirmar.")
        return 2
    database_url, tracker_url = _urls(args)
    result = delete_person(database_url=database_url, tracker_url=tracker_url, email=args.email, code=args.caso)
    print(f"Datos personales borrados de {len(result['casos'])} casos y {result['conversaciones_borradas']} "
          "conversaciones.")
    for code in result["casos"]:
        print(f"  {code}")
    return 0


def _job(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bot.privacy import run_privacy_job
    from bot.services import get_services

    database_url, tracker_url = _urls(args)
    settings = replace(get_services().settings, database_url=database_url, tracker_store_url=tracker_url)
    report = run_privacy_job(settings)
    print(f"Casos cerrados: {len(report.closed)}; datos depurados: {len(report.purged)}; "
          f"conversaciones borradas: {report.conversations_deleted}.")
    return 0


def register(subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=None, help="por defecto DATABASE_URL")
    common.add_argument("--tracker-url", default=None, help="por defecto TRACKER_STORE_URL")
    person = argparse.ArgumentParser(add_help=False, parents=[common])
    who = person.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help="correo de la persona")
    who.add_argument("--caso", help="código del caso (MEN-…)")

    datos = subparsers.add_parser("datos", help="datos personales (Ley 1581): exportar, borrar, tarea programada")
    sub = datos.add_subparsers(dest="datos_command", metavar="ACCION")
    exportar = sub.add_parser("exportar", parents=[person], help="todo lo que se guarda de una persona (JSON)")
    exportar.add_argument("--salida", help="archivo de salida (por defecto, la salida estándar)")
    exportar.set_defaults(func=_export)
    borrar = sub.add_parser("borrar", parents=[person], help="borra los datos personales de una persona")
    borrar.add_argument("--confirmar", action="store_true", help="necesario: el borrado no se puede deshacer")
    borrar.set_defaults(func=_delete)
    tarea = sub.add_parser("tarea", parents=[common], help="cierra casos resueltos y depura datos vencidos (una vez)")
    tarea.set_defaults(func=_job)

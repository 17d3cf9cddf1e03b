"""``python -m bot casos ...``: operator commands for escalated cases.

- ``casos depurar [--dias N] [--simular]``: remove personal data of cases closed more than N days
  ago (default ``TICKET_RETENTION_DAYS``), keeping anonymous statistics.
- ``casos estadisticas``: number of cases per area and status (anonymous).
"""

from __future__ import annotations

import argparse


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return args.database_url
    from bot.services import get_services

    return get_services().settings.database_url


def _purge(args: argparse.Namespace) -> int:
    from bot.services import get_services
    from bot.tickets.retention import purge_closed_tickets

    days = args.dias if args.dias is not None else get_services().settings.ticket_retention_days
    report = purge_closed_tickets(database_url=_database_url(args), retention_days=days, dry_run=args.simular)
    verb = "se depurarían" if report.dry_run else "depurados"
    print(f"Casos cerrados antes de {report.cutoff:%Y-%m-%d %H:%M} UTC ({days} días): {report.count} {verb}.")
    for code in report.codes:
        print(f"  {code}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.tickets.repository import count_by_area_and_status

    with session_scope(_database_url(args)) as session:
        rows = count_by_area_and_status(session=session)
    if not rows:
        print("No hay casos registrados.")
        return 0
    print(f"{'área':<12} {'estado':<22} casos")
    for area, status, n in rows:
        print(f"{area:<12} {status:<22} {n}")
    return 0


def _guarded(func):
    """Operator-friendly message when the tables do not exist yet (database not migrated)."""

    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return func(args)
        except (OperationalError, ProgrammingError) as exc:
            print(f"No se pudo leer la base de datos de casos ({exc.orig.__class__.__name__}).")
            print("¿Está migrada? Ejecute: python -m bot.migrate  (equivale a `alembic upgrade heads`)")
            return 1

    return run


def register(subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=None, help="por defecto DATABASE_URL")
    casos = subparsers.add_parser("casos", help="casos escalados al MEN (tickets)")
    sub = casos.add_subparsers(dest="casos_command", metavar="ACCION")

    depurar = sub.add_parser(
        "depurar", parents=[common], help="borra los datos personales de casos cerrados hace más de N días"
    )
    depurar.add_argument(
        "--dias", type=int, default=None, help="días desde el cierre (por defecto TICKET_RETENTION_DAYS)"
    )
    depurar.add_argument("--simular", action="store_true", help="solo muestra qué casos se depurarían")
    depurar.set_defaults(func=_guarded(_purge))

    stats = sub.add_parser("estadisticas", parents=[common], help="casos por área y estado (anónimo)")
    stats.set_defaults(func=_guarded(_stats))

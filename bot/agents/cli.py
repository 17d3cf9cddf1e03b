"""``python -m bot agentes ...``: accounts of the MEN agents and delivery of pending notices.

- ``agentes crear-admin --email E --nombre N``: the first administrator (migrates the database
  first; refused when an active administrator already exists).
- ``agentes crear --email E --nombre N --rol agente --areas DFGT-SRH,OTSI``: another account.
- ``agentes listar``: the accounts (no passwords, no hashes).
- ``agentes entregar``: one delivery round of the agents' notices (for cron; ``python -m bot avisos
  trabajar`` does it continuously, with the encuentro notices).

The password is asked twice without echo, or read from the first line of stdin with
``--clave-stdin`` (scripts); it is never a command-line argument (it would stay in the shell history).
"""

from __future__ import annotations

import argparse
import getpass
import sys


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return args.database_url
    from bot.services import get_services

    return get_services().settings.database_url


def _read_password(args: argparse.Namespace) -> str | None:
    if args.clave_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Clave (mínimo 10 caracteres): ")
    if first != getpass.getpass("Repita la clave: "):
        print("Las claves no coinciden.", file=sys.stderr)
        return None
    return first


def _accounts(args: argparse.Namespace):
    from bot.agents.accounts import AgentAccounts

    return AgentAccounts(database_url=_database_url(args))


def _create(args: argparse.Namespace, role: str) -> int:
    from bot.agents.permissions import Invalid

    accounts = _accounts(args)
    password = _read_password(args)
    if password is None:
        return 1
    areas = [a for a in (args.areas or "").split(",") if a.strip()] if hasattr(args, "areas") else []
    try:
        info = accounts.create_agent(email=args.email, name=args.nombre, role=role, password=password, areas=areas)
    except Invalid as exc:
        print(f"No se creó la cuenta: {exc.reason} {exc.details or ''}".rstrip(), file=sys.stderr)
        return 1
    areas_text = ", ".join(info.areas) or "todas"
    print(f"Cuenta creada: #{info.id} {info.email} ({info.role}; áreas: {areas_text}).")
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    from bot.migrate import upgrade

    upgrade(_database_url(args))
    if _accounts(args).count_admins() > 0:
        print("Ya existe un administrador activo; use `agentes crear --rol admin`.", file=sys.stderr)
        return 1
    return _create(args, "admin")


def _create_agent(args: argparse.Namespace) -> int:
    return _create(args, args.rol)


def _list(args: argparse.Namespace) -> int:
    agents = _accounts(args).list_agents()
    if not agents:
        print("No hay cuentas de agentes.")
        return 0
    for a in agents:
        state = "activa" if a.active else "inactiva"
        print(f"#{a.id:<4} {a.email:<40} {a.role:<12} {state:<9} {','.join(a.areas) or '-'}")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bot.agents.outbox import OutboxDispatcher
    from bot.delivery.worker import dispatcher_options
    from bot.services import get_services

    settings = replace(get_services().settings, database_url=_database_url(args))
    report = OutboxDispatcher(**dispatcher_options(settings)).deliver_due(limit=args.limite)
    print(f"Avisos enviados: {len(report.delivered)}; pendientes: {len(report.pending)}; "
          f"fallidos: {len(report.failed)}; avisos por correo o plantilla: {len(report.fallbacks)}.")
    return 0


def register(subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=None, help="por defecto DATABASE_URL")
    account = argparse.ArgumentParser(add_help=False, parents=[common])
    account.add_argument("--email", required=True)
    account.add_argument("--nombre", required=True)
    account.add_argument("--clave-stdin", action="store_true", help="lee la clave de la primera línea de stdin")

    agentes = subparsers.add_parser("agentes", help="cuentas de los agentes del MEN")
    sub = agentes.add_subparsers(dest="agentes_command", metavar="ACCION")

    sub.add_parser("crear-admin", parents=[account], help="crea el primer administrador").set_defaults(
        func=_create_admin
    )
    crear = sub.add_parser("crear", parents=[account], help="crea una cuenta de agente, coordinador o admin")
    crear.add_argument("--rol", choices=("agente", "coordinador", "admin", "curador"), default="agente")
    crear.add_argument("--areas", default="", help="códigos de área separados por comas (rol agente; opcional para curador)")
    crear.set_defaults(func=_create_agent)
    sub.add_parser("listar", parents=[common], help="lista las cuentas").set_defaults(func=_list)
    entregar = sub.add_parser("entregar", parents=[common], help="entrega los avisos pendientes por Rasa")
    entregar.add_argument("--limite", type=int, default=200)
    entregar.set_defaults(func=_deliver)

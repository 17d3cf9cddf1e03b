"""Commands of the encuentros.

    python -m bot eventos importar ARCHIVO [--formato csv|json|yaml] [--muestra|--no-muestra]
                                           [--retirar-ausentes] [--simular]
    python -m bot eventos proximos [--tipo taller]
    python -m bot eventos avisos [--marcar]

``importar`` is the catalog's importer with the events schema (exit status 1: invalid file, nothing
imported); once the events are stored, the notices to subscribers are queued for the sender
(``python -m bot avisos trabajar``).
"""

from __future__ import annotations

import argparse
import json

from bot.catalog.cli import add_import_command
from bot.encuentros.models import EVENT_TYPES


def register(subparsers: argparse._SubParsersAction) -> None:
    events = subparsers.add_parser("eventos", help="Encuentros, talleres y sesiones de la Escuela")
    esub = events.add_subparsers(dest="eventos_cmd", metavar="ACCION")
    add_import_command(esub, "eventos", after=_queue_notices)
    upcoming = esub.add_parser("proximos", help="Próximos eventos")
    upcoming.add_argument("--tipo", choices=sorted(EVENT_TYPES))
    upcoming.set_defaults(func=_cmd_upcoming)
    notices = esub.add_parser("avisos", help="Lista (JSON) de suscripciones con un encuentro nuevo; el envío lo "
                              "hace 'python -m bot avisos trabajar'")
    notices.add_argument("--marcar", action="store_true", help="marcarlos como enviados")
    notices.set_defaults(func=_cmd_notices)


def _queue_notices() -> None:
    from bot.db import session_scope, utcnow
    from bot.encuentros.notices import plan_notices

    with session_scope() as session:  # the sender (python -m bot avisos trabajar) sends them
        planned = plan_notices(session, now=utcnow())
    print(f"Avisos a suscriptores puestos en cola: {planned}.")


def _cmd_upcoming(args: argparse.Namespace) -> int:
    from bot.services import get_services

    events = get_services().events.upcoming(limit=10, tipo=args.tipo)
    if not events:
        print("No hay eventos programados.")
    for e in events:
        print(f"- {e.when_text} (hora de Colombia) — {e.title} [{e.mode_label}]")
    return 0


def _cmd_notices(args: argparse.Namespace) -> int:
    from bot.db import session_scope, utcnow
    from bot.encuentros.subscriptions import due_notifications, mark_notified

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

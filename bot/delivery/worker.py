"""The sender worker: ``python -m bot avisos trabajar`` (started by ``make run``; a service in production).

Each round: plan the encuentro notices, send the due encuentro notices and agent notices, e-mail
the web-chat replies nobody acknowledged, delete processed incoming messages older than two days. Several workers (and the web app's own round) may run
at once: every row is leased with a conditional UPDATE. SIGTERM/SIGINT stop it after the round.

    python -m bot avisos trabajar [--intervalo 5] [--una-vez]
    python -m bot avisos estado          # rows per state (ticket_outbox, event_notices)
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from bot.delivery.core import DeliveryConfig, DeliveryReport, RasaNotifier

logger = logging.getLogger(__name__)


@dataclass
class Senders:
    agents: Any  # bot.agents.outbox.OutboxDispatcher
    encuentros: Any  # bot.encuentros.notices.EventNoticeDispatcher
    config: DeliveryConfig
    inbox: Any = None  # bot.delivery.inbox.MessageStore (purge of processed incoming messages)


def dispatcher_options(settings, *, notifier: RasaNotifier | None = None, clock=None) -> dict:
    """The keyword arguments of a :class:`bot.delivery.core.Dispatcher` built from the settings."""
    from bot.delivery.fallbacks import Mailer, SmtpConfig, TemplateConfig, WhatsAppTemplates
    from bot.tickets.models import utcnow

    smtp = SmtpConfig.from_settings(settings)
    templates = TemplateConfig.from_settings(settings)
    return {
        "database_url": settings.database_url,
        "notifier": notifier or RasaNotifier(rasa_url=settings.rasa_url, token=settings.rasa_token,
                                             timeout=settings.rasa_timeout),
        "clock": clock or utcnow,
        "config": DeliveryConfig.from_settings(settings),
        "whatsapp": WhatsAppTemplates(templates) if templates else None,
        "mailer": Mailer(smtp, public_url=settings.public_base_url) if smtp else None,
    }


def build_senders(settings, *, notifier: RasaNotifier | None = None, clock=None) -> Senders:
    from bot.agents.outbox import OutboxDispatcher
    from bot.delivery.inbox import MessageStore
    from bot.encuentros.notices import EventNoticeDispatcher

    common = dispatcher_options(settings, notifier=notifier, clock=clock)
    config = common["config"]
    return Senders(agents=OutboxDispatcher(**common), encuentros=EventNoticeDispatcher(**common), config=config,
                   inbox=MessageStore(database_url=settings.database_url))


def run_round(senders: Senders) -> dict[str, DeliveryReport]:
    senders.encuentros.plan()
    reports = {"encuentros": DeliveryReport(), "agentes": DeliveryReport()}
    while True:  # drain what is due now (a published encuentro may have thousands of subscribers)
        report = senders.encuentros.deliver_due(limit=100)
        _merge(reports["encuentros"], report)
        if not (report.delivered or report.pending or report.failed):
            break
    _merge(reports["agentes"], senders.agents.deliver_due(limit=100))
    if senders.inbox is not None:
        senders.inbox.purge()
    return reports


def _merge(total: DeliveryReport, part: DeliveryReport) -> None:
    total.delivered += part.delivered
    total.pending += part.pending
    total.failed += part.failed
    total.errors.update(part.errors)
    total.fallbacks.update(part.fallbacks)


def work(senders: Senders, *, interval: float, once: bool = False, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            reports = run_round(senders)
            sent = sum(len(r.delivered) for r in reports.values())
            if sent:
                logger.info("Avisos enviados en esta ronda: %s", sent)
        except Exception:  # the worker survives a database or network hiccup
            logger.exception("Ronda de avisos fallida")
        if once:
            break
        stop.wait(interval)
    return 0


def _cmd_work(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.services import get_services

    senders = build_senders(get_services().settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    interval = args.intervalo if args.intervalo is not None else senders.config.worker_interval_seconds
    print(f"Enviando avisos cada {interval:g} s (Ctrl-C detiene).", flush=True)
    return work(senders, interval=interval, once=args.una_vez, stop=stop)


def _cmd_status(_args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.agents.models import TicketOutbox
    from bot.db import session_scope
    from bot.delivery.models import EventNotice

    with session_scope() as session:
        for label, model in (("respuestas de agentes", TicketOutbox), ("avisos de encuentros", EventNotice)):
            counts = session.execute(select(model.status, func.count(model.id)).group_by(model.status)).all()
            print(f"{label}: " + (", ".join(f"{s} {n}" for s, n in sorted(counts)) or "ninguno"))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    avisos = subparsers.add_parser("avisos", help="Envío de avisos (respuestas de agentes, encuentros)")
    sub = avisos.add_subparsers(dest="avisos_cmd", metavar="ACCION")
    work_p = sub.add_parser("trabajar", help="Enviar los avisos pendientes, en bucle")
    work_p.add_argument("--intervalo", type=float, default=None, help="segundos entre rondas")
    work_p.add_argument("--una-vez", action="store_true", help="una sola ronda (cron)")
    work_p.set_defaults(func=_cmd_work)
    status = sub.add_parser("estado", help="Avisos por estado")
    status.set_defaults(func=_cmd_status)


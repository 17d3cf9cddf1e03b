"""States, lease, back-off and the dispatcher shared by agent notices and encuentro notices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.identity import WHATSAPP_PREFIX, without_prefix
from bot.tickets.models import utcnow

logger = logging.getLogger(__name__)

_PATH_SAFE = ":/@!$&'()*+,;=~"
TRIGGER_INTENT = "respuesta_caso"  # the external intent of action_entregar_aviso (both kinds of notice)
TOKEN_ENTITY = "entrega"
LEASE_SECONDS = 60
# Channels that report more than "sent": the text is kept until they report it delivered.
RECEIPT_CHANNELS = ("socketio", "whatsapp")
SENT_STATES = ("enviado", "entregado", "leido")
OUT_OF_WINDOW = "fuera_de_ventana"  # WhatsApp error 131047: more than 24 hours since the user wrote


@dataclass(frozen=True)
class DeliveryConfig:
    max_attempts: int = 6
    backoff_seconds: float = 15.0
    backoff_max_seconds: float = 600.0
    ack_seconds: int = 60
    worker_interval_seconds: float = 5.0
    whatsapp_window_hours: float = 24.0
    lease_seconds: float = LEASE_SECONDS  # longer than a Rasa call (RASA_TIMEOUT)

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryConfig:
        d = getattr(settings, "delivery", None) or {}
        return cls(
            max_attempts=max(1, int(d.get("max_attempts", 6))),
            backoff_seconds=float(d.get("backoff_seconds", 15.0)),
            backoff_max_seconds=float(d.get("backoff_max_seconds", 600.0)),
            ack_seconds=int(d.get("ack_seconds", 60)),
            worker_interval_seconds=float(d.get("worker_interval_seconds", 5.0)),
            whatsapp_window_hours=float(d.get("whatsapp_window_hours", 24.0)),
            lease_seconds=float(d.get("lease_seconds", LEASE_SECONDS)),
        )

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.backoff_max_seconds))


class DeliveryError(RuntimeError):
    """Rasa or a channel did not take the notice (unreachable, timeout, error status)."""


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)  # the channel (or a fallback) took it
    pending: list[int] = field(default_factory=list)  # will be retried
    failed: list[int] = field(default_factory=list)  # fallido: attempts exhausted
    errors: dict[int, str] = field(default_factory=dict)
    fallbacks: dict[int, str] = field(default_factory=dict)  # id -> correo | plantilla | sin_correo


class RasaNotifier:
    """Calls Rasa's ``trigger_intent`` endpoint with a timeout (``requests``)."""

    def __init__(self, *, rasa_url: str, token: str = "", timeout: float = 10.0, session=None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session = session

    def trigger(self, *, conversation_id: str, channel: str | None, notice_token: str,
                intent: str = TRIGGER_INTENT) -> dict:
        import requests

        http = self._session or requests
        params = {"output_channel": channel or "latest"}
        if self.token:
            params["token"] = self.token
        # Rasa 3.6 (Sanic) does not percent-decode the id in the path: ":" of "web:"/"wa:"/"tg:" and
        # the other characters allowed in a path go as they are, or the trigger reaches a new
        # conversation named "web%3A..." and the action never finds the notice.
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe=_PATH_SAFE)}/trigger_intent"
        body = {"name": intent, "entities": {TOKEN_ENTITY: notice_token}}
        try:
            response = http.post(url, params=params, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DeliveryError(f"sin_conexion: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"http_{response.status_code}")
        try:
            return response.json()
        except ValueError:
            return {}


# ----------------------------------------------------------------------------- row operations
def due_condition(model, now: datetime):
    return or_(
        and_(model.status == "pendiente", model.next_attempt_at <= now),
        and_(model.status == "enviando", model.lease_until < now),
    )


def inband_condition(model):
    """Rows whose text the person has not been given yet, to utter in their own conversation."""
    not_given = and_(model.status.in_(("pendiente", "enviando", "fallido")), model.uttered_at.is_(None))
    after_fallback = and_(model.status.in_(SENT_STATES), model.fallback_at.is_not(None),
                          or_(model.uttered_at.is_(None), model.uttered_at < model.fallback_at))
    return or_(not_given, after_fallback)


def lease(session: Session, model, row_id: int, now: datetime, seconds: float = LEASE_SECONDS) -> bool:
    won = session.execute(
        update(model)
        .where(model.id == row_id, due_condition(model, now))
        .values(status="enviando", lease_until=now + timedelta(seconds=seconds), attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return won == 1


def retry_or_fail(session: Session, row, error: str, now: datetime, config: DeliveryConfig,
                  on_failed: Callable[[Session, Any, datetime], None] | None = None) -> str:
    """Back to ``pendiente`` with back-off, or ``fallido`` once the attempts are exhausted."""
    row.lease_until = None
    row.uttered_at = None
    row.last_error = (error or "error")[:255]
    if row.attempts >= config.max_attempts:
        row.status = "fallido"
        row.failed_at = now
        logger.error("Aviso %s #%s fallido tras %s intentos: %s", row.__tablename__, row.id, row.attempts, error)
        if on_failed is not None:
            on_failed(session, row, now)
        return "fallido"
    row.status = "pendiente"
    row.next_attempt_at = now + config.backoff(row.attempts)
    return "pendiente"


def mark_sent(row, now: datetime, *, message_id: str | None = None) -> None:
    row.status = "enviado"
    row.sent_at = now
    row.lease_until = None
    if message_id:
        row.channel_message_id = message_id[:128]
    if hasattr(row, "body") and row.uttered_at is not None and (row.channel or "") not in RECEIPT_CHANNELS:
        row.body = None  # no receipt will ever come: the text has left


def last_inbound_at(session: Session, channel: str, sender: str) -> datetime | None:
    from bot.delivery.models import ChannelInbox

    return session.execute(
        select(func.max(ChannelInbox.received_at)).where(ChannelInbox.channel == channel, ChannelInbox.sender == sender)
    ).scalar_one_or_none()


# ----------------------------------------------------------------------------- dispatcher
class Dispatcher:
    """Sends due rows of ``model`` through Rasa (or a fallback); safe to run in several processes."""

    model: Any = None
    kind = "aviso"

    def __init__(self, *, database_url: str, notifier: RasaNotifier, clock: Callable[[], datetime] = utcnow,
                 config: DeliveryConfig | None = None, whatsapp=None, mailer=None) -> None:
        self.database_url = database_url
        self.notifier = notifier
        self.clock = clock
        self.config = config or DeliveryConfig()
        self.whatsapp = whatsapp  # bot.delivery.fallbacks.WhatsAppTemplates (optional)
        self.mailer = mailer  # bot.delivery.fallbacks.Mailer (optional)

    # hooks
    def on_failed(self, session: Session, row, now: datetime) -> None:
        """Called in the transaction that marks ``row`` fallido."""

    def template_for(self, session: Session, row) -> tuple[str, list[str]] | None:
        """(template name, parameters) for a WhatsApp user outside the window, or None."""
        return None

    def follow_up(self, report: DeliveryReport) -> None:
        """Extra work of a round (e.g. e-mail when the web chat did not acknowledge)."""

    # rounds
    def due_ids(self, limit: int = 50, only: list[int] | None = None) -> list[int]:
        model = self.model
        stmt = (select(model.id).where(due_condition(model, self.clock()))
                .order_by(model.next_attempt_at, model.id).limit(limit))
        if only is not None:
            stmt = stmt.where(model.id.in_(only))
        with session_scope(self.database_url) as session:
            return list(session.execute(stmt).scalars())

    def deliver_due(self, limit: int = 50, only: list[int] | None = None) -> DeliveryReport:
        report = DeliveryReport()
        for row_id in self.due_ids(limit, only):
            self.deliver_one(row_id, report)
        if only is None:
            self.follow_up(report)
        return report

    def deliver_one(self, row_id: int, report: DeliveryReport) -> None:
        model = self.model
        started = self.clock()
        with session_scope(self.database_url) as session:
            if not lease(session, model, row_id, started, self.config.lease_seconds):
                return  # another process took it
            row = session.get(model, row_id)
            if row.uttered_at is not None:  # taken by the action before a sender or Rasa stopped: never again
                mark_sent(row, started)
                report.delivered.append(row_id)
                return
            conversation, channel, token = row.conversation_id, row.channel, row.token
            template = None
            if channel == "whatsapp" and self.whatsapp is not None and self._window_closed(session, row, started):
                template = self.template_for(session, row)
            elif channel == "whatsapp" and row.last_error == OUT_OF_WINDOW:
                retry_or_fail(session, row, "fuera_de_ventana_sin_plantilla", started, self.config, self.on_failed)
                self._report(report, row, "fuera_de_ventana_sin_plantilla")
                return
        if template is not None:
            self._send_template(row_id, conversation, template, report)
            return
        error = None
        try:
            self.notifier.trigger(conversation_id=conversation, channel=channel, notice_token=token)
        except DeliveryError as exc:
            error = str(exc)
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.get(model, row_id)
            if row.status in SENT_STATES:
                report.delivered.append(row_id)
                return
            if row.status in ("pendiente", "fallido"):  # the channel reported a failure
                self._report(report, row, row.last_error or "canal")
                return
            if row.status == "enviando" and row.uttered_at is not None:
                # The action took it (also when the answer timed out, or after a sender was killed):
                # Rasa produced it; a channel that records nothing (REST) says no more. Never again.
                mark_sent(row, now)
                report.delivered.append(row_id)
                return
            error = error or "rasa_no_ejecuto_la_accion"
            if row.status == "enviando":
                retry_or_fail(session, row, error, now, self.config, self.on_failed)
            logger.warning("Aviso %s #%s no enviado: %s", model.__tablename__, row_id, error)
            self._report(report, row, error)

    @staticmethod
    def _report(report: DeliveryReport, row, error: str) -> None:
        (report.failed if row.status == "fallido" else report.pending).append(row.id)
        report.errors[row.id] = error

    def _window_closed(self, session: Session, row, now: datetime) -> bool:
        if row.last_error == OUT_OF_WINDOW:
            return True
        last = last_inbound_at(session, "whatsapp", without_prefix(WHATSAPP_PREFIX, row.conversation_id))
        return last is None or last < now - timedelta(hours=self.config.whatsapp_window_hours)

    def _send_template(self, row_id: int, to: str, template: tuple[str, list[str]], report: DeliveryReport) -> None:
        from bot.delivery.fallbacks import FallbackError

        name, params = template
        error = None
        message_id = None
        try:
            message_id = self.whatsapp.send_template(to=without_prefix(WHATSAPP_PREFIX, to), name=name, parameters=params)
        except FallbackError as exc:
            error = str(exc)
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.get(self.model, row_id)
            if row.status != "enviando":
                return
            if error is None:
                mark_sent(row, now, message_id=message_id)
                row.fallback, row.fallback_at, row.last_error = "plantilla", now, None
                report.delivered.append(row_id)
                report.fallbacks[row_id] = "plantilla"
                return
            retry_or_fail(session, row, error, now, self.config, self.on_failed)
            self._report(report, row, error)

"""Incremental ingestion of Rasa's tracker store and of the case transfers into the app database.

Rasa's SQL tracker store (SQLite in ``var/`` by default, PostgreSQL in production) keeps one row
per event in the table ``events`` (``id``, ``sender_id``, ``type_name``, ``timestamp``,
``intent_name``, ``action_name``, ``data`` = the event as JSON). :class:`TrackerIngestor` reads the
rows after its watermark (``review_cursors``), in id order and in batches, and:

- adds to the daily counters of the dashboard (messages, conversations, understood messages,
  intents, indicator look-ups by place) per channel;
- puts in the review inbox every user message that went to the fallback (``nlu_fallback``), got
  «¿Quiso decir…?» (``action_default_ask_affirmation``), was followed by «no me sirvió» or by a
  case offer (``action_ofrecer_caso``), or whose intent confidence is under the threshold — masked,
  with its previous and next turns, grouped with the same inquiry written other ways.

:func:`ingest_transfers` reads the ``transferencia`` events of the cases after its own watermark
and queues each transferred case (masked description, final area) as a routing example to review.
Nothing is ever re-read: the dashboard and the inbox only read what ingestion wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from bot.agents.review.masking import FORM_ANSWER, PERSONAL_FORMS, PERSONAL_SLOTS, mask_text
from bot.agents.review.models import (
    DashboardCount,
    ReviewConversation,
    ReviewCursor,
    ReviewGroup,
    ReviewItem,
    RoutingReview,
)
from bot.db import get_engine, session_scope
from bot.text import normalize
from bot.tickets.models import Ticket, TicketEvent, utcnow

logger = logging.getLogger(__name__)

BOGOTA = ZoneInfo("America/Bogota")
TRACKER_CURSOR = "rasa_events"
TRANSFER_CURSOR = "ticket_transfers"
FALLBACK_INTENT = "nlu_fallback"
NOT_HELPFUL_INTENT = "no_me_sirvio"
# Actions that show the previous user message was not understood.
FLAGGING_ACTIONS = {
    "action_default_fallback": "fallback",
    "action_two_stage_fallback": "fallback",
    "utter_default": "fallback",
    "utter_ask_rephrase": "fallback",
    "action_default_ask_affirmation": "quiso_decir",
    "action_ofrecer_caso": "oferta_caso",
}
# A case offer after these intents is what the user asked for, not a misunderstanding.
ASKED_FOR_A_CASE = {"contactar_humano", "solicitar_gestion_men", "afirmar", "negar", NOT_HELPFUL_INTENT}
CASE_CREATED_ACTION = "action_crear_caso"
INDICATOR_INTENTS = {"consultar_indicador", "comparar_indicador", "ranking_indicador", "evolucion_indicador"}
REVIEW_ENTITIES = ("lugar", "indicador", "anio")
TURNS_KEPT = 8
CONTEXT_TURNS = 3
FUZZY_CUTOFF = 88
GROUP_WINDOW_DAYS = 365
EVENT_TYPES = ("user", "bot", "action", "slot", "active_loop", "session_started")

_metadata = MetaData()
# Rasa 3.6's ``SQLTrackerStore.SQLEvent`` (rasa/core/tracker_store.py), read-only here.
RASA_EVENTS = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
_PUNCT_RE = re.compile(r"[^\w\s\[\]]", re.UNICODE)


@lru_cache(maxsize=4)
def tracker_engine(url: str) -> Engine:
    """Engine on Rasa's tracker store, only read: a SQLite file is opened as Rasa left it (no pragmas)."""
    if url.startswith("sqlite"):
        return create_engine(url, future=True, connect_args={"timeout": 30})
    return get_engine(url)


def sender_key(sender_id: str) -> str:
    """Conversations are known by a hash: a WhatsApp sender id is a phone number."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def group_key(masked_text: str) -> str:
    """Normalised text (no accents, lower case, abbreviations expanded, no punctuation)."""
    return " ".join(_PUNCT_RE.sub(" ", normalize(masked_text)).split())[:500]


def local_day(ts: float | None) -> date:
    moment = datetime.fromtimestamp(ts or 0, tz=timezone.utc)
    return moment.astimezone(BOGOTA).date()


def _utc(ts: float | None) -> datetime:
    return datetime.fromtimestamp(ts or 0, tz=timezone.utc)


# ----------------------------------------------------------------------------- grouping
class GroupIndex:
    """The groups' keys in memory for one ingestion run: exact key first, then a fuzzy match
    (rapidfuzz token sort ratio) among the groups that share one of the key's two longest words."""

    def __init__(self, session: Session, since: datetime | None = None) -> None:
        self.session = session
        self.exact: dict[str, ReviewGroup | int] = {}
        self.buckets: dict[str, list[str]] = defaultdict(list)
        stmt = select(ReviewGroup.id, ReviewGroup.key)
        if since is not None:  # groups not seen for months are not joined again (bounded memory)
            stmt = stmt.where(ReviewGroup.last_seen >= since)
        for gid, key in session.execute(stmt):
            self._index(key, gid)

    @staticmethod
    def _words(key: str) -> list[str]:
        words = sorted({w for w in key.split() if len(w) >= 4 and not w.startswith("[")}, key=lambda w: (-len(w), w))
        return words[:2] or key.split()[:1]

    def _index(self, key: str, group: ReviewGroup | int) -> None:
        if key in self.exact:
            return
        self.exact[key] = group
        for word in self._words(key):
            self.buckets[word].append(key)

    def find(self, key: str) -> ReviewGroup | None:
        found = self.exact.get(key)
        if found is None:
            candidates: list[str] = []
            for word in self._words(key):
                candidates.extend(self.buckets.get(word, ()))
            if candidates:
                best = process.extractOne(key, candidates, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
                if best is not None:
                    found = self.exact[best[0]]
        if isinstance(found, int):
            found = self.session.get(ReviewGroup, found)
            self.exact[key] = found
        return found

    def add(self, key: str, group: ReviewGroup) -> None:
        self._index(key, group)


# ----------------------------------------------------------------------------- tracker ingestion
@dataclass
class IngestReport:
    events: int = 0
    messages: int = 0
    flagged: int = 0
    transfers: int = 0
    position: int = 0


@dataclass
class _Batch:
    counts: Counter = field(default_factory=Counter)
    items: dict[int, ReviewItem] = field(default_factory=dict)  # by tracker event id
    new_cases: set[str] = field(default_factory=set)  # raw sender ids whose case was just created


class TrackerIngestor:
    def __init__(
        self,
        *,
        database_url: str,
        tracker_url: str,
        threshold: float = 0.5,
        batch_size: int = 5000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database_url = database_url
        self.tracker_url = tracker_url
        self.threshold = threshold
        self.batch_size = batch_size
        self.clock = clock

    def run(self, *, max_batches: int | None = None) -> IngestReport:
        report = IngestReport()
        batches = 0
        while max_batches is None or batches < max_batches:
            rows = self._read_batch(self._position())
            if not rows:
                break
            self._ingest(rows, report)
            batches += 1
            if len(rows) < self.batch_size:
                break
        report.position = self._position()
        return report

    def _position(self) -> int:
        with session_scope(self.database_url) as session:
            cursor = session.get(ReviewCursor, TRACKER_CURSOR)
            return int(cursor.position) if cursor else 0

    def _read_batch(self, after: int) -> list:
        engine = tracker_engine(self.tracker_url)
        if not inspect(engine).has_table("events"):  # Rasa has not written anything yet
            return []
        stmt = (
            select(RASA_EVENTS).where(RASA_EVENTS.c.id > after, RASA_EVENTS.c.type_name.in_(EVENT_TYPES))
            .order_by(RASA_EVENTS.c.id).limit(self.batch_size)
        )
        with engine.connect() as conn:
            return list(conn.execute(stmt))

    def _ingest(self, rows: list, report: IngestReport) -> None:
        batch = _Batch()
        with session_scope(self.database_url) as session:
            groups = GroupIndex(session, since=self.clock() - timedelta(days=GROUP_WINDOW_DAYS))
            conversations = self._conversations(session, {r.sender_id for r in rows})
            with session.no_autoflush:  # one flush per batch, not one per query
                for row in rows:
                    conv = conversations[row.sender_id]
                    try:
                        data = json.loads(row.data) if row.data else {}
                    except ValueError:
                        data = {}
                    self._event(session, groups, batch, conv, row, data, report)
            for conv in conversations.values():
                flag_modified(conv, "state")
                conv.updated_at = self.clock()
            session.flush()
            self._link_cases(session, batch, conversations)
            _add_counts(session, batch.counts)
            cursor = session.get(ReviewCursor, TRACKER_CURSOR) or ReviewCursor(name=TRACKER_CURSOR)
            cursor.position = int(rows[-1].id)
            cursor.updated_at = self.clock()
            session.add(cursor)
        report.events += len(rows)

    def _conversations(self, session: Session, senders: Iterable[str]) -> dict[str, ReviewConversation]:
        keys = {s: sender_key(s) for s in senders}
        found: dict[str, ReviewConversation] = {}
        wanted = list(keys.values())
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for conv in session.execute(select(ReviewConversation).where(ReviewConversation.sender_key.in_(chunk))).scalars():
                found[conv.sender_key] = conv
        result = {}
        for sender, key in keys.items():
            conv = found.get(key)
            if conv is None:
                conv = ReviewConversation(sender_key=key, state={}, updated_at=self.clock())
                session.add(conv)
            conv.state = dict(conv.state or {})
            result[sender] = conv
        return result

    # ------------------------------------------------------------------ one event
    def _event(self, session, groups, batch: _Batch, conv: ReviewConversation, row, data: dict,
               report: IngestReport) -> None:
        state = conv.state
        kind = row.type_name
        if kind == "user":
            self._user(session, groups, batch, conv, row, data, report)
        elif kind == "bot":
            text = mask_text(data.get("text") or "", state.get("personal") or ())
            if text:
                self._turn(session, batch, state, {"de": "asistente", "texto": text[:600], "eid": row.id})
        elif kind == "action":
            name = row.action_name or data.get("name") or ""
            reason = FLAGGING_ACTIONS.get(name)
            last = state.get("last_user")
            if reason == "oferta_caso" and last and last.get("intent") in ASKED_FOR_A_CASE:
                reason = None
            if reason and last:
                self._flag(session, groups, batch, conv, last, reason, report)
            if name == CASE_CREATED_ACTION:
                batch.new_cases.add(row.sender_id)
        elif kind == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "requested_slot":
                state["requested_slot"] = value
            elif name in PERSONAL_SLOTS and isinstance(value, str) and value.strip():
                personal = list(state.get("personal") or [])
                if value not in personal:
                    personal.append(value)
                state["personal"] = personal[-10:]
        elif kind == "active_loop":
            state["loop"] = data.get("name")
            if not state["loop"]:
                state["requested_slot"] = None
        elif kind == "session_started":
            for name in ("personal", "loop", "requested_slot", "last_user", "prev_user"):
                state.pop(name, None)

    def _user(self, session, groups, batch: _Batch, conv: ReviewConversation, row, data: dict,
              report: IngestReport) -> None:
        state = conv.state
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name") or row.intent_name
        confidence = (parse.get("intent") or {}).get("confidence")
        channel = data.get("input_channel") or conv.channel or "desconocido"
        conv.channel = conv.channel or channel
        day = local_day(row.timestamp)
        report.messages += 1
        batch.counts[(day, channel, "mensajes", "")] += 1
        if conv.last_day != day:
            conv.last_day = day
            batch.counts[(day, channel, "conversaciones", "")] += 1
        if intent and intent != FALLBACK_INTENT:
            batch.counts[(day, channel, "entendidos", "")] += 1
        if intent:
            batch.counts[(day, channel, "intencion", intent[:120])] += 1
        entities = [e for e in parse.get("entities") or [] if isinstance(e, dict)]
        if intent in INDICATOR_INTENTS:
            for place in {str(e.get("value")).strip().title() for e in entities if e.get("entity") == "lugar"}:
                batch.counts[(day, channel, "consulta_lugar", place[:120])] += 1

        raw = data.get("text") or ""
        in_form = state.get("loop") in PERSONAL_FORMS and state.get("requested_slot") in PERSONAL_SLOTS
        text = FORM_ANSWER if in_form else mask_text(raw, state.get("personal") or ())
        if state.get("loop") not in PERSONAL_FORMS and state.get("personal"):
            state.pop("personal", None)  # the form is over: its values are not kept
        payload = raw.startswith("/")
        if not payload:
            self._turn(session, batch, state, {"de": "usuario", "texto": text[:600], "eid": row.id})
        if payload:
            suggest = state.pop("suggest_for", None)
            if suggest and intent and not intent.startswith(("afirmar", "negar")):
                item = self._item(session, batch, suggest)
                if item is not None:
                    item.suggested_intent = intent[:120]
            state["prev_user"], state["last_user"] = state.get("last_user"), None
            return
        if intent == NOT_HELPFUL_INTENT:
            if state.get("last_user"):
                self._flag(session, groups, batch, conv, state["last_user"], "no_me_sirvio", report)
            state["prev_user"], state["last_user"] = state.get("last_user"), None
            return
        candidate = {
            "eid": row.id, "ts": row.timestamp, "text": text, "intent": intent, "confidence": confidence,
            "entities": _entities(entities, raw, text), "channel": channel, "in_form": in_form,
            "before": [t for t in state.get("turns", []) if t["eid"] < row.id][-CONTEXT_TURNS:],
        }
        state["prev_user"], state["last_user"] = state.get("last_user"), candidate
        if in_form:
            return
        if intent == FALLBACK_INTENT or intent is None:
            self._flag(session, groups, batch, conv, candidate, "fallback", report)
        elif confidence is not None and confidence < self.threshold:
            self._flag(session, groups, batch, conv, candidate, "baja_confianza", report)

    def _turn(self, session, batch: _Batch, state: dict, turn: dict) -> None:
        state["turns"] = (list(state.get("turns") or []) + [turn])[-TURNS_KEPT:]
        waiting = []
        for eid, missing in state.get("awaiting") or []:
            item = self._item(session, batch, eid)
            if item is not None:
                item.context_after = list(item.context_after or []) + [_public(turn)]
                if missing > 1:
                    waiting.append([eid, missing - 1])
        state["awaiting"] = waiting

    def _item(self, session, batch: _Batch, eid: int) -> ReviewItem | None:
        item = batch.items.get(eid)
        if item is None:
            item = session.get(ReviewItem, eid)
            if item is not None:
                batch.items[eid] = item
        return item

    def _flag(self, session, groups: GroupIndex, batch: _Batch, conv: ReviewConversation, candidate: dict,
              reason: str, report: IngestReport) -> None:
        if candidate.get("in_form") or not candidate.get("text"):
            return
        eid = candidate["eid"]
        state = conv.state
        if reason == "quiso_decir":
            state["suggest_for"] = eid
        item = self._item(session, batch, eid) if candidate.get("flagged") else None
        if item is not None:
            if reason not in item.reasons:
                item.reasons = list(item.reasons) + [reason]
                group = item.group
                group.reasons = {**(group.reasons or {}), reason: (group.reasons or {}).get(reason, 0) + 1}
            return
        sent = _utc(candidate["ts"])
        key = group_key(candidate["text"]) or candidate["text"][:500]
        group = groups.find(key)
        if group is None:
            group = ReviewGroup(key=key, text=candidate["text"], count=0, reasons={}, first_seen=sent,
                                last_seen=sent, status="pendiente")
            session.add(group)
            groups.add(key, group)
        group.count = (group.count or 0) + 1
        group.reasons = {**(group.reasons or {}), reason: (group.reasons or {}).get(reason, 0) + 1}
        group.predicted_intent = candidate["intent"]
        group.confidence = candidate["confidence"]
        if group.last_seen is None or sent > group.last_seen:
            group.last_seen = sent
        after = [_public(t) for t in state.get("turns", []) if t["eid"] > eid][:CONTEXT_TURNS]
        item = ReviewItem(
            id=eid, group=group, conversation=conv, channel=candidate["channel"],
            area_code=conv.area_code, text=candidate["text"], intent=candidate["intent"],
            confidence=candidate["confidence"], entities=candidate["entities"], reasons=[reason],
            context_before=[_public(t) for t in candidate["before"]], context_after=after, sent_at=sent,
        )
        session.add(item)
        batch.items[eid] = item
        candidate["flagged"] = True
        if len(after) < CONTEXT_TURNS:
            state["awaiting"] = list(state.get("awaiting") or []) + [[eid, CONTEXT_TURNS - len(after)]]
        report.flagged += 1
        day = local_day(candidate["ts"])
        batch.counts[(day, candidate["channel"], "revision", reason)] += 1

    def _link_cases(self, session: Session, batch: _Batch, conversations: dict[str, ReviewConversation]) -> None:
        """A case opened from the conversation gives its review items an area (curator scopes)."""
        for sender in batch.new_cases:
            area = session.execute(
                select(Ticket.area_code).where(Ticket.conversation_id == sender).order_by(Ticket.id.desc()).limit(1)
            ).scalar_one_or_none()
            conv = conversations[sender]
            if area and conv.area_code is None:
                conv.area_code = area
                session.execute(
                    update(ReviewItem).where(ReviewItem.conversation_key == conv.sender_key, ReviewItem.area_code.is_(None))
                    .values(area_code=area).execution_options(synchronize_session=False)
                )


def _public(turn: dict) -> dict:
    return {"de": turn["de"], "texto": turn["texto"]}


def _entities(entities: list[dict], raw: str, masked: str) -> list[dict]:
    """The entities of the message, positioned on the masked text (dropped when masked away)."""
    result = []
    for e in entities:
        start, end = e.get("start"), e.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        fragment = raw[start:end]
        at = masked.find(fragment) if fragment else -1
        if at < 0:
            continue
        result.append({"entity": str(e.get("entity")), "value": str(e.get("value")), "start": at,
                       "end": at + len(fragment), "confidence": e.get("confidence_entity")})
    return result


def _add_counts(session: Session, counts: Counter) -> None:
    """``n = n + :delta`` per (day, channel, kind, key): one upsert statement executed for many rows
    (SQLite and PostgreSQL; psycopg2 sends them in pages)."""
    if not counts:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"day": d, "channel": c[:40], "kind": k, "key": key, "n": n} for (d, c, k, key), n in counts.items()]
    stmt = insert(DashboardCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "channel", "kind", "key"], set_={"n": DashboardCount.n + stmt.excluded.n}
    )
    session.execute(stmt, rows)


# ----------------------------------------------------------------------------- case transfers
def ingest_transfers(*, database_url: str, clock: Callable[[], datetime] = utcnow, batch_size: int = 1000) -> int:
    """Queue each newly transferred case as a routing example (masked description, final area)."""
    from bot.agents.review.masking import mask_text as mask

    queued = 0
    with session_scope(database_url) as session:
        cursor = session.get(ReviewCursor, TRANSFER_CURSOR) or ReviewCursor(name=TRANSFER_CURSOR, position=0)
        session.add(cursor)
        while True:
            events = session.execute(
                select(TicketEvent.id, TicketEvent.ticket_id, TicketEvent.data, TicketEvent.created_at)
                .where(TicketEvent.id > cursor.position, TicketEvent.kind == "transferencia")
                .order_by(TicketEvent.id).limit(batch_size)
            ).all()
            if not events:
                break
            for event_id, ticket_id, data, at in events:
                ticket = session.get(Ticket, ticket_id)
                review = session.execute(
                    select(RoutingReview).where(RoutingReview.ticket_id == ticket_id)
                ).scalar_one_or_none()
                text = " ".join(mask(ticket.description or "").split()) if ticket else ""
                if ticket is None or not text:
                    continue
                if review is None:
                    session.add(RoutingReview(
                        ticket_id=ticket_id, text=text, from_area=(data or {}).get("de"), area_code=ticket.area_code,
                        transferred_at=at, status="pendiente",
                    ))
                    queued += 1
                elif review.status == "pendiente":  # transferred again: the final area is the last one
                    review.area_code, review.transferred_at = ticket.area_code, at
                session.flush()
                cursor.position = event_id
            cursor.updated_at = clock()
    return queued

"""The review inbox: grouped misunderstood messages and the curator's decisions; routing reviews.

Only ``coordinador`` and ``curador`` use it (anyone else gets 403). A curador scoped to areas sees
the groups with a message from a conversation that opened a case of those areas, and the routing
reviews of those areas; every other reviewer sees everything.

Decisions on a group: ``confirmar`` (the predicted intent was right), ``corregir`` (another
intent), ``fuera_de_alcance``, ``descartar``, ``reabrir``. Confirming or correcting may rewrite the
example text and mark entities (``lugar``, ``indicador``, ``anio``) by their character positions.
A text that still has masked personal data cannot be accepted: the curator rewrites it first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from bot.agents.permissions import Forbidden, Invalid, NotFound, Principal
from bot.agents.review.ingest import REVIEW_ENTITIES
from bot.agents.review.intents import OUT_OF_SCOPE, IntentCatalog, load_intents
from bot.agents.review.masking import has_mask
from bot.agents.review.models import ReviewGroup, ReviewItem, RoutingReview
from bot.db import session_scope
from bot.tickets.areas import AreaCatalog, AreasOnDemand
from bot.tickets.models import utcnow
from bot.tickets.validation import clean_text

MAX_EXAMPLE_CHARS = 500
DECISIONS = ("confirmar", "corregir", "fuera_de_alcance", "descartar", "reabrir")
ORDERS = {"frecuencia": (ReviewGroup.count.desc(), ReviewGroup.id.desc()),
          "recientes": (ReviewGroup.last_seen.desc(), ReviewGroup.id.desc())}


@dataclass(frozen=True)
class GroupView:
    id: int
    text: str
    count: int
    reasons: dict[str, int]
    predicted_intent: str | None
    confidence: float | None
    first_seen: datetime
    last_seen: datetime
    status: str
    intent: str | None
    example_text: str | None
    entities: list[dict]
    reviewer_name: str | None
    reviewed_at: datetime | None
    exported_at: datetime | None


@dataclass(frozen=True)
class ItemView:
    id: int
    text: str
    channel: str | None
    intent: str | None
    confidence: float | None
    entities: list[dict]
    reasons: list[str]
    suggested_intent: str | None
    context_before: list[dict]
    context_after: list[dict]
    sent_at: datetime


@dataclass(frozen=True)
class GroupPage:
    total: int
    groups: list[GroupView]


@dataclass(frozen=True)
class GroupDetail:
    group: GroupView
    items: list[ItemView]


@dataclass(frozen=True)
class RoutingView:
    id: int
    text: str
    from_area: str | None
    area_code: str
    transferred_at: datetime
    status: str
    reviewer_name: str | None
    exported_at: datetime | None


def require_reviewer(principal: Principal) -> None:
    if not principal.reviews_messages:
        raise Forbidden("rol_sin_permiso")


class ReviewInbox(AreasOnDemand):
    def __init__(
        self,
        *,
        database_url: str,
        intents: IntentCatalog | None = None,
        areas: AreaCatalog | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database_url = database_url
        self._intents = intents
        self._areas = areas
        self.clock = clock

    @property
    def intents(self) -> IntentCatalog:
        if self._intents is None:
            self._intents = load_intents()
        return self._intents

    # ------------------------------------------------------------------ groups
    @staticmethod
    def _scope(principal: Principal) -> list:
        scope = principal.review_scope()
        if scope is None:
            return []
        return [ReviewGroup.id.in_(select(ReviewItem.group_id).where(ReviewItem.area_code.in_(sorted(scope))))]

    def groups(
        self, principal: Principal, *, status: str = "pendiente", reason: str | None = None, text: str | None = None,
        order: str = "frecuencia", limit: int = 50, offset: int = 0,
    ) -> GroupPage:
        require_reviewer(principal)
        conditions = self._scope(principal)
        if status != "todos":
            conditions.append(ReviewGroup.status == status)
        if text and text.strip():
            conditions.append(ReviewGroup.text.ilike(f"%{_like(text.strip())}%", escape="\\"))
        with session_scope(self.database_url) as session:
            if reason:
                conditions.append(ReviewGroup.id.in_(
                    select(ReviewItem.group_id).where(_reason_match(session, reason))
                ))
            total = session.execute(select(func.count(ReviewGroup.id)).where(*conditions)).scalar_one()
            rows = session.execute(
                select(ReviewGroup).where(*conditions).order_by(*ORDERS.get(order, ORDERS["frecuencia"]))
                .limit(max(1, min(limit, 200))).offset(max(0, offset))
            ).scalars().all()
            return GroupPage(total=int(total), groups=[_group_view(g) for g in rows])

    def group(self, principal: Principal, group_id: int, *, items: int = 20) -> GroupDetail:
        require_reviewer(principal)
        with session_scope(self.database_url) as session:
            group = self._load(session, principal, group_id)
            rows = session.execute(
                select(ReviewItem).where(ReviewItem.group_id == group.id)
                .order_by(ReviewItem.sent_at.desc(), ReviewItem.id.desc()).limit(items)
            ).scalars().all()
            return GroupDetail(group=_group_view(group), items=[_item_view(i) for i in rows])

    def _load(self, session: Session, principal: Principal, group_id: int) -> ReviewGroup:
        group = session.execute(
            select(ReviewGroup).where(ReviewGroup.id == group_id, *self._scope(principal))
        ).scalar_one_or_none()
        if group is None:
            raise NotFound()
        return group

    def decide(
        self, principal: Principal, group_id: int, decision: str, *, intent: str | None = None,
        text: str | None = None, entities: list[dict] | None = None,
    ) -> GroupView:
        require_reviewer(principal)
        if decision not in DECISIONS:
            raise Invalid("decision_invalida")
        now = self.clock()
        with session_scope(self.database_url) as session:
            group = self._load(session, principal, group_id)
            if group.exported_at is not None:
                raise Invalid("ya_exportado")
            if decision == "reabrir":
                group.status, group.intent, group.example_text, group.entities = "pendiente", None, None, None
                group.reviewer_id, group.reviewer_name, group.reviewed_at = None, None, None
                return _group_view(group)
            if decision == "descartar":
                group.status, group.intent, group.entities = "descartado", None, None
            else:
                if decision == "confirmar":
                    chosen = group.predicted_intent
                elif decision == "corregir":
                    chosen = (intent or "").strip()
                else:
                    chosen = OUT_OF_SCOPE
                if not chosen or chosen not in self.intents:
                    raise Invalid("intencion_desconocida")
                example = _example_text(text if text is not None else group.text)
                group.status = "fuera_de_alcance" if decision == "fuera_de_alcance" else "aceptado"
                group.intent = chosen
                group.example_text = example
                group.entities = _check_entities(example, entities or []) if chosen != OUT_OF_SCOPE else []
            group.reviewer_id, group.reviewer_name, group.reviewed_at = principal.id, principal.name, now
            return _group_view(group)

    # ------------------------------------------------------------------ routing reviews
    def routing(self, principal: Principal, *, status: str = "pendiente", limit: int = 50, offset: int = 0
                ) -> tuple[int, list[RoutingView]]:
        require_reviewer(principal)
        conditions = self._routing_scope(principal)
        if status != "todos":
            conditions.append(RoutingReview.status == status)
        with session_scope(self.database_url) as session:
            total = session.execute(select(func.count(RoutingReview.id)).where(*conditions)).scalar_one()
            rows = session.execute(
                select(RoutingReview).where(*conditions).order_by(RoutingReview.transferred_at.desc(), RoutingReview.id.desc())
                .limit(max(1, min(limit, 200))).offset(max(0, offset))
            ).scalars().all()
            return int(total), [_routing_view(r) for r in rows]

    @staticmethod
    def _routing_scope(principal: Principal) -> list:
        scope = principal.review_scope()
        return [] if scope is None else [RoutingReview.area_code.in_(sorted(scope))]

    def decide_routing(self, principal: Principal, review_id: int, decision: str, *, area: str | None = None,
                       text: str | None = None) -> RoutingView:
        require_reviewer(principal)
        if decision not in ("aceptar", "descartar", "reabrir"):
            raise Invalid("decision_invalida")
        with session_scope(self.database_url) as session:
            review = session.execute(
                select(RoutingReview).where(RoutingReview.id == review_id, *self._routing_scope(principal))
            ).scalar_one_or_none()
            if review is None:
                raise NotFound()
            if review.exported_at is not None:
                raise Invalid("ya_exportado")
            if decision == "aceptar":
                if area:
                    if self.areas.get(area) is None:
                        raise Invalid("area_desconocida")
                    review.area_code = area
                if text is not None:
                    review.text = _example_text(text)
                elif has_mask(review.text):
                    raise Invalid("texto_con_datos_personales")
            review.status = {"aceptar": "aceptado", "descartar": "descartado", "reabrir": "pendiente"}[decision]
            review.reviewer_id, review.reviewer_name, review.reviewed_at = principal.id, principal.name, self.clock()
            return _routing_view(review)


# ----------------------------------------------------------------------------- helpers
def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reason_match(_session: Session, reason: str):
    # reasons is a JSON list: a portable containment test on its text form
    return cast(ReviewItem.reasons, String).like(f'%"{_like(reason)}"%', escape="\\")


def _example_text(raw: str | None) -> str:
    text = " ".join(clean_text(raw).split())
    if not text:
        raise Invalid("texto_vacio")
    if len(text) > MAX_EXAMPLE_CHARS:
        raise Invalid("texto_largo", max=MAX_EXAMPLE_CHARS)
    if has_mask(text):
        raise Invalid("texto_con_datos_personales")
    if text.startswith("/"):
        raise Invalid("texto_invalido")
    return text


def _check_entities(text: str, entities: list[dict]) -> list[dict]:
    checked: list[dict] = []
    for raw in entities:
        try:
            start, end, name = int(raw["start"]), int(raw["end"]), str(raw["entity"])
        except (KeyError, TypeError, ValueError):
            raise Invalid("entidad_invalida") from None
        if name not in REVIEW_ENTITIES or not (0 <= start < end <= len(text)):
            raise Invalid("entidad_invalida")
        fragment = text[start:end]
        if fragment != fragment.strip() or any(c in fragment for c in "[]()"):
            raise Invalid("entidad_invalida")
        checked.append({"start": start, "end": end, "entity": name, "value": fragment})
    checked.sort(key=lambda e: e["start"])
    for before, after in zip(checked, checked[1:], strict=False):
        if after["start"] < before["end"]:
            raise Invalid("entidades_superpuestas")
    return checked


def _group_view(g: ReviewGroup) -> GroupView:
    return GroupView(
        id=g.id, text=g.text, count=g.count, reasons=dict(g.reasons or {}), predicted_intent=g.predicted_intent,
        confidence=g.confidence, first_seen=g.first_seen, last_seen=g.last_seen, status=g.status, intent=g.intent,
        example_text=g.example_text, entities=list(g.entities or []), reviewer_name=g.reviewer_name,
        reviewed_at=g.reviewed_at, exported_at=g.exported_at,
    )


def _item_view(i: ReviewItem) -> ItemView:
    return ItemView(
        id=i.id, text=i.text, channel=i.channel, intent=i.intent, confidence=i.confidence,
        entities=list(i.entities or []), reasons=list(i.reasons or []), suggested_intent=i.suggested_intent,
        context_before=list(i.context_before or []), context_after=list(i.context_after or []), sent_at=i.sent_at,
    )


def _routing_view(r: RoutingReview) -> RoutingView:
    return RoutingView(id=r.id, text=r.text, from_area=r.from_area, area_code=r.area_code,
                       transferred_at=r.transferred_at, status=r.status, reviewer_name=r.reviewer_name,
                       exported_at=r.exported_at)



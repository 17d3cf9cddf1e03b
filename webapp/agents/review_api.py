"""Review inbox and service dashboard in the agents' API.

- ``/api/agentes/revision/...`` (coordinador, curador): grouped misunderstood messages, decisions,
  routing examples from transfers, export to the training data, ingestion on demand.
- ``/api/agentes/tablero`` (coordinador, admin): the service figures; ``/tablero/csv/{tabla}`` one
  table as CSV.

Same authentication and error format as the rest of the agents' API (``webapp.agents.api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.agents.permissions import Invalid, Principal
from bot.agents.review.dashboard import CSV_COLUMNS, Dashboard, DashboardFilters, default_filters, to_csv
from bot.agents.review.export import FrozenGuard, export_nlu, export_routing
from bot.agents.review.inbox import DECISIONS, ReviewInbox, require_reviewer
from bot.agents.review.ingest import TrackerIngestor, ingest_transfers
from bot.settings import Settings
from webapp.agents.api import ERRORS, current_agent

router = APIRouter(prefix="/api/agentes", tags=["revisión y tablero"], responses={k: ERRORS[k] for k in (401, 403, 422)})


@dataclass
class ReviewServices:
    database_url: str
    inbox: ReviewInbox
    dashboard: Dashboard
    ingestor: TrackerIngestor
    ingest_seconds: int = 0

    @classmethod
    def build(cls, settings: Settings, *, clock=None, areas=None) -> ReviewServices:
        extra = {"clock": clock} if clock else {}
        url = settings.database_url
        return cls(
            database_url=url,
            inbox=ReviewInbox(database_url=url, areas=areas, **extra),
            dashboard=Dashboard(database_url=url, areas=areas, **extra),
            ingestor=TrackerIngestor(database_url=url, tracker_url=settings.tracker_store_url,
                                     threshold=settings.review_confidence_threshold, **extra),
            ingest_seconds=settings.review_ingest_seconds,
        )

    def ingest(self) -> dict:
        report = self.ingestor.run()
        transfers = ingest_transfers(database_url=self.database_url)
        return {"eventos": report.events, "mensajes": report.messages, "a_revision": report.flagged,
                "transferencias": transfers}


def review(request: Request) -> ReviewServices:
    return request.app.state.review


# ----------------------------------------------------------------------------- schemas
class GroupOut(BaseModel):
    id: int
    texto: str = Field(..., description="texto representativo, con los datos personales enmascarados")
    mensajes: int
    motivos: dict[str, int] = Field(..., description="fallback | quiso_decir | no_me_sirvio | oferta_caso | baja_confianza")
    intencion_predicha: Optional[str]  # noqa: UP045
    confianza: Optional[float]  # noqa: UP045
    primero: datetime
    ultimo: datetime
    estado: str = Field(..., description="pendiente | aceptado | fuera_de_alcance | descartado")
    intencion: Optional[str]  # noqa: UP045
    texto_ejemplo: Optional[str]  # noqa: UP045
    entidades: list[dict]
    revisor: Optional[str]  # noqa: UP045
    revisado: Optional[datetime]  # noqa: UP045
    exportado: Optional[datetime]  # noqa: UP045

    @classmethod
    def of(cls, g) -> GroupOut:
        return cls(id=g.id, texto=g.text, mensajes=g.count, motivos=g.reasons, intencion_predicha=g.predicted_intent,
                   confianza=g.confidence, primero=g.first_seen, ultimo=g.last_seen, estado=g.status,
                   intencion=g.intent, texto_ejemplo=g.example_text, entidades=g.entities, revisor=g.reviewer_name,
                   revisado=g.reviewed_at, exportado=g.exported_at)


class GroupPageOut(BaseModel):
    total: int
    grupos: list[GroupOut]


class TurnOut(BaseModel):
    de: str
    texto: str


class ItemOut(BaseModel):
    id: int
    texto: str
    canal: Optional[str]  # noqa: UP045
    intencion: Optional[str]  # noqa: UP045
    confianza: Optional[float]  # noqa: UP045
    entidades: list[dict]
    motivos: list[str]
    intencion_elegida: Optional[str] = Field(None, description="la opción que eligió el usuario tras «¿Quiso decir…?»")  # noqa: UP045
    antes: list[TurnOut]
    despues: list[TurnOut]
    fecha: datetime


class GroupDetailOut(BaseModel):
    grupo: GroupOut
    mensajes: list[ItemOut]


class EntityIn(BaseModel):
    start: int = Field(..., ge=0)
    end: int = Field(..., ge=1)
    entity: str = Field(..., description="lugar | indicador | anio")


class DecisionIn(BaseModel):
    decision: str = Field(..., description=" | ".join(DECISIONS))
    intencion: Optional[str] = Field(None, description="para corregir")  # noqa: UP045
    texto: Optional[str] = Field(None, description="texto del ejemplo (por defecto el del grupo)")  # noqa: UP045
    entidades: list[EntityIn] = Field(default_factory=list)


class IntentOut(BaseModel):
    nombre: str
    etiqueta: str
    funcion: str


class RoutingOut(BaseModel):
    id: int
    texto: str
    area_origen: Optional[str]  # noqa: UP045
    area: str
    transferido: datetime
    estado: str
    revisor: Optional[str]  # noqa: UP045
    exportado: Optional[datetime]  # noqa: UP045


class RoutingPageOut(BaseModel):
    total: int
    ejemplos: list[RoutingOut]


class RoutingDecisionIn(BaseModel):
    decision: str = Field(..., description="aceptar | descartar | reabrir")
    area: Optional[str] = Field(None, description="área final, si la corrige")  # noqa: UP045
    texto: Optional[str] = None  # noqa: UP045


class ExportOut(BaseModel):
    archivos: dict[str, int]
    repetidos: int
    parecidos_a_evaluacion: int


class IngestOut(BaseModel):
    eventos: int
    mensajes: int
    a_revision: int
    transferencias: int


# ----------------------------------------------------------------------------- review inbox
@router.get("/revision/intenciones", response_model=list[IntentOut], summary="Intenciones para corregir")
def intents(request: Request, agent: Principal = Depends(current_agent)) -> list[IntentOut]:
    require_reviewer(agent)
    catalog = review(request).inbox.intents
    return [IntentOut(nombre=i, etiqueta=catalog.labels.get(i, i), funcion=catalog.feature_of(i)) for i in catalog.intents]


@router.get("/revision/grupos", response_model=GroupPageOut, summary="Bandeja de revisión (mensajes agrupados)")
def groups(
    request: Request,
    estado: str = Query("pendiente", regex="^(pendiente|aceptado|fuera_de_alcance|descartado|todos)$"),
    motivo: Optional[str] = Query(None, description="fallback | quiso_decir | no_me_sirvio | oferta_caso | baja_confianza"),  # noqa: UP045
    texto: Optional[str] = Query(None, max_length=120),  # noqa: UP045
    orden: str = Query("frecuencia", regex="^(frecuencia|recientes)$"),
    limite: int = Query(25, ge=1, le=200),
    desde: int = Query(0, ge=0),
    agent: Principal = Depends(current_agent),
) -> GroupPageOut:
    page = review(request).inbox.groups(agent, status=estado, reason=motivo, text=texto, order=orden, limit=limite,
                                        offset=desde)
    return GroupPageOut(total=page.total, grupos=[GroupOut.of(g) for g in page.groups])


@router.get("/revision/grupos/{grupo_id}", response_model=GroupDetailOut, summary="Un grupo con sus mensajes en contexto",
            responses={404: ERRORS[404]})
def group(grupo_id: int, request: Request, agent: Principal = Depends(current_agent)) -> GroupDetailOut:
    detail = review(request).inbox.group(agent, grupo_id)
    items = [ItemOut(id=i.id, texto=i.text, canal=i.channel, intencion=i.intent, confianza=i.confidence,
                     entidades=i.entities, motivos=i.reasons, intencion_elegida=i.suggested_intent,
                     antes=i.context_before, despues=i.context_after, fecha=i.sent_at) for i in detail.items]
    return GroupDetailOut(grupo=GroupOut.of(detail.group), mensajes=items)


@router.post("/revision/grupos/{grupo_id}/decision", response_model=GroupOut, summary="Confirmar, corregir, "
             "fuera de alcance, descartar o reabrir", responses={404: ERRORS[404]})
def decide(grupo_id: int, body: DecisionIn, request: Request, agent: Principal = Depends(current_agent)) -> GroupOut:
    view = review(request).inbox.decide(
        agent, grupo_id, body.decision, intent=body.intencion, text=body.texto,
        entities=[e.dict() for e in body.entidades],
    )
    return GroupOut.of(view)


@router.get("/revision/enrutamiento", response_model=RoutingPageOut, summary="Casos transferidos: ejemplos de enrutamiento")
def routing(
    request: Request,
    estado: str = Query("pendiente", regex="^(pendiente|aceptado|descartado|todos)$"),
    limite: int = Query(25, ge=1, le=200),
    desde: int = Query(0, ge=0),
    agent: Principal = Depends(current_agent),
) -> RoutingPageOut:
    total, rows = review(request).inbox.routing(agent, status=estado, limit=limite, offset=desde)
    return RoutingPageOut(total=total, ejemplos=[_routing_out(r) for r in rows])


@router.post("/revision/enrutamiento/{ejemplo_id}/decision", response_model=RoutingOut,
             summary="Aceptar (con el área final), descartar o reabrir", responses={404: ERRORS[404]})
def decide_routing(ejemplo_id: int, body: RoutingDecisionIn, request: Request,
                   agent: Principal = Depends(current_agent)) -> RoutingOut:
    return _routing_out(review(request).inbox.decide_routing(agent, ejemplo_id, body.decision, area=body.area,
                                                             text=body.texto))


@router.post("/revision/exportar", response_model=ExportOut, summary="Escribir las correcciones aceptadas en data/")
def export(request: Request, agent: Principal = Depends(current_agent)) -> ExportOut:
    require_reviewer(agent)
    url = review(request).database_url
    guard = FrozenGuard()
    nlu = export_nlu(database_url=url, frozen=guard)
    routing_report = export_routing(database_url=url, frozen=guard)
    return ExportOut(archivos={**nlu.written, **routing_report.written},
                     repetidos=nlu.duplicates + routing_report.duplicates,
                     parecidos_a_evaluacion=nlu.frozen + routing_report.frozen)


@router.post("/revision/ingerir", response_model=IngestOut, summary="Leer ya los eventos nuevos del tracker store")
def ingest(request: Request, agent: Principal = Depends(current_agent)) -> IngestOut:
    require_reviewer(agent)
    return IngestOut(**review(request).ingest())


def _routing_out(r) -> RoutingOut:
    return RoutingOut(id=r.id, texto=r.text, area_origen=r.from_area, area=r.area_code, transferido=r.transferred_at,
                      estado=r.status, revisor=r.reviewer_name, exportado=r.exported_at)


# ----------------------------------------------------------------------------- dashboard
def _filters(request: Request, desde: Optional[date], hasta: Optional[date], canal: Optional[str],  # noqa: UP045
             area: Optional[str], etc: Optional[str]) -> DashboardFilters:  # noqa: UP045
    base = default_filters(review(request).dashboard.clock)
    return DashboardFilters(since=desde or base.since, until=hasta or base.until, channel=canal or None,
                            area=area or None, etc=etc or None)


@router.get("/tablero", response_model=dict[str, Any], summary="Tablero del servicio (coordinador, admin)")
def dashboard(
    request: Request,
    desde: Optional[date] = Query(None, description="AAAA-MM-DD (por defecto, hace 30 días)"),  # noqa: UP045
    hasta: Optional[date] = Query(None, description="AAAA-MM-DD (por defecto, hoy)"),  # noqa: UP045
    canal: Optional[str] = None,  # noqa: UP045
    area: Optional[str] = None,  # noqa: UP045
    etc: Optional[str] = None,  # noqa: UP045
    agent: Principal = Depends(current_agent),
) -> dict:
    return review(request).dashboard.collect(agent, _filters(request, desde, hasta, canal, area, etc))


@router.get("/tablero/csv/{tabla}", response_class=Response, summary="Una tabla del tablero en CSV",
            responses={200: {"content": {"text/csv": {}}}})
def dashboard_csv(
    tabla: str,
    request: Request,
    desde: Optional[date] = None,  # noqa: UP045
    hasta: Optional[date] = None,  # noqa: UP045
    canal: Optional[str] = None,  # noqa: UP045
    area: Optional[str] = None,  # noqa: UP045
    etc: Optional[str] = None,  # noqa: UP045
    agent: Principal = Depends(current_agent),
) -> Response:
    if tabla not in CSV_COLUMNS:
        raise Invalid("tabla_desconocida")
    data = review(request).dashboard.collect(agent, _filters(request, desde, hasta, canal, area, etc))
    name = f"tablero-{tabla}-{data['filtros']['desde']}-{data['filtros']['hasta']}.csv"
    return Response("\ufeff" + to_csv(data, tabla), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


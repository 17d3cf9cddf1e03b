"""JSON shapes of the agents' API (pydantic 1, as FastAPI 0.99 uses). Field names are Spanish.

pydantic 1.8 does not understand ``X | None`` annotations: ``Optional`` is used on purpose here.
"""
# ruff: noqa: UP007, UP045

from __future__ import annotations

from datetime import datetime
from typing import Optional, Union

from pydantic import BaseModel, Field

from bot.agents.accounts import AgentInfo
from bot.agents.desk import EventView, QueueItem, QueuePage, TicketDetail
from bot.agents.metrics import Metrics
from bot.agents.permissions import Principal


class ErrorBody(BaseModel):
    motivo: str = Field(..., description="código estable del error, p. ej. `no_encontrado`, `ya_asignado`")
    detalles: dict = Field(default_factory=dict)


class ErrorOut(BaseModel):
    detail: ErrorBody


class FieldError(BaseModel):
    loc: list[Union[str, int]]
    msg: str
    type: str


class InvalidOut(BaseModel):
    detail: Union[ErrorBody, list[FieldError]] = Field(
        ..., description="`{motivo, detalles}` para reglas del caso; lista de campos si el JSON no tiene la forma esperada"
    )


class LoginIn(BaseModel):
    email: str = Field(..., max_length=254)
    clave: str = Field(..., max_length=200)


class AgentOut(BaseModel):
    id: int
    email: str
    nombre: str
    rol: str = Field(..., description="agente | coordinador | admin | curador")
    areas: list[str] = Field(..., description="áreas del agente (vacío: coordinador y admin)")
    activo: bool = True
    ultimo_ingreso: Optional[datetime] = None

    @classmethod
    def of_principal(cls, p: Principal) -> AgentOut:
        return cls(id=p.id, email=p.email, nombre=p.name, rol=p.role.value, areas=sorted(p.areas))

    @classmethod
    def of_info(cls, a: AgentInfo) -> AgentOut:
        return cls(id=a.id, email=a.email, nombre=a.name, rol=a.role, areas=list(a.areas), activo=a.active,
                   ultimo_ingreso=a.last_login_at)


class SessionOut(BaseModel):
    token: str = Field(..., description="envíelo como `Authorization: Bearer <token>`")
    expira: datetime
    agente: AgentOut


class AreaOut(BaseModel):
    codigo: str
    nombre: str
    propia: bool = Field(..., description="el agente puede ver los casos de esta área")


class TeamMemberOut(BaseModel):
    id: int
    nombre: str
    rol: str
    areas: list[str]


class AgentCreateIn(BaseModel):
    email: str = Field(..., max_length=254)
    nombre: str = Field(..., max_length=120)
    rol: str = Field("agente", description="agente | coordinador | admin | curador")
    clave: str = Field(..., max_length=200)
    areas: list[str] = Field(default_factory=list)


class AgentUpdateIn(BaseModel):
    nombre: Optional[str] = Field(None, max_length=120)
    rol: Optional[str] = None
    areas: Optional[list[str]] = None
    activo: Optional[bool] = None
    clave: Optional[str] = Field(None, max_length=200)


class AgentRefOut(BaseModel):
    id: int
    nombre: str


class QueueItemOut(BaseModel):
    codigo: str
    estado: str
    area: str
    area_nombre: str
    prioridad: str
    creado: datetime
    vence: datetime
    vencido: bool
    edad_horas: float
    triaje: bool
    etc: Optional[str]
    resumen: str
    asignado_a: Optional[AgentRefOut]

    @classmethod
    def of(cls, i: QueueItem) -> QueueItemOut:
        agent = AgentRefOut(id=i.assigned_agent.id, nombre=i.assigned_agent.name) if i.assigned_agent else None
        return cls(codigo=i.code, estado=i.status, area=i.area_code, area_nombre=i.area_name, prioridad=i.priority,
                   creado=i.created_at, vence=i.due_at, vencido=i.overdue, edad_horas=i.age_hours,
                   triaje=i.needs_triage, etc=i.etc_name, resumen=i.summary, asignado_a=agent)


class QueueOut(BaseModel):
    total: Optional[int] = Field(..., description="casos que cumplen los filtros; null con `contar=false`")
    casos: list[QueueItemOut]
    siguiente: Optional[str] = Field(None, description="cursor de la página siguiente (`despues`); null en la última")

    @classmethod
    def of(cls, page: QueuePage) -> QueueOut:
        return cls(total=page.total, casos=[QueueItemOut.of(i) for i in page.items], siguiente=page.next)


class EventOut(BaseModel):
    fecha: datetime
    tipo: str
    actor: str = Field(..., description="usuario | sistema | agente")
    actor_nombre: Optional[str]
    de_estado: Optional[str]
    a_estado: Optional[str]
    texto: Optional[str]
    datos: Optional[dict]
    visible_al_solicitante: bool

    @classmethod
    def of(cls, e: EventView) -> EventOut:
        return cls(fecha=e.at, tipo=e.kind, actor=e.actor_type, actor_nombre=e.actor_name, de_estado=e.from_status,
                   a_estado=e.to_status, texto=e.body, datos=e.data, visible_al_solicitante=e.visible_to_requester)


class TranscriptTurnOut(BaseModel):
    de: str
    texto: str
    fecha: Optional[str]


class RequesterOut(BaseModel):
    nombre: Optional[str]
    cargo: Optional[str]
    email: Optional[str]
    telefono: Optional[str]
    etc_codigo: Optional[str]
    etc: Optional[str]


class NoticeOut(BaseModel):
    id: int
    tipo: str = Field(..., description="respuesta | solicitud_informacion | resuelto")
    estado: str = Field(..., description="pendiente | enviando | enviado | entregado | leido | fallido | cancelado")
    intentos: int
    creado: datetime
    enviado: Optional[datetime]
    entregado: Optional[datetime]
    leido: Optional[datetime]
    fallido: Optional[datetime]
    respaldo: Optional[str] = Field(None, description="correo | plantilla (WhatsApp) | sin_correo")
    ultimo_error: Optional[str]
    proximo_intento: Optional[datetime]

    @classmethod
    def of(cls, n) -> NoticeOut:
        return cls(id=n.id, tipo=n.kind, estado=n.status, intentos=n.attempts, creado=n.created_at,
                   enviado=n.sent_at, entregado=n.delivered_at, leido=n.read_at, fallido=n.failed_at,
                   respaldo=n.fallback, ultimo_error=n.last_error, proximo_intento=n.next_attempt_at)


class FailedNoticeOut(BaseModel):
    codigo: str
    area: str
    agente_id: Optional[int]
    aviso: NoticeOut

    @classmethod
    def of(cls, f) -> FailedNoticeOut:
        return cls(codigo=f.ticket_code, area=f.area_code, agente_id=f.assigned_agent_id, aviso=NoticeOut.of(f.notice))


class EventIn(BaseModel):
    titulo: str = Field(..., max_length=300)
    tipo: str = Field(..., description="encuentro_secretarios | encuentro_regional | taller | sesion_virtual | otro")
    modalidad: str = Field(..., description="presencial | virtual | hibrida")
    inicio: datetime = Field(..., description="fecha y hora de inicio (con zona horaria; sin zona: hora de Colombia)")
    fin: Optional[datetime] = None
    clave: Optional[str] = Field(None, max_length=120)
    resumen: Optional[str] = Field(None, max_length=2000)
    lugar: Optional[str] = Field(None, max_length=300)
    publico: Optional[str] = Field(None, max_length=300)
    enlace_inscripcion: Optional[str] = Field(None, max_length=1000)
    temas: list[str] = Field(default_factory=list)


class PublishedEventOut(BaseModel):
    clave: str
    nuevo: bool
    avisos: int = Field(..., description="avisos a suscriptores puestos en cola")


class AckIn(BaseModel):
    aviso: str = Field(..., max_length=128, description="el identificador que el chat recibió con el mensaje")


class TicketOut(QueueItemOut):
    solicitante: RequesterOut
    canal: Optional[str]
    descripcion: Optional[str]
    transcripcion: list[TranscriptTurnOut]
    eventos: list[EventOut]
    calificacion: Optional[int]
    avisos_pendientes: int
    primera_respuesta: Optional[datetime]
    resuelto: Optional[datetime]
    acciones: list[str] = Field(..., description="operaciones que este agente puede hacer ahora")
    avisos: list[NoticeOut] = Field(default_factory=list, description="avisos al solicitante y su estado de entrega")

    @classmethod
    def of_detail(cls, d: TicketDetail) -> TicketOut:
        base = QueueItemOut.of(d.item).dict()
        turns = [TranscriptTurnOut(de=str(t.get("de", "")), texto=str(t.get("texto", "")), fecha=t.get("fecha"))
                 for t in d.transcript if isinstance(t, dict)]
        return cls(
            **base,
            solicitante=RequesterOut(nombre=d.requester_name, cargo=d.requester_cargo, email=d.requester_email,
                                     telefono=d.requester_phone, etc_codigo=d.etc_code, etc=d.item.etc_name),
            canal=d.channel, descripcion=d.description, transcripcion=turns,
            eventos=[EventOut.of(e) for e in d.events], calificacion=d.rating, avisos_pendientes=d.pending_notices,
            primera_respuesta=d.first_response_at, resuelto=d.resolved_at, acciones=d.actions,
            avisos=[NoticeOut.of(n) for n in d.notices],
        )


class OperationOut(BaseModel):
    caso: Optional[TicketOut] = Field(..., description="vacío si el caso salió de las áreas del agente")
    avisos: list[int] = Field(default_factory=list, description="avisos al solicitante puestos en cola de entrega")


class TextIn(BaseModel):
    texto: str = Field(..., max_length=20000)


class OptionalTextIn(BaseModel):
    texto: Optional[str] = Field(None, max_length=20000)


class TransferIn(BaseModel):
    area: str = Field(..., max_length=16)
    motivo: str = Field(..., max_length=5000)


class ReassignIn(BaseModel):
    agente_id: int
    motivo: Optional[str] = Field(None, max_length=5000)


class ReasonIn(BaseModel):
    motivo: str = Field(..., max_length=5000)


class MetricsOut(BaseModel):
    generado: datetime
    areas: list[str]
    casos_por_area_y_estado: dict[str, dict[str, int]]
    total: int
    vencidos: int
    mediana_primera_respuesta_horas: Optional[float]
    casos_con_primera_respuesta: int
    satisfaccion_promedio: Optional[float]
    respuestas_satisfaccion: int
    avisos_pendientes: int
    avisos_fallidos: int = 0
    avisos_por_estado: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def of(cls, m: Metrics) -> MetricsOut:
        return cls(generado=m.generated_at, areas=list(m.areas), casos_por_area_y_estado=m.by_area_status,
                   total=m.total, vencidos=m.overdue, mediana_primera_respuesta_horas=m.first_response_median_hours,
                   casos_con_primera_respuesta=m.first_response_count, satisfaccion_promedio=m.satisfaction_average,
                   respuestas_satisfaccion=m.satisfaction_count, avisos_pendientes=m.pending_notices,
                   avisos_fallidos=m.failed_notices, avisos_por_estado=dict(m.notices_by_status))

"""The agents' HTTP API under ``/api/agentes`` (documented in ``docs/openapi-agents.yaml``).

Authentication: ``POST /api/agentes/sesion`` returns a bearer token; every other call sends
``Authorization: Bearer <token>``. Errors are ``{"detail": {"motivo": "...", "detalles": {...}}}``;
a ticket outside the agent's areas answers exactly like a ticket that does not exist (404).
Endpoints are plain ``def`` functions: FastAPI runs them in its thread pool (blocking database work).
"""

from __future__ import annotations

import hmac
from typing import Optional  # pydantic 1.8 (FastAPI 0.99) does not understand `X | None`

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.agents.desk import OperationResult, QueueFilters
from bot.agents.metrics import collect_metrics, prometheus_text
from bot.agents.permissions import AgentsError, Principal, Role, Unauthenticated, require_role
from webapp.agents import schemas as s
from webapp.agents.services import AgentServices

bearer = HTTPBearer(auto_error=False, description="token de `POST /api/agentes/sesion`")
ERRORS = {
    401: {"model": s.ErrorOut, "description": "sin sesión o sesión vencida"},
    403: {"model": s.ErrorOut, "description": "el rol no permite la operación"},
    404: {"model": s.ErrorOut, "description": "no existe o está fuera de las áreas del agente"},
    409: {"model": s.ErrorOut, "description": "el estado del caso no lo permite (p. ej. ya asignado)"},
    422: {"model": s.InvalidOut, "description": "datos inválidos"},
}

router = APIRouter(prefix="/api/agentes", tags=["agentes"], responses={k: ERRORS[k] for k in (401, 422)})
# Called by the web chat page (no agent session): the random notice token is the proof.
public_router = APIRouter(prefix="/api/avisos", tags=["avisos"])


def services(request: Request) -> AgentServices:
    return request.app.state.agents


def current_agent(
    request: Request, credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)  # noqa: UP045
) -> Principal:
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    return services(request).accounts.principal_for_token(token)


def _operation(result: OperationResult, tasks: BackgroundTasks, svc: AgentServices) -> s.OperationOut:
    if result.outbox_ids:
        tasks.add_task(svc.dispatcher.deliver_due, only=list(result.outbox_ids))
    ticket = s.TicketOut.of_detail(result.ticket) if result.ticket is not None else None
    return s.OperationOut(caso=ticket, avisos=list(result.outbox_ids))


# ----------------------------------------------------------------------------- session
class TooManyAttempts(AgentsError):
    status_code = 429


@router.post("/sesion", response_model=s.SessionOut, summary="Iniciar sesión",
             responses={429: {"model": s.ErrorOut, "description": "demasiados intentos: espere `reintentar_en` segundos"}})
def login(body: s.LoginIn, request: Request) -> s.SessionOut:
    """Tras varios intentos fallidos desde una IP para una cuenta, esa pareja espera cada vez más (429);
    la cuenta nunca se bloquea."""
    from webapp.security import client_ip

    guard = request.app.state.login_guard
    ip = client_ip(request)
    wait = guard.wait_seconds(body.email, ip)
    if wait:
        raise TooManyAttempts("demasiados_intentos", reintentar_en=wait)
    try:
        result = services(request).accounts.login(email=body.email, password=body.clave)
    except Unauthenticated:
        guard.throttle.failure(body.email, ip)
        raise
    guard.throttle.success(body.email, ip)
    return s.SessionOut(token=result.token, expira=result.expires_at, agente=s.AgentOut.of_principal(result.principal))


@router.delete("/sesion", status_code=204, response_class=Response, summary="Cerrar sesión")
def logout(
    request: Request,
    credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer),  # noqa: UP045
    agent: Principal = Depends(current_agent),
) -> Response:
    services(request).accounts.logout(credentials.credentials)
    return Response(status_code=204)


@router.get("/yo", response_model=s.AgentOut, summary="El agente de la sesión")
def me(agent: Principal = Depends(current_agent)) -> s.AgentOut:
    return s.AgentOut.of_principal(agent)


@router.get("/areas", response_model=list[s.AreaOut], summary="Áreas del MEN (para filtros y transferencias)")
def areas(request: Request, agent: Principal = Depends(current_agent)) -> list[s.AreaOut]:
    catalog = services(request).desk.areas
    return [s.AreaOut(codigo=a.code, nombre=a.name, propia=agent.can_see_area(a.code)) for a in catalog.areas]


# ----------------------------------------------------------------------------- queue and tickets
@router.get("/casos", response_model=s.QueueOut, summary="Cola de casos (vencidos primero)",
            responses={403: ERRORS[403]})
def queue(
    request: Request,
    area: list[str] = Query([], description="códigos de área"),  # noqa: B006
    estado: list[str] = Query([], description="estados; por defecto los abiertos"),  # noqa: B006
    prioridad: list[str] = Query([], description="alta | media | baja"),  # noqa: B006
    edad_min_horas: Optional[float] = Query(None, ge=0, description="creados hace al menos N horas"),  # noqa: UP045
    edad_max_horas: Optional[float] = Query(None, ge=0, description="creados hace como mucho N horas"),  # noqa: UP045
    vencidos: bool = Query(False, description="solo casos abiertos con el plazo vencido"),
    asignacion: str = Query("todos", description="todos | mios | sin_asignar"),
    limite: int = Query(50, ge=1, le=200),
    desde: int = Query(0, ge=0, description="casos que se saltan (mejor `despues`: cuesta lo mismo en cualquier página)"),
    despues: Optional[str] = Query(None, max_length=400,  # noqa: UP045
                                   description="`siguiente` de la página anterior (mismos filtros y orden)"),
    contar: bool = Query(True, description="false: sin `total` (las páginas siguientes conservan el de la primera)"),
    codigo: Optional[str] = Query(None, description="código del caso, completo o una parte"),  # noqa: UP045
    correo: Optional[str] = Query(None, description="correo del solicitante, completo o una parte"),  # noqa: UP045
    etc: Optional[str] = Query(None, description="código DANE de la ETC o parte de su nombre"),  # noqa: UP045
    texto: Optional[str] = Query(None, description="texto libre en la descripción"),  # noqa: UP045
    orden: str = Query("", description="codigo | estado | area | prioridad | vence | creado | etc | asignado; "
                                       "vacío: vencidos primero, luego prioridad y plazo"),
    sentido: str = Query("asc", regex="^(asc|desc)$", description="asc | desc"),
    agent: Principal = Depends(current_agent),
) -> s.QueueOut:
    filters = QueueFilters(
        areas=tuple(area), statuses=tuple(estado), priorities=tuple(prioridad), min_age_hours=edad_min_horas,
        max_age_hours=edad_max_horas, overdue_only=vencidos, assignment=asignacion, limit=limite, offset=desde,
        code=codigo, email=correo, etc=etc, text=texto, sort=orden, descending=sentido == "desc", after=despues,
        count=contar,
    )
    return s.QueueOut.of(services(request).desk.queue(agent, filters))


@router.get("/casos/{codigo}", response_model=s.TicketOut, summary="Un caso con su transcripción y su historial",
            responses={403: ERRORS[403], 404: ERRORS[404]})
def ticket(codigo: str, request: Request, agent: Principal = Depends(current_agent)) -> s.TicketOut:
    return s.TicketOut.of_detail(services(request).desk.ticket(agent, codigo))


_OPERATION_ERRORS = {k: ERRORS[k] for k in (403, 404, 409)}


@router.post("/casos/{codigo}/tomar", response_model=s.OperationOut, summary="Tomar un caso (atómico)",
             responses=_OPERATION_ERRORS)
def claim(codigo: str, request: Request, tasks: BackgroundTasks,
          agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.claim(agent, codigo), tasks, svc)


@router.post("/casos/{codigo}/responder", response_model=s.OperationOut, summary="Responder al solicitante",
             responses=_OPERATION_ERRORS)
def reply(codigo: str, body: s.TextIn, request: Request, tasks: BackgroundTasks,
          agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.reply(agent, codigo, body.texto), tasks, svc)


@router.post("/casos/{codigo}/solicitar-informacion", response_model=s.OperationOut,
             summary="Pedir información al solicitante", responses=_OPERATION_ERRORS)
def ask_information(codigo: str, body: s.TextIn, request: Request, tasks: BackgroundTasks,
                    agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.ask_information(agent, codigo, body.texto), tasks, svc)


@router.post("/casos/{codigo}/transferir", response_model=s.OperationOut, summary="Transferir a otra área",
             responses=_OPERATION_ERRORS)
def transfer(codigo: str, body: s.TransferIn, request: Request, tasks: BackgroundTasks,
             agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.transfer(agent, codigo, body.area, body.motivo), tasks, svc)


@router.post("/casos/{codigo}/reasignar", response_model=s.OperationOut, summary="Reasignar (coordinador)",
             responses=_OPERATION_ERRORS)
def reassign(codigo: str, body: s.ReassignIn, request: Request, tasks: BackgroundTasks,
             agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.reassign(agent, codigo, body.agente_id, body.motivo), tasks, svc)


@router.post("/casos/{codigo}/resolver", response_model=s.OperationOut, summary="Resolver (avisa y pide calificación)",
             responses=_OPERATION_ERRORS)
def resolve(codigo: str, body: s.OptionalTextIn, request: Request, tasks: BackgroundTasks,
            agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.resolve(agent, codigo, body.texto), tasks, svc)


@router.post("/casos/{codigo}/reabrir", response_model=s.OperationOut, summary="Reabrir un caso resuelto o cerrado",
             responses=_OPERATION_ERRORS)
def reopen(codigo: str, body: s.ReasonIn, request: Request, tasks: BackgroundTasks,
           agent: Principal = Depends(current_agent)) -> s.OperationOut:
    svc = services(request)
    return _operation(svc.desk.reopen(agent, codigo, body.motivo), tasks, svc)


# ----------------------------------------------------------------------------- delivery
@router.get("/avisos/fallidos", response_model=list[s.FailedNoticeOut],
            summary="Avisos que no llegaron al solicitante (fallido), en las áreas del agente")
def failed_notices(request: Request, agent: Principal = Depends(current_agent)) -> list[s.FailedNoticeOut]:
    return [s.FailedNoticeOut.of(f) for f in services(request).desk.failed_notices(agent)]


@router.post("/encuentros", response_model=s.PublishedEventOut, status_code=201,
             summary="Publicar un encuentro y avisar a los suscriptores (coordinador)",
             responses={403: ERRORS[403]})
def publish_event(body: s.EventIn, request: Request, tasks: BackgroundTasks,
                  agent: Principal = Depends(current_agent)) -> s.PublishedEventOut:
    require_role(agent, Role.COORDINADOR)
    from bot.agents.permissions import Invalid
    from bot.catalog.importer import EVENT_SCHEMA, ImportValidationError, _from_structure, import_rows, validate
    from bot.catalog.themes import area_names
    from bot.db import session_scope
    from bot.encuentros.notices import plan_notices

    svc = services(request)
    record = {k: v for k, v in body.dict().items() if v not in (None, "", [])}
    try:
        rows = validate(_from_structure([record]), EVENT_SCHEMA, valid_themes=area_names().keys(), sample=False)
    except ImportValidationError as exc:
        raise Invalid("encuentro_invalido", errores=[str(e) for e in exc.errors]) from None
    with session_scope(svc.database_url) as session:
        result = import_rows(session, rows, EVENT_SCHEMA.kind)
        planned = plan_notices(session, now=svc.clock())
    if svc.encuentros is not None:
        tasks.add_task(svc.encuentros.deliver_due, 500)
    return s.PublishedEventOut(clave=result.keys[0], nuevo=result.created == 1, avisos=planned)


@public_router.post("/acuse", status_code=204, response_class=Response,
                    summary="El chat web mostró un aviso (acuse de recibo)")
def acknowledge(body: s.AckIn, request: Request) -> Response:
    receipts = services(request).receipts
    if receipts is not None:
        receipts.record_ack(body.aviso)
    return Response(status_code=204)  # same answer for any token: nothing to learn from it


# ----------------------------------------------------------------------------- team and accounts
@router.get("/equipo", response_model=list[s.TeamMemberOut], summary="Agentes a quienes reasignar (coordinador)",
            responses={403: ERRORS[403]})
def team(request: Request, area: Optional[str] = None,  # noqa: UP045
         agent: Principal = Depends(current_agent)) -> list[s.TeamMemberOut]:
    require_role(agent, Role.COORDINADOR)
    members = [
        a for a in services(request).accounts.list_agents()
        if a.active and (a.role == Role.COORDINADOR.value or (a.role == Role.AGENTE.value and (not area or area in a.areas)))
    ]
    return [s.TeamMemberOut(id=a.id, nombre=a.name, rol=a.role, areas=list(a.areas)) for a in members]


@router.get("/cuentas", response_model=list[s.AgentOut], summary="Cuentas de agentes (admin)",
            responses={403: ERRORS[403]})
def list_accounts(request: Request, agent: Principal = Depends(current_agent)) -> list[s.AgentOut]:
    require_role(agent, Role.ADMIN)
    return [s.AgentOut.of_info(a) for a in services(request).accounts.list_agents()]


@router.post("/cuentas", response_model=s.AgentOut, status_code=201, summary="Crear una cuenta (admin)",
             responses={403: ERRORS[403]})
def create_account(body: s.AgentCreateIn, request: Request, agent: Principal = Depends(current_agent)) -> s.AgentOut:
    require_role(agent, Role.ADMIN)
    info = services(request).accounts.create_agent(
        email=body.email, name=body.nombre, role=body.rol, password=body.clave, areas=body.areas
    )
    return s.AgentOut.of_info(info)


@router.patch("/cuentas/{agente_id}", response_model=s.AgentOut, summary="Cambiar una cuenta (admin)",
              responses={403: ERRORS[403], 404: ERRORS[404]})
def update_account(agente_id: int, body: s.AgentUpdateIn, request: Request,
                   agent: Principal = Depends(current_agent)) -> s.AgentOut:
    require_role(agent, Role.ADMIN)
    info = services(request).accounts.update_agent(
        agente_id, actor=agent, name=body.nombre, role=body.rol, areas=body.areas, active=body.activo,
        password=body.clave,
    )
    return s.AgentOut.of_info(info)


# ----------------------------------------------------------------------------- metrics
@router.get("/metricas", response_model=s.MetricsOut, summary="Métricas (JSON)")
def metrics(request: Request, agent: Principal = Depends(current_agent)) -> s.MetricsOut:
    svc = services(request)
    return s.MetricsOut.of(collect_metrics(database_url=svc.database_url, area_scope=_metrics_scope(agent),
                                           areas=svc.desk.areas, clock=svc.clock))


@router.get("/metricas/prometheus", response_class=PlainTextResponse, summary="Métricas (texto de Prometheus)",
            responses={200: {"content": {"text/plain": {}}}})
def metrics_prometheus(
    request: Request, credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)  # noqa: UP045
) -> PlainTextResponse:
    """Acepta el token de un agente o ``METRICS_TOKEN`` (para el servidor Prometheus)."""
    svc = services(request)
    token = credentials.credentials if credentials else ""
    if svc.metrics_token and token and hmac.compare_digest(token.encode(), svc.metrics_token.encode()):
        scope = None
    else:
        scope = _metrics_scope(svc.accounts.principal_for_token(token or None))
    text = prometheus_text(collect_metrics(database_url=svc.database_url, area_scope=scope, areas=svc.desk.areas,
                                           clock=svc.clock))
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


def _metrics_scope(agent: Principal) -> frozenset[str] | None:
    if agent.role is Role.AGENTE:
        return agent.areas
    return None


def unauthenticated_headers(exc: Exception) -> dict[str, str]:
    if isinstance(exc, TooManyAttempts):
        return {"Retry-After": str(exc.details.get("reintentar_en", 1))}
    return {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else {}

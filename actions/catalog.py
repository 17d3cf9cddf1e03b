"""Actions of "Quiero aprender" (catalog search), news of the sector, resources related to an
answer, encuentros (events, subscriptions) and "Quiero conectarme" (peers).
Thin: tracker -> bot.catalog, bot.encuentros, bot.peers (the services of :func:`bot.services.get_services`,
or the ones a test passes) -> events + domain responses.

Hook for other features: :func:`offer_related_resources` (or the action
``action_ofrecer_recursos_relacionados`` after an answer) offers the catalog entries about the
programmes and systems (SIMAT, SIMPADE, PAE, jornada única, Colombia Aprende…) that a text names.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.indicators import is_indicator_follow_up
from actions.repair import RepairingFormValidation
from bot.catalog.analysis import display_query
from bot.catalog.models import CONTENT_TYPES
from bot.catalog.present import utter_item
from bot.catalog.resources import is_about, latest_news, parse_news_request, programs_in, related_resources
from bot.catalog.search import PAGE_SIZE, CatalogEntry, CatalogSearchService, SearchPage, content_type_from
from bot.catalog.topics import topic_name
from bot.encuentros.events import EventService
from bot.encuentros.subscriptions import Filters, SubscriptionError, SubscriptionService, filters_in
from bot.formatting import format_number
from bot.indicators.definitions import format_value
from bot.peers.connect import connection_description, escuela_description
from bot.peers.finder import (
    DEPARTMENTAL_ETC,
    MIN_CANDIDATES,
    NO_PEERS,
    OK,
    PeerFinder,
    PeerResult,
    parse_peer_question,
)
from bot.services import get_services

logger = logging.getLogger(__name__)

PEERS_FORM = "pares_form"
# Channels on which the sender (python -m bot avisos trabajar) can later reach a subscriber.
NOTICE_CHANNELS = ("socketio", "whatsapp", "telegram")
# Hand-over to the case flow of domain.yml (tickets): the slots its offer action resets.
CASE_SLOTS = (
    "caso_nombre",
    "caso_cargo",
    "caso_etc",
    "caso_email",
    "caso_telefono",
    "caso_descripcion",
    "caso_confirmado",
    "caso_etc_codigo",
    "caso_corrigiendo",
    "caso_consentimiento",
    "caso_solicitud_id",
)
CASE_REASON = "conexion_pares"  # the tickets service sends it to VPBM-ESC without routing
CASE_CONSENT_ACTION = "action_pedir_consentimiento"
SAMPLE_METADATA = {"catalogo": {"muestra": True, "nota": "datos de muestra, a reemplazar por la exportación del MEN"}}

def _user_text(tracker: Tracker) -> str:
    """The user's words (a button payload such as ``/buscar_contenido`` carries none)."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def _entity(tracker: Tracker, name: str) -> str | None:
    values = list(tracker.get_latest_entity_values(name))
    return str(values[0]) if values else None


def _channel(tracker: Tracker) -> str:
    """The channel of the conversation: web chat (``socketio``) gets labelled links, the others plain URLs."""
    return tracker.get_latest_input_channel() or ""


# --------------------------------------------------------------------------- Quiero aprender
def _utter_page(dispatcher: CollectingDispatcher, page: SearchPage, channel: str = "") -> None:
    tipo = CONTENT_TYPES.get(page.tipo or "", "")
    span = {"desde": page.offset + 1, "hasta": page.offset + len(page.hits), "total": page.total}
    if page.query:
        shown = display_query(page.query)
        if tipo:
            dispatcher.utter_message(response="utter_catalogo_encabezado_tipo", consulta=shown, tipo=tipo, **span)
        else:
            dispatcher.utter_message(response="utter_catalogo_encabezado", consulta=shown, **span)
    else:
        filtro = f" ({tipo})" if tipo else ""
        dispatcher.utter_message(response="utter_catalogo_encabezado_listado", filtro=filtro, **span)
    for n, hit in enumerate(page.hits, start=page.offset + 1):
        utter_item(dispatcher, hit.entry, n, channel)
    # The index never mixes placeholders with real entries: the note shows only with placeholders.
    if any(h.entry.is_placeholder for h in page.hits) and page.offset == 0:
        dispatcher.utter_message(response="utter_catalogo_nota_muestra", json_message=SAMPLE_METADATA)
    if page.has_more:
        dispatcher.utter_message(response="utter_catalogo_ver_mas")


def _page_slots(page: SearchPage) -> list[EventType]:
    return [
        SlotSet("catalogo_consulta", page.query),
        SlotSet("catalogo_tipo", page.tipo),
        SlotSet("catalogo_siguiente", float(page.next_offset) if page.has_more else None),
    ]


class ActionBuscarContenido(Action):
    """Search the catalog with the user's own words; the type filter comes from ``tipo_contenido``."""

    def __init__(self, search: CatalogSearchService | None = None) -> None:
        self._search = search

    def name(self) -> str:
        return "action_buscar_contenido"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        search = self._search or get_services().catalog
        query = _user_text(tracker).strip()
        tipo = content_type_from(_entity(tracker, "tipo_contenido"))
        try:
            empty = len(search.index()) == 0
            page = None if empty else search.search(query, tipo=tipo)
        except SQLAlchemyError:
            logger.exception("catalog search failed")
            dispatcher.utter_message(response="utter_catalogo_error")
            return []
        if page is None:
            dispatcher.utter_message(response="utter_catalogo_vacio")
            return []
        if not page.hits:
            if tipo:
                dispatcher.utter_message(
                    response="utter_catalogo_sin_resultados_tipo", consulta=query, tipo=CONTENT_TYPES[tipo]
                )
            else:
                dispatcher.utter_message(response="utter_catalogo_sin_resultados", consulta=query)
            return [SlotSet("catalogo_siguiente", None)]
        for written, fixed in page.corrections.items():
            dispatcher.utter_message(response="utter_catalogo_correccion", escrito=written, corregido=fixed)
        _utter_page(dispatcher, page, _channel(tracker))
        return _page_slots(page)


class ActionVerMasContenido(Action):
    """ "Ver más": the next page of the last search."""

    def __init__(self, search: CatalogSearchService | None = None) -> None:
        self._search = search

    def name(self) -> str:
        return "action_ver_mas_contenido"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        offset = tracker.get_slot("catalogo_siguiente")
        query = tracker.get_slot("catalogo_consulta")
        if offset is None or query is None:
            if query is not None:
                dispatcher.utter_message(response="utter_catalogo_fin")
            elif is_indicator_follow_up(tracker):  # "y el año siguiente?" after an indicator answer
                return [FollowupAction("action_preparar_indicador")]
            else:
                dispatcher.utter_message(response="utter_catalogo_sin_busqueda_previa")
            return []
        search = self._search or get_services().catalog
        if tracker.get_slot("catalogo_tipo") == NEWS_MODE:
            return _utter_news(dispatcher, tracker, search, query, int(offset))
        try:
            page = search.search(query, tipo=tracker.get_slot("catalogo_tipo"), offset=int(offset), limit=PAGE_SIZE)
        except SQLAlchemyError:
            logger.exception("catalog search failed")
            dispatcher.utter_message(response="utter_catalogo_error")
            return []
        if not page.hits:
            dispatcher.utter_message(response="utter_catalogo_fin")
            return [SlotSet("catalogo_siguiente", None)]
        _utter_page(dispatcher, page, _channel(tracker))
        return _page_slots(page)


# --------------------------------------------------------------------------- news of the sector
NEWS_MODE = "noticias_recientes"  # value of catalogo_tipo while paging news ("ver más")


def _utter_news(
    dispatcher: CollectingDispatcher, tracker: Tracker, search: CatalogSearchService, query: str, offset: int
) -> list[EventType]:
    request = parse_news_request(query)
    try:
        news = latest_news(search.index().entries, topics=request.topics, territory=request.territory)
    except SQLAlchemyError:
        logger.exception("news look-up failed")
        dispatcher.utter_message(response="utter_catalogo_error")
        return []
    filters = {}
    if request.topics:
        filters["tema"] = " o ".join(topic_name(t) for t in request.topics)
    if request.territory:
        filters["territorio"] = request.territory
    suffix = "".join(f"_{k}" for k in ("tema", "territorio") if k in filters)
    if not news:
        if filters:
            dispatcher.utter_message(response=f"utter_noticias_sin_resultados{suffix}", **filters)
        else:
            dispatcher.utter_message(response="utter_noticias_sin_resultados")
        return [SlotSet("catalogo_siguiente", None)]
    page = news[offset : offset + PAGE_SIZE]
    if not page:
        dispatcher.utter_message(response="utter_catalogo_fin")
        return [SlotSet("catalogo_siguiente", None)]
    span = {"desde": offset + 1, "hasta": offset + len(page), "total": len(news)}
    dispatcher.utter_message(response=f"utter_noticias_encabezado{suffix}", **filters, **span)
    channel = _channel(tracker)
    for n, entry in enumerate(page, start=offset + 1):
        utter_item(dispatcher, entry, n, channel)
    more = offset + len(page) < len(news)
    if offset == 0:
        dispatcher.utter_message(response="utter_noticias_nota_fecha")
    if more:
        dispatcher.utter_message(response="utter_catalogo_ver_mas")
    return [
        SlotSet("catalogo_consulta", query),
        SlotSet("catalogo_tipo", NEWS_MODE),
        SlotSet("catalogo_siguiente", float(offset + len(page)) if more else None),
    ]


class ActionConsultarNoticias(Action):
    """«Quiero informarme»: news of the MEN and the sector, newest first, by topic and territory if named."""

    def __init__(self, search: CatalogSearchService | None = None) -> None:
        self._search = search

    def name(self) -> str:
        return "action_consultar_noticias"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        search = self._search or get_services().catalog
        return _utter_news(dispatcher, tracker, search, _user_text(tracker).strip(), 0)


# --------------------------------------------------------------------------- related resources
def offer_related_resources(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    *,
    entries: list[CatalogEntry] | None = None,
    search: CatalogSearchService | None = None,
) -> list[CatalogEntry]:
    """Offer the catalog entries about the programmes ``text`` names (nothing when it names none).

    For other features: call it after an answer with the answer's text and the user's question,
    e.g. ``offer_related_resources(dispatcher, tracker, f"{question} {answer}")``. Never raises
    on a database problem (the answer already given stands); returns what it offered.
    """
    programs = programs_in(text)
    if not programs:
        return []
    try:
        if entries is None:
            entries = list((search or get_services().catalog).index().entries)
        found = related_resources(text, entries)
    except SQLAlchemyError:
        logger.exception("related resources look-up failed")
        return []
    if not found:
        return []
    names = [p.name for p in programs if any(is_about(e, p) for e in found)] or [programs[0].name]
    dispatcher.utter_message(response="utter_catalogo_relacionados", programas=_join(names))
    channel = _channel(tracker)
    for n, entry in enumerate(found, start=1):
        utter_item(dispatcher, entry, n, channel)
    return found


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]


def _bot_texts_since_user(tracker: Tracker) -> list[str]:
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot" and event.get("text"):
            texts.append(str(event["text"]))
    return list(reversed(texts))


class ActionOfrecerRecursosRelacionados(Action):
    """After an answer (FAQ, indicator…): the entries about the programmes named in the question or
    in the answer just given. Silent when none is named."""

    def __init__(self, search: CatalogSearchService | None = None) -> None:
        self._search = search

    def name(self) -> str:
        return "action_ofrecer_recursos_relacionados"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = " ".join([_user_text(tracker), *_bot_texts_since_user(tracker)])
        offer_related_resources(dispatcher, tracker, text, search=self._search)
        return []


# --------------------------------------------------------------------------- encuentros
class ActionProximoEncuentro(Action):
    """The next encuentros from the data; when none, say so and offer to be told."""

    def __init__(self, events: EventService | None = None, subscriptions: SubscriptionService | None = None) -> None:
        self._events = events
        self._subscriptions = subscriptions

    def name(self) -> str:
        return "action_proximo_encuentro"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = self._events or get_services().events
        subs = self._subscriptions or get_services().subscriptions
        try:
            upcoming = events.upcoming(limit=3)
            if upcoming:
                self._utter_events(dispatcher, upcoming)
                return [SlotSet("encuentros_oferta_aviso", False)]
            recordings = events.recordings(limit=1)
            channel = tracker.get_latest_input_channel() or ""
            subscribed = bool(channel) and subs.is_subscribed(channel, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("events look-up failed")
            dispatcher.utter_message(response="utter_encuentros_error")
            return []
        if subscribed:
            dispatcher.utter_message(response="utter_sin_encuentros_ya_suscrito")
        else:
            dispatcher.utter_message(response="utter_sin_encuentros")
        for rec in recordings:
            dispatcher.utter_message(
                response="utter_encuentro_grabacion", titulo=rec.title, fecha=rec.date_text, url=rec.recording_url
            )
        return [SlotSet("encuentros_oferta_aviso", not subscribed)]

    @staticmethod
    def _utter_events(dispatcher: CollectingDispatcher, upcoming) -> None:
        first, rest = upcoming[0], upcoming[1:]
        dispatcher.utter_message(
            response="utter_proximo_encuentro",
            titulo=first.title,
            tipo=first.type_label.lower(),
            fecha=first.date_text,
            hora=first.time_text,
            modalidad=first.mode_label.lower(),
        )
        if first.place:
            dispatcher.utter_message(response="utter_encuentro_lugar", lugar=first.place)
        if first.registration_url:
            dispatcher.utter_message(response="utter_encuentro_inscripcion", url=first.registration_url)
        if first.is_sample:
            dispatcher.utter_message(response="utter_encuentro_ejemplo")
        if rest:
            dispatcher.utter_message(response="utter_otros_encuentros")
            for e in rest:
                dispatcher.utter_message(
                    response="utter_encuentro_item",
                    fecha=e.date_text,
                    hora=e.time_text,
                    titulo=e.title,
                    modalidad=e.mode_label.lower(),
                )


class ActionSuscribirEventos(Action):
    """Store (channel, conversation id) to tell this conversation about the next encuentro — only those
    on the theme and in the region the message names, when it names them."""

    def __init__(self, subscriptions: SubscriptionService | None = None, places=None) -> None:
        self._subscriptions = subscriptions
        self._places = places

    def name(self) -> str:
        return "action_suscribir_eventos"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        subs = self._subscriptions or get_services().subscriptions
        channel = tracker.get_latest_input_channel() or ""
        if channel not in NOTICE_CHANNELS:  # e.g. REST: no notice could reach the person later
            dispatcher.utter_message(response="utter_suscripcion_no_posible")
            return [SlotSet("encuentros_oferta_aviso", False)]
        text = (tracker.latest_message or {}).get("text") or ""
        try:
            filters = filters_in("" if text.startswith("/") else text, self._places or get_services().places)
        except SQLAlchemyError:  # no place tables: a subscription without a region rather than none
            logger.exception("subscription filters not read")
            filters = Filters()
        try:
            result = subs.subscribe(channel, tracker.sender_id, theme=filters.theme, region=filters.region)
        except SubscriptionError:
            dispatcher.utter_message(response="utter_suscripcion_no_posible")
            return [SlotSet("encuentros_oferta_aviso", False)]
        except SQLAlchemyError:
            logger.exception("subscription failed")
            dispatcher.utter_message(response="utter_encuentros_error")
            return []
        filtro = filters.text()
        if result.created:
            dispatcher.utter_message(response="utter_suscripcion_creada", filtro=filtro,
                                     datos_filtro=" y el tema o la región que pidió" if filtro else "")
        else:
            dispatcher.utter_message(response="utter_suscripcion_existente", filtro=filtro)
        return [SlotSet("encuentros_oferta_aviso", False)]


class ActionCancelarSuscripcionEventos(Action):
    def __init__(self, subscriptions: SubscriptionService | None = None) -> None:
        self._subscriptions = subscriptions

    def name(self) -> str:
        return "action_cancelar_suscripcion_eventos"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        subs = self._subscriptions or get_services().subscriptions
        try:
            cancelled = subs.unsubscribe(tracker.get_latest_input_channel() or "", tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("unsubscription failed")
            dispatcher.utter_message(response="utter_encuentros_error")
            return []
        dispatcher.utter_message(
            response="utter_suscripcion_cancelada" if cancelled else "utter_suscripcion_no_existia"
        )
        return [SlotSet("encuentros_oferta_aviso", False)]


# --------------------------------------------------------------------------- Quiero conectarme
def _question_text(tracker: Tracker) -> str:
    """Text of the last message asking for peers (the form may have asked for the place since)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            text = event.get("text") or ""
            if intent == "buscar_pares" and not text.startswith("/"):
                return text
    return ""


class ValidateParesForm(RepairingFormValidation):
    """The user's secretaría: a certified municipality or a department (typos, "soy de…")."""

    def __init__(self, finder: PeerFinder | None = None) -> None:
        self._finder = finder

    def name(self) -> str:
        return "validate_pares_form"

    def validate_pares_lugar(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        finder = self._finder or get_services().peers
        candidates = _place_candidates(value, tracker)
        try:
            results = [(text, finder.resolve_detail(text)) for text in candidates]
        except SQLAlchemyError:
            logger.exception("place resolution failed")
            dispatcher.utter_message(response="utter_pares_error")
            return {"pares_lugar": None}
        for text, res in results:
            if res.status == "ok":
                return {"pares_lugar": text}
        ambiguous = next((res for _, res in results if res.status == "ambiguous"), None)
        if ambiguous is not None:
            buttons = [{"title": c, "payload": f'/buscar_pares{{"lugar": "{c}"}}'} for c in ambiguous.candidates[:5]]
            dispatcher.utter_message(response="utter_pares_lugar_ambiguo", buttons=buttons)
        else:
            dispatcher.utter_message(
                response="utter_pares_lugar_desconocido", lugar=candidates[-1] if candidates else ""
            )
        return {"pares_lugar": None}


def _place_candidates(value: Any, tracker: Tracker) -> list[str]:
    """What may name the place: the slot value(s), the ``lugar`` entities, the whole message."""
    values = value if isinstance(value, list) else [value]
    values += list(tracker.get_latest_entity_values("lugar"))
    text = _user_text(tracker)
    values.append(text)
    return [str(v).strip() for v in dict.fromkeys(values) if v and str(v).strip()]


def _level_vars(result: PeerResult) -> dict:
    """Responses name the level only when it is not the total ("..._nivel" variants)."""
    if result.level == "total":
        return {"sufijo": "", "vars": {}}
    from bot.indicators.definitions import level_name

    return {"sufijo": "_nivel", "vars": {"nivel": level_name(result.level)}}


def _format(indicator: str, value: float | None) -> str:
    return format_value(indicator, value) if value is not None else ""


class ActionBuscarPares(Action):
    """Similar ETC that improved an indicator the most, with the criteria, and an offer to connect."""

    def __init__(self, finder: PeerFinder | None = None) -> None:
        self._finder = finder

    def name(self) -> str:
        return "action_buscar_pares"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        finder = self._finder or get_services().peers
        question = parse_peer_question(_question_text(tracker))
        try:
            res = finder.resolve_detail(tracker.get_slot("pares_lugar") or "")
            result = finder.find(
                res.etc,
                indicator=question.indicator,
                level=question.level,
                base_year=question.base_year,
                end_year=question.end_year,
            )
        except SQLAlchemyError:
            logger.exception("peer search failed")
            dispatcher.utter_message(response="utter_pares_error")
            return [SlotSet("pares_oferta", False)]
        if res.etc is None:
            dispatcher.utter_message(response="utter_pares_lugar_desconocido", lugar=tracker.get_slot("pares_lugar"))
            return [SlotSet("pares_lugar", None), SlotSet("pares_oferta", False)]
        if res.place_name and res.place_name != res.etc.name and result.status == DEPARTMENTAL_ETC:
            dispatcher.utter_message(
                response="utter_pares_municipio_no_certificado", municipio=res.place_name, etc=res.etc.name
            )
        return self._answer(dispatcher, result)

    def _answer(self, dispatcher: CollectingDispatcher, result: PeerResult) -> list[EventType]:
        etc = result.user.name
        if result.status == DEPARTMENTAL_ETC:
            dispatcher.utter_message(response="utter_pares_etc_departamental", etc=etc)
            dispatcher.utter_message(response="utter_pares_ofrecer_escuela")
            return self._offer({"descripcion": escuela_description(result), "pares": ""})
        if result.status not in (OK, NO_PEERS) or result.criteria is None:
            dispatcher.utter_message(response="utter_pares_sin_datos", etc=etc, indicador=result.indicator_name)
            dispatcher.utter_message(response="utter_pares_ofrecer_escuela")
            return self._offer({"descripcion": escuela_description(result), "pares": ""})
        crit = result.criteria
        common = {"etc": etc, "indicador": result.indicator_name, "desde": crit.base_year, "hasta": crit.end_year}
        if result.requested_period:
            dispatcher.utter_message(
                response="utter_pares_periodo_anterior",
                pedido_desde=result.requested_period[0],
                pedido_hasta=result.requested_period[1],
                pedido_n=result.requested_candidates,
                **common,
            )
        level = _level_vars(result)
        if result.status == NO_PEERS:
            dispatcher.utter_message(
                response="utter_pares_sin_mejora" + level["sufijo"],
                candidatas=result.candidates,
                **level["vars"],
                **common,
            )
            self._criteria(dispatcher, result)
            dispatcher.utter_message(response="utter_pares_ofrecer_escuela")
            return self._offer({"descripcion": escuela_description(result), "pares": ""})
        dispatcher.utter_message(
            response="utter_pares_resultado" + level["sufijo"],
            mejoraron=result.improved,
            candidatas=result.candidates,
            **level["vars"],
            **common,
        )
        for p in result.peers:
            dispatcher.utter_message(
                response="utter_pares_item",
                nombre=p.etc.name,
                departamento=p.etc.department_name,
                valor_inicial=_format(result.indicator, p.base_value),
                valor_final=_format(result.indicator, p.end_value),
            )
        dispatcher.utter_message(
            response="utter_pares_propia",
            etc=etc,
            valor_inicial=_format(result.indicator, result.user_base),
            valor_final=_format(result.indicator, result.user_end),
        )
        self._criteria(dispatcher, result)
        dispatcher.utter_message(response="utter_pares_ofrecer_conexion")
        names = ", ".join(p.etc.name for p in result.peers)
        return self._offer({"descripcion": connection_description(result), "pares": names})

    @staticmethod
    def _criteria(dispatcher: CollectingDispatcher, result: PeerResult) -> None:
        crit = result.criteria
        values = {
            "desde": crit.base_year,
            "poblacion_min": format_number(crit.population_min, 0),
            "poblacion_max": format_number(crit.population_max, 0),
            "indicador": result.indicator_name,
            "base_min": _format(result.indicator, crit.baseline_min),
            "base_max": _format(result.indicator, crit.baseline_max),
        }
        if crit.region:
            dispatcher.utter_message(response="utter_pares_criterios_region", region=crit.region, **values)
        else:
            dispatcher.utter_message(response="utter_pares_criterios", **values)
        if crit.relaxed:
            dispatcher.utter_message(response=f"utter_pares_relajado_{crit.relaxed[-1]}")
        if result.candidates < MIN_CANDIDATES:
            dispatcher.utter_message(response="utter_pares_pocas_comparables", etc=result.user.name)
        dispatcher.utter_message(response="utter_pares_fuente", fuente=result.source)

    @staticmethod
    def _offer(request: dict) -> list[EventType]:
        return [SlotSet("pares_oferta", True), SlotSet("pares_solicitud", request)]


class ActionConectarPares(Action):
    """Hand over to the case flow (domain.yml (tickets)): consent, contact data, then the case.

    The description is pre-filled with the peers, figures, criteria and source, which the case
    router sends to VPBM-ESC (Escuela de Secretarías).
    """

    def name(self) -> str:
        return "action_conectar_pares"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        request = tracker.get_slot("pares_solicitud")
        if not isinstance(request, dict) or not request.get("descripcion"):
            dispatcher.utter_message(response="utter_pares_sin_busqueda")
            return [SlotSet("pares_oferta", False)]
        if request.get("pares"):
            dispatcher.utter_message(response="utter_pares_conexion_intro", pares=request["pares"])
        else:
            dispatcher.utter_message(response="utter_pares_conexion_intro_escuela")
        known = set((domain or {}).get("slots", {}))
        events: list[EventType] = [SlotSet(s, None) for s in CASE_SLOTS if s in known]
        if {"caso_motivo", "caso_descripcion_sugerida"} <= known:
            events += [
                SlotSet("caso_motivo", CASE_REASON),
                SlotSet("caso_descripcion_sugerida", request["descripcion"]),
            ]
        return [*events, SlotSet("pares_oferta", False), FollowupAction(CASE_CONSENT_ACTION)]

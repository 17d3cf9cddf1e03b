"""Actions of "Quiero informarme": education indicators of the MEN open data.

Thin: tracker -> bot.indicators (parse, resolve, query) -> slots + domain responses (utter_ind_*).
Flow: ``action_preparar_indicador`` reads the question (new or a follow-up such as "¿y en 2018?"),
``indicador_form`` asks only for what is missing (``action_ask_ind_*`` show the options when a
place or an indicator was ambiguous or unknown), ``action_responder_indicador`` answers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.repair import S_ASKED, RepairingFormValidation
from bot.entities import sounds_like_inquiry
from bot.indicators.definitions import INDICATORS, TOTAL, indicator_label, parse_indicator
from bot.indicators.parsing import RankingRequest
from bot.indicators.question import QUERY_BY_INTENT, Question, Reading, is_inquiry, ranking_from_slot, read_question
from bot.indicators.service import ComparisonAnswer, IndicatorService, RankingAnswer, SeriesAnswer, ValueAnswer
from bot.places import Place, Resolution
from bot.services import get_services

logger = logging.getLogger(__name__)

FORM = "indicador_form"
# intents whose rules run the form after action_preparar_indicador (data/rules/indicators.yml)
RULED_INTENTS = {*QUERY_BY_INTENT, "ajustar_consulta_indicador", "informar_dato_indicador"}
S_QUERY, S_IND, S_LEVEL, S_YEAR = "ind_consulta", "ind_indicador", "ind_nivel", "ind_anio"
S_PLACE, S_PLACES, S_PLACE_TEXT, S_IND_TEXT, S_RANKING, S_PARTIAL, S_YEARS = (
    "ind_lugar", "ind_lugares", "ind_lugar_texto", "ind_indicador_texto", "ind_ranking", "ind_lugares_parcial",
    "ind_periodo")
# inside the form these are left to their own rules (the form does not take them as an answer)
SMALL_TALK = {"saludar", "despedir", "agradecer", "afirmar", "negar", "capacidades", "es_bot", "reiniciar",
              "out_of_scope", "contactar_humano", "no_me_sirvio", "faq"}
# what the assistant calls each ranking scope (labels, as in the domain responses)
SCOPE_LABELS = {"departamentos": "departamentos", "etc": "ETC municipales y distritales", "municipios": "municipios"}
BUTTON_INDICATORS = ("desercion", "cobertura_neta", "cobertura_bruta", "aprobacion", "reprobacion", "repitencia",
                     "tasa_matriculacion", "poblacion_5_16")
BUTTON_LABELS = {
    "desercion": "Deserción", "cobertura_neta": "Cobertura neta", "cobertura_bruta": "Cobertura bruta",
    "aprobacion": "Aprobación", "reprobacion": "Reprobación", "repitencia": "Repitencia",
    "tasa_matriculacion": "Tasa de matriculación", "poblacion_5_16": "Población 5 a 16 años",
    "tamano_grupo": "Tamaño de grupo", "sedes_conectadas": "Sedes con internet",
}
_YEAR_WORDS = re.compile(r"\b(?:en|del|de)?\s*(?:el\s+)?(?:año|ano)?\s*(?:19|20)\d{2}\b", re.IGNORECASE)

def shared_service() -> IndicatorService:
    """The process's indicator service, from the composition root (bot.services)."""
    return get_services().indicators


def chart_url(file_name: str) -> str:
    return f"{get_services().settings.public_base_url}/charts/{file_name}"


# --------------------------------------------------------------------------- helpers
def _user_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def _entities(tracker: Tracker, name: str) -> list[str]:
    return [str(v) for v in tracker.get_latest_entity_values(name) if v not in (None, "")]


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _resolve(service: IndicatorService, text: str, prefer_kind: str | None = None) -> Resolution:
    return service.resolve_place(_YEAR_WORDS.sub(" ", text).strip() or text, prefer_kind=prefer_kind)


def _place_buttons(places, limit: int = 5) -> list[dict]:
    return [{"title": p.label, "payload": f'/informar_dato_indicador{{"lugar": "{p.label}"}}'} for p in places[:limit]]


def _indicator_buttons(keys) -> list[dict]:
    return [{"title": BUTTON_LABELS[k], "payload": f'/informar_dato_indicador{{"indicador": "{k}"}}'} for k in keys]


def state_of(tracker: Tracker) -> Question:
    """The indicator question the conversation holds (its ``ind_*`` slots)."""
    year = tracker.get_slot(S_YEAR)
    period = tracker.get_slot(S_YEARS) or ""
    years = tuple(int(y) for y in period.split("-")) if re.fullmatch(r"\d{4}-\d{4}", period) else None
    return Question(
        query=tracker.get_slot(S_QUERY), indicator=tracker.get_slot(S_IND), level=tracker.get_slot(S_LEVEL),
        year=int(year) if year else None, years=years, place=tracker.get_slot(S_PLACE),
        places=tuple(tracker.get_slot(S_PLACES) or ()), partial_places=tuple(tracker.get_slot(S_PARTIAL) or ()),
        ranking=tracker.get_slot(S_RANKING), pending_place=tracker.get_slot(S_PLACE_TEXT),
        pending_indicator=tracker.get_slot(S_IND_TEXT),
    )


def slots_of_question(q: Question) -> dict[str, Any]:
    return {
        S_QUERY: q.query, S_IND: q.indicator, S_LEVEL: q.level, S_YEAR: float(q.year) if q.year else None,
        S_YEARS: f"{q.years[0]}-{q.years[1]}" if q.years else None, S_PLACE: q.place,
        S_PLACES: list(q.places) or None, S_PARTIAL: list(q.partial_places) or None, S_RANKING: q.ranking,
        S_PLACE_TEXT: q.pending_place, S_IND_TEXT: q.pending_indicator,
    }


def read(tracker: Tracker, service: IndicatorService, *, requested: str | None = None) -> Reading:
    """Read the latest message as an indicator question (the one reader: bot.indicators.question)."""
    entities = {name: _entities(tracker, name) for name in ("lugar", "indicador", "nivel", "anio")}
    return read_question(_user_text(tracker), intent=_intent(tracker), state=state_of(tracker),
                         resolver=service.resolver, entities=entities, requested=requested, today=service.today)


def is_indicator_follow_up(tracker: Tracker, service: IndicatorService | None = None) -> bool:
    """Whether the latest message, which the NLU gave to another feature ("y el año siguiente?" read as
    «ver más», "y la repitencia de allá?" as an FAQ, "no era cobertura sino deserción" as a correction of
    a case), changes the indicator question the conversation holds: then the indicator flow serves it."""
    if not tracker.get_slot(S_IND) or sounds_like_inquiry(_user_text(tracker)):
        return False
    try:
        reading = read(tracker, service or shared_service())
    except SQLAlchemyError:
        return False
    return reading.kind in {"follow_up", "correction"} and (
        reading.year_named or reading.place_named or reading.indicator_named
        or reading.question.level != state_of(tracker).level)


def question_slots(tracker: Tracker, service: IndicatorService, *, requested: str | None = None) -> dict[str, Any]:
    """Only the slots the message changes (a follow-up keeps the rest)."""
    return changed_slots(tracker, read(tracker, service, requested=requested))


def changed_slots(tracker: Tracker, reading: Reading) -> dict[str, Any]:
    """A new question sets every part; a follow-up, a correction or an answer only what it changes."""
    after = slots_of_question(reading.question)
    if reading.kind == "new":
        return after
    before = slots_of_question(state_of(tracker))
    return {k: v for k, v in after.items() if before.get(k) != v}


def _read_this_turn(tracker: Tracker) -> bool:
    """Whether action_preparar_indicador ran after the latest user message (a message is read once:
    "y el año anterior?" must not move the year back twice)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_preparar_indicador":
            return True
    return False


# --------------------------------------------------------------------------- prepare
class ActionPrepararIndicador(Action):
    """Read the question into slots: a new question, or a follow-up that changes one part.

    A long message that names no indicator and no indicator word ("¿cuánto nos asignaron por SGP…?")
    is not an indicator question: it goes to the case offer (a MEN area can answer it).
    """

    def __init__(self, service: IndicatorService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_preparar_indicador"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = self._service or shared_service()
        try:
            service.refresh_if_reloaded()
            reading = read(tracker, service)
            if reading.kind == "new" and is_inquiry(_user_text(tracker), reading):
                return [SlotSet(S_QUERY, None), SlotSet("caso_motivo", "requiere_gestion"),
                        FollowupAction("action_ofrecer_caso")]
            events = [SlotSet(k, v) for k, v in changed_slots(tracker, reading).items()] + [SlotSet(S_ASKED, None)]
            if _intent(tracker) not in RULED_INTENTS:  # reached as a follow-up of another action ("2017")
                events.append(FollowupAction(FORM))
            return events
        except SQLAlchemyError:
            logger.exception("indicators database not available")
            dispatcher.utter_message(response="utter_ind_error")
            return [SlotSet(S_QUERY, None)]


# --------------------------------------------------------------------------- form
class ValidateIndicadorForm(RepairingFormValidation):
    """Ask only for what is missing; bad input never breaks the form (options are offered again)."""

    def __init__(self, service: IndicatorService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "validate_indicador_form"

    @property
    def service(self) -> IndicatorService:
        return self._service or shared_service()

    async def required_slots(self, domain_slots, dispatcher, tracker: Tracker, domain: DomainDict) -> list[str]:
        query = tracker.get_slot(S_QUERY) or "valor"
        if query == "ranking":
            return [S_IND]
        if query == "comparacion":
            return [S_IND, S_PLACES]
        return [S_IND, S_PLACE]

    async def get_validation_events(self, dispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Keep every ``ind_*`` slot read from the answer (the SDK keeps only the required ones)."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        extra = {k: v for k, v in tracker.slots_to_validate().items() if k.startswith("ind_") and k not in required}
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return events + [SlotSet(k, v) for k, v in extra.items()]

    async def extract_ind_indicador(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The one extraction hook of the form (``ind_indicador`` is always required): reads every part.

        A new question typed while the form asks ("deserción en Armenia") starts over; a short answer
        fills what was asked and any other part it mentions. Small talk is left to the other rules
        (nothing extracted); requests for something else leave the form (RepairingFormValidation).
        """
        intent = _intent(tracker)
        try:
            if intent in SMALL_TALK and not (_entities(tracker, "lugar") or _entities(tracker, "indicador")):
                return {}
            if _read_this_turn(tracker):  # action_preparar_indicador already read this message
                return {k: v for k, v in slots_of_question(state_of(tracker)).items() if v is not None}
            requested = None if intent in QUERY_BY_INTENT else tracker.get_slot("requested_slot")
            return question_slots(tracker, self.service, requested=requested)
        except SQLAlchemyError:
            logger.exception("indicator form extraction failed")
            dispatcher.utter_message(response="utter_ind_error")
            return {}


class ActionAskIndLugar(Action):
    """Ask for the place, or offer the candidates / "¿Quiso decir…?" suggestions for what was written."""

    def __init__(self, service: IndicatorService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_ask_ind_lugar"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        _ask_place(dispatcher, tracker, self._service or shared_service(), "utter_ask_ind_lugar")
        return []


class ActionAskIndLugares(Action):
    def __init__(self, service: IndicatorService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_ask_ind_lugares"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = self._service or shared_service()
        if _ask_place(dispatcher, tracker, service, None):
            return []
        partial = tracker.get_slot(S_PARTIAL) or tracker.get_slot(S_PLACES) or []
        names = [service.resolver.get(k).name for k in partial if service.resolver.get(k)]
        if names:
            dispatcher.utter_message(response="utter_ask_ind_lugares_otro", lugares=", ".join(names))
        else:
            dispatcher.utter_message(response="utter_ask_ind_lugares")
        return []


def _ask_place(dispatcher, tracker: Tracker, service: IndicatorService, default_response: str | None) -> bool:
    """Show candidates or suggestions for the pending text; returns True when something was said."""
    pending = tracker.get_slot(S_PLACE_TEXT)
    if pending:
        try:
            res = _resolve(service, pending)
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_ind_error")
            return True
        if res.status == "ambiguous":
            dispatcher.utter_message(response="utter_ind_lugar_ambiguo", lugar=pending,
                                     buttons=_place_buttons(res.candidates))
            return True
        if res.status == "unknown" and res.suggestions:
            dispatcher.utter_message(response="utter_ind_lugar_desconocido", lugar=pending,
                                     buttons=_place_buttons(res.suggestions))
            return True
        if res.status == "unknown":
            dispatcher.utter_message(response="utter_ind_lugar_sin_sugerencias", lugar=pending)
            return True
    if default_response:
        dispatcher.utter_message(response=default_response)
        return True
    return False


class ActionAskIndIndicador(Action):
    """Ask for the indicator with buttons; "cobertura" alone offers neta or bruta."""

    def name(self) -> str:
        return "action_ask_ind_indicador"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        pending = tracker.get_slot(S_IND_TEXT)
        match = parse_indicator(pending) if pending else None
        if match and match.candidates:
            dispatcher.utter_message(response="utter_ind_indicador_ambiguo", buttons=_indicator_buttons(match.candidates))
        elif pending:
            dispatcher.utter_message(response="utter_ind_indicador_desconocido",
                                     buttons=_indicator_buttons(BUTTON_INDICATORS))
        else:
            dispatcher.utter_message(response="utter_ask_ind_indicador", buttons=_indicator_buttons(BUTTON_INDICATORS))
        return []


# --------------------------------------------------------------------------- answer
class ActionResponderIndicador(Action):
    """Answer the prepared question: a value, a comparison, a ranking or a series (with a chart)."""

    def __init__(self, service: IndicatorService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_responder_indicador"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = self._service or shared_service()
        indicator = tracker.get_slot(S_IND)
        if indicator not in INDICATORS:
            dispatcher.utter_message(response="utter_ind_explicacion")
            return []
        level = tracker.get_slot(S_LEVEL) or TOTAL
        year_slot = tracker.get_slot(S_YEAR)
        year = int(year_slot) if year_slot else None
        query = tracker.get_slot(S_QUERY) or "valor"
        try:
            if query == "comparacion":
                self._comparison(dispatcher, service, tracker.get_slot(S_PLACES) or [], indicator, level, year)
            elif query == "ranking":
                within = service.resolver.get(tracker.get_slot(S_PLACE) or "")
                self._ranking(dispatcher, service, indicator, level, year, ranking_from_slot(tracker.get_slot(S_RANKING)),
                              within)
            else:
                place = service.resolver.get(tracker.get_slot(S_PLACE) or "")
                if place is None:
                    dispatcher.utter_message(response="utter_ind_explicacion")
                elif query == "evolucion":
                    self._series(dispatcher, service, place, indicator, level, state_of(tracker).years)
                else:
                    self._value(dispatcher, service, place, indicator, level, year)
        except SQLAlchemyError:
            logger.exception("indicator query failed")
            dispatcher.utter_message(response="utter_ind_error")
        self._offer_resources(dispatcher, tracker)
        return [SlotSet(S_PLACE_TEXT, None), SlotSet(S_IND_TEXT, None), SlotSet(S_PARTIAL, None)]

    @staticmethod
    def _offer_resources(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Catalog entries of a programme or system the question names (SIMAT, PAE, jornada única…)."""
        from actions.catalog import offer_related_resources

        question = " ".join(e.get("text") or "" for e in tracker.events[-8:] if e.get("event") == "user")
        offer_related_resources(dispatcher, tracker, question.replace("/", " "))

    # value ------------------------------------------------------------------------------------
    def _value(self, dispatcher, service, place: Place, indicator: str, level: str, year: int | None) -> None:
        ans = service.value(place, indicator, level, year)
        if ans.status == "level_unavailable":
            dispatcher.utter_message(response="utter_ind_nivel_no_disponible",
                                     indicador=INDICATORS[indicator].name, nivel=ans.level_name)
            ans = service.value(place, indicator, TOTAL, year)
        self._say_value(dispatcher, ans)

    def _say_value(self, dispatcher, ans: ValueAnswer) -> None:
        label = indicator_label(ans.indicator, ans.level)
        lugar = ans.place.display
        if ans.status == "departmental_etc":
            self._say_departmental_etc(dispatcher, ans, label)
            return
        if ans.status == "year_unavailable":
            dispatcher.utter_message(response="utter_ind_anio_no_disponible", indicador=label, lugar=lugar,
                                     anio=ans.requested_year, anios=ans.years_text or "ninguno")
            return
        if ans.status == "no_data" or ans.figure is None:
            dispatcher.utter_message(response="utter_ind_sin_datos", indicador=label, lugar=lugar)
            return
        if ans.live_used:
            dispatcher.utter_message(response="utter_ind_dato_en_linea")
        if ans.status == "unreliable":
            _say_unreliable(dispatcher, ans.figure, label)
            if ans.years_text:
                dispatcher.utter_message(response="utter_ind_anios_confiables", anios=ans.years_text)
            return
        fig = ans.figure
        if ans.latest:
            dispatcher.utter_message(response="utter_ind_ultimo_anio", anio=fig.year)
        if ans.newer_unreliable_years:
            dispatcher.utter_message(response="utter_ind_anios_recientes_no_confiables",
                                     anios=", ".join(str(y) for y in ans.newer_unreliable_years))
        common = {"indicador": _cap(label), "lugar": fig.place_display, "anio": fig.year, "valor": fig.formatted,
                  "fuente": fig.source}
        if ans.previous is not None:
            dispatcher.utter_message(response="utter_ind_valor", anio_anterior=ans.previous.year,
                                     valor_anterior=ans.previous.formatted, cambio=ans.change_formatted, **common)
        else:
            dispatcher.utter_message(response="utter_ind_valor_sin_cambio", anio_anterior=fig.year - 1, **common)

    def _say_departmental_etc(self, dispatcher, ans: ValueAnswer, label: str) -> None:
        etc = ans.etc
        dispatcher.utter_message(response="utter_ind_etc_departamental", etc=etc.etc_name,
                                 departamento=etc.department_name, municipios=etc.covered_municipalities,
                                 certificados=", ".join(etc.certified_municipalities) or "ninguno")
        if ans.live_failed:
            dispatcher.utter_message(response="utter_ind_en_linea_fallo")
        fig = ans.department_figure
        if fig is not None:
            dispatcher.utter_message(response="utter_ind_etc_dato_departamento", indicador=label,
                                     departamento=fig.place_name, anio=fig.year, valor=fig.formatted,
                                     fuente=fig.source)
        elif ans.requested_year:
            dispatcher.utter_message(response="utter_ind_anio_no_disponible", indicador=label,
                                     lugar=etc.department_name, anio=ans.requested_year,
                                     anios=ans.years_text or "ninguno")

    # comparison -------------------------------------------------------------------------------
    def _comparison(self, dispatcher, service, keys: list[str], indicator: str, level: str, year: int | None) -> None:
        places = [p for p in (service.resolver.get(k) for k in keys) if p is not None]
        ans: ComparisonAnswer = service.compare(places, indicator, level, year)
        label = indicator_label(indicator, level)
        if ans.status == "level_unavailable":
            dispatcher.utter_message(response="utter_ind_nivel_no_disponible", indicador=INDICATORS[indicator].name,
                                     nivel=ans.level_name)
            ans = service.compare(places, indicator, TOTAL, year)
            label = indicator_label(indicator, TOTAL)
        if ans.status in {"too_few", "too_many"}:
            dispatcher.utter_message(response="utter_ask_ind_lugares")
            return
        if ans.status != "ok":
            if ans.year:
                dispatcher.utter_message(response="utter_ind_comparacion_sin_datos", indicador=label, anio=ans.year,
                                         anios=ans.years_text or "ninguno")
            else:
                dispatcher.utter_message(response="utter_ind_comparacion_sin_datos_general", indicador=label)
            return
        lista = "\n".join(f"{i}. {f.place_name}: {f.formatted}" for i, f in enumerate(ans.rows, start=1))
        sources = "; ".join(dict.fromkeys(f.source for f in ans.rows))
        dispatcher.utter_message(response="utter_ind_comparacion", indicador=_cap(label), anio=ans.year, lista=lista,
                                 fuente=sources)
        missing = [p.name for p in ans.missing] + [f.place_name for f in ans.unreliable]
        if missing:
            dispatcher.utter_message(response="utter_ind_comparacion_faltantes", anio=ans.year, lugares=", ".join(missing))
        if ans.chart_file:
            dispatcher.utter_message(response="utter_ind_grafica", image=chart_url(ans.chart_file), indicador=_cap(label))

    # ranking ----------------------------------------------------------------------------------
    def _ranking(self, dispatcher, service, indicator: str, level: str, year: int | None, req: RankingRequest,
                 within: Place | None = None) -> None:
        """``within``: a department named in the question ("los municipios del Huila con más deserción")."""
        order = req.order
        direction = INDICATORS[indicator].higher_is_better
        if req.by_quality and direction is not None:
            best_first = req.by_quality == "mejores"
            order = "desc" if best_first == direction else "asc"
        ans: RankingAnswer = service.ranking(indicator, level, year, scope=req.scope, n=req.n, order=order,
                                             within=within)
        label = indicator_label(indicator, level)
        if ans.status == "level_unavailable":
            dispatcher.utter_message(response="utter_ind_nivel_no_disponible", indicador=INDICATORS[indicator].name,
                                     nivel=ans.level_name)
            ans = service.ranking(indicator, TOTAL, year, scope=req.scope, n=req.n, order=order, within=within)
            label = indicator_label(indicator, TOTAL)
        if ans.status == "year_unavailable":
            dispatcher.utter_message(response="utter_ind_ranking_anio_no_disponible", indicador=label, anio=year,
                                     anios=ans.years_text or "ninguno")
            return
        if ans.status != "ok" or not ans.rows:
            dispatcher.utter_message(response="utter_ind_ranking_sin_datos", indicador=label)
            return
        lista = "\n".join(f"{r.position}. {r.figure.place_display}:"
                          f" {r.figure.formatted}" for r in ans.rows)
        response = "utter_ind_ranking_mayor" if order == "desc" else "utter_ind_ranking_menor"
        grupo = SCOPE_LABELS[ans.scope] + (f" de {ans.within.name}" if ans.within is not None else "")
        dispatcher.utter_message(response=response, n=len(ans.rows), grupo=grupo, indicador=label,
                                 anio=ans.year, lista=lista, total=ans.compared, fuente=ans.rows[0].figure.source)
        if ans.scope == "etc":
            dispatcher.utter_message(response="utter_ind_ranking_nota_etc")
        if ans.excluded_unreliable:
            dispatcher.utter_message(response="utter_ind_ranking_excluidos", excluidos=ans.excluded_unreliable)

    # series -----------------------------------------------------------------------------------
    def _series(self, dispatcher, service, place: Place, indicator: str, level: str, years=None) -> None:
        ans: SeriesAnswer = service.series(place, indicator, level, years=years)
        if ans.status == "level_unavailable":
            dispatcher.utter_message(response="utter_ind_nivel_no_disponible", indicador=INDICATORS[indicator].name,
                                     nivel=ans.level_name)
            ans = service.series(place, indicator, TOTAL, years=years)
        label = indicator_label(ans.indicator, ans.level)
        if ans.status == "departmental_etc":
            self._say_value(dispatcher, service.value(place, indicator, ans.level))
            return
        if ans.status != "ok":
            dispatcher.utter_message(response="utter_ind_sin_datos", indicador=label, lugar=place.display)
            return
        dispatcher.utter_message(response="utter_ind_evolucion", indicador=_cap(label), lugar=place.display,
                                 anio_inicial=ans.first.year, valor_inicial=ans.first.formatted,
                                 anio_final=ans.last.year, valor_final=ans.last.formatted, cambio=ans.change_formatted,
                                 fuente=ans.last.source)
        if ans.unreliable_years:
            dispatcher.utter_message(response="utter_ind_evolucion_no_confiables",
                                     anios=", ".join(str(y) for y in ans.unreliable_years))
        if ans.chart_file:
            dispatcher.utter_message(response="utter_ind_grafica", image=chart_url(ans.chart_file), indicador=_cap(label))


def _cap(text: str) -> str:
    """First letter upper case, for a label that opens a message."""
    return text[:1].upper() + text[1:]


def _say_unreliable(dispatcher, fig, label: str) -> None:
    response = f"utter_ind_no_confiable_{fig.reason}" if fig.reason else "utter_ind_no_confiable_fuera_de_rango"
    dispatcher.utter_message(response=response, indicador=label, lugar=fig.place_display, anio=fig.year,
                             otra_columna=fig.reason_other or "", valor_publicado=fig.reason_value or "")

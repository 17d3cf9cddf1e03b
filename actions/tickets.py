"""Actions of "Conéctate con el MEN": offer a case, habeas data consent, the case form, creating
the ticket and looking up its status. Thin: tracker -> bot.tickets -> events + domain responses."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ServiceAction, ServicesMixin
from actions.indicators import is_indicator_follow_up
from actions.repair import RepairingFormValidation
from bot.services import Services
from bot.tickets.codes import parse_code
from bot.tickets.conversation import (
    escalation_reason,
    events_before_offer,
    normalise_field,
    suggest_description,
    transcript_turns,
)
from bot.tickets.service import TicketRequest, TicketValidationError, TicketView
from bot.tickets.validation import check_cargo, check_description, check_email, check_name, check_phone

logger = logging.getLogger(__name__)

FORM = "caso_form"
LOOKUP_FORM = "consulta_caso_form"
NO_PHONE = "ninguno"
# The fields of the case form (field name of bot.tickets -> slot), in the order the form asks them;
# with "caso_confirmado" they are the required_slots of caso_form in domain.yml (a test checks it).
FIELD_SLOTS = {
    "nombre": "caso_nombre",
    "cargo": "caso_cargo",
    "etc": "caso_etc",
    "email": "caso_email",
    "telefono": "caso_telefono",
    "descripcion": "caso_descripcion",
}
FORM_SLOTS = (*FIELD_SLOTS.values(), "caso_confirmado")
REASONS_WITH_LEAD_IN = ("no_me_sirvio", "fallback", "requiere_gestion", "dato_no_disponible")
def _reset_case(*, keep_request: bool = False) -> list[EventType]:
    slots = [*FORM_SLOTS, "caso_etc_codigo", "caso_descripcion_sugerida", "caso_motivo", "caso_corrigiendo"]
    if not keep_request:
        slots += ["caso_consentimiento", "caso_solicitud_id"]
    return [SlotSet(s, None) for s in slots]


def _case_in_progress(tracker: Tracker) -> bool:
    return tracker.active_loop_name == FORM or bool(tracker.get_slot("caso_consentimiento"))


def _utter_view(dispatcher: CollectingDispatcher, view: TicketView) -> None:
    dispatcher.utter_message(
        response=f"utter_caso_estado_{view.status}",
        codigo=view.code,
        area=view.area_name,
        fecha_limite=view.due_date_text,
    )
    if view.last_reply:
        dispatcher.utter_message(
            response="utter_caso_respuesta_agente", respuesta=view.last_reply, fecha=view.last_reply_text_date
        )


class ActionOfrecerCaso(Action):
    """Offer to open a case and say what will happen (any escalation trigger ends here)."""

    def name(self) -> str:
        return "action_ofrecer_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "solicitar_gestion_men" and not tracker.get_slot("caso_motivo") and is_indicator_follow_up(tracker):
            return [FollowupAction("action_preparar_indicador")]  # "pásemela del último año que tengan, el 2022"
        recent = [e.get("name") for e in tracker.events[-12:] if e.get("event") == "action"]
        reason = escalation_reason(intent=intent, recent_actions=recent, preset=tracker.get_slot("caso_motivo"))
        if reason in REASONS_WITH_LEAD_IN:
            dispatcher.utter_message(response=f"utter_motivo_{reason}")
        dispatcher.utter_message(response="utter_ofrecer_caso")
        return [
            *_reset_case(),
            SlotSet("caso_motivo", reason),
            SlotSet("caso_descripcion_sugerida", suggest_description(tracker.events)),
        ]


class ActionPedirConsentimiento(ServiceAction):
    """Habeas data (Ley 1581 de 2012): ask for the authorisation, with the policy link if configured."""

    def name(self) -> str:
        return "action_pedir_consentimiento"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        url = self.services.settings.privacy_policy_url
        if url:
            dispatcher.utter_message(response="utter_consentimiento_con_enlace", url=url)
        else:  # no policy configured: never invent a link
            dispatcher.utter_message(response="utter_consentimiento")
        return []


class ActionRegistrarConsentimiento(Action):
    """The user authorised: remember when, and start a new request (its id is the idempotency key)."""

    def name(self) -> str:
        return "action_registrar_consentimiento"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [
            SlotSet("caso_consentimiento", datetime.now(timezone.utc).isoformat()),
            SlotSet("caso_solicitud_id", uuid.uuid4().hex),
        ]


class ActionConsentimientoNegado(Action):
    """No authorisation: nothing personal is stored; tell the other ways to reach the MEN."""

    def name(self) -> str:
        return "action_consentimiento_negado"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_consentimiento_negado")
        dispatcher.utter_message(response="utter_otros_canales")
        return _reset_case()


def _checked(slot: str, value: Any, check: Callable[[Any], Any], dispatcher, response: Callable[[Any], tuple]) -> dict:
    """The slot set to the checked value, or emptied after uttering ``response(result)``
    (``(response name, its values)``). ``None`` stays ``None``: a correction or a reset emptied the
    slot, nothing typed to check."""
    if value is None:
        return {slot: None}
    result = check(value)
    if result.ok:
        return {slot: result.value}
    name, values = response(result)
    dispatcher.utter_message(response=name, **values)
    return {slot: None}


class ValidateCasoForm(ServicesMixin, FormValidationAction):
    """The ETC is read by the one place resolver (the same names, aliases and typos as the indicator questions)."""

    def name(self) -> str:
        return "validate_caso_form"

    def validate_caso_nombre(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _checked("caso_nombre", value, check_name, dispatcher, lambda c: (
            ("utter_nombre_largo", c.details) if c.reason == "largo" else ("utter_nombre_invalido", {})
        ))

    def validate_caso_cargo(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _checked("caso_cargo", value, check_cargo, dispatcher, lambda c: ("utter_cargo_invalido", {}))

    def validate_caso_etc(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if value is None:  # emptied by a correction or a reset: nothing typed to check
            return {"caso_etc": None}
        resolution = self.services.places.resolve_etc(str(value or ""))
        if resolution.match is not None:
            if resolution.via_municipality:
                dispatcher.utter_message(
                    response="utter_etc_por_municipio", municipio=resolution.via_municipality, etc=resolution.match.name
                )
            return {"caso_etc": resolution.match.name, "caso_etc_codigo": resolution.match.code}
        if resolution.candidates:
            buttons = [{"title": o.name, "payload": o.name} for o in resolution.candidates]
            dispatcher.utter_message(response="utter_etc_opciones", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_etc_no_encontrada")
        return {"caso_etc": None, "caso_etc_codigo": None}

    def validate_caso_email(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _checked("caso_email", value, check_email, dispatcher, lambda c: (
            f"utter_email_invalido_{c.reason}", c.details
        ))

    def validate_caso_telefono(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if value == NO_PHONE:
            return {"caso_telefono": NO_PHONE}
        return _checked("caso_telefono", value, check_phone, dispatcher, lambda c: ("utter_telefono_invalido", {}))

    def validate_caso_descripcion(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        suggestion = tracker.get_slot("caso_descripcion_sugerida")
        if value is not None and intent == "afirmar" and suggestion:
            value = suggestion
        responses = {"largo": "utter_descripcion_larga", "corto": "utter_descripcion_corta"}
        return _checked("caso_descripcion", value, check_description, dispatcher, lambda c: (
            responses.get(c.reason or "", "utter_descripcion_vacia"), c.details
        ))

    def validate_caso_confirmado(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if value is None:  # emptied by a correction or a reset: nothing typed to check
            return {"caso_confirmado": None}
        if value is True:
            return {"caso_confirmado": True}
        if value is False:
            dispatcher.utter_message(response="utter_preguntar_campo_corregir")
        else:
            dispatcher.utter_message(response="utter_confirmar_o_corregir")
        return {"caso_confirmado": None}


class ActionAskCasoDescripcion(Action):
    """Ask for the description, offering what the user already wrote."""

    def name(self) -> str:
        return "action_ask_caso_descripcion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        suggestion = tracker.get_slot("caso_descripcion_sugerida")
        if suggestion:
            dispatcher.utter_message(response="utter_ask_caso_descripcion_sugerida", sugerencia=suggestion)
        else:
            dispatcher.utter_message(response="utter_ask_caso_descripcion")
        return []


class ActionAskCasoConfirmado(Action):
    """Show everything collected and ask to send, correct or cancel."""

    def name(self) -> str:
        return "action_ask_caso_confirmado"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        values = {
            "nombre": tracker.get_slot("caso_nombre"),
            "cargo": tracker.get_slot("caso_cargo"),
            "etc": tracker.get_slot("caso_etc"),
            "email": tracker.get_slot("caso_email"),
            "descripcion": tracker.get_slot("caso_descripcion"),
        }
        phone = tracker.get_slot("caso_telefono")
        if phone and phone != NO_PHONE:
            dispatcher.utter_message(response="utter_resumen_caso", telefono=phone, **values)
        else:
            dispatcher.utter_message(response="utter_resumen_caso_sin_telefono", **values)
        return []


class ActionCrearCaso(ServiceAction):
    """Create the ticket (idempotent: the request id of the consent step is the key)."""

    def name(self) -> str:
        return "action_crear_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        consent = tracker.get_slot("caso_consentimiento")
        request_id = tracker.get_slot("caso_solicitud_id")
        if not consent or not request_id:
            dispatcher.utter_message(response="utter_caso_sin_consentimiento")
            return _reset_case()
        if tracker.get_slot("caso_confirmado") is not True:
            code = tracker.get_slot("caso_codigo")
            if code:  # a double click on "Enviar" after the case was created: same case, said again
                dispatcher.utter_message(response="utter_caso_ya_registrado", codigo=code)
            return []
        request = self._request(tracker, consent=consent, request_id=request_id)
        try:
            receipt = self.services.tickets.open_ticket(request)
        except TicketValidationError as err:
            slot = FIELD_SLOTS.get(err.field)
            if slot is None:
                logger.error("ticket refused: %s", err)
                dispatcher.utter_message(response="utter_caso_error_tecnico")
                return [SlotSet("caso_confirmado", None)]
            return [SlotSet(slot, None), SlotSet("caso_confirmado", None), FollowupAction(FORM)]
        except Exception:  # database down, etc.: keep the data in the conversation, allow a retry
            logger.exception("could not open ticket for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_caso_error_tecnico")
            return [SlotSet("caso_confirmado", None), FollowupAction(FORM)]
        response = "utter_caso_creado_triage" if receipt.needs_triage else "utter_caso_creado"
        dispatcher.utter_message(
            response=response,
            codigo=receipt.code,
            area=receipt.area_name,
            dias=receipt.sla_business_days,
            fecha_limite=receipt.due_date_text,
        )
        return [*_reset_case(keep_request=True), SlotSet("caso_codigo", receipt.code)]

    def _request(self, tracker: Tracker, *, consent: str, request_id: str) -> TicketRequest:
        settings = self.services.settings
        phone = tracker.get_slot("caso_telefono")
        return TicketRequest(
            idempotency_key=f"{tracker.sender_id}:{request_id}",
            name=tracker.get_slot("caso_nombre") or "",
            cargo=tracker.get_slot("caso_cargo") or "",
            etc_code=tracker.get_slot("caso_etc_codigo") or "",
            etc_name=tracker.get_slot("caso_etc") or "",
            email=tracker.get_slot("caso_email") or "",
            phone=None if phone in (None, NO_PHONE) else phone,
            description=tracker.get_slot("caso_descripcion") or "",
            consent_given_at=datetime.fromisoformat(consent),
            channel=tracker.get_latest_input_channel(),
            conversation_id=tracker.sender_id,
            transcript=tuple(transcript_turns(events_before_offer(tracker.events))),
            escalation_reason=tracker.get_slot("caso_motivo"),
            policy_url=settings.privacy_policy_url or None,
            policy_version=settings.privacy_policy_version or None,
        )


class ActionCancelarCaso(Action):
    """Cancel at any point: nothing is sent, the collected data are forgotten."""

    def name(self) -> str:
        return "action_cancelar_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        in_form = tracker.active_loop_name in (FORM, LOOKUP_FORM)
        if in_form or _case_in_progress(tracker) or tracker.get_slot("caso_motivo"):
            dispatcher.utter_message(response="utter_caso_cancelado")
        else:
            dispatcher.utter_message(response="utter_nada_que_cancelar")
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)] if in_form else []
        return [
            *events,
            *_reset_case(),
            SlotSet("caso_consulta_codigo", None),
            SlotSet("caso_consulta_email", None),
            SlotSet("caso_requiere_correo", None),
        ]


class ActionCorregirDatoCaso(Action):
    """Correct one field: empty its slot so the form asks it again; without a field, ask which."""

    def name(self) -> str:
        return "action_corregir_dato_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not _case_in_progress(tracker):
            if is_indicator_follow_up(tracker):  # "no era cobertura sino deserción": the indicator question
                return [FollowupAction("action_preparar_indicador")]
            dispatcher.utter_message(response="utter_nada_que_corregir")
            return [SlotSet("caso_corrigiendo", False)]
        entity = next(tracker.get_latest_entity_values("campo_caso"), None)
        field = normalise_field(entity) or normalise_field(tracker.latest_message.get("text"))
        if field is None:
            dispatcher.utter_message(response="utter_preguntar_campo_corregir")
            pause = [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop_name == FORM else []
            return [*pause, SlotSet("caso_corrigiendo", False)]
        dispatcher.utter_message(response="utter_corregir_dato")
        events: list[EventType] = [SlotSet(FIELD_SLOTS[field], None), SlotSet("caso_confirmado", None)]
        if field == "etc":
            events.append(SlotSet("caso_etc_codigo", None))
        return [*events, SlotSet("caso_corrigiendo", True)]


class ActionConsultarCaso(ServiceAction):
    """Status of a case: directly for the conversation that opened it, else after the e-mail.

    Agent replies still waiting for delivery to this conversation are said first.
    """

    def __init__(self, services: Services | None = None, inbox=None) -> None:
        super().__init__(services)
        self._inbox = inbox

    def name(self) -> str:
        return "action_consultar_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        from actions.agents import deliver_pending

        delivered = deliver_pending(dispatcher, tracker.sender_id, self._inbox)
        return [*delivered, *self._status(dispatcher, tracker)]

    def _status(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        service = self.services.tickets
        entity = next(tracker.get_latest_entity_values("codigo_caso"), None)
        text = tracker.latest_message.get("text") or ""
        parsed = parse_code(text) or parse_code(entity)
        if parsed is None:
            views = service.conversation_tickets(conversation_id=tracker.sender_id)
            for view in views:
                _utter_view(dispatcher, view)
            if not views:
                dispatcher.utter_message(response="utter_pedir_codigo_caso")
            return [SlotSet("caso_requiere_correo", False)]
        view = service.status_for_conversation(code_text=str(parsed), conversation_id=tracker.sender_id)
        if view is not None:
            _utter_view(dispatcher, view)
            return [SlotSet("caso_requiere_correo", False)]
        # Not this conversation's case, or no such case: the same question in both situations.
        return [SlotSet("caso_consulta_codigo", str(parsed)), SlotSet("caso_requiere_correo", True)]


class ValidateConsultaCasoForm(RepairingFormValidation):
    def name(self) -> str:
        return "validate_consulta_caso_form"

    def validate_caso_consulta_email(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if value is None:  # emptied by a correction or a reset: nothing typed to check
            return {"caso_consulta_email": None}
        check = check_email(value)
        if check.ok:
            return {"caso_consulta_email": check.value}
        dispatcher.utter_message(response=f"utter_email_invalido_{check.reason}", **check.details)
        return {"caso_consulta_email": None}


class ActionConsultarCasoConCorreo(ServiceAction):
    def name(self) -> str:
        return "action_consultar_caso_con_correo"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = self.services.tickets
        code = tracker.get_slot("caso_consulta_codigo") or ""
        email = tracker.get_slot("caso_consulta_email") or ""
        view = service.status_with_email(code_text=code, email=email) if code and email else None
        if view is None:
            dispatcher.utter_message(response="utter_caso_no_encontrado")
        else:
            _utter_view(dispatcher, view)
        return [
            SlotSet("caso_consulta_codigo", None),
            SlotSet("caso_consulta_email", None),
            SlotSet("caso_requiere_correo", False),
        ]

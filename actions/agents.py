"""Actions of the MEN agents' answers in the user's conversation.

- ``action_entregar_aviso``: a sender (web app or ``python -m bot avisos trabajar``) triggered
  ``respuesta_caso`` with the entity ``entrega`` (a random token); the notice is read from the outbox
  of ``bot.agents`` or from the encuentro notices of ``bot.encuentros`` — only if it belongs to this
  conversation and was not given to the channel yet — and uttered with ``aviso=<token>``, which the
  output channels of ``channels/`` use to record ``enviado`` (and the web chat to acknowledge).
- ``action_entregar_pendientes`` and ``action_session_start``: deliver, in the conversation itself,
  the notices that could not be sent while Rasa was unreachable. Other features may call
  :func:`deliver_pending` from their own actions (e.g. when the user asks for a case).
- ``action_guardar_calificacion``: the 1–5 answer after a resolution, stored on the ticket.
- ``respuesta_caso_form`` (+ ``action_preparar_respuesta_caso``, ``validate_respuesta_caso_form``,
  ``action_enviar_info_caso``): the user answers an agent's request for information.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.agents.feedback import SatisfactionRecorder, parse_score
from bot.agents.information import InformationReplies, check_information
from bot.agents.outbox import TOKEN_ENTITY, Notice, NoticeInbox
from bot.encuentros.notices import EventNoticeInbox, EventNoticeText
from bot.services import get_services

logger = logging.getLogger(__name__)

FORM = "respuesta_caso_form"


def utter_notices(dispatcher: CollectingDispatcher, notices: list[Notice]) -> list[EventType]:
    """Utter each notice with its domain response; returns the slots the follow-ups need."""
    events: list[EventType] = []
    for notice in notices:
        mark = {"aviso": notice.token} if notice.token else {}  # read by the output channel, not shown
        if notice.kind == "solicitud_informacion":
            dispatcher.utter_message(response="utter_solicitud_info_caso", codigo=notice.ticket_code,
                                     respuesta=notice.body or "", **mark)
            events.append(SlotSet("caso_info_codigo", notice.ticket_code))
            continue
        if notice.body:
            dispatcher.utter_message(response="utter_respuesta_caso", codigo=notice.ticket_code,
                                     respuesta=notice.body, **mark)
        if notice.kind == "resuelto":
            dispatcher.utter_message(response="utter_caso_resuelto", codigo=notice.ticket_code, **mark)
            dispatcher.utter_message(response="utter_pedir_calificacion", codigo=notice.ticket_code, **mark)
            events.append(SlotSet("caso_por_calificar", notice.ticket_code))
    return events


def deliver_pending(dispatcher: CollectingDispatcher, conversation_id: str, inbox: NoticeInbox | None = None
                    ) -> list[EventType]:
    """Utter the undelivered notices of this conversation (never fails the calling action)."""
    try:
        notices = (inbox or get_services().notices).take_for_conversation(conversation_id=conversation_id)
    except Exception:  # the database may be down: the notices stay pending for the next try
        logger.exception("No se pudieron leer los avisos pendientes de %s", conversation_id)
        return []
    return utter_notices(dispatcher, notices)


def utter_event_notice(dispatcher: CollectingDispatcher, notice: EventNoticeText) -> None:
    event = notice.event
    mark = {"aviso": notice.token}
    dispatcher.utter_message(response="utter_aviso_encuentro", titulo=event.title, tipo=event.type_label.lower(),
                             fecha=event.date_text, hora=event.time_text, modalidad=event.mode_label.lower(), **mark)
    if event.registration_url:
        dispatcher.utter_message(response="utter_encuentro_inscripcion", url=event.registration_url, **mark)
    dispatcher.utter_message(response="utter_aviso_encuentro_baja", **mark)


class ActionEntregarAviso(Action):
    def __init__(self, inbox: NoticeInbox | None = None, event_inbox: EventNoticeInbox | None = None) -> None:
        self._inbox = inbox
        self._event_inbox = event_inbox

    def name(self) -> str:
        return "action_entregar_aviso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        token = str(next(tracker.get_latest_entity_values(TOKEN_ENTITY), None) or "")
        inbox = self._inbox or get_services().notices
        notice = inbox.take_by_token(token=token, conversation_id=tracker.sender_id)
        if notice is not None:
            return utter_notices(dispatcher, [notice])
        events_inbox = self._event_inbox or EventNoticeInbox(database_url=inbox.database_url, clock=inbox.clock)
        event_notice = events_inbox.take_by_token(token=token, conversation_id=tracker.sender_id)
        if event_notice is not None:
            utter_event_notice(dispatcher, event_notice)
        return []  # unknown, replayed or someone else's: say nothing


class ActionEntregarPendientes(Action):
    def __init__(self, inbox: NoticeInbox | None = None) -> None:
        self._inbox = inbox

    def name(self) -> str:
        return "action_entregar_pendientes"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return deliver_pending(dispatcher, tracker.sender_id, self._inbox)


class ActionSessionStart(Action):
    """Rasa's session start (carrying slots over as the domain says) plus the pending notices."""

    def __init__(self, inbox: NoticeInbox | None = None) -> None:
        self._inbox = inbox

    def name(self) -> str:
        return "action_session_start"

    @staticmethod
    def _carried_slots(tracker: Tracker, domain: DomainDict) -> list[EventType]:
        config = (domain or {}).get("session_config") or {}
        if not config.get("carry_over_slots_to_new_session", True):
            return []
        return [SlotSet(name, value) for name, value in (tracker.slots or {}).items() if value is not None]

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SessionStarted(), *self._carried_slots(tracker, domain)]
        events += deliver_pending(dispatcher, tracker.sender_id, self._inbox)
        events.append(ActionExecuted("action_listen"))
        return events


class ActionGuardarCalificacion(Action):
    def __init__(self, recorder: SatisfactionRecorder | None = None) -> None:
        self._recorder = recorder

    def name(self) -> str:
        return "action_guardar_calificacion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        code = tracker.get_slot("caso_por_calificar")
        raw = next(tracker.get_latest_entity_values("calificacion"), None) or tracker.latest_message.get("text")
        if not code:
            if parse_score(raw) is None:  # a lone number that is not a rating
                if tracker.get_slot("ind_indicador"):  # a year after an indicator question: "2017"
                    return [FollowupAction("action_preparar_indicador")]
                return [FollowupAction("action_default_fallback")]
            dispatcher.utter_message(response="utter_calificacion_sin_caso")
            return []
        result = (self._recorder or get_services().satisfaction).record(
            conversation_id=tracker.sender_id, code_text=code, score=raw
        )
        if result == "calificacion_invalida":
            dispatcher.utter_message(response="utter_calificacion_invalida")
            return []
        if result != "guardada":
            dispatcher.utter_message(response="utter_calificacion_sin_caso")
            return [SlotSet("caso_por_calificar", None)]
        dispatcher.utter_message(response="utter_calificacion_gracias", codigo=code, calificacion=parse_score(raw))
        return [SlotSet("caso_por_calificar", None)]


class ActionPrepararRespuestaCaso(Action):
    """Before the form: is there a case of this conversation waiting for the user's information?"""

    def name(self) -> str:
        return "action_preparar_respuesta_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot("caso_info_codigo"):
            dispatcher.utter_message(response="utter_info_caso_sin_caso")
        return [SlotSet("caso_info_texto", None)]


class ValidateRespuestaCasoForm(FormValidationAction):
    def name(self) -> str:
        return "validate_respuesta_caso_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return domain_slots if tracker.get_slot("caso_info_codigo") else []

    def validate_caso_info_texto(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        cleaned, problem = check_information(value if isinstance(value, str) else None)
        if problem:
            dispatcher.utter_message(response=f"utter_info_caso_{problem}")
            return {"caso_info_texto": None}
        return {"caso_info_texto": cleaned}


class ActionEnviarInfoCaso(Action):
    def __init__(self, replies: InformationReplies | None = None) -> None:
        self._replies = replies

    def name(self) -> str:
        return "action_enviar_info_caso"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        code = tracker.get_slot("caso_info_codigo")
        text = tracker.get_slot("caso_info_texto")
        if not code or not text:
            return [SlotSet("caso_info_texto", None)]
        result = (self._replies or get_services().information).submit(
            conversation_id=tracker.sender_id, code_text=code, text=text
        )
        if result == "enviada":
            dispatcher.utter_message(response="utter_info_caso_enviada", codigo=code)
            return [SlotSet("caso_info_texto", None), SlotSet("caso_info_codigo", None)]
        if result in ("vacia", "larga"):
            dispatcher.utter_message(response=f"utter_info_caso_{result}")
            return [SlotSet("caso_info_texto", None)]
        dispatcher.utter_message(response="utter_info_caso_sin_caso")
        return [SlotSet("caso_info_texto", None), SlotSet("caso_info_codigo", None)]

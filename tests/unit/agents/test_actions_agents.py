"""Rasa actions of the agents' notices, with CollectingDispatcher and trackers built inline."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.agents import (
    ActionEntregarAviso,
    ActionEntregarPendientes,
    ActionEnviarInfoCaso,
    ActionGuardarCalificacion,
    ActionPrepararRespuestaCaso,
    ActionSessionStart,
    ValidateRespuestaCasoForm,
    deliver_pending,
)
from bot.agents.feedback import SatisfactionRecorder
from bot.agents.information import InformationReplies
from bot.agents.models import TicketOutbox
from bot.agents.outbox import NoticeInbox
from bot.db import session_scope

from .conftest import make_ticket

CONV = "web-42"


def tracker(latest: dict | None = None, slots: dict | None = None, sender: str = CONV) -> Tracker:
    return Tracker(sender, slots or {}, latest or {}, [], False, None, {}, "action_listen")


def responses(dispatcher: CollectingDispatcher) -> list[tuple]:
    return [(m["response"], m.get("codigo"), m.get("respuesta")) for m in dispatcher.messages]


@pytest.fixture
def inbox(db_url, clock) -> NoticeInbox:
    return NoticeInbox(database_url=db_url, clock=clock)


@pytest.fixture
def held(db_url, desk, team) -> str:
    code = make_ticket(db_url, conversation_id=CONV)
    desk.claim(team["ana"], code)
    return code


def _token(db_url, index: int = -1) -> str:
    with session_scope(db_url) as session:
        return list(session.execute(select(TicketOutbox.token).order_by(TicketOutbox.id)).scalars())[index]


def test_triggered_reply_is_uttered_once(db_url, desk, team, held, inbox) -> None:
    desk.reply(team["ana"], held, "Su planta fue aprobada.")
    latest = {"intent": {"name": "respuesta_caso"}, "entities": [{"entity": "entrega", "value": _token(db_url)}]}
    dispatcher = CollectingDispatcher()
    assert ActionEntregarAviso(inbox).run(dispatcher, tracker(latest), {}) == []
    assert responses(dispatcher) == [("utter_respuesta_caso", held, "Su planta fue aprobada.")]
    again = CollectingDispatcher()
    ActionEntregarAviso(inbox).run(again, tracker(latest), {})
    assert again.messages == []  # a replayed trigger (or a user typing the payload) says nothing


def test_trigger_from_another_conversation_says_nothing(db_url, desk, team, held, inbox) -> None:
    desk.reply(team["ana"], held, "privado")
    latest = {"intent": {"name": "respuesta_caso"}, "entities": [{"entity": "entrega", "value": _token(db_url)}]}
    dispatcher = CollectingDispatcher()
    ActionEntregarAviso(inbox).run(dispatcher, tracker(latest, sender="otra"), {})
    assert dispatcher.messages == []
    ActionEntregarAviso(inbox).run(dispatcher, tracker({"intent": {"name": "respuesta_caso"}}), {})
    assert dispatcher.messages == []


def test_request_for_information_offers_to_answer(db_url, desk, team, held, inbox) -> None:
    desk.ask_information(team["ana"], held, "¿Cuántos docentes tiene la planta?")
    dispatcher = CollectingDispatcher()
    events = ActionEntregarPendientes(inbox).run(dispatcher, tracker(), {})
    assert responses(dispatcher) == [("utter_solicitud_info_caso", held, "¿Cuántos docentes tiene la planta?")]
    assert events == [SlotSet("caso_info_codigo", held)]


def test_resolution_announces_and_asks_for_the_rating(db_url, desk, team, held, inbox) -> None:
    desk.resolve(team["ana"], held, "Se aprobó.")
    dispatcher = CollectingDispatcher()
    events = deliver_pending(dispatcher, CONV, inbox)
    assert [r[0] for r in responses(dispatcher)] == ["utter_respuesta_caso", "utter_caso_resuelto",
                                                     "utter_pedir_calificacion"]
    assert all(r[1] == held for r in responses(dispatcher))
    assert events == [SlotSet("caso_por_calificar", held)]
    silent = CollectingDispatcher()
    desk.reopen(team["ana"], held, "x")
    desk.resolve(team["ana"], held)  # without text: no "Respuesta del MEN" line
    deliver_pending(silent, CONV, inbox)
    assert [m["response"] for m in silent.messages] == ["utter_caso_resuelto", "utter_pedir_calificacion"]


def test_session_start_carries_slots_and_delivers_pending(db_url, desk, team, held, inbox) -> None:
    desk.reply(team["ana"], held, "Respuesta pendiente.")
    dispatcher = CollectingDispatcher()
    domain = {"session_config": {"carry_over_slots_to_new_session": True}}
    events = ActionSessionStart(inbox).run(dispatcher, tracker(slots={"caso_codigo": "X", "vacio": None}), domain)
    assert events == [SessionStarted(), SlotSet("caso_codigo", "X"), ActionExecuted("action_listen")]
    assert responses(dispatcher) == [("utter_respuesta_caso", held, "Respuesta pendiente.")]
    no_carry = ActionSessionStart(inbox).run(CollectingDispatcher(), tracker(slots={"caso_codigo": "X"}),
                                             {"session_config": {"carry_over_slots_to_new_session": False}})
    assert no_carry == [SessionStarted(), ActionExecuted("action_listen")]


def test_session_start_survives_a_broken_database() -> None:
    broken = NoticeInbox(database_url="sqlite:////nonexistent-dir/x/y.db")
    events = ActionSessionStart(broken).run(CollectingDispatcher(), tracker(), {})
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


@pytest.mark.parametrize(("entity", "text", "expected"), [("5", "/calificar_caso", 5), (None, "le pongo un 4", 4)])
def test_rating_is_saved(db_url, desk, team, held, clock, entity, text, expected) -> None:
    desk.resolve(team["ana"], held)
    recorder = SatisfactionRecorder(database_url=db_url, clock=clock)
    entities = [{"entity": "calificacion", "value": entity}] if entity else []
    dispatcher = CollectingDispatcher()
    events = ActionGuardarCalificacion(recorder).run(
        dispatcher, tracker({"text": text, "entities": entities}, {"caso_por_calificar": held}), {}
    )
    assert events == [SlotSet("caso_por_calificar", None)]
    assert dispatcher.messages[0]["response"] == "utter_calificacion_gracias"
    assert dispatcher.messages[0]["calificacion"] == expected and dispatcher.messages[0]["codigo"] == held
    assert desk.ticket(team["ana"], held).rating == expected


def test_rating_without_case_or_with_bad_value(db_url, desk, team, held, clock) -> None:
    recorder = SatisfactionRecorder(database_url=db_url, clock=clock)
    dispatcher = CollectingDispatcher()
    ActionGuardarCalificacion(recorder).run(dispatcher, tracker({"text": "5"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_calificacion_sin_caso"]
    year = CollectingDispatcher()  # "2022" typed out of any rating: handled as not understood
    events = ActionGuardarCalificacion(recorder).run(year, tracker({"text": "2022"}), {})
    assert events == [FollowupAction("action_default_fallback")] and year.messages == []
    desk.resolve(team["ana"], held)
    dispatcher = CollectingDispatcher()
    events = ActionGuardarCalificacion(recorder).run(dispatcher, tracker({"text": "9"}, {"caso_por_calificar": held}),
                                                     {})
    assert events == [] and [m["response"] for m in dispatcher.messages] == ["utter_calificacion_invalida"]


def test_answering_a_request_for_information(db_url, desk, team, held, clock) -> None:
    desk.ask_information(team["ana"], held, "¿Cuál es el número del decreto?")
    dispatcher = CollectingDispatcher()
    assert ActionPrepararRespuestaCaso().run(dispatcher, tracker(slots={"caso_info_codigo": held}), {}) == [
        SlotSet("caso_info_texto", None)]
    assert dispatcher.messages == []
    form = ValidateRespuestaCasoForm()
    assert asyncio.run(form.required_slots(["caso_info_texto"], dispatcher, tracker(), {})) == []
    assert form.validate_caso_info_texto("  ", dispatcher, tracker(), {}) == {"caso_info_texto": None}
    assert dispatcher.messages[-1]["response"] == "utter_info_caso_vacia"
    assert form.validate_caso_info_texto("x" * 5001, dispatcher, tracker(), {}) == {"caso_info_texto": None}
    assert dispatcher.messages[-1]["response"] == "utter_info_caso_larga"
    text = "Es el decreto 1075 <script>x</script>"
    assert form.validate_caso_info_texto(text, dispatcher, tracker(), {}) == {"caso_info_texto": text}

    replies = InformationReplies(database_url=db_url, clock=clock)
    sent = CollectingDispatcher()
    events = ActionEnviarInfoCaso(replies).run(sent, tracker(slots={"caso_info_codigo": held, "caso_info_texto": text}),
                                               {})
    assert events == [SlotSet("caso_info_texto", None), SlotSet("caso_info_codigo", None)]
    assert sent.messages[0]["response"] == "utter_info_caso_enviada"
    detail = desk.ticket(team["ana"], held)
    assert detail.item.status == "en_curso"
    last = [e for e in detail.events if e.kind == "mensaje_usuario"][-1]
    assert (last.body, last.actor_type) == (text, "usuario")

    other = CollectingDispatcher()
    ActionEnviarInfoCaso(replies).run(other, tracker(slots={"caso_info_codigo": held, "caso_info_texto": "x"},
                                                     sender="intruso"), {})
    assert other.messages[0]["response"] == "utter_info_caso_sin_caso"


def test_prepare_without_a_pending_request() -> None:
    dispatcher = CollectingDispatcher()
    ActionPrepararRespuestaCaso().run(dispatcher, tracker(), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_info_caso_sin_caso"]

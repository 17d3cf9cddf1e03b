"""rasa_addons.resilience: a Spanish message instead of silence when the action server is down."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
import redis
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import resilience

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def installed(monkeypatch):
    resilience.install(redis_client=None, key_prefix="test")
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", "5")
    return resilience._state["pending"]


def tracker_with(domain: Domain, *events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("persona-1", [ActionExecuted("action_listen"), UserUttered("hola"), *events],
                                            slots=domain.slots)


async def test_action_server_down_gives_the_spanish_message_once_per_turn(domain, installed):
    endpoint = EndpointConfig(f"http://127.0.0.1:{closed_port()}/webhook")
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = tracker_with(domain)
    events = await RemoteAction("action_consultar_indicador", endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert "no puedo completar su solicitud por un problema técnico" in events[0].text
    tracker.update(events[0])
    again = await RemoteAction("action_otra", endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)
    assert again == []  # said once per turn, not once per failed action


async def test_a_case_being_created_is_kept_as_pending(domain, installed):
    endpoint = EndpointConfig(f"http://127.0.0.1:{closed_port()}/webhook")
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    events = await RemoteAction("action_crear_caso", endpoint).run(CollectingOutputChannel(), nlg, tracker_with(domain), domain)
    assert "se registrará automáticamente" in events[0].text
    assert any('"sender_id": "persona-1"' in m and "action_crear_caso" in m for m in installed.members())


async def test_the_final_confirmation_passes_through_the_form_validation(domain, installed):
    endpoint = EndpointConfig(f"http://127.0.0.1:{closed_port()}/webhook")
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    confirm = tracker_with(domain, ActionExecuted("caso_form"), SlotSet("caso_confirmado", True))
    events = await RemoteAction("validate_caso_form", endpoint).run(CollectingOutputChannel(), nlg, confirm, domain)
    assert events == [SlotSet("caso_confirmado", True)]
    # anything else is refused explicitly (Rasa would take an unanswered candidate as valid)
    for other in (SlotSet("caso_email", "x@example.org"), SlotSet("caso_confirmado", "cual fue la desercion")):
        tracker = tracker_with(domain, ActionExecuted("caso_form"), other)
        events = await RemoteAction("validate_caso_form", endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)
        assert events[0] == SlotSet(other.key, None) and isinstance(events[1], BotUttered), events


@pytest.mark.redis
def test_redis_pending_claims_are_exclusive_and_leased():
    client = redis.StrictRedis(host="127.0.0.1", port=6379, db=0)
    key = f"pendtest{uuid.uuid4().hex[:10]}:acciones_pendientes"
    try:
        a, b = resilience.RedisPending(client, key), resilience.RedisPending(client, key)
        a.add("c1", "action_crear_caso")
        a.add("c1", "action_crear_caso")  # the same submission twice: one entry
        b.add("c2", "action_crear_caso")
        first, second = a.claim_due(), b.claim_due()
        assert len(first) == 2 and second == []  # leased to the first claimant
        a.done(first[0])
        a.later(first[1], 0)
        assert b.claim_due() == [first[1]]
    finally:
        client.delete(key)

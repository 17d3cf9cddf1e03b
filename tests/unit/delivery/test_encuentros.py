"""Encuentro notices: one notice per subscriber on their channel, exactly once even when the sender
is killed midway; unsubscribing stops them (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.db import session_scope
from bot.delivery.core import DeliveryConfig, RasaNotifier
from bot.delivery.models import EventNotice
from bot.encuentros.models import CatalogEvent, EventSubscription
from bot.encuentros.notices import EventNoticeDispatcher, plan_notices
from bot.encuentros.subscriptions import SubscriptionService
from bot.settings import PROJECT_ROOT
from bot.tickets.models import utcnow

CHANNELS = ("socketio", "telegram", "rest")


def subscribe(db_url, n: int, at: datetime) -> None:
    with session_scope(db_url) as session:
        for i in range(n):
            session.add(EventSubscription(channel=CHANNELS[i % 3], conversation_id=f"conv-{i:03d}",
                                          topic="encuentros", created_at=at))


def publish(db_url, at: datetime, key: str = "encuentro-regional-caribe") -> int:
    with session_scope(db_url) as session:
        event = CatalogEvent(key=key, title="Encuentro regional Caribe", type="encuentro_regional",
                             mode="presencial", starts_at=at + timedelta(days=10), place="Barranquilla",
                             themes=[], created_at=at, updated_at=at)
        session.add(event)
        session.flush()
        return event.id


def statuses(db_url) -> Counter:
    with session_scope(db_url) as session:
        return Counter(dict(session.execute(
            select(EventNotice.status, func.count(EventNotice.id)).group_by(EventNotice.status)).all()))


def notices_said(rasa) -> Counter:
    return Counter(conv for conv, message in rasa.uttered if message.get("response") == "utter_aviso_encuentro")


def test_planning_is_idempotent_and_only_for_earlier_subscribers(db_url) -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    subscribe(db_url, 5, now - timedelta(hours=1))
    event_id = publish(db_url, now)
    with session_scope(db_url) as session:
        session.add(EventSubscription(channel="whatsapp", conversation_id="573009998877", topic="encuentros",
                                      created_at=now + timedelta(minutes=5)))  # subscribed after publication
    with session_scope(db_url) as session:
        assert plan_notices(session, now=now) == 5
        assert plan_notices(session, now=now) == 0  # importer, CLI, console and worker may all plan
        rows = session.execute(select(EventNotice)).scalars().all()
        assert {r.event_id for r in rows} == {event_id} and len({r.token for r in rows}) == 5


def test_notice_is_said_on_the_subscribed_channel_once_and_unsubscribing_stops_it(db_url, rasa) -> None:
    now = utcnow()
    subscribe(db_url, 3, now - timedelta(hours=1))
    publish(db_url, now)
    SubscriptionService(db_url).unsubscribe("rest", "conv-002")  # «cancelar avisos»
    senders = EventNoticeDispatcher(database_url=db_url, notifier=RasaNotifier(rasa_url=rasa.url, timeout=3),
                                    config=DeliveryConfig())
    assert senders.plan() == 2
    report = senders.deliver_due()
    assert len(report.delivered) == 2
    assert {(r["conversation"], r["query"]["output_channel"]) for r in rasa.requests} == {
        ("conv-000", "socketio"), ("conv-001", "telegram")}
    said = [m for _, m in rasa.uttered]
    first = said[0]
    assert first["response"] == "utter_aviso_encuentro" and first["titulo"] == "Encuentro regional Caribe"
    assert first["aviso"] and said[-1]["response"] == "utter_aviso_encuentro_baja"
    assert notices_said(rasa) == {"conv-000": 1, "conv-001": 1}
    # a replayed trigger (or a restarted sender) says nothing more
    for r in list(rasa.requests):
        RasaNotifier(rasa_url=rasa.url).trigger(conversation_id=r["conversation"], channel="socketio",
                                                notice_token=r["body"]["entities"]["entrega"])
    assert notices_said(rasa) == {"conv-000": 1, "conv-001": 1}
    assert senders.deliver_due().delivered == [] and statuses(db_url) == {"enviado": 2}


def _worker(db_url: str, rasa_url: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, RASA_URL=rasa_url, RASA_TIMEOUT="5", DELIVERY_LEASE_SECONDS="2",
               PYTHONPATH=str(PROJECT_ROOT), RASA_TELEMETRY_ENABLED="false")
    for name in ("WHATSAPP_ACCESS_TOKEN", "SMTP_HOST"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "bot", "avisos", "trabajar", "--intervalo", "0.2"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_300_subscribers_get_one_notice_each_although_the_sender_is_killed_midway(db_url, rasa) -> None:
    rasa.delay = 0.02
    now = utcnow()
    subscribe(db_url, 300, now - timedelta(days=1))
    publish(db_url, now)  # as the importer does; the worker plans the notices on its own
    worker = _worker(db_url, rasa.url)
    try:
        assert _wait(lambda: len(rasa.requests) >= 90, 90), "the sender did not start"
        worker.send_signal(signal.SIGKILL)  # killed in the middle of the run, maybe in the middle of a call
        worker.wait(10)
        killed_at = len(rasa.requests)
        assert killed_at < 300
        worker = _worker(db_url, rasa.url)  # restarted
        assert _wait(lambda: statuses(db_url).get("enviado", 0) == 300, 120), statuses(db_url)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
    said = notices_said(rasa)
    assert len(said) == 300 and set(said.values()) == {1}  # 300 notices, none twice
    with session_scope(db_url) as session:
        assert session.execute(select(func.count(EventNotice.id))).scalar_one() == 300
    assert statuses(db_url) == {"enviado": 300}


def test_a_coordinator_publishes_an_encuentro_from_the_console_and_subscribers_are_told(
        tmp_path, db_url, team, hasher, rasa) -> None:
    from tests.unit.agents.api_support import build_api

    subscribe(db_url, 4, utcnow() - timedelta(days=2))
    api = build_api(tmp_path, db_url, team, utcnow, hasher, rasa.url)
    body = {"titulo": "Taller de planeación financiera", "tipo": "taller", "modalidad": "virtual",
            "inicio": (utcnow() + timedelta(days=7)).isoformat()}
    assert api.post("ana", "/api/agentes/encuentros", body).status_code == 403  # coordinators only
    response = api.post("coord", "/api/agentes/encuentros", body)
    assert response.status_code == 201, response.text
    assert response.json()["avisos"] == 4 and response.json()["nuevo"] is True
    # sent right after publishing (a slow answer may arrive after the client's 2 s timeout: wait for it)
    assert _wait(lambda: len(notices_said(rasa)) == 4, 30)
    assert notices_said(rasa) == {f"conv-{i:03d}": 1 for i in range(4)}
    again = api.post("coord", "/api/agentes/encuentros", {**body, "clave": response.json()["clave"]})
    assert again.json()["avisos"] == 0 and notices_said(rasa) == {f"conv-{i:03d}": 1 for i in range(4)}
    bad = api.post("coord", "/api/agentes/encuentros", {**body, "tipo": "fiesta"})
    assert bad.status_code == 422


def test_subscribers_hear_only_of_encuentros_on_their_theme_and_in_their_region(db_url) -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    with session_scope(db_url) as session:
        for conv, theme, region in [("todos", None, None), ("pae", "UAPA-PAE", None), ("huila", None, "Huila"),
                                    ("pae-atlantico", "UAPA-PAE", "Atlántico"), ("talento", "DFGT-SRH", None)]:
            session.add(EventSubscription(channel="telegram", conversation_id=conv, topic="encuentros", theme=theme,
                                          region=region, created_at=now - timedelta(hours=1)))
        events = [
            CatalogEvent(key="pae-barranquilla", title="Taller PAE", type="taller", mode="presencial",
                         starts_at=now + timedelta(days=5), place="Barranquilla, Atlántico", themes=["UAPA-PAE"],
                         created_at=now, updated_at=now),
            CatalogEvent(key="pae-virtual", title="Sesión PAE", type="sesion_virtual", mode="virtual",
                         starts_at=now + timedelta(days=6), place="", themes=["UAPA-PAE"], created_at=now,
                         updated_at=now),
        ]
        session.add_all(events)
        session.flush()
        ids = {e.key: e.id for e in events}
        assert plan_notices(session, now=now) == 7
        told = {(n.event_id, n.conversation_id) for n in session.execute(select(EventNotice)).scalars()}
    assert {c for e, c in told if e == ids["pae-barranquilla"]} == {"todos", "pae", "pae-atlantico"}
    # online: every region may follow it
    assert {c for e, c in told if e == ids["pae-virtual"]} == {"todos", "pae", "huila", "pae-atlantico"}

"""Satisfaction answers (stored on the ticket, only from its conversation) and the metrics."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest

from bot.agents.feedback import SatisfactionRecorder, parse_score
from bot.agents.metrics import collect_metrics, prometheus_text

from .conftest import NOW, make_ticket


@pytest.mark.parametrize(
    ("raw", "score"),
    [(5, 5), ("4", 4), ("le doy 3", 3), ("CINCO", 5), ("4/5", 4), (" 1 ", 1), ("dos estrellas", 2),
     (0, None), (6, None), ("7", None), ("2024", None), ("3 o 4", None), ("", None), (None, None), (True, None),
     ("4,5", None)],
)
def test_parse_score(raw, score) -> None:
    assert parse_score(raw) == score


def test_rating_is_stored_on_the_resolved_ticket(db_url, desk, team, clock) -> None:
    code = make_ticket(db_url, conversation_id="conv-9")
    recorder = SatisfactionRecorder(database_url=db_url, clock=clock)
    assert recorder.record(conversation_id="conv-9", code_text=code, score="5") == "caso_no_resuelto"
    desk.claim(team["ana"], code)
    desk.resolve(team["ana"], code, "Resuelto.")
    assert recorder.record(conversation_id="otra-conv", code_text=code, score="5") == "caso_no_encontrado"
    assert recorder.record(conversation_id="conv-9", code_text="MEN-2026-999999", score="5") == "caso_no_encontrado"
    assert recorder.record(conversation_id="conv-9", code_text=code, score="9") == "calificacion_invalida"
    assert recorder.record(conversation_id="conv-9", code_text=code, score="4") == "guardada"
    assert recorder.record(conversation_id="conv-9", code_text=code, score=5) == "guardada"  # changed its mind
    detail = desk.ticket(team["ana"], code)
    assert detail.rating == 5
    ratings = [e.data for e in detail.events if e.kind == "calificacion"]
    assert ratings == [{"calificacion": 4}, {"calificacion": 5}]


def test_metrics_json_and_prometheus(db_url, desk, team, clock) -> None:
    a = make_ticket(db_url, area="DFGT-SRH", conversation_id="c-a")
    b = make_ticket(db_url, area="DFGT-SRH", conversation_id="c-b")
    make_ticket(db_url, area="OTSI", created=NOW - timedelta(days=60), sla_days=5)  # overdue
    clock.advance(hours=2)
    desk.claim(team["ana"], a)
    desk.reply(team["ana"], a, "uno")  # first response after 2 h
    clock.advance(hours=4)
    desk.claim(team["ana"], b)
    desk.ask_information(team["ana"], b, "dos")  # first response after 6 h
    desk.resolve(team["ana"], b)
    SatisfactionRecorder(database_url=db_url, clock=clock).record(conversation_id="c-b", code_text=b, score=4)

    everything = collect_metrics(database_url=db_url, area_scope=None, clock=clock)
    assert everything.total == 3 and everything.overdue == 1
    assert everything.by_area_status["DFGT-SRH"]["en_curso"] == 1
    assert everything.by_area_status["DFGT-SRH"]["resuelto"] == 1
    assert everything.by_area_status["OTSI"]["nuevo"] == 1
    assert everything.by_area_status["OAJ"] == {s: 0 for s in everything.by_area_status["OAJ"]}
    assert everything.first_response_median_hours == 4.0 and everything.first_response_count == 2
    assert (everything.satisfaction_average, everything.satisfaction_count) == (4.0, 1)
    assert everything.pending_notices == 3  # the reply, the request and the resolution: no Rasa in this test

    own = collect_metrics(database_url=db_url, area_scope=team["olga"].areas, clock=clock)
    assert own.areas == ("OTSI",) and own.total == 1 and own.overdue == 1
    assert own.first_response_median_hours is None and own.satisfaction_average is None

    text = prometheus_text(everything)
    assert 'men_tickets{area="DFGT-SRH",estado="en_curso"} 1' in text
    assert "men_tickets_overdue 1\n" in text
    assert "men_tickets_first_response_median_seconds 14400.0\n" in text
    assert "men_tickets_satisfaction_average 4.0\n" in text
    assert "men_ticket_notices_pending 3\n" in text
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? (-?\d+(\.\d+)?|NaN)$')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line
    assert "men_tickets_satisfaction_average NaN" in prometheus_text(own)
    median_line = [x for x in prometheus_text(own).splitlines() if x.startswith("men_tickets_first_response_median")]
    assert math.isnan(float(median_line[0].split()[1]))

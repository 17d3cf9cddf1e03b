"""Ingestion reads what Rasa 3.6's own SQL tracker store writes, and masking keeps years and codes."""

from __future__ import annotations

import asyncio

from bot.agents.review.inbox import ReviewInbox
from bot.agents.review.ingest import TrackerIngestor
from bot.agents.review.masking import mask_text


def test_events_written_by_rasas_sql_tracker_store_are_ingested(db_url, team, clock, tmp_path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "rasa_tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker("whatsapp:+573001234567", slots=[])
    tracker.update(UserUttered("hola", intent={"name": "saludar", "confidence": 0.99}, input_channel="whatsapp"))
    tracker.update(BotUttered("Hola, ¿en qué le ayudo?"))
    tracker.update(UserUttered("lo del formato ese de la resolucion 3842", intent={"name": "nlu_fallback",
                   "confidence": 0.27}, input_channel="whatsapp"))
    tracker.update(ActionExecuted("action_default_ask_affirmation"))
    tracker.update(BotUttered("No estoy seguro de haberle entendido. ¿Quiso decir…?"))
    result = store.save(tracker)
    if asyncio.iscoroutine(result):
        asyncio.run(result)

    report = TrackerIngestor(database_url=db_url, tracker_url=f"sqlite:///{path}", clock=clock).run()
    assert report.messages == 2 and report.flagged == 1
    inbox = ReviewInbox(database_url=db_url)
    [group] = inbox.groups(team["coord"]).groups
    assert group.text == "lo del formato ese de la resolucion 3842" and set(group.reasons) == {"fallback", "quiso_decir"}
    item = inbox.group(team["coord"], group.id).items[0]
    assert item.channel == "whatsapp" and item.context_before[-1]["texto"] == "Hola, ¿en qué le ayudo?"


def test_masking_keeps_years_and_short_codes() -> None:
    assert mask_text("cobertura 2023 en 05001") == "cobertura 2023 en 05001"
    assert mask_text("llamar al +57 300 123 4567 o al 6012345678") == "llamar al [teléfono] o al [teléfono]"
    assert mask_text("cc 1.098.765.432, correo a_b@x.gov.co.") == "cc [documento], correo [correo]."
    assert mask_text("Gracias, Rosalba Díaz", ["Rosalba Díaz"]) == "Gracias, [dato del formulario]"

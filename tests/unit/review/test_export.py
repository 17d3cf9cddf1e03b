"""Export of accepted corrections: valid Rasa YAML read by Rasa's own loader (recursively from
data/nlu, as `make train` does), provenance comments, no duplicates, no near-copies of frozen sets;
routing examples in data/routing/examples/revisado.yml read by the router's loader."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.agents.desk import AgentDesk
from bot.agents.review.export import FrozenGuard, export_nlu, export_routing, texts_of
from bot.agents.review.inbox import ReviewInbox
from bot.agents.review.ingest import TrackerIngestor, ingest_transfers
from bot.settings import PROJECT_ROOT
from bot.tickets.routing.data import load_examples

from .conftest import make_ticket

NEW_TEXT = "oiga cuantos ninos se salieron del colegio en ipiales el 2022"


def _nlu_copy(tmp_path: Path) -> Path:
    target = tmp_path / "nlu"
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", target, ignore=shutil.ignore_patterns("revisado"))
    return target


def _frozen(tmp_path: Path, *texts: str) -> FrozenGuard:
    path = tmp_path / "frozen" / "conjunto.yml"
    path.parent.mkdir(parents=True)
    examples = "".join(f"    - {t}\n" for t in texts)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: x\n  examples: |\n{examples}', encoding="utf-8")
    return FrozenGuard([path.parent])


def _accept(db_url, tracker, team, clock, texts: list[str]) -> ReviewInbox:
    for i, text in enumerate(texts):
        tracker.user(f"c{i}", text, "nlu_fallback", 0.2)
    TrackerIngestor(database_url=db_url, tracker_url=tracker.url, clock=clock).run()
    inbox = ReviewInbox(database_url=db_url, clock=clock)
    for group in inbox.groups(team["cura"]).groups:
        entities = []
        if "ipiales" in group.text:
            at = group.text.index("ipiales")
            entities = [{"start": at, "end": at + 7, "entity": "lugar"},
                        {"start": group.text.index("2022"), "end": group.text.index("2022") + 4, "entity": "anio"}]
        inbox.decide(team["cura"], group.id, "corregir", intent="consultar_indicador", entities=entities)
    return inbox


def test_correction_is_written_as_valid_rasa_yaml_read_by_rasa(db_url, tracker, team, clock, tmp_path) -> None:
    from rasa.shared.importers.rasa import RasaFileImporter
    from rasa.shared.nlu.training_data.loading import load_data

    nlu_dir = _nlu_copy(tmp_path)
    existing = texts_of([nlu_dir / "indicators.yml"])[0]  # already a training example
    near_frozen = "cuantos docentes hay en la secretaria de tunja este ano"
    _accept(db_url, tracker, team, clock, [NEW_TEXT, existing, near_frozen + " pues"])
    report = export_nlu(database_url=db_url, nlu_dir=nlu_dir, frozen=_frozen(tmp_path, near_frozen), clock=clock)
    assert report.total == 1 and report.duplicates == 1 and report.frozen == 1

    path = nlu_dir / "revisado" / "indicators.yml"
    content = path.read_text(encoding="utf-8")
    assert "# revisado 2026-03-02 por Cura (#" in content
    assert "[ipiales](lugar)" in content and "[2022](anio)" in content

    data = load_data(str(path))  # Rasa's loader validates the YAML schema
    [example] = data.intent_examples
    assert example.get("intent") == "consultar_indicador" and example.get("text") == NEW_TEXT
    assert {(e["entity"], e["value"]) for e in example.get("entities")} == {("lugar", "ipiales"), ("anio", "2022")}

    # `rasa train --data data/nlu` reads the subfolder: the example is in the training data
    importer = RasaFileImporter(training_data_paths=[str(nlu_dir)])
    training = asyncio.run(importer.get_nlu_data()) if asyncio.iscoroutinefunction(importer.get_nlu_data) \
        else importer.get_nlu_data()
    assert NEW_TEXT in {m.get("text") for m in training.intent_examples}

    # a second export writes nothing new and keeps the file valid
    again = export_nlu(database_url=db_url, nlu_dir=nlu_dir, frozen=_frozen(tmp_path / "b", near_frozen), clock=clock)
    assert again.total == 0 and path.read_text(encoding="utf-8") == content

    # `rasa data validate --fail-on-warnings` accepts the project's data with the reviewed file
    for folder in ("rules", "stories"):
        shutil.copytree(PROJECT_ROOT / "data" / folder, tmp_path / folder)
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings", "--domain",
         str(PROJECT_ROOT / "domain.yml"), "--config", str(PROJECT_ROOT / "config.yml"),
         "--data", str(nlu_dir), str(tmp_path / "rules"), str(tmp_path / "stories")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_the_cli_exports_too(db_url, tracker, team, clock, tmp_path, monkeypatch, capsys) -> None:
    from bot.cli import main

    nlu_dir = _nlu_copy(tmp_path)
    _accept(db_url, tracker, team, clock, [NEW_TEXT])
    routing_dir = tmp_path / "routing"
    routing_dir.mkdir()
    code = main(["revision", "exportar", "--database-url", db_url, "--nlu-dir", str(nlu_dir),
                 "--routing-dir", str(routing_dir)])
    out = capsys.readouterr().out
    assert code == 0 and "Ejemplos exportados: 1" in out
    assert "se salieron del colegio en [ipiales](lugar)" in (nlu_dir / "revisado" / "indicators.yml").read_text(encoding="utf-8")


def test_a_transfer_yields_a_routing_example(db_url, team, clock, tmp_path) -> None:
    examples_dir = tmp_path / "examples"
    shutil.copytree(PROJECT_ROOT / "data" / "routing" / "examples", examples_dir)
    desk = AgentDesk(database_url=db_url, clock=clock)
    text = "Necesitamos concepto sobre la demanda de un docente por el pago de cesantias retroactivas"
    code = make_ticket(db_url, area="DFGT-SRH", description=text)
    desk.transfer(team["ana"], code, "OAJ", "Es jurídico")
    ingest_transfers(database_url=db_url)
    inbox = ReviewInbox(database_url=db_url, clock=clock)
    [review] = inbox.routing(team["coord"])[1]
    inbox.decide_routing(team["coord"], review.id, "aceptar")
    report = export_routing(database_url=db_url, examples_dir=examples_dir, frozen=_frozen(tmp_path, "otra cosa"),
                            clock=clock)
    assert report.total == 1
    content = (examples_dir / "revisado.yml").read_text(encoding="utf-8")
    assert "# revisado 2026-03-02 por Coord" in content
    loaded = load_examples(examples_dir)
    assert any(e.text == text and e.area == "OAJ" for e in loaded)
    assert len(loaded) == len(load_examples(PROJECT_ROOT / "data" / "routing" / "examples")) + 1

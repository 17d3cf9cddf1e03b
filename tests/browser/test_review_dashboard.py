"""The review inbox and the service dashboard in headless Chromium (issue 15), keyboard first, axe clean.

A Rasa tracker store (SQLite, Rasa 3.6's ``events`` table) holds conversations with misunderstood
messages that carry personal data. A curator logs in, reads the new conversations from the inbox
page, sees them grouped and masked, opens one, marks a place by selecting text with the keyboard and
saves a correction. A coordinator opens the dashboard: charts (Chart.js, vendored), tables and a CSV
download. Screenshots are saved as test artefacts in ``$BROWSER_ARTIFACTS`` (default
``var/test-artifacts/browser``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from webchat_support import ThreadedUvicorn, axe_violations

from bot.agents.security import PasswordHasher
from bot.migrate import upgrade
from bot.settings import PROJECT_ROOT, load_settings
from bot.tickets.models import utcnow
from tests.db_fixtures import PASSWORD, build_team, make_ticket
from tests.unit.review.conftest import Tracker
from webapp.app import create_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or PROJECT_ROOT / "var" / "test-artifacts" / "browser")
INQUIRY = "como se tramita la homologacion de titulos en pasto"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    team = build_team(url, PasswordHasher(rounds=4), clock=utcnow)
    team.accounts.create_agent(email="cura@mineducacion.gov.co", name="Cura", role="curador", password=PASSWORD)
    tracker = Tracker(f"sqlite:///{tmp_path / 'rasa_tracker.db'}")
    tracker.t = (utcnow() - timedelta(hours=5)).timestamp()
    variants = [INQUIRY, "Cómo se tramita la homologación de títulos en Pasto?", INQUIRY.upper()]
    for i, text in enumerate(variants):
        sender = f"web-{i}"
        tracker.user(sender, "buenos dias", "saludar", 0.99, channel="socketio" if i else "telegram")
        tracker.bot(sender, "Buenos días. ¿En qué le puedo ayudar?")
        tracker.user(sender, text, "nlu_fallback", 0.2, channel="socketio" if i else "telegram")
        tracker.action(sender, "action_default_ask_affirmation")
        tracker.bot(sender, "No estoy seguro de haberle entendido. ¿Quiso decir…?")
    tracker.user("web-9", "mi correo es rector@colegio.edu.co y mi cedula 79123456", "nlu_fallback", 0.1)
    tracker.user("web-9", "desercion en cali", "consultar_indicador", 0.97,
                 entities=[{"entity": "lugar", "value": "cali", "start": 13, "end": 17}])
    for area, days in (("OTSI", 20), ("DFGT-SRH", 1), ("DFGT-SRH", 2)):
        make_ticket(url, area=area, created=utcnow() - timedelta(days=days), sla_days=3, key=f"b-{area}-{days}")
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": url,
                                      "AGENT_DELIVERY_RETRY_SECONDS": "0", "RASA_URL": "http://127.0.0.1:9"}),
                       tracker_store_url=tracker.url, review_ingest_seconds=0)
    with ThreadedUvicorn(create_app(settings)) as web:
        yield {"web": web.url, "team": team}


def _page(chromium):
    context = chromium.new_context(locale="es-CO", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    return context, page


def _login(page, web: str, email: str) -> None:
    page.goto(f"{web}/agentes")
    assert page.evaluate("document.activeElement.id") == "login-email"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#session-box")).to_be_visible()


def _tab_to(page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_curator_reviews_a_grouped_masked_message_with_the_keyboard(stack, chromium) -> None:
    context, page = _page(chromium)
    _login(page, stack["web"], "cura@mineducacion.gov.co")
    expect(page.locator("#role-note")).to_be_visible()  # a curator sees no cases
    assert page.locator("#queue-view").is_hidden()
    _tab_to(page, 'a[href="/agentes/revision"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/agentes/revision")
    expect(page.locator("#work-view")).to_be_visible()

    _tab_to(page, "#ingest")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("para revisar")
    rows = page.locator("#groups-body tr")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    expect(first.locator("th")).to_have_text(INQUIRY)  # the same inquiry three ways: one row
    expect(first.locator("td").nth(0)).to_have_text("3")
    body = page.locator("#groups-body").inner_text()
    assert "rector@" not in body and "79123456" not in body and "[correo]" in body and "[documento]" in body
    assert axe_violations(page) == []
    _shot(page, "revision-bandeja.png")

    _tab_to(page, "#groups-body button[data-grupo]")
    page.keyboard.press("Enter")
    expect(page.locator("#group-view")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "group-title"
    expect(page.locator("#group-items")).to_contain_text("Buenos días. ¿En qué le puedo ayudar?")
    # select "pasto" in the example text with the keyboard and mark it as a place
    _tab_to(page, "#d-texto")
    text = page.input_value("#d-texto")
    page.keyboard.press("Control+End")
    for _ in range(len(text) - text.index("pasto") - len("pasto")):
        page.keyboard.press("ArrowLeft")
    for _ in range(len("pasto")):
        page.keyboard.press("Shift+ArrowLeft")
    _tab_to(page, 'button[data-entity="lugar"]')
    page.keyboard.press("Enter")
    expect(page.locator("#entities")).to_contain_text("Lugar: «pasto»")
    page.select_option("#d-intencion", "solicitar_gestion_men")
    assert axe_violations(page) == []
    _shot(page, "revision-grupo.png")
    _tab_to(page, "#d-corregir")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Corrección guardada")
    expect(rows).to_have_count(1)  # the pending list no longer has it
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_coordinator_dashboard_has_charts_tables_and_csv(stack, chromium) -> None:
    context, page = _page(chromium)
    _login(page, stack["web"], stack["team"].emails["coord"])
    page.goto(f"{stack['web']}/agentes/revision")  # read the conversations first
    page.locator("#ingest").click()
    expect(page.locator("#status")).to_contain_text("para revisar")
    page.goto(f"{stack['web']}/agentes/tablero")
    expect(page.locator("#status")).to_contain_text("Tablero actualizado")
    expect(page.locator("#k-mensajes")).to_have_text("8")
    expect(page.locator("#b-consultas_territorio")).to_contain_text("Cali")
    expect(page.locator("#b-temas_sin_resolver")).to_contain_text(INQUIRY)
    expect(page.locator("#b-casos_plazo")).to_contain_text("OTSI")
    assert page.evaluate("Object.keys(window.Chart.instances).length") == 5  # charts drawn by Chart.js
    assert axe_violations(page) == []
    _shot(page, "tablero.png")

    # keyboard: filter by channel, then download a table as CSV
    page.locator("#f-canal").focus()
    page.select_option("#f-canal", "telegram")
    _tab_to(page, '#filters button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page.locator("#k-mensajes")).to_have_text("2")
    _tab_to(page, 'button[aria-label="Descargar CSV: Conversaciones y mensajes por día y canal"]')
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    path = info.value.path()
    content = Path(path).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("dia,canal,conversaciones,mensajes")
    assert "telegram" in content and "socketio" not in content
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_queue_pages_search_and_sort_keep_keyboard_focus(stack, chromium, tmp_path) -> None:
    context, page = _page(chromium)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    codes = [make_ticket(url, area="OTSI", created=utcnow() - timedelta(hours=i), key=f"q{i}",
                         description=f"Consulta {i} sobre el SIMAT") for i in range(55)]
    _login(page, stack["web"], stack["team"].emails["coord"])
    expect(page.locator("#queue-page")).to_have_text("Página 1 de 2")
    _tab_to(page, "#queue-next")
    page.keyboard.press("Enter")
    expect(page.locator("#queue-page")).to_have_text("Página 2 de 2")
    assert page.evaluate("document.activeElement.id") == "queue-prev"  # «Siguiente» is now disabled
    expect(page.locator("#queue-body tr")).to_have_count(8)  # 58 open cases, 50 a page
    # sort by code with the column header button
    _tab_to(page, 'th[data-sort="codigo"] button', limit=80)
    page.keyboard.press("Enter")
    expect(page.locator('th[data-sort="codigo"]')).to_have_attribute("aria-sort", "ascending")
    assert page.evaluate("document.activeElement.closest('th').dataset.sort") == "codigo"
    # look a case up by its code
    page.fill("#f-codigo", codes[7])
    page.locator("#f-codigo").press("Enter")
    expect(page.locator("#queue-body tr")).to_have_count(1)
    expect(page.locator("#queue-body th")).to_have_text(codes[7])
    assert axe_violations(page) == []
    _shot(page, "cola-busqueda.png")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()

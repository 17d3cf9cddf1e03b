"""The MEN's real resources (issue 16): import byte for byte, answers per channel, news, related resources."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.catalog import (
    ActionBuscarContenido,
    ActionConsultarNoticias,
    ActionOfrecerRecursosRelacionados,
    ActionVerMasContenido,
    offer_related_resources,
)
from bot.catalog.importer import ImportValidationError, import_file
from bot.catalog.models import CatalogItem
from bot.catalog.present import item_response, item_values, site_of
from bot.catalog.resources import latest_news, parse_news_request, programs_in, related_resources
from bot.catalog.search import CatalogEntry
from bot.catalog.topics import territories_in, topics_in
from bot.db import session_scope
from bot.prepare import STARTER_CATALOG as PREPARE_CATALOG
from bot.settings import PROJECT_ROOT

from ..conftest import make_services
from .conftest import SAMPLE_CATALOG, STARTER_CATALOG

# sha256 of shared/data/catalog/recursos-men.yml as delivered (the project keeps an unchanged copy).
SHARED_SHA256 = "3aca148909df6791e2dbd610837591f0a14c2173ceab89ad148d47c70063da9d"
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(text: str = "", *, channel: str = "rest", slots=None, events=None, intent: str = "") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    evs = [*(events or []), {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker("u1", slots or {}, latest, evs, False, None, {}, "action_listen")


def rendered(message: dict) -> str:
    """The text the user reads: the domain response filled with the message's variables."""
    template = DOMAIN["responses"][message["response"]][0]["text"]
    return template.format_map({k: v for k, v in message.items() if k not in {"response", "template"}})


def items(d: CollectingDispatcher) -> list[dict]:
    prefixes = ("utter_catalogo_item", "utter_catalogo_recurso", "utter_catalogo_noticia", "utter_catalogo_norma")
    return [m for m in d.messages if m["response"].startswith(prefixes)]


def raw_entries() -> dict[str, str]:
    """id -> url read from the file's text itself (no YAML parser between the file and the test)."""
    text = STARTER_CATALOG.read_text(encoding="utf-8")
    ids = re.findall(r"^- id: (.+)$", text, flags=re.M)
    urls = re.findall(r"^  url: (.+)$", text, flags=re.M)
    assert len(ids) == len(urls)
    return dict(zip(ids, urls, strict=True))


# ------------------------------------------------------------------ import
def test_project_copy_is_the_delivered_file_and_preparar_loads_it():
    assert hashlib.sha256(STARTER_CATALOG.read_bytes()).hexdigest() == SHARED_SHA256
    assert PREPARE_CATALOG == STARTER_CATALOG
    assert (STARTER_CATALOG.parent / "SOURCES.md").exists()


def test_all_48_entries_imported_with_every_url_byte_for_byte(catalog_db):
    expected = raw_entries()
    assert len(expected) == 48
    with session_scope(catalog_db) as session:
        stored = {i.key: i for i in session.execute(select(CatalogItem)).scalars()}
        assert set(stored) == set(expected)
        for key, url in expected.items():
            assert stored[key].url.encode("utf-8") == url.encode("utf-8"), key
            assert stored[key].active and not stored[key].is_sample
        data = yaml.safe_load(STARTER_CATALOG.read_text(encoding="utf-8"))["recursos"]
        for rec in data:
            item = stored[rec["id"]]
            assert item.title == rec["titulo"] and item.type == rec["tipo"] and item.summary == rec["descripcion"]
            day = rec["fuente_consultada"]
            assert item.published_on == (date.fromisoformat(day) if day else None)
            assert item.evidence == rec["evidencia"] and item.topics == rec["temas"]
            assert item.source == "recursos-men.yml"
    assert ":443/" in expected["comunicado-due-2024"] and expected["simpade"].endswith("?_noredirect=1")


def test_topics_give_men_areas_and_territories_are_those_named(catalog_db):
    with session_scope(catalog_db) as session:
        by_key = {i.key: i for i in session.execute(select(CatalogItem)).scalars()}
        assert by_key["pae-canastas-receso-narino"].theme_codes == ["DCE-PER", "UAPA-PAE"]
        assert by_key["simat-evi-privados-cucuta"].territories == ["San José de Cúcuta", "Norte de Santander"]
        assert by_key["ffie-balance-julio-2023"].territories == ["Putumayo", "Cauca", "Arauca"]
        assert by_key["programa-nacional-bilinguismo"].territories == []  # "la meta del PND" is not the Meta


def test_men_file_is_validated_before_any_write(db_url, areas, tmp_path):
    bad = tmp_path / "recursos.yml"
    bad.write_text(
        "recursos:\n"
        "- {id: a, titulo: A, tipo: folleto, temas: [calidad], url: 'https://x.gov.co/a', fuente_consultada: null}\n"
        "- {id: b, titulo: B, tipo: guia, temas: [astronomia], url: '', fuente_consultada: '2020-13-01'}\n",
        encoding="utf-8",
    )
    with session_scope(db_url) as session, pytest.raises(ImportValidationError) as exc:
        import_file(session, bad, "catalogo", valid_themes=areas)
    text = " | ".join(str(e) for e in exc.value.errors)
    assert "fila 1, campo 'tipo'" in text and "fila 2, campo 'temas'" in text
    assert "fila 2, campo 'url': es obligatorio" in text and "fila 2, campo 'fecha_publicacion'" in text


def test_real_entries_retire_the_placeholders(db_url, areas):
    with session_scope(db_url) as session:
        import_file(session, SAMPLE_CATALOG, "catalogo", valid_themes=areas)
        result = import_file(session, STARTER_CATALOG, "catalogo", valid_themes=areas)
        assert result.retired == 25  # 27 placeholders; two keys are real entries now and got their link
        active = list(session.execute(select(CatalogItem).where(CatalogItem.active.is_(True))).scalars())
    assert len(active) == 48 and all(i.url and not i.is_sample for i in active)


def test_search_never_shows_a_placeholder_next_to_real_entries():
    from bot.catalog.search import CatalogIndex

    real = CatalogEntry(1, "simat-ayuda", "Ayuda del SIMAT", "Matrícula", "herramienta", (), url="https://s.gov.co/")
    placeholder = CatalogEntry(2, "simat", "SIMAT", "Sistema de matrícula", "herramienta", (), is_sample=True)
    hits, _ = CatalogIndex([real, placeholder]).search("simat matricula")
    assert [h.entry.key for h in hits] == ["simat-ayuda"]
    hits, _ = CatalogIndex([placeholder]).search("simat")  # alone, a placeholder is still found
    assert [h.entry.key for h in hits] == ["simat"]


# ------------------------------------------------------------------ answers per channel
def entry(**kw) -> CatalogEntry:
    base = dict(
        id=1,
        key="k",
        title="Título",
        summary="Resumen.",
        type="guia",
        themes=(),
        url="https://www.mineducacion.gov.co:443/a?b=1",
    )
    return CatalogEntry(**{**base, **kw})


def test_response_per_kind_date_and_channel():
    assert item_response(entry(published_on=date(2020, 1, 25)), "socketio") == "utter_catalogo_recurso_web"
    assert item_response(entry(), "whatsapp") == "utter_catalogo_recurso_sin_fecha"
    assert item_response(entry(type="noticia", published_on=date(2020, 1, 25)), "telegram") == "utter_catalogo_noticia"
    assert item_response(entry(type="norma"), "socketio") == "utter_catalogo_norma_sin_fecha_web"
    assert item_response(entry(url=""), "socketio") == "utter_catalogo_item"
    assert item_response(entry(url="https://x.gov.co/a_(b)"), "socketio") == "utter_catalogo_recurso_sin_fecha"
    assert site_of("https://www.mineducacion.gov.co:443/portal/x") == "mineducacion.gov.co"


def _search_answer(search, text: str, channel: str) -> list[str]:
    d = CollectingDispatcher()
    ActionBuscarContenido(search).run(d, tracker(text, channel=channel), {})
    return [rendered(m) for m in items(d)]


def test_web_chat_gets_a_labelled_link_whatsapp_and_telegram_the_plain_url(search):
    url = raw_entries()["decreto-501-2016-jornada-unica"]
    web = _search_answer(search, "decreto de la jornada unica", "socketio")[0]
    assert web.startswith("1. Decreto 501 de 2016 – Reglamentación de la Jornada Única\n")
    assert "Tipo: Norma · expedida el 30 de marzo de 2016 · verifique su vigencia antes de aplicarla." in web
    assert web.endswith(f"[Abrir la norma en jurinfo.jep.gov.co]({url})")
    for channel in ("whatsapp", "telegram", "rest"):
        plain = _search_answer(search, "decreto de la jornada unica", channel)[0]
        assert plain.endswith(f"\nEnlace: {url}") and "](" not in plain


def test_undated_page_says_so(search):
    text = _search_answer(search, "ayuda del simat", "whatsapp")[0]
    assert text.startswith(
        "1. SIMAT – Ayuda del Sistema Integrado de Matrícula\nTipo: Herramienta · sin fecha en la página\n"
    )


def test_dated_resource_says_when_it_was_published(search):
    text = _search_answer(search, "plan estrategico institucional", "telegram")[0]
    assert "Tipo: Micrositio · publicada el 30 de enero de 2026" in text


# ------------------------------------------------------------------ Quiero informarme: news
def test_news_newest_first_presented_as_news_of_their_date(search):
    d = CollectingDispatcher()
    events = ActionConsultarNoticias(search).run(d, tracker("que noticias hay del ministerio", channel="whatsapp"), {})
    assert d.messages[0]["response"] == "utter_noticias_encabezado" and d.messages[0]["total"] == 24
    shown = items(d)
    assert [m["titulo"][:20] for m in shown] == ["En 2026, 6.277 docen", "Comunicado a la opin", "Putumayo, Cauca y Ar"]
    first = rendered(shown[0])
    assert "Noticia publicada el 18 de marzo de 2026: cuenta lo que se informó en esa fecha" in first
    assert first.endswith("\nEnlace: https://www.mineducacion.gov.co/1780/w3-article-427876.html")
    assert "utter_noticias_nota_fecha" in [m["response"] for m in d.messages]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["catalogo_tipo"] == "noticias_recientes" and slots["catalogo_siguiente"] == 3.0
    # "ver más" goes on with the news, still newest first; undated news come last
    d = CollectingDispatcher()
    ActionVerMasContenido(search).run(d, tracker("ver mas", slots=slots), {})
    days = [m["fecha"] for m in items(d)]
    assert [m["n"] for m in items(d)] == [4, 5, 6] and all(days)


def test_news_filtered_by_topic_and_territory(search):
    d = CollectingDispatcher()
    ActionConsultarNoticias(search).run(d, tracker("noticias del PAE en Nariño", channel="socketio"), {})
    head = d.messages[0]
    assert head["response"] == "utter_noticias_encabezado_tema_territorio"
    assert (head["tema"], head["territorio"], head["total"]) == ("alimentación escolar", "Nariño", 1)
    text = rendered(items(d)[0])
    assert "Noticia sin fecha en la página" in text and "[Abrir la noticia en alimentosparaaprender.gov.co](" in text
    d = CollectingDispatcher()
    ActionConsultarNoticias(search).run(d, tracker("noticias del valle del cauca"), {})
    assert d.messages[0]["territorio"] == "Valle del Cauca" and d.messages[0]["total"] == 2  # Buenaventura's
    d = CollectingDispatcher()
    ActionConsultarNoticias(search).run(d, tracker("noticias de bilinguismo en Vaupés"), {})
    assert [m["response"] for m in d.messages] == ["utter_noticias_sin_resultados_tema_territorio"]


def test_news_request_parsing():
    assert parse_news_request("noticias sobre infraestructura en el Cauca").topics == ("infraestructura",)
    assert parse_news_request("noticias de Buenaventura").territory == "Buenaventura"
    assert parse_news_request("noticias recientes").territory is None
    assert territories_in("la meta de cobertura") == [] and territories_in("colegios del meta") == ["Meta"]
    assert territories_in("Cali y el Valle del Cauca") == ["Cali", "Valle del Cauca"]
    assert topics_in("evaluación de desempeño docente") == ["talento_humano"]


def test_latest_news_puts_undated_last():
    a = entry(key="a", type="noticia", published_on=date(2019, 1, 1))
    b = entry(key="b", type="noticia")
    c = entry(key="c", type="noticia", published_on=date(2024, 1, 1))
    assert [e.key for e in latest_news([a, b, c, entry(key="g")])] == ["c", "a", "b"]


# ------------------------------------------------------------------ related resources (FAQ, indicators)
def test_related_resources_of_a_programme(search):
    entries = search.index().entries
    assert [p.name for p in programs_in("¿Cómo reporto en el SIMAT?")] == ["SIMAT"]
    keys = [e.key for e in related_resources("¿Cómo reporto la matrícula en el SIMAT?", entries)]
    assert keys[:2] == ["simat-ayuda", "simat-manual-v7"]  # tool and guide before news
    keys = [e.key for e in related_resources("jornada única y PAE", entries)]
    assert set(keys[:2]) == {"decreto-501-2016-jornada-unica", "resolucion-335-2021-pae"}  # one per programme first
    assert related_resources("¿qué es la Escuela de Secretarías?", entries) == []
    assert related_resources("estadísticas de educación formal", entries) == []  # no programme named


def test_offer_related_resources_per_channel(search):
    d = CollectingDispatcher()
    found = offer_related_resources(d, tracker("x", channel="socketio"), "deserción y SIMPADE", search=search)
    assert [e.key for e in found] == ["simpade"]
    assert d.messages[0]["response"] == "utter_catalogo_relacionados" and d.messages[0]["programas"] == "SIMPADE"
    assert rendered(d.messages[1]).endswith(f"[Abrir la página en mineducacion.gov.co]({raw_entries()['simpade']})")
    d = CollectingDispatcher()
    assert offer_related_resources(d, tracker("x"), "cobertura neta en Soacha", search=search) == []
    assert d.messages == []


def test_action_reads_the_question_and_the_answer_just_given(search):
    answer = {"event": "bot", "text": "La deserción se sigue con el SIMPADE."}
    t = tracker("desercion en soacha 2020", channel="telegram")
    t.events.append(answer)  # the indicator answer, after the user's message
    d = CollectingDispatcher()
    ActionOfrecerRecursosRelacionados(search).run(d, t, {})
    assert [m["response"] for m in d.messages] == ["utter_catalogo_relacionados", "utter_catalogo_recurso_sin_fecha"]


def test_faq_answer_offers_resources_when_the_question_names_a_programme(search, monkeypatch):
    import actions.catalog as catalog_actions
    from actions.core import ActionResponderFaq
    from bot.clarify import load_labels

    services = make_services(catalog=search)
    monkeypatch.setattr(catalog_actions, "get_services", lambda: services)
    latest = {
        "text": "¿la escuela virtual tiene algo del PAE?",
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/escuela_virtual"}}},
        "entities": [],
    }
    t = Tracker(
        "u1", {}, latest, [{"event": "user", "text": latest["text"], "parse_data": latest}], False, None, {}, "x"
    )
    d = CollectingDispatcher()
    ActionResponderFaq(load_labels()).run(d, t, DOMAIN)
    names = [m["response"] for m in d.messages]
    assert names[0].startswith("utter_faq/") and "utter_catalogo_relacionados" in names


def test_every_catalog_url_becomes_exactly_that_link_in_the_web_chat(search):
    """The web chat (webapp/static/chat.js) turns [label](url) into a link: its own pattern must
    capture every URL of the catalog whole, as written in the file."""
    source = (PROJECT_ROOT / "webapp" / "static" / "chat.js").read_text(encoding="utf-8")
    pattern = re.search(r"var LINK_RE = /(.+)/g;", source).group(1).replace("\\/", "/")
    link_re = re.compile(pattern)
    for key, url in raw_entries().items():
        e = next(x for x in search.index().entries if x.key == key)
        message = {"response": item_response(e, "socketio"), **item_values(e, 1)}
        found = link_re.findall(rendered(message))
        assert [(label, href) for label, href, _ in found] == [(f"Abrir {_object(e)} en {site_of(url)}", url)], key


def _object(e: CatalogEntry) -> str:
    return {"noticia": "la noticia", "norma": "la norma"}.get(e.type, "la página")

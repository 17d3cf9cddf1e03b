"""Actions of the catalog feature with CollectingDispatcher and trackers built inline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.catalog import (
    ActionBuscarContenido,
    ActionBuscarPares,
    ActionCancelarSuscripcionEventos,
    ActionConectarPares,
    ActionProximoEncuentro,
    ActionSuscribirEventos,
    ActionVerMasContenido,
    ValidateParesForm,
)
from bot.db import session_scope
from bot.encuentros.events import EventService
from bot.encuentros.models import CatalogEvent
from bot.encuentros.subscriptions import SubscriptionService
from bot.peers.finder import CsvPeerData, PeerFinder

from .conftest import NOW


def tracker(text: str = "", *, intent: str = "", entities=None, slots=None, events=None, channel="rest", sender="u1"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    evs = list(events or [])
    evs.append({"event": "user", "text": text, "parse_data": latest, "input_channel": channel})
    return Tracker(sender, slots or {}, latest, evs, False, None, {}, "action_listen")


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture(scope="module")
def finder() -> PeerFinder:
    return PeerFinder(CsvPeerData())


# ------------------------------------------------------------------ Quiero aprender
ITEM_RESPONSES = ("utter_catalogo_item", "utter_catalogo_recurso", "utter_catalogo_noticia", "utter_catalogo_norma")


def items(dispatcher: CollectingDispatcher) -> list[dict]:
    return [m for m in dispatcher.messages if m["response"].startswith(ITEM_RESPONSES)]


def test_search_shows_three_real_entries_with_links_and_ver_mas(search):
    d = CollectingDispatcher()
    events = ActionBuscarContenido(search).run(d, tracker("busco el manual del simat"), {})
    assert responses(d)[0] == "utter_catalogo_encabezado"
    shown = items(d)
    assert len(shown) == 3 and all(m["url"].startswith("http") for m in shown)
    assert shown[0]["titulo"].startswith("Manual del SIMAT")
    assert "utter_catalogo_nota_muestra" not in responses(d)  # real entries: no "muestra provisional" note
    assert responses(d)[-1] == "utter_catalogo_ver_mas"
    assert d.messages[0]["consulta"] == "manual del simat"  # the topic, not the whole request
    slots = slot_events(events)
    assert slots["catalogo_siguiente"] == 3.0 and slots["catalogo_consulta"].startswith("busco")


def test_placeholders_show_the_sample_note(sample_search):
    d = CollectingDispatcher()
    ActionBuscarContenido(sample_search).run(d, tracker("busco material sobre los programas del ministerio"), {})
    assert responses(d).count("utter_catalogo_item") == 3  # placeholders: no URLs
    note = next(m for m in d.messages if m["response"] == "utter_catalogo_nota_muestra")
    assert note["custom"]["catalogo"]["muestra"] is True  # metadata of the answer


def test_search_with_typo_says_what_it_searched(search):
    d = CollectingDispatcher()
    ActionBuscarContenido(search).run(d, tracker("informacion del simpdae"), {})
    first = d.messages[0]
    assert first["response"] == "utter_catalogo_correccion"
    assert (first["escrito"], first["corregido"]) == ("simpdae", "simpade")
    assert items(d)[0]["titulo"].startswith("¿Qué es SIMPADE?")


def test_type_filter_from_entity(search):
    d = CollectingDispatcher()
    events = ActionBuscarContenido(search).run(
        d, tracker("normas de alimentacion escolar", entities=[{"entity": "tipo_contenido", "value": "normas"}]), {}
    )
    shown = items(d)
    assert shown and all(m["response"].startswith("utter_catalogo_norma") for m in shown)
    assert all(m["tipo"] == "Norma" for m in shown)
    assert slot_events(events)["catalogo_tipo"] == "norma"


def test_nothing_found(search):
    d = CollectingDispatcher()
    events = ActionBuscarContenido(search).run(d, tracker("astronomia marciana"), {})
    assert responses(d) == ["utter_catalogo_sin_resultados"] and d.messages[0]["consulta"] == "astronomia marciana"
    assert slot_events(events) == {"catalogo_siguiente": None}


def test_button_without_words_lists_the_catalog(search):
    d = CollectingDispatcher()
    ActionBuscarContenido(search).run(d, tracker("/buscar_contenido", intent="buscar_contenido"), {})
    assert responses(d)[0] == "utter_catalogo_encabezado_listado" and d.messages[0]["total"] == 48


def test_empty_catalog(db_url, areas):
    from bot.catalog.search import CatalogSearchService

    d = CollectingDispatcher()
    ActionBuscarContenido(CatalogSearchService(db_url, area_names=areas)).run(d, tracker("deserción"), {})
    assert responses(d) == ["utter_catalogo_vacio"]


def test_ver_mas_pages_until_the_end(search):
    slots = {"catalogo_consulta": "", "catalogo_tipo": "programa", "catalogo_siguiente": 3.0}
    d = CollectingDispatcher()
    events = ActionVerMasContenido(search).run(d, tracker("ver mas", slots=slots), {})
    assert [m["n"] for m in items(d)] == [4]  # four programas in the catalog
    assert "utter_catalogo_ver_mas" not in responses(d) and slot_events(events)["catalogo_siguiente"] is None
    d = CollectingDispatcher()
    ActionVerMasContenido(search).run(d, tracker("mas", slots={**slots, "catalogo_siguiente": None}), {})
    assert responses(d) == ["utter_catalogo_fin"]


def test_ver_mas_without_a_search(search):
    d = CollectingDispatcher()
    ActionVerMasContenido(search).run(d, tracker("ver mas"), {})
    assert responses(d) == ["utter_catalogo_sin_busqueda_previa"]


# ------------------------------------------------------------------ encuentros
def test_no_events_offers_a_notice(db_url):
    d = CollectingDispatcher()
    action = ActionProximoEncuentro(EventService(db_url, clock=lambda: NOW), SubscriptionService(db_url))
    events = action.run(d, tracker("cuando es el proximo encuentro"), {})
    assert responses(d) == ["utter_sin_encuentros"]
    assert slot_events(events) == {"encuentros_oferta_aviso": True}


def test_next_event_in_colombian_time(db_url):
    with session_scope(db_url) as session:
        for key, days in (("a", 3), ("b", 10)):
            session.add(
                CatalogEvent(
                    key=key, title=f"Encuentro {key}", summary="", type="encuentro_regional", mode="presencial",
                    starts_at=NOW + timedelta(days=days), place="Ibagué", audience="", registration_url="",
                    recording_url="", themes=[], is_sample=True, active=True,
                )
            )  # fmt: skip
    d = CollectingDispatcher()
    events = ActionProximoEncuentro(EventService(db_url, clock=lambda: NOW), SubscriptionService(db_url)).run(
        d, tracker("proximo encuentro?"), {}
    )
    first = d.messages[0]
    assert first["response"] == "utter_proximo_encuentro"
    assert (first["fecha"], first["hora"], first["modalidad"]) == (
        "miércoles 4 de marzo de 2026",
        "10:00 a. m.",
        "presencial",
    )
    assert responses(d)[1:] == [
        "utter_encuentro_lugar",
        "utter_encuentro_ejemplo",
        "utter_otros_encuentros",
        "utter_encuentro_item",
    ]
    assert slot_events(events) == {"encuentros_oferta_aviso": False}


def test_subscribe_then_already_subscribed_then_cancel(db_url):
    subs = SubscriptionService(db_url)
    d = CollectingDispatcher()
    ActionSuscribirEventos(subs).run(d, tracker("si", channel="telegram", sender="42"), {})
    ActionSuscribirEventos(subs).run(d, tracker("avisenme", channel="telegram", sender="42"), {})
    assert responses(d) == ["utter_suscripcion_creada", "utter_suscripcion_existente"]
    assert subs.is_subscribed("telegram", "42")
    d = CollectingDispatcher()
    ActionProximoEncuentro(EventService(db_url, clock=lambda: NOW), subs).run(
        d, tracker("y el proximo encuentro", channel="telegram", sender="42"), {}
    )
    assert responses(d) == ["utter_sin_encuentros_ya_suscrito"]
    d = CollectingDispatcher()
    ActionCancelarSuscripcionEventos(subs).run(d, tracker("cancelar avisos", channel="telegram", sender="42"), {})
    ActionCancelarSuscripcionEventos(subs).run(d, tracker("cancelar avisos", channel="telegram", sender="42"), {})
    assert responses(d) == ["utter_suscripcion_cancelada", "utter_suscripcion_no_existia"]


def test_subscription_needs_a_channel(db_url):
    d = CollectingDispatcher()
    ActionSuscribirEventos(SubscriptionService(db_url)).run(d, tracker("avisenme", channel=None), {})
    assert responses(d) == ["utter_suscripcion_no_posible"]


# ------------------------------------------------------------------ peers
def test_form_validation_of_the_place(finder):
    action = ValidateParesForm(finder)
    d = CollectingDispatcher()
    assert action.validate_pares_lugar("somos de la secretaria de tunja", d, tracker(), {}) == {
        "pares_lugar": "somos de la secretaria de tunja"
    }
    assert action.validate_pares_lugar("Springfield", d, tracker(), {}) == {"pares_lugar": None}
    assert responses(d) == ["utter_pares_lugar_desconocido"]
    # the NLU took "etc" as a place too: the other entity, or the whole message, still works
    t = tracker(
        "somos de la ETC de Pasto",
        entities=[{"entity": "lugar", "value": "etc"}, {"entity": "lugar", "value": "Pasto"}],
    )
    assert action.validate_pares_lugar("etc", d, t, {}) == {"pares_lugar": "Pasto"}


def _question(text: str) -> list[dict]:
    return [{"event": "user", "text": text, "parse_data": {"intent": {"name": "buscar_pares"}}}]


def test_peers_answer_for_tunja(finder):
    d = CollectingDispatcher()
    t = tracker(
        "tunja",
        slots={"pares_lugar": "tunja"},
        events=_question("que secretarias parecidas a la nuestra bajaron la desercion?"),
    )
    events = ActionBuscarPares(finder).run(d, t, {})
    assert responses(d) == [
        "utter_pares_periodo_anterior",
        "utter_pares_resultado",
        "utter_pares_item",
        "utter_pares_item",
        "utter_pares_propia",
        "utter_pares_criterios_region",
        "utter_pares_fuente",
        "utter_pares_ofrecer_conexion",
    ]
    period, header, first = d.messages[0], d.messages[1], d.messages[2]
    assert (period["pedido_desde"], period["pedido_hasta"], period["desde"], period["hasta"]) == (
        2018,
        2022,
        2017,
        2021,
    )
    assert (header["mejoraron"], header["candidatas"]) == (2, 6)
    assert (first["nombre"], first["valor_inicial"], first["valor_final"]) == ("Facatativá", "2,68 %", "2,00 %")
    criteria = d.messages[5]
    assert (criteria["poblacion_min"], criteria["poblacion_max"], criteria["region"]) == (
        "20.210",
        "80.840",
        "Región Centro Oriente",
    )
    slots = slot_events(events)
    assert slots["pares_oferta"] is True and slots["pares_solicitud"]["pares"] == "Facatativá, Piedecuesta"
    assert (
        "VPBM" not in slots["pares_solicitud"]["descripcion"]
        and "Facatativá" in slots["pares_solicitud"]["descripcion"]
    )


def test_peers_with_period_and_indicator_from_the_question(finder):
    d = CollectingDispatcher()
    t = tracker(
        "soacha", slots={"pares_lugar": "Soacha"}, events=_question("quienes bajaron la desercion entre 2015 y 2019")
    )
    ActionBuscarPares(finder).run(d, t, {})
    assert "utter_pares_periodo_anterior" not in responses(d)
    assert "utter_pares_relajado_region" in responses(d)
    assert d.messages[1]["nombre"] == "Manizales"


def test_level_is_named_when_not_the_total(finder):
    d = CollectingDispatcher()
    t = tracker("soacha", slots={"pares_lugar": "Soacha"}, events=_question("y en secundaria entre 2015 y 2019?"))
    ActionBuscarPares(finder).run(d, t, {})
    header = next(m for m in d.messages if m["response"].startswith("utter_pares_resultado"))
    assert header["response"] == "utter_pares_resultado_nivel" and header["nivel"] == "secundaria"


def test_departmental_etc_is_explained_and_escuela_offered(finder):
    d = CollectingDispatcher()
    events = ActionBuscarPares(finder).run(d, tracker("antioquia", slots={"pares_lugar": "Antioquia"}), {})
    assert responses(d) == ["utter_pares_etc_departamental", "utter_pares_ofrecer_escuela"]
    assert slot_events(events)["pares_oferta"] is True


def test_bogota_warns_few_comparables(finder):
    d = CollectingDispatcher()
    ActionBuscarPares(finder).run(d, tracker("bogota", slots={"pares_lugar": "Bogotá"}), {})
    assert "utter_pares_pocas_comparables" in responses(d) and "utter_pares_relajado_nivel_inicial" in responses(d)


CASE_DOMAIN = {"slots": {s: {} for s in ("caso_motivo", "caso_descripcion_sugerida", "caso_nombre", "caso_confirmado")}}


def test_connect_hands_over_to_the_case_flow(finder):
    request = {"descripcion": "Solicitud de conexión entre pares...", "pares": "Facatativá, Piedecuesta"}
    d = CollectingDispatcher()
    events = ActionConectarPares().run(d, tracker("si", slots={"pares_solicitud": request}), CASE_DOMAIN)
    assert responses(d) == ["utter_pares_conexion_intro"] and d.messages[0]["pares"] == "Facatativá, Piedecuesta"
    assert SlotSet("caso_descripcion_sugerida", request["descripcion"]) in events
    assert SlotSet("caso_motivo", "conexion_pares") in events
    assert SlotSet("caso_nombre", None) in events and SlotSet("caso_confirmado", None) in events
    assert events[-1] == FollowupAction("action_pedir_consentimiento")


def test_connect_without_a_previous_search():
    d = CollectingDispatcher()
    events = ActionConectarPares().run(d, tracker("conectenos"), CASE_DOMAIN)
    assert responses(d) == ["utter_pares_sin_busqueda"] and events == [SlotSet("pares_oferta", False)]


def test_no_subscription_on_a_channel_no_notice_can_reach(db_url):
    d = CollectingDispatcher()
    events = ActionSuscribirEventos(SubscriptionService(db_url)).run(d, tracker("avisenme", channel="rest"), {})
    assert responses(d) == ["utter_suscripcion_no_posible"] and slot_events(events) == {"encuentros_oferta_aviso": False}
    assert SubscriptionService(db_url).is_subscribed("rest", "u1") is False


def test_a_subscription_keeps_the_theme_and_region_the_message_names(db_url, resolver):
    from bot.encuentros.models import EventSubscription
    from bot.encuentros.subscriptions import filters_in

    assert filters_in("avíseme de los talleres del PAE en el Huila", resolver).theme == "UAPA-PAE"
    assert filters_in("avíseme de los talleres del PAE en el Huila", resolver).region == "Huila"
    assert filters_in("avíseme de los encuentros en Pitalito", resolver).region == "Huila"
    assert filters_in("si", resolver) == filters_in("", resolver)

    subs = SubscriptionService(db_url)
    d = CollectingDispatcher()
    ActionSuscribirEventos(subs, resolver).run(d, tracker("avíseme de los talleres del PAE en el Huila",
                                                          channel="telegram", sender="77"), {})
    [message] = d.messages
    assert message["response"] == "utter_suscripcion_creada"
    assert message["filtro"] == " sobre alimentación escolar en Huila (o que se pueda seguir en línea)"
    with session_scope(db_url) as session:
        sub = session.query(EventSubscription).filter_by(conversation_id="77").one()
        assert (sub.theme, sub.region) == ("UAPA-PAE", "Huila")

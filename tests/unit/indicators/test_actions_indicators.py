"""The Rasa actions of "Quiero informarme", with CollectingDispatcher and trackers built inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.indicators import (
    ActionAskIndIndicador,
    ActionAskIndLugar,
    ActionAskIndLugares,
    ActionPrepararIndicador,
    ActionResponderIndicador,
    ValidateIndicadorForm,
)
from bot.indicators.service import IndicatorService
from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
SLOTS = ("ind_consulta", "ind_indicador", "ind_nivel", "ind_anio", "ind_lugar", "ind_lugares", "ind_lugares_parcial",
         "ind_lugar_texto", "ind_indicador_texto", "ind_ranking", "requested_slot")


@pytest.fixture(scope="module")
def responses() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


@pytest.fixture
def svc(service) -> IndicatorService:
    return service


def tracker(text: str = "", intent: str = "consultar_indicador", entities: dict | None = None, **slots) -> Tracker:
    ents = []
    for name, value in (entities or {}).items():
        for v in value if isinstance(value, list) else [value]:
            ents.append({"entity": name, "value": v})
    all_slots = dict.fromkeys(SLOTS)
    all_slots.update(slots)
    message = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": ents}
    return Tracker("test", all_slots, message, [], False, None, {}, "action_listen")


def slots_of(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def run(action, trk: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, trk, {})
    return dispatcher.messages, events


def names(messages) -> list[str]:
    return [m["response"] for m in messages]


def check_variables(messages, responses) -> None:
    """Every {variable} of a response is given by the action (no "{valor}" left in the chat)."""
    for msg in messages:
        text = responses[msg["response"]][0]["text"]
        for var in re.findall(r"{(\w+)}", text):
            assert var in msg or var in (msg.get("kwargs") or {}), (msg["response"], var)


# ------------------------------------------------------------------------------------------ prepare
def test_prepare_reads_a_full_question(svc):
    trk = tracker("cual fue la desercion en Cartagena en 2020",
                  entities={"indicador": "desercion", "lugar": "Cartagena", "anio": "2020"})
    _msgs, events = run(ActionPrepararIndicador(svc), trk)
    s = slots_of(events)
    assert (s["ind_consulta"], s["ind_indicador"], s["ind_lugar"], s["ind_anio"], s["ind_nivel"]) == (
        "valor", "desercion", "mun:13001", 2020.0, None)


def test_prepare_without_entities_reads_the_text(svc):
    _msgs, events = run(ActionPrepararIndicador(svc), tracker("cobertura neta en media del cauca"))
    s = slots_of(events)
    assert (s["ind_indicador"], s["ind_nivel"], s["ind_lugar"]) == ("cobertura_neta", "media", "dep:19")


def test_follow_up_changes_only_the_year(svc):
    trk = tracker("¿y en 2018?", "ajustar_consulta_indicador", {"anio": "2018"}, ind_consulta="valor",
                  ind_indicador="desercion", ind_lugar="mun:13001", ind_anio=2020.0, ind_nivel="primaria")
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_anio"] == 2018.0
    assert "ind_lugar" not in s and "ind_indicador" not in s and "ind_nivel" not in s


def test_follow_up_after_a_municipality_asks_department_or_municipality(svc):
    trk = tracker("¿y en Boyacá?", "ajustar_consulta_indicador", {"lugar": "Boyacá"}, ind_consulta="valor",
                  ind_indicador="desercion", ind_lugar="mun:13001")
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_lugar"] is None and s["ind_lugar_texto"] == "Boyacá"


def test_follow_up_with_a_department_name_keeps_the_kind(svc):
    trk = tracker("¿y en Boyacá?", "ajustar_consulta_indicador", {"lugar": "Boyacá"}, ind_consulta="valor",
                  ind_indicador="cobertura_neta", ind_lugar="dep:25")
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_lugar"] == "dep:15" and "ind_indicador" not in s


def test_ambiguous_place_is_asked_with_buttons(svc, responses):
    s = slots_of(run(ActionPrepararIndicador(svc), tracker("desercion en Armenia", entities={"lugar": "Armenia"}))[1])
    assert s["ind_lugar"] is None and s["ind_lugar_texto"] == "Armenia"
    msgs, _ = run(ActionAskIndLugar(svc), tracker(ind_lugar_texto="Armenia", requested_slot="ind_lugar"))
    assert names(msgs) == ["utter_ind_lugar_ambiguo"]
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert titles == ["Armenia (Antioquia)", "Armenia (Quindío)"]
    assert msgs[0]["buttons"][1]["payload"] == '/informar_dato_indicador{"lugar": "Armenia (Quindío)"}'
    check_variables(msgs, responses)


def test_unknown_place_gets_suggestions_or_an_explanation(svc, responses):
    msgs, _ = run(ActionAskIndLugar(svc), tracker(ind_lugar_texto="Barranquiyita", requested_slot="ind_lugar"))
    assert names(msgs) == ["utter_ind_lugar_desconocido"] and msgs[0]["buttons"]
    assert "Barranquilla (Atlántico)" in [b["title"] for b in msgs[0]["buttons"]]
    msgs, _ = run(ActionAskIndLugar(svc), tracker(ind_lugar_texto="qwzx", requested_slot="ind_lugar"))
    assert names(msgs) == ["utter_ind_lugar_sin_sugerencias"]
    msgs, _ = run(ActionAskIndLugar(svc), tracker(requested_slot="ind_lugar"))
    assert names(msgs) == ["utter_ask_ind_lugar"]
    check_variables(msgs, responses)


def test_prepare_comparison(svc):
    trk = tracker("compare la desercion de Cali, Medellin y Bogota", "comparar_indicador",
                  {"indicador": "desercion", "lugar": ["Cali", "Medellin", "Bogota"]})
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_consulta"] == "comparacion" and s["ind_lugares"] == ["mun:76001", "mun:05001", "dep:11"]
    trk = tracker("comparelo con Medellin", "comparar_indicador", {"lugar": "Medellin"}, ind_lugar="mun:76001",
                  ind_indicador="desercion")
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_lugares"] == ["mun:76001", "mun:05001"] and "ind_indicador" not in s  # the question goes on
    trk = tracker("compare la cobertura neta de pasto", "comparar_indicador", {"indicador": "cobertura neta",
                  "lugar": "pasto"}, ind_lugar="dep:25", ind_indicador="desercion")
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_lugares"] is None and s["ind_lugares_parcial"] == ["mun:52001"]  # a new question: asks the rest


def test_comparison_departments_settle_ambiguous_names(svc):
    trk = tracker("cobertura bruta en media entre Sucre, Cordoba y Bolivar", "comparar_indicador",
                  {"indicador": "cobertura bruta", "nivel": "media", "lugar": ["Sucre", "Cordoba", "Bolivar"]})
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    # all three are ambiguous: none settles the others, so the first is asked
    assert s["ind_lugares"] is None and s["ind_lugar_texto"] == "Sucre"


def test_prepare_ranking(svc):
    trk = tracker("los 10 municipios con menor cobertura neta", "ranking_indicador", {"indicador": "cobertura neta"})
    s = slots_of(run(ActionPrepararIndicador(svc), trk)[1])
    assert s["ind_consulta"] == "ranking" and s["ind_ranking"] == "asc|10|municipios|"


# ------------------------------------------------------------------------------------------ form
async def test_required_slots_depend_on_the_question(svc):
    form = ValidateIndicadorForm(svc)
    d = CollectingDispatcher()
    assert await form.required_slots([], d, tracker(ind_consulta="ranking"), {}) == ["ind_indicador"]
    assert await form.required_slots([], d, tracker(ind_consulta="comparacion"), {}) == ["ind_indicador", "ind_lugares"]
    assert await form.required_slots([], d, tracker(ind_consulta="valor"), {}) == ["ind_indicador", "ind_lugar"]


async def extract(svc, trk):
    return await ValidateIndicadorForm(svc).extract_ind_indicador(CollectingDispatcher(), trk, {})


async def test_form_extracts_the_place_and_a_year(svc):
    trk = tracker("Villavicencio en 2019", "informar_dato_indicador", requested_slot="ind_lugar",
                  ind_consulta="valor", ind_indicador="desercion")
    assert await extract(svc, trk) == {"ind_lugar": "mun:50001", "ind_anio": 2019.0}


async def test_form_keeps_bad_input_to_offer_options(svc):
    trk = tracker("xyzzy qwerty", "nlu_fallback", requested_slot="ind_lugar", ind_consulta="valor",
                  ind_indicador="desercion")
    assert await extract(svc, trk) == {"ind_lugar_texto": "xyzzy qwerty"}  # the place stays missing: asked again
    msgs, _ = run(ActionAskIndLugar(svc), tracker(ind_lugar_texto="xyzzy qwerty", requested_slot="ind_lugar"))
    assert names(msgs) == ["utter_ind_lugar_sin_sugerencias"]


async def test_form_leaves_small_talk_to_the_rules(svc):
    assert await extract(svc, tracker("muchas gracias", "agradecer", requested_slot="ind_lugar")) == {}


async def test_a_new_question_inside_the_form_starts_over(svc):
    trk = tracker("desercion en armenia quindio", "consultar_indicador", {"indicador": "desercion"},
                  requested_slot="ind_indicador", ind_lugar="dep:15", ind_consulta="valor")
    out = await extract(svc, trk)
    assert (out["ind_indicador"], out["ind_lugar"], out["ind_consulta"]) == ("desercion", "mun:63001", "valor")


async def test_form_extracts_indicator_or_keeps_asking(svc):
    trk = tracker("la aprobacion en primaria", "informar_dato_indicador", requested_slot="ind_indicador")
    out = await extract(svc, trk)
    assert out["ind_indicador"] == "aprobacion" and out["ind_nivel"] == "primaria"
    trk = tracker("cobertura", "informar_dato_indicador", requested_slot="ind_indicador", ind_consulta="valor")
    assert await extract(svc, trk) == {"ind_indicador_texto": "cobertura"}  # neta or bruta is asked
    trk = tracker("lo de los ninos que se van", "informar_dato_indicador", requested_slot="ind_indicador",
                  ind_consulta="valor")
    out = await extract(svc, trk)
    assert out.get("ind_indicador") is None
    msgs, _ = run(ActionAskIndIndicador(), tracker(ind_indicador_texto=out["ind_indicador_texto"]))
    assert names(msgs) == ["utter_ind_indicador_desconocido"]


async def test_form_collects_places_for_a_comparison(svc):
    trk = tracker("Pasto y Ipiales", "informar_dato_indicador", requested_slot="ind_lugares", ind_indicador="desercion")
    out = await extract(svc, trk)
    assert out["ind_lugares"] == ["mun:52001", "mun:52356"]
    trk = tracker("Pasto", "informar_dato_indicador", requested_slot="ind_lugares", ind_indicador="desercion",
                  ind_consulta="comparacion")
    out = await extract(svc, trk)
    assert out.get("ind_lugares") is None and out["ind_lugares_parcial"] == ["mun:52001"]
    msgs, _ = run(ActionAskIndLugares(svc), tracker(ind_lugares_parcial=["mun:52001"]))
    assert names(msgs) == ["utter_ask_ind_lugares_otro"] and msgs[0]["lugares"] == "Pasto"


def test_ask_indicator_offers_neta_or_bruta():
    msgs, _ = run(ActionAskIndIndicador(), tracker("la cobertura", ind_indicador_texto="la cobertura"))
    assert names(msgs) == ["utter_ind_indicador_ambiguo"]
    assert [b["payload"] for b in msgs[0]["buttons"]] == [
        '/informar_dato_indicador{"indicador": "cobertura_neta"}', '/informar_dato_indicador{"indicador": "cobertura_bruta"}']
    msgs, _ = run(ActionAskIndIndicador(), tracker("quiero informarme"))
    assert names(msgs) == ["utter_ask_ind_indicador"] and len(msgs[0]["buttons"]) == 8


# ------------------------------------------------------------------------------------------ answers
def answer(svc, **slots):
    return run(ActionResponderIndicador(svc), tracker(**slots))


def test_answer_a_value_with_change_and_source(svc, responses):
    msgs, events = answer(svc, ind_consulta="valor", ind_indicador="desercion", ind_lugar="mun:13001", ind_anio=2020.0)
    assert names(msgs) == ["utter_ind_valor"]
    m = msgs[0]
    assert (m["lugar"], m["anio"], m["valor"], m["anio_anterior"], m["cambio"]) == (
        "Cartagena de Indias (Bolívar)", 2020, "1,92 %", 2019, "-1,17 puntos porcentuales")
    assert m["indicador"] == "Tasa de deserción (sector oficial)"
    assert m["fuente"] == "MEN, datos.gov.co, conjunto nudc-7mev"
    assert slots_of(events)["ind_lugar_texto"] is None
    check_variables(msgs, responses)


def test_answer_latest_year_says_which(svc, responses):
    msgs, _ = answer(svc, ind_consulta="valor", ind_indicador="reprobacion", ind_nivel="primaria", ind_lugar="dep:05")
    assert names(msgs) == ["utter_ind_ultimo_anio", "utter_ind_anios_recientes_no_confiables", "utter_ind_valor"]
    assert msgs[0]["anio"] == 2021 and msgs[1]["anios"] == "2022, 2023, 2024"
    check_variables(msgs, responses)


def test_answer_never_states_a_flagged_value(svc, responses):
    msgs, _ = answer(svc, ind_consulta="valor", ind_indicador="aprobacion", ind_nivel="secundaria", ind_lugar="dep:05",
                     ind_anio=2019.0)
    assert names(msgs) == ["utter_ind_no_confiable_columna_identica"]
    assert msgs[0]["otra_columna"] == "tasa de deserción (sector oficial) en secundaria"
    assert not any("valor" in m for m in msgs)
    check_variables(msgs, responses)


def test_answer_year_out_of_range_lists_the_years(svc, responses):
    msgs, _ = answer(svc, ind_consulta="valor", ind_indicador="desercion", ind_lugar="mun:05001", ind_anio=2025.0)
    assert names(msgs) == ["utter_ind_anio_no_disponible"] and msgs[0]["anios"] == "2011 a 2022"
    check_variables(msgs, responses)


def test_answer_departmental_etc_without_inventing(svc, responses):
    msgs, _ = answer(svc, ind_consulta="valor", ind_indicador="desercion", ind_lugar="etc:3758", ind_anio=2020.0)
    assert names(msgs) == ["utter_ind_etc_departamental", "utter_ind_etc_dato_departamento"]
    assert "Medellín" in msgs[0]["certificados"] and msgs[1]["departamento"] == "Antioquia"
    check_variables(msgs, responses)


def test_answer_level_not_published_gives_the_total(svc, responses):
    msgs, _ = answer(svc, ind_consulta="valor", ind_indicador="poblacion_5_16", ind_nivel="media", ind_lugar="dep:05",
                     ind_anio=2011.0)
    assert names(msgs) == ["utter_ind_nivel_no_disponible", "utter_ind_valor_sin_cambio"]
    assert msgs[1]["valor"] == "1.288.473 personas"
    check_variables(msgs, responses)


def test_answer_comparison_with_chart(svc, responses, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://asistente.example.test")
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        msgs, _ = answer(svc, ind_consulta="comparacion", ind_indicador="desercion",
                         ind_lugares=["mun:76001", "mun:05001", "dep:11"])
    finally:
        get_settings.cache_clear()
    assert names(msgs) == ["utter_ind_comparacion", "utter_ind_grafica"]
    assert msgs[0]["lista"] == "1. Cali: 5,00 %\n2. Medellín: 4,91 %\n3. Bogotá, D.C.: 3,46 %" and msgs[0]["anio"] == 2022
    url = msgs[1]["image"]
    assert url.startswith("https://asistente.example.test/charts/ind-") and url.endswith(".png")
    assert (svc.charts_dir / url.rsplit("/", 1)[1]).exists()
    check_variables(msgs, responses)


def test_answer_ranking(svc, responses):
    msgs, _ = answer(svc, ind_consulta="ranking", ind_indicador="repitencia", ind_ranking="desc|3|departamentos|")
    assert names(msgs) == ["utter_ind_ranking_mayor"]
    assert msgs[0]["lista"] == "1. Vichada: 17,06 %\n2. Vaupés: 16,00 %\n3. Guainía: 14,82 %"
    msgs, _ = answer(svc, ind_consulta="ranking", ind_indicador="aprobacion", ind_ranking="desc|3|etc|peores")
    assert names(msgs)[:2] == ["utter_ind_ranking_menor", "utter_ind_ranking_nota_etc"]  # worst approval = lowest
    check_variables(msgs, responses)


def test_answer_evolution_with_chart(svc, responses):
    msgs, _ = answer(svc, ind_consulta="evolucion", ind_indicador="cobertura_neta", ind_nivel="media", ind_lugar="dep:19")
    assert names(msgs) == ["utter_ind_evolucion", "utter_ind_grafica"]
    assert (msgs[0]["anio_inicial"], msgs[0]["anio_final"], msgs[0]["cambio"]) == (2011, 2024, "+11,15 puntos porcentuales")
    check_variables(msgs, responses)


def test_answer_without_indicator_explains(svc):
    msgs, _ = answer(svc, ind_consulta="valor", ind_lugar="dep:19")
    assert names(msgs) == ["utter_ind_explicacion"]


def test_database_failure_is_said_not_raised(tmp_path):
    broken = IndicatorService(f"sqlite:///{tmp_path / 'empty.db'}", charts_dir=tmp_path, live_enabled=False)
    msgs, events = run(ActionPrepararIndicador(broken), tracker("desercion en Cali", entities={"lugar": "Cali"}))
    assert names(msgs) == ["utter_ind_error"]
    msgs, _ = answer(broken, ind_consulta="valor", ind_indicador="desercion", ind_lugar="mun:76001")
    assert names(msgs) == ["utter_ind_error"]


def test_every_response_used_exists_in_the_domain(responses):
    source = (PROJECT_ROOT / "actions" / "indicators.py").read_text(encoding="utf-8")
    used = set(re.findall(r'"(utter_ind_[a-z_]+|utter_ask_ind_[a-z_]+)"', source))
    reasons = {f"utter_ind_no_confiable_{r}" for r in
               ("sin_datos", "columna_identica", "fuera_de_rango", "inverosimil", "suma_inconsistente")}
    assert (used | reasons) - set(responses) == set()
    assert Path(DOMAIN_FILE).exists()


async def test_form_run_keeps_every_slot_read_from_the_answer(svc):
    """The whole validate action, as Rasa calls it: options for an ambiguous place survive the SDK's filtering."""
    domain = {"forms": {"indicador_form": {"required_slots": ["ind_indicador", "ind_lugar", "ind_lugares"]}}}
    trk = tracker("desercion en armenia", "consultar_indicador", {"indicador": "desercion", "lugar": "armenia"},
                  requested_slot="ind_indicador", ind_consulta="valor")
    trk.events = [{"event": "user", "text": "desercion en armenia"}]
    events = await ValidateIndicadorForm(svc).run(CollectingDispatcher(), trk, domain)
    s = slots_of(events)
    assert s["ind_indicador"] == "desercion" and s["ind_lugar"] is None
    assert s["ind_lugar_texto"] == "armenia" and s["requested_slot"] == "ind_lugar"


def test_an_indicator_answer_offers_the_resources_of_a_programme_the_question_names(svc, monkeypatch):
    import actions.catalog as catalog_actions

    offered = []
    monkeypatch.setattr(catalog_actions, "offer_related_resources",
                        lambda dispatcher, tracker, text, **kw: offered.append(text) or [])
    trk = tracker(ind_consulta="valor", ind_indicador="desercion", ind_lugar="mun:13001", ind_anio=2020.0)
    trk.events.append({"event": "user", "text": "desercion en cartagena 2020 segun el SIMAT"})
    run(ActionResponderIndicador(svc), trk)
    assert offered and "SIMAT" in offered[0]


async def test_the_form_does_not_read_again_a_message_already_read_this_turn(svc):
    trk = tracker("y el año anterior?", "ajustar_consulta_indicador", ind_consulta="valor", ind_indicador="desercion",
                  ind_lugar="mun:13001", ind_anio=2016.0, requested_slot="ind_lugar")
    trk.events.extend([{"event": "user", "text": "y el año anterior?"},
                       {"event": "action", "name": "action_preparar_indicador"}])
    out = await extract(svc, trk)
    assert out["ind_anio"] == 2016.0  # not 2015: the year was already moved back by action_preparar_indicador

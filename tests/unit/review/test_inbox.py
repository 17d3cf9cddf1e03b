"""Review inbox: what lands in it (masked, with context), grouping, decisions and permissions."""

from __future__ import annotations

import pytest

from bot.agents.desk import AgentDesk, QueueFilters
from bot.agents.permissions import Forbidden, Invalid, NotFound
from bot.agents.review.inbox import ReviewInbox
from bot.agents.review.ingest import TrackerIngestor, ingest_transfers

from .conftest import make_ticket


def ingest(db_url, tracker, clock, threshold=0.5):
    return TrackerIngestor(database_url=db_url, tracker_url=tracker.url, threshold=threshold, clock=clock).run()


def test_fallback_message_lands_masked_with_context(db_url, tracker, team, clock) -> None:
    s = "conv-fallback"
    tracker.user(s, "buenas tardes", "saludar", 0.99)
    tracker.action(s, "utter_saludar")
    tracker.bot(s, "Buenas tardes. ¿En qué le puedo ayudar?")
    raw = ("soy ana.perez@sed.gov.co cc 1.023.456.789 cel 3101234567, como tramito la homologacion "
           "de titulos de los docentes del 2023")
    eid = tracker.user(s, raw, "nlu_fallback", 0.21)
    tracker.action(s, "action_default_ask_affirmation")
    tracker.bot(s, "No estoy seguro de haberle entendido. ¿Quiso decir…?")
    tracker.user(s, "/solicitar_gestion_men", "solicitar_gestion_men", 1.0)
    tracker.action(s, "action_ofrecer_caso")
    tracker.bot(s, "Puedo abrir un caso para que el área del Ministerio que corresponde le responda.")

    report = ingest(db_url, tracker, clock)
    assert report.messages == 3 and report.flagged == 1

    inbox = ReviewInbox(database_url=db_url)
    page = inbox.groups(team["coord"])
    assert page.total == 1
    group = page.groups[0]
    assert group.count == 1 and set(group.reasons) == {"fallback", "quiso_decir"}
    for secret in ("ana.perez", "sed.gov.co", "1.023.456.789", "3101234567"):
        assert secret not in group.text
    assert "[correo]" in group.text and "[documento]" in group.text and "[teléfono]" in group.text
    assert "2023" in group.text  # a year is not personal data
    detail = inbox.group(team["coord"], group.id)
    item = detail.items[0]
    assert item.intent == "nlu_fallback" and item.confidence == pytest.approx(0.21)
    assert item.context_before[-1] == {"de": "asistente", "texto": "Buenas tardes. ¿En qué le puedo ayudar?"}
    assert item.context_before[0]["texto"] == "buenas tardes"
    assert item.context_after[0]["texto"].startswith("No estoy seguro")
    assert item.suggested_intent == "solicitar_gestion_men"  # the option the user chose
    assert eid > 0


def test_low_confidence_not_helpful_and_case_offer_flag_their_message(db_url, tracker, team, clock) -> None:
    s = "conv-flags"
    tracker.user(s, "cual fue la desercion en cali en 2021", "consultar_indicador", 0.97,
                 entities=[{"entity": "lugar", "value": "Cali", "start": 27, "end": 31}])
    tracker.bot(s, "La deserción de Cali en 2021 fue 3,1 %.")
    tracker.user(s, "y el indice de calidad de la secretaria", "consultar_indicador", 0.41)  # under 0.5
    tracker.bot(s, "¿De qué lugar?")
    tracker.user(s, "necesito el listado de colegios en jornada unica", "buscar_contenido", 0.88)
    tracker.bot(s, "Encontré esto…")
    tracker.user(s, "no me sirvio", "no_me_sirvio", 0.99)
    tracker.action(s, "action_ofrecer_caso")
    tracker.user(s, "quiero hablar con una persona", "contactar_humano", 0.99)
    tracker.action(s, "action_ofrecer_caso")  # asked for: not a misunderstanding
    ingest(db_url, tracker, clock)

    groups = {g.text: g for g in ReviewInbox(database_url=db_url).groups(team["cura"]).groups}
    assert set(groups) == {"y el indice de calidad de la secretaria", "necesito el listado de colegios en jornada unica"}
    assert set(groups["y el indice de calidad de la secretaria"].reasons) == {"baja_confianza"}
    assert set(groups["necesito el listado de colegios en jornada unica"].reasons) == {"no_me_sirvio"}


def test_answers_typed_into_the_case_form_are_masked(db_url, tracker, team, clock) -> None:
    s = "conv-form"
    tracker.loop(s, "caso_form")
    tracker.slot(s, "requested_slot", "caso_nombre")
    tracker.bot(s, "¿Cuál es su nombre completo?")
    tracker.user(s, "Rosalba Quintero Díaz", "informar_dato_indicador", 0.12)  # low, but a form answer
    tracker.slot(s, "caso_nombre", "Rosalba Quintero Díaz")
    tracker.slot(s, "requested_slot", "caso_confirmado")
    tracker.bot(s, "Confirme sus datos: Rosalba Quintero Díaz, rosalba@etc.gov.co")
    tracker.user(s, "si", "afirmar", 0.99)
    tracker.loop(s, None)
    tracker.slot(s, "requested_slot", None)
    tracker.bot(s, "Listo, Rosalba Quintero Díaz: su caso quedó registrado.")
    tracker.user(s, "asdf la vaina esa del sistema", "nlu_fallback", 0.1)
    ingest(db_url, tracker, clock)

    page = ReviewInbox(database_url=db_url).groups(team["coord"])
    assert [g.text for g in page.groups] == ["asdf la vaina esa del sistema"]
    item = ReviewInbox(database_url=db_url).group(team["coord"], page.groups[0].id).items[0]
    context = " ".join(t["texto"] for t in item.context_before)
    assert "Rosalba" not in context and "rosalba@" not in context
    assert "[dato del formulario]" in context


def test_the_same_inquiry_written_ten_ways_is_one_row(db_url, tracker, team, clock) -> None:
    variants = [
        "como saco el certificado laboral docente", "Cómo saco el certificado laboral docente?",
        "COMO SACO EL CERTIFICADO LABORAL DOCENTE", "como saco el certificado laboral docente!!",
        "cómo saco el certificado laboral  docente", "como saco el certificao laboral docente",
        "como saco el certificado laboral docentes", "como saco certificado laboral docente",
        "como saco el certificado laboral del docente", "¿cómo saco el certificado laboral docente?",
    ]
    for i, text in enumerate(variants):
        tracker.user(f"conv-{i}", text, "nlu_fallback", 0.2)
    tracker.user("conv-x", "horario de atencion de la oficina de nomina", "nlu_fallback", 0.2)
    ingest(db_url, tracker, clock)
    page = ReviewInbox(database_url=db_url).groups(team["coord"])
    assert page.total == 2
    assert page.groups[0].count == 10 and page.groups[1].count == 1


def test_ingestion_is_incremental(db_url, tracker, team, clock) -> None:
    tracker.user("a", "texto raro uno", "nlu_fallback", 0.1)
    first = ingest(db_url, tracker, clock)
    again = ingest(db_url, tracker, clock)
    assert (first.events, again.events) == (1, 0)
    tracker.user("a", "texto raro uno", "nlu_fallback", 0.1)
    tracker.user("b", "hola", "saludar", 0.99)
    third = ingest(db_url, tracker, clock)
    assert third.events == 2 and third.position > first.position
    page = ReviewInbox(database_url=db_url).groups(team["coord"])
    assert page.total == 1 and page.groups[0].count == 2


def test_decisions_validate_intent_entities_and_personal_data(db_url, tracker, team, clock) -> None:
    tracker.user("a", "cuantos estudiantes desertaron en pasto el año 2022", "nlu_fallback", 0.2)
    tracker.user("b", "mi correo es x@y.co", "nlu_fallback", 0.2)
    ingest(db_url, tracker, clock)
    inbox = ReviewInbox(database_url=db_url, clock=clock)
    groups = {g.text: g for g in inbox.groups(team["cura"]).groups}
    target = groups["cuantos estudiantes desertaron en pasto el año 2022"]
    text = target.text
    with pytest.raises(Invalid):
        inbox.decide(team["cura"], target.id, "corregir", intent="no_existe")
    with pytest.raises(Invalid):
        inbox.decide(team["cura"], target.id, "corregir", intent="consultar_indicador",
                     entities=[{"start": 0, "end": 3, "entity": "telefono"}])
    start = text.index("pasto")
    view = inbox.decide(team["cura"], target.id, "corregir", intent="consultar_indicador", entities=[
        {"start": start, "end": start + 5, "entity": "lugar"},
        {"start": text.index("2022"), "end": text.index("2022") + 4, "entity": "anio"},
    ])
    assert view.status == "aceptado" and view.intent == "consultar_indicador"
    assert [e["value"] for e in view.entities] == ["pasto", "2022"] and view.reviewer_name == "Cura"
    masked = groups["mi correo es [correo]"]
    with pytest.raises(Invalid) as error:
        inbox.decide(team["cura"], masked.id, "fuera_de_alcance")
    assert error.value.reason == "texto_con_datos_personales"
    assert inbox.decide(team["cura"], masked.id, "fuera_de_alcance", text="mi correo es este").status == "fuera_de_alcance"
    assert inbox.groups(team["cura"]).total == 0  # nothing pending
    assert inbox.groups(team["cura"], status="todos").total == 2


def test_permissions_agente_no_inbox_curador_no_cases(db_url, tracker, team, clock) -> None:
    tracker.user("a", "algo que no entiendo", "nlu_fallback", 0.1)
    ingest(db_url, tracker, clock)
    inbox = ReviewInbox(database_url=db_url)
    for name in ("ana", "admin"):
        with pytest.raises(Forbidden):
            inbox.groups(team[name])
        with pytest.raises(Forbidden):
            inbox.routing(team[name])
    desk = AgentDesk(database_url=db_url, clock=clock)
    code = make_ticket(db_url)
    for action in (lambda: desk.queue(team["cura"], QueueFilters()), lambda: desk.ticket(team["cura"], code)):
        with pytest.raises(Forbidden):
            action()


def test_curator_scoped_to_an_area_sees_only_its_conversations(db_url, tracker, team, clock) -> None:
    tracker.user("conv-srh", "lo de la planta docente que no cuadra", "nlu_fallback", 0.1)
    tracker.user("conv-otro", "cosa rara sin caso", "nlu_fallback", 0.1)
    make_ticket(db_url, area="DFGT-SRH", conversation_id="conv-srh")
    tracker.action("conv-srh", "action_crear_caso")
    ingest(db_url, tracker, clock)
    inbox = ReviewInbox(database_url=db_url)
    assert [g.text for g in inbox.groups(team["curasrh"]).groups] == ["lo de la planta docente que no cuadra"]
    assert inbox.groups(team["cura"]).total == 2
    other = next(g for g in inbox.groups(team["cura"]).groups if g.text == "cosa rara sin caso")
    with pytest.raises(NotFound):
        inbox.group(team["curasrh"], other.id)


def test_a_transfer_becomes_a_routing_example_to_review(db_url, team, clock) -> None:
    desk = AgentDesk(database_url=db_url, clock=clock)
    code = make_ticket(db_url, area="DFGT-SRH",
                       description="Necesitamos el concepto jurídico sobre una tutela. Escribir a jefe@sed.gov.co")
    desk.transfer(team["ana"], code, "OAJ", "Es un tema jurídico")
    assert ingest_transfers(database_url=db_url) == 1
    assert ingest_transfers(database_url=db_url) == 0  # watermark
    inbox = ReviewInbox(database_url=db_url, clock=clock)
    total, reviews = inbox.routing(team["coord"])
    assert total == 1
    review = reviews[0]
    assert (review.from_area, review.area_code) == ("DFGT-SRH", "OAJ")
    assert "jefe@" not in review.text and "[correo]" in review.text
    assert inbox.routing(team["curasrh"])[0] == 0  # scoped to DFGT-SRH; the case is now OAJ's
    with pytest.raises(Invalid):
        inbox.decide_routing(team["coord"], review.id, "aceptar")  # still has masked data
    accepted = inbox.decide_routing(team["coord"], review.id, "aceptar",
                                    text="Necesitamos el concepto jurídico sobre una tutela")
    assert accepted.status == "aceptado" and accepted.area_code == "OAJ"

"""Reading an indicator question once: follow-ups change only what they name, corrections replace,
short answers fill what was asked, and a place is never guessed."""

from __future__ import annotations

from datetime import date

from bot.indicators.question import Question, is_inquiry, read_question

TODAY = date(2026, 11, 24)


def talk(resolver, *turns):
    """Turns are (text, intent, requested slot); returns the question after each turn."""
    state, out = Question(), []
    for text, intent, requested in turns:
        reading = read_question(text, intent=intent, state=state, resolver=resolver, requested=requested, today=TODAY)
        state = reading.question
        out.append(state)
    return out


def test_short_answers_fill_what_was_asked(resolver):
    *_, q = talk(resolver, ("necesito un dato de cobertura bruta", "consultar_indicador", None),
                 ("del Huila", "informar_dato_indicador", "ind_lugar"), ("2017", "informar_dato_indicador", None))
    assert (q.indicator, q.place, q.year) == ("cobertura_bruta", "dep:41", 2017)


def test_a_bare_indicator_then_place_then_year(resolver):
    *_, q = talk(resolver, ("quiero consultar un indicador", "consultar_indicador", None),
                 ("deserción", None, "ind_indicador"), ("Pasto", None, "ind_lugar"),
                 ("2016", "informar_dato_indicador", None))
    assert (q.indicator, q.place, q.year, q.level) == ("desercion", "mun:52001", 2016, None)


def test_follow_ups_change_only_what_they_name(resolver):
    first, level, dept, prev = talk(
        resolver, ("deserción escolar en Pasto 2017", "consultar_indicador", None),
        ("y primaria?", "ajustar_consulta_indicador", None),
        ("y para todo el departamento?", "ajustar_consulta_indicador", None),
        ("y el año anterior?", "ajustar_consulta_indicador", None))
    assert (first.indicator, first.level) == ("desercion", None)  # "escolar" is the total, not transición
    assert (level.level, level.place, level.year) == ("primaria", "mun:52001", 2017)
    assert (dept.place, dept.level) == ("dep:52", "primaria")
    assert prev.year == 2016  # relative to the year of the conversation, not to today


def test_corrections_replace_what_they_correct(resolver):
    _, year, ind, place = talk(resolver, ("desercion Cali 2017", "consultar_indicador", None),
                               ("perdón, quise decir 2018", None, None),
                               ("no era deserción sino repitencia", None, None),
                               ("quise decir Itagüí", None, None))
    assert (year.year, year.indicator) == (2018, "desercion")
    assert (ind.indicator, ind.year, ind.place) == ("repitencia", 2018, "mun:76001")
    assert (place.place, place.indicator) == ("mun:05360", "repitencia")


def test_choosing_among_same_name_municipalities(resolver):
    asked, chosen = talk(resolver, ("cobertura neta en granada 2019", "consultar_indicador", None),
                         ("el del Meta", "informar_dato_indicador", "ind_lugar"))
    assert asked.place is None and asked.pending_place
    assert chosen.place == "mun:50313"  # Granada (Meta), not the department of Meta


def test_comparisons_and_levels_decided_by_the_other_place(resolver):
    [q] = talk(resolver, ("desercion de Bolivar vs Antioquia en 2020", "comparar_indicador", None))
    assert q.query == "comparacion" and q.places == ("dep:13", "dep:05")
    [q] = talk(resolver, ("cobertura neta de Pasto y de Ipiales 2018", "consultar_indicador", None))
    assert q.query == "comparacion" and q.places == ("mun:52001", "mun:52356")
    [q] = talk(resolver, ("diferencia entre Pasto y Armenia en cobertura neta", "comparar_indicador", None))
    assert q.places == () and q.pending_place == "Armenia"  # two Armenias: asked


def test_a_year_range_limits_the_series(resolver):
    [q] = talk(resolver, ("cobertura neta de Medellin entre 2015 y 2022", "consultar_indicador", None))
    assert (q.query, q.years, q.place) == ("evolucion", (2015, 2022), "mun:05001")


def test_the_secretaria_that_introduces_itself_is_not_the_question(resolver):
    [q] = talk(resolver, ("soy de la secretaria de Nariño y necesito la desercion de Pasto en 2019",
                          "consultar_indicador", None))
    assert q.place == "mun:52001"


def test_ambiguous_indicator_answered_by_its_word(resolver):
    _, q = talk(resolver, ("necesito la cobertura de Pasto 2018", "consultar_indicador", None),
                ("la bruta", "informar_dato_indicador", "ind_indicador"))
    assert q.indicator == "cobertura_bruta" and q.place == "mun:52001"


def test_an_inquiry_is_not_an_indicator_question(resolver):
    text = "cuanto nos asignaron por SGP este año para la secretaria de Pasto"
    reading = read_question(text, intent="consultar_indicador", state=Question(), resolver=resolver, today=TODAY)
    assert is_inquiry(text, reading)
    text = "quiero consultar un indicador de mi municipio"
    reading = read_question(text, intent="consultar_indicador", state=Question(), resolver=resolver, today=TODAY)
    assert not is_inquiry(text, reading)


def test_a_correction_ignores_words_the_nlu_took_for_a_place(resolver):
    state = read_question("desercion en Pasto 2017", intent="consultar_indicador", state=Question(),
                          resolver=resolver, today=TODAY).question
    q = read_question("no era desercion sino repitencia", intent="informar_dato_indicador", state=state,
                      resolver=resolver, entities={"lugar": ["sino"]}, today=TODAY).question
    assert (q.indicator, q.place, q.pending_place) == ("repitencia", "mun:52001", None)


def test_one_year_named_is_a_value_even_when_the_nlu_says_evolution(resolver):
    first, second = talk(resolver, ("me colabora con la cobertura neta de Sabaneta en 2017", "evolucion_indicador", None),
                         ("q tal en 2019", "ajustar_consulta_indicador", None))
    assert (first.query, first.year) == ("valor", 2017)
    assert (second.query, second.year, second.place) == ("valor", 2019, first.place)
    (series,) = talk(resolver, ("evolucion de la desercion en Pasto desde 2015", "evolucion_indicador", None))
    assert series.query == "evolucion" and series.years == (2015, 2100)


def test_a_ranking_inside_a_department_keeps_it_and_one_of_departments_drops_it(resolver):
    (inside,) = talk(resolver, ("en Caldas, cual fue el municipio con la cobertura neta mas baja del 2018?",
                                "ranking_indicador", None))
    assert (inside.query, inside.place, inside.year) == ("ranking", "dep:17", 2018)
    _, depts = talk(resolver, ("desercion del Huila", "consultar_indicador", None),
                    ("y los 5 departamentos con mas desercion?", "ranking_indicador", None))
    assert depts.query == "ranking" and depts.place is None


def test_follow_ups_as_staff_write_them(resolver):
    _, bruta = talk(resolver, ("cobertura neta san vicente del caguan año 2019", "consultar_indicador", None),
                    ("y la bruta de ese mismo municipio?", "ajustar_consulta_indicador", None))
    assert (bruta.indicator, bruta.place, bruta.year) == ("cobertura_bruta", "mun:18753", 2019)
    _, before = talk(resolver, ("cobertura neta en transicion del departamento de nariño 2023", "consultar_indicador", None),
                     ("y como estaba un año antes?", "ajustar_consulta_indicador", None))
    assert (before.place, before.year, before.level) == ("dep:52", 2022, "transicion")
    _, dept = talk(resolver, ("tasa de aprobacion sogamoso 2022", "consultar_indicador", None),
                   ("y eso mismo pero para el departamento completo", "ajustar_consulta_indicador", None))
    assert (dept.place, dept.year) == ("dep:15", 2022)
    _, latest = talk(resolver, ("necesito la desercion de ipiales del 2023 para el comite", "consultar_indicador", None),
                     ("ah ok, pasemela del ultimo año que tengan, el 2022", "solicitar_gestion_men", None))
    assert (latest.indicator, latest.place, latest.year) == ("desercion", "mun:52356", 2022)
    _, same = talk(resolver, ("para el dpto de cordoba, reprobacion de primaria en 2023", "consultar_indicador", None),
                   ("ok y la reprobacion total de cordoba ese mismo año", "consultar_indicador", None))
    assert (same.place, same.year, same.pending_place) == ("dep:23", 2023, None)


def test_a_place_named_twice_in_a_story_is_one_place_and_a_common_name_before_a_year_is_asked(resolver):
    (q,) = talk(resolver, ("el rector de una IE de Tumaco dice que casi no se les van, yo no le creo. cual fue la "
                           "desercion en secundaria de tumaco en 2017?", "comparar_indicador", None))
    assert (q.query, q.place, q.year, q.level) == ("valor", "mun:52835", 2017, "secundaria")
    asked, chosen = talk(resolver, ("cobertura neta la union 2019", "consultar_indicador", None),
                         ("la del valle del cauca", "informar_dato_indicador", None))
    assert asked.place is None and asked.pending_place == "la union"
    assert chosen.place == "mun:76400"

"""Look-ups, comparisons, rankings, series and charts over the loaded tables."""

from __future__ import annotations

import pytest

from bot.indicators.service import years_text


def _place(service, text):
    res = service.resolve_place(text)
    assert res.ok, res
    return res.place


def test_value_for_a_year_with_change_and_source(service):
    ans = service.value(_place(service, "Cartagena"), "desercion", "total", 2020)
    assert ans.status == "ok"
    fig = ans.figure
    assert (fig.year, fig.formatted, fig.place_name) == (2020, "1,92 %", "Cartagena de Indias")
    assert fig.source == "MEN, datos.gov.co, conjunto nudc-7mev" and fig.reliable
    assert ans.previous.year == 2019 and ans.change_formatted == "-1,17 puntos porcentuales"
    assert not ans.latest


def test_latest_year_when_none_is_given(service):
    ans = service.value(_place(service, "Cauca"), "cobertura_neta", "media")
    assert ans.status == "ok" and ans.latest
    assert (ans.figure.year, ans.figure.formatted) == (2024, "41,59 %")
    assert ans.figure.dataset_id == "ji8i-4anb"
    assert ans.years_text == "2011 a 2024"


def test_latest_reliable_year_skips_flagged_years(service):
    ans = service.value(_place(service, "Antioquia"), "reprobacion", "primaria")
    assert ans.status == "ok" and ans.figure.year == 2021
    assert ans.newer_unreliable_years == (2022, 2023, 2024)


def test_flagged_value_is_not_stated_as_fact(service):
    ans = service.value(_place(service, "Antioquia"), "aprobacion", "secundaria", 2019)
    assert ans.status == "unreliable" and not ans.figure.reliable
    assert ans.figure.reason == "columna_identica"
    assert ans.figure.reason_other == "tasa de deserción (sector oficial) en secundaria"
    ans = service.value(_place(service, "Antioquia"), "tamano_grupo", "total", 2017)
    assert ans.status == "unreliable" and ans.figure.reason_value == "31.728"


def test_year_outside_the_data_lists_the_available_years(service):
    ans = service.value(_place(service, "Medellín"), "desercion", "total", 2025)
    assert ans.status == "year_unavailable" and ans.years_text == "2011 a 2022"
    ans = service.value(_place(service, "Antioquia"), "tamano_grupo", "total", 2020)
    assert ans.status == "year_unavailable" and ans.available_years == tuple(range(2011, 2016))


def test_level_not_available_for_the_indicator(service):
    assert service.value("dep:05", "poblacion_5_16", "media").status == "level_unavailable"


def test_population_and_group_size_units(service):
    ans = service.value("dep:05", "poblacion_5_16", "total", 2011)
    assert ans.figure.formatted == "1.288.473 personas"
    ans = service.value("mun:05001", "tamano_grupo", "total", 2011)
    assert ans.figure.formatted == "31,55 estudiantes por grupo"


def test_municipal_etc_answers_with_its_municipality(service):
    place = _place(service, "secretaria de educacion de Medellin")
    ans = service.value(place, "desercion", "total", 2011)
    assert ans.status == "ok" and ans.figure.formatted == "3,69 %" and place.etc_key == "etc:3759"


def test_departmental_etc_is_not_its_department(service):
    place = _place(service, "ETC Antioquia")
    ans = service.value(place, "desercion", "total", 2020)
    assert ans.status == "departmental_etc" and ans.figure is None  # no invented aggregate
    assert ans.etc.department_name == "Antioquia" and ans.etc.year == 2020
    assert "Medellín" in ans.etc.certified_municipalities and len(ans.etc.certified_municipalities) == 8
    assert ans.etc.covered_municipalities == 117
    assert ans.department_figure.place_key == "dep:05" and ans.department_figure.year == 2020
    assert not ans.live_used and not ans.live_failed


def test_national_figures_are_percentages(service):
    ans = service.value("nac:0", "cobertura_neta", "total", 2019)
    assert ans.figure.formatted == "92,35 %"


def test_comparison_in_the_latest_common_year(service):
    ans = service.compare([_place(service, t) for t in ("Cali", "Medellín", "Bogotá")], "desercion")
    assert ans.status == "ok" and ans.year == 2022  # municipal data ends in 2022
    assert [f.place_name for f in ans.rows] == ["Cali", "Medellín", "Bogotá, D.C."]
    assert [f.formatted for f in ans.rows] == ["5,00 %", "4,91 %", "3,46 %"]
    assert ans.chart_file and (service.charts_dir / ans.chart_file).exists()


def test_comparison_limits_and_departmental_etc(service):
    assert service.compare(["dep:05"], "desercion").status == "too_few"
    assert service.compare(["dep:05", "dep:08", "dep:11", "dep:13", "dep:15", "dep:17"], "desercion").status == "too_many"
    ans = service.compare(["dep:05", _place(service, "ETC Antioquia")], "desercion", year=2020, chart=False)
    assert [f.place_key for f in ans.rows] == ["dep:05"] and ans.missing[0].is_departmental_etc


def test_comparison_marks_unreliable_values(service):
    ans = service.compare(["dep:05", "dep:08"], "aprobacion", "secundaria", 2019, chart=False)
    assert ans.status == "no_data" and len(ans.unreliable) == 2


def test_ranking_of_departments(service):
    ans = service.ranking("repitencia", n=3)
    assert ans.status == "ok" and ans.year == 2024 and ans.latest and ans.compared == 33
    assert [r.figure.place_name for r in ans.rows] == ["Vichada", "Vaupés", "Guainía"]
    assert [r.figure.formatted for r in ans.rows] == ["17,06 %", "16,00 %", "14,82 %"]
    low = service.ranking("repitencia", n=3, order="asc")
    values = [r.figure.value for r in low.rows]
    assert values == sorted(values) and values[0] <= ans.rows[-1].figure.value


def test_ranking_of_etc_uses_municipal_etc_of_that_year(service):
    ans = service.ranking("desercion", scope="etc", order="asc", n=3)
    assert ans.status == "ok" and ans.year == 2022 and ans.compared == 64  # 63 municipal ETC + Bogotá
    assert ans.rows[0].figure.place_name == "Quibdó"
    assert service.ranking("desercion", year=2018, scope="etc").compared == 63  # Funza is certified from 2019


def test_ranking_excludes_flagged_values(service):
    ans = service.ranking("aprobacion", "secundaria", 2019)
    assert ans.status == "year_unavailable"  # every department value is flagged that year
    assert ans.available_years == ()


def test_series_and_chart_written_once(service):
    ans = service.series(_place(service, "Cauca"), "cobertura_neta", "media")
    assert ans.status == "ok" and ans.first.year == 2011 and ans.last.year == 2024
    assert ans.change_formatted == "+11,15 puntos porcentuales"
    path = service.charts_dir / ans.chart_file
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mtime = path.stat().st_mtime_ns
    again = service.series(_place(service, "Cauca"), "cobertura_neta", "media")
    assert again.chart_file == ans.chart_file and path.stat().st_mtime_ns == mtime
    other = service.series(_place(service, "Cauca"), "cobertura_neta", "primaria")
    assert other.chart_file != ans.chart_file


def test_series_lists_unreliable_years(service):
    ans = service.series("dep:05", "reprobacion", "primaria", chart=False)
    assert ans.unreliable_years == (2022, 2023, 2024) and ans.last.year == 2021


@pytest.mark.parametrize(
    ("years", "text"),
    [([2011, 2012, 2013], "2011 a 2013"), ([2011, 2012, 2015], "2011 a 2012, 2015"), ([2020], "2020"), ([], "")],
)
def test_years_text(years, text):
    assert years_text(years) == text


def test_ranking_inside_a_department_lists_only_its_municipalities(service):
    caldas = service.resolver.get("dep:17")
    ans = service.ranking("cobertura_neta", year=2018, order="asc", n=30, within=caldas)
    assert ans.status == "ok" and ans.scope == "municipios" and ans.within == caldas
    assert ans.rows and all(r.figure.place_display.endswith("(Caldas)") for r in ans.rows)
    assert ans.compared == len(ans.rows) <= 27  # Caldas has 27 municipalities
    values = [r.figure.value for r in ans.rows]
    assert values == sorted(values)
    national = service.ranking("cobertura_neta", year=2018, order="asc", n=5, scope="municipios")
    assert national.compared > 1000 and national.rows[0].figure.value <= values[0]

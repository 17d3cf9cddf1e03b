"""The indicators of the MEN files, as data, and a parser from everyday Spanish to (indicator, level).

Every indicator knows its Spanish display name, unit, levels, the CSV columns it comes from,
the values that are impossible for it (used by the loader's quality checks) and the words
people use for it ("abandono escolar", "perdieron el año", "niños por salón"...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.formatting import format_number, format_signed
from bot.text import fold

TOTAL = "total"
LEVELS: dict[str, str] = {
    "total": "total",
    "transicion": "transición",
    "primaria": "primaria",
    "secundaria": "secundaria",
    "media": "media",
}
LEVEL_SUFFIX = {"TRANSICIÓN": "transicion", "PRIMARIA": "primaria", "SECUNDARIA": "secundaria", "MEDIA": "media"}
ALL_LEVELS = tuple(LEVELS)

PERCENT = "porcentaje"
PEOPLE = "personas"
STUDENTS_PER_GROUP = "estudiantes_por_grupo"
UNIT_LABELS = {PERCENT: "%", PEOPLE: "personas", STUDENTS_PER_GROUP: "estudiantes por grupo"}
CHANGE_UNIT_LABELS = {PERCENT: "puntos porcentuales", PEOPLE: "personas", STUDENTS_PER_GROUP: "estudiantes por grupo"}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # Spanish display name
    column: str  # CSV column of the total (levels add _TRANSICIÓN, _PRIMARIA...)
    unit: str
    levels: tuple[str, ...]
    synonyms: tuple[str, ...]
    hard_min: float | None  # below: impossible value
    hard_max: float | None  # above: impossible value
    plausible_min: float | None = None  # below: not credible for a whole territory
    plausible_max: float | None = None
    decimals: int = 2
    higher_is_better: bool | None = None
    in_identity: bool = False  # aprobación + reprobación + deserción = 100 %

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    @property
    def change_unit_label(self) -> str:
        return CHANGE_UNIT_LABELS[self.unit]

    def has_level(self, level: str) -> bool:
        return level in self.levels

    def column_for(self, level: str) -> str:
        if level == TOTAL:
            return self.column
        suffix = next(k for k, v in LEVEL_SUFFIX.items() if v == level)
        return f"{self.column}_{suffix}"


_RATE_LEVELS = ALL_LEVELS

INDICATORS: dict[str, Indicator] = {
    ind.key: ind
    for ind in (
        Indicator(
            key="desercion",
            name="tasa de deserción (sector oficial)",
            column="DESERCIÓN",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=(
                "desercion", "desercion escolar", "tasa de desercion", "desercion intraanual", "abandono",
                "abandono escolar", "tasa de abandono", "desertores", "desertaron", "dejaron de estudiar",
                "dejan de estudiar", "se salen del colegio", "se retiraron", "retiro escolar",
            ),
            hard_min=0, hard_max=100, higher_is_better=False, in_identity=True,
        ),
        Indicator(
            key="cobertura_neta",
            name="tasa de cobertura neta",
            column="COBERTURA_NETA",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=("cobertura neta", "tasa de cobertura neta", "tasa neta de cobertura", "cobertura neta escolar"),
            hard_min=0, hard_max=None, higher_is_better=True,  # can exceed 100 in a municipality
        ),
        Indicator(
            key="cobertura_bruta",
            name="tasa de cobertura bruta",
            column="COBERTURA_BRUTA",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=("cobertura bruta", "tasa de cobertura bruta", "tasa bruta de cobertura", "cobertura bruta escolar"),
            hard_min=0, hard_max=None, higher_is_better=True,  # above 100 is normal
        ),
        Indicator(
            key="tasa_matriculacion",
            name="tasa de matriculación (5 a 16 años)",
            column="TASA_MATRICULACIÓN_5_16",
            unit=PERCENT,
            levels=(TOTAL,),
            synonyms=(
                "tasa de matriculacion", "matriculacion", "tasa de matricula", "matricula", "tasa matriculacion 5 16",
                "matriculados", "matriculas",
            ),
            hard_min=0, hard_max=None, higher_is_better=True,
        ),
        Indicator(
            key="aprobacion",
            name="tasa de aprobación",
            column="APROBACIÓN",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=("aprobacion", "tasa de aprobacion", "aprobados", "aprobaron", "aprobaron el ano", "promovidos"),
            hard_min=0, hard_max=100, plausible_min=30, higher_is_better=True, in_identity=True,
        ),
        Indicator(
            key="reprobacion",
            name="tasa de reprobación",
            column="REPROBACIÓN",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=(
                "reprobacion", "tasa de reprobacion", "reprobados", "reprobaron", "perdida del ano", "perdida de ano",
                "perdieron el ano", "pierden el ano", "perdieron ano", "perdida escolar",
            ),
            hard_min=0, hard_max=100, higher_is_better=False, in_identity=True,
        ),
        Indicator(
            key="repitencia",
            name="tasa de repitencia",
            column="REPITENCIA",
            unit=PERCENT,
            levels=_RATE_LEVELS,
            synonyms=(
                "repitencia", "tasa de repitencia", "repitentes", "repeticion", "repiten", "repitieron",
                "repiten el ano", "repitieron el ano", "repitiendo",
            ),
            hard_min=0, hard_max=100, higher_is_better=False,
        ),
        Indicator(
            key="poblacion_5_16",
            name="población de 5 a 16 años",
            column="POBLACIÓN_5_16",
            unit=PEOPLE,
            levels=(TOTAL,),
            synonyms=(
                "poblacion 5 16", "poblacion de 5 a 16", "poblacion de 5 a 16 anos", "poblacion en edad escolar",
                "ninos en edad escolar", "poblacion escolar", "poblacion", "habitantes de 5 a 16",
                "cuantos ninos hay", "edad escolar",
            ),
            hard_min=0, hard_max=None, decimals=0,
        ),
        Indicator(
            key="tamano_grupo",
            name="tamaño promedio de grupo",
            column="TAMAÑO_PROMEDIO_DE_GRUPO",
            unit=STUDENTS_PER_GROUP,
            levels=(TOTAL,),
            synonyms=(
                "tamano promedio de grupo", "tamano de grupo", "tamano de los grupos", "tamano del grupo",
                "estudiantes por grupo", "alumnos por grupo", "estudiantes por salon", "alumnos por salon",
                "ninos por salon", "estudiantes por aula", "alumnos por aula", "grupo promedio", "hacinamiento",
            ),
            hard_min=0.5, hard_max=100, plausible_min=2, plausible_max=70, decimals=2,
        ),
        Indicator(
            key="sedes_conectadas",
            name="sedes educativas conectadas a internet",
            column="SEDES_CONECTADAS_A_INTERNET",
            unit=PERCENT,
            levels=(TOTAL,),
            synonyms=(
                "sedes conectadas", "sedes conectadas a internet", "sedes con internet", "conectividad", "internet",
                "colegios con internet", "escuelas con internet", "colegios conectados", "conexion a internet",
            ),
            hard_min=0, hard_max=100, higher_is_better=True,
        ),
    )
}

# "cobertura" alone can be neta or bruta: the assistant asks.
AMBIGUOUS_INDICATOR_WORDS: dict[str, tuple[str, ...]] = {
    "cobertura": ("cobertura_neta", "cobertura_bruta"),
    "cobertura escolar": ("cobertura_neta", "cobertura_bruta"),
    "cobertura educativa": ("cobertura_neta", "cobertura_bruta"),
    "tasa de cobertura": ("cobertura_neta", "cobertura_bruta"),
}

LEVEL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "transicion": ("transicion", "preescolar", "grado cero", "grado 0", "grado transicion"),
    "primaria": ("primaria", "basica primaria", "primero a quinto", "de 1 a 5"),
    "secundaria": ("secundaria", "basica secundaria", "sexto a noveno", "de 6 a 9", "bachillerato basico"),
    "media": ("media", "educacion media", "media academica", "decimo y once", "grados 10 y 11", "10 y 11"),
    "total": ("total", "general", "todos los niveles", "global", "en total", "todos los grados"),
}

# Columns of the MEN files -> (indicator, level); computed from the definitions above.


@lru_cache(maxsize=1)
def column_map() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for ind in INDICATORS.values():
        for level in ind.levels:
            out[ind.column_for(level)] = (ind.key, level)
    return out


def get_indicator(key: str) -> Indicator:
    return INDICATORS[key]


def level_name(level: str) -> str:
    return LEVELS[level]


@dataclass(frozen=True)
class IndicatorMatch:
    key: str | None
    candidates: tuple[str, ...] = ()
    score: float = 0.0


def _phrase_in(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _windows(tokens: list[str], n: int) -> Iterable[str]:
    for i in range(0, max(len(tokens) - n + 1, 0)):
        yield " ".join(tokens[i : i + n])


@lru_cache(maxsize=1)
def _indicator_phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(phrase, keys) sorted longest first; ambiguous phrases map to several keys."""
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for ind in INDICATORS.values():
        pairs.extend((syn, (ind.key,)) for syn in ind.synonyms)
    pairs.extend(AMBIGUOUS_INDICATOR_WORDS.items())
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


def _fuzzy_best(tokens: list[str], phrases: Iterable[tuple[str, tuple[str, ...]]], cutoff: float):
    best: tuple[float, int, tuple[str, ...]] | None = None
    for phrase, keys in phrases:
        n = len(phrase.split())
        if n == 1 and len(phrase) < 6:
            continue  # short single words only match exactly
        for window in _windows(tokens, n):
            if abs(len(window) - len(phrase)) > 3:
                continue
            score = fuzz.ratio(window, phrase)
            if score >= cutoff and (best is None or (score, len(phrase)) > (best[0], best[1])):
                best = (score, len(phrase), keys)
    return best


def parse_indicator(text: str, *, cutoff: float = 84) -> IndicatorMatch:
    """Map free Spanish text to an indicator key ("la desercion escolar" -> ``desercion``).

    Exact phrases win (longest first); otherwise typo-tolerant matching with rapidfuzz.
    "cobertura" alone returns no key and the two candidates (neta, bruta).
    """
    norm = fold(text)
    if not norm:
        return IndicatorMatch(None)
    for phrase, keys in _indicator_phrases():
        if _phrase_in(norm, phrase):
            return _match(keys, 100.0)
    best = _fuzzy_best(norm.split(), _indicator_phrases(), cutoff)
    if best is None:
        return IndicatorMatch(None)
    return _match(best[2], best[0])


def _match(keys: tuple[str, ...], score: float) -> IndicatorMatch:
    if len(keys) == 1:
        return IndicatorMatch(keys[0], keys, score)
    return IndicatorMatch(None, keys, score)


@lru_cache(maxsize=1)
def _level_phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    pairs = [(syn, (level,)) for level, syns in LEVEL_SYNONYMS.items() for syn in syns]
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


# General words: "deserción escolar", "la cobertura total", "en general" mean the total indicator.
GENERAL_WORDS = frozenset({"escolar", "total", "general", "global", "todos los niveles", "todo", "consolidado"})


def parse_level(text: str, *, cutoff: float = 88) -> str | None:
    """``"en basica secundaria"`` -> ``secundaria``; ``None`` when no level is mentioned.

    A level only when it is named (typos allowed): "escolar" is not "preescolar".
    """
    norm = fold(text)
    if not norm:
        return None
    for phrase, keys in _level_phrases():
        if _phrase_in(norm, phrase):
            return keys[0]
    tokens = [t for t in norm.split() if t not in GENERAL_WORDS]
    best = _fuzzy_best(tokens, _level_phrases(), cutoff)
    return best[2][0] if best else None



SOURCE_TEXT = "MEN, datos.gov.co, conjunto {dataset_id}"
DATASET_TITLES = {
    "ji8i-4anb": "Estadísticas en educación preescolar, básica y media por departamento",
    "nudc-7mev": "Estadísticas en educación preescolar, básica y media por municipio",
    "sras-4t5p": "Estadísticas en educación preescolar, básica y media por ETC",
}


def source_text(dataset_id: str) -> str:
    return SOURCE_TEXT.format(dataset_id=dataset_id)


def format_value(indicator_key: str, value: float) -> str:
    """``93.85`` -> ``93,85 %``; ``1288473`` -> ``1.288.473 personas``; ``27.47`` -> ``27,47 estudiantes por grupo``."""
    ind = INDICATORS[indicator_key]
    return f"{format_number(value, ind.decimals, keep_zeros=ind.unit == PERCENT)} {ind.unit_label}"


def format_change(indicator_key: str, delta: float) -> str:
    """``0.35`` -> ``+0,35 puntos porcentuales``."""
    ind = INDICATORS[indicator_key]
    return f"{format_signed(delta, ind.decimals)} {ind.change_unit_label}"


def column_display_name(column: str) -> str:
    """``DESERCIÓN_SECUNDARIA`` -> ``tasa de deserción (sector oficial) en secundaria``."""
    ind_key, level = column_map().get(column, (None, None))
    if ind_key is None:
        return column
    return indicator_label(ind_key, level)


def indicator_label(indicator_key: str, level: str) -> str:
    """``tasa de cobertura neta en media``; the total is the indicator's name alone."""
    name = INDICATORS[indicator_key].name
    return name if level == TOTAL else f"{name} en {LEVELS[level]}"

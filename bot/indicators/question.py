"""Reading an indicator question, once, in plain Python: a new question, a follow-up or a correction.

:func:`read_question` takes the user's text (with the NLU's intent and entities as hints) and what the
conversation already holds (:class:`Question`), and returns the new :class:`Question`:

- a **new question** replaces everything ("cobertura neta de Pasto en 2018");
- a **follow-up** changes only what it names ("¿y en 2019?", "¿y Sincelejo?", "y la repitencia?",
  "y el año anterior?", "y para todo el departamento?");
- a **correction** replaces what it corrects ("perdón, quise decir 2018", "no era deserción sino
  repitencia", "quise decir Itagüí");
- a **short answer** to the question the form asked fills that part ("del Huila", "2016", "la bruta",
  "el del Meta" to choose among same-name municipalities).

Places come from the gazetteer (:meth:`bot.places.PlaceResolver.mentions`), never from a guess: an
ambiguous or unknown place is kept as ``pending_place`` so that the assistant asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from bot.indicators.definitions import AMBIGUOUS_INDICATOR_WORDS, IndicatorMatch, parse_indicator, parse_level
from bot.indicators.parsing import RankingRequest, parse_ranking, parse_year
from bot.places import DEPARTAMENTO, ETC, MUNICIPIO, NOT_PLACE_WORDS, Mention, PlaceResolver, Resolution
from bot.text import fold as normalize

VALUE, COMPARISON, RANKING, SERIES = "valor", "comparacion", "ranking", "evolucion"
QUERY_BY_INTENT = {
    "consultar_indicador": VALUE,
    "comparar_indicador": COMPARISON,
    "ranking_indicador": RANKING,
    "evolucion_indicador": SERIES,
}
FOLLOW_UP_INTENTS = frozenset({"ajustar_consulta_indicador", "informar_dato_indicador"})

_YEAR = re.compile(r"\b(19[5-9]\d|20\d{2})\b")
_RANGE = re.compile(
    r"\b(?:entre(?: el)?(?: ano)?|desde(?: el)?(?: ano)?|de(?:l)?(?: ano)?)\s+(19[5-9]\d|20\d{2})\s+"
    r"(?:y|a|al|hasta|hasta el)(?: el)?(?: ano)?\s+(19[5-9]\d|20\d{2})\b")
_SINCE = re.compile(r"\b(?:desde|a partir de)(?: el)?(?: ano)?\s+(19[5-9]\d|20\d{2})\b")
_CORRECTION = re.compile(
    r"^(?:(?:perdon|perdone|disculpe|disculpa|uy|ay|oops|no|ups|mejor dicho|corrijo)\b[\s,.!]*)*"
    r"(?:quise decir|quiero decir|queria decir|me referia a|me refiero a|era|es|mejor|corrijo)\b\s*(?P<rest>.*)$")
_NOT_BUT = re.compile(r"\bno (?:era|es|quise decir|queria)\b.*?\bsino(?: que)?\b\s*(?P<rest>.+)$")
_FOLLOW_UP_START = re.compile(r"^(?:(?:ok|okey|bueno|listo|vale|ah|aja|gracias|perfecto|bien|dale)\b[\s,.!]*)*"
                              r"(?:y|e|ahora|tambien|igual|lo mismo|y que tal|que tal|q tal|y como va|y como esta|"
                              r"eso mismo|lo mismo)\b")
_COMPARE_WORDS = re.compile(r"\b(vs|versus|frente a|comparad[oa]s?|compar\w*|diferencia|contra|respecto a|"
                            r"con respecto a|mejor que|peor que)\b")
_SERIES_WORDS = re.compile(r"\b(evolucion|tendencia|historico|historia|serie|grafic\w*|comportamiento|"
                           r"como ha (?:cambiado|evolucionado|variado)|ha cambiado|a lo largo|ultimos \d+ anos|"
                           r"por ano|ano a ano|cada ano)\b")
_RANKING_WORDS = re.compile(r"\b(ranking|top|mayor(?:es)?|menor(?:es)?|mas alt[oa]s?|mas baj[oa]s?|peor(?:es)?|"
                            r"mejor(?:es)?|primeros|ultimos lugares|clasificacion|lista de (?:los )?(?:departamentos|"
                            r"municipios)|con mas|con menos|(?:los|las) \d+ (?:departamentos|municipios|etc)|"
                            r"(?:que|cuales|cual) (?:departamentos?|municipios?|etc))\b")
_WHOLE_DEPARTMENT = re.compile(r"\b(todo el departamento|el departamento|a nivel departamental|departamental|"
                               r"del departamento|para el departamento|en el departamento|todo el depto|el depto|"
                               r"el dpto)( completo| entero| en general)?\b\W*$")
_PREVIOUS_YEAR = re.compile(r"\b(ano|anio) (anterior|antes|previo)\b|\bel anterior\b")
_SAME_YEAR = re.compile(r"\b(?:ese|el|este) mismo ano\b|\bese ano\b|\bmismo periodo\b")
_NEXT_YEAR = re.compile(r"\b(ano|anio) (siguiente|despues|posterior)\b|\bel siguiente\b")


@dataclass(frozen=True)
class Question:
    """An indicator question as the conversation holds it (one field per slot)."""

    query: str | None = None  # valor | comparacion | ranking | evolucion
    indicator: str | None = None
    level: str | None = None
    year: int | None = None
    years: tuple[int, int] | None = None  # a range that limits series and charts
    place: str | None = None  # place key
    places: tuple[str, ...] = ()  # comparison, complete
    partial_places: tuple[str, ...] = ()  # comparison, still missing one
    ranking: str | None = None  # "desc|5|departamentos|"
    pending_place: str | None = None  # text of an ambiguous/unknown place to ask about
    pending_indicator: str | None = None  # text of an ambiguous/unknown indicator to ask about
    notes: tuple[str, ...] = field(default_factory=tuple)  # what the reading noticed (for tests/logs)

    @property
    def has_context(self) -> bool:
        return bool(self.indicator or self.place or self.places)


@dataclass(frozen=True)
class Reading:
    question: Question
    kind: str  # new | follow_up | correction | answer
    indicator_named: bool
    place_named: bool
    year_named: bool


def ranking_slot(req: RankingRequest) -> str:
    return f"{req.order}|{req.n}|{req.scope}|{req.by_quality or ''}"


def ranking_from_slot(value: str | None) -> RankingRequest:
    try:
        order, n, scope, quality = (value or "").split("|")
        return RankingRequest(order, int(n), scope, quality or None)
    except ValueError:
        return RankingRequest("desc", 5, "departamentos")


def correction_text(text: str) -> str | None:
    """The corrected part of "perdón, quise decir 2018" / "no era deserción sino repitencia"; else None."""
    norm = normalize(text)
    m = _NOT_BUT.search(norm)
    if m:
        return m.group("rest")
    m = _CORRECTION.match(norm)
    if m and m.group("rest") and (norm.split()[0] in {"perdon", "perdone", "disculpe", "disculpa", "uy", "ay",
                                                      "oops", "ups", "no", "mejor", "corrijo", "quise", "queria",
                                                      "me"}):
        return m.group("rest")
    return None


def read_question(
    text: str,
    *,
    intent: str | None,
    state: Question,
    resolver: PlaceResolver,
    entities: Mapping[str, Iterable[str]] | None = None,
    requested: str | None = None,
    today: date | None = None,
) -> Reading:
    """Read ``text`` against what the conversation holds (see the module docstring)."""
    entities = entities or {}
    raw = text or ""
    corrected = correction_text(raw)
    effective = corrected if corrected is not None else raw
    norm = normalize(effective)

    # the parts the message names ------------------------------------------------------------
    ind = parse_indicator(effective) if effective else None
    if (ind is None or not (ind.key or ind.candidates)) and entities.get("indicador"):
        for value in entities["indicador"]:
            cand = parse_indicator(str(value))
            if cand.key or cand.candidates:
                ind = cand
                break
    level = parse_level(effective) if effective else None
    if level is None:
        for value in entities.get("nivel", ()):
            level = parse_level(str(value)) or level
    years_range = _years_range(norm)
    year = _year(norm, state, today) if years_range is None else None
    if year is None and years_range is None:
        for value in entities.get("anio", ()):
            m = _YEAR.search(str(value))
            if m:
                year = int(m.group(1))
    mentions = resolver.mentions(effective) if effective else []
    place_entities = [v for v in entities.get("lugar", ()) if normalize(str(v)) not in NOT_PLACE_WORDS]
    if not mentions and place_entities and corrected is None:  # in a correction only what follows the pivot
        mentions = _entity_mentions(resolver, place_entities)
    if not mentions and requested in {"ind_lugar", "ind_lugares"} and effective.strip() and not (
        ind and ind.key) and not year:
        res = resolver.resolve(effective)
        if res.status != "empty":
            mentions = [Mention(effective, 0, 0, res)]

    mentions = _distinct_mentions(mentions)
    indicator_named = bool(ind and (ind.key or ind.candidates))
    place_named = bool(mentions)
    year_named = bool(year or years_range)

    # what kind of message this is ---------------------------------------------------------------
    intent_query = QUERY_BY_INTENT.get(intent or "")
    short = len(norm.split()) <= 10
    follow_up = corrected is not None or intent in FOLLOW_UP_INTENTS or requested is not None or (
        state.has_context and short and bool(_FOLLOW_UP_START.match(norm))) or (
        state.has_context and not indicator_named and (place_named or year_named or level)
        and len(norm.split()) <= 12)  # "ah ok, pásemela del último año que tengan, el 2022"
    if corrected is not None:
        kind = "correction"
    elif requested is not None:
        kind = "answer"
    elif follow_up and state.has_context:
        kind = "follow_up"
    else:
        kind = "new"
        follow_up = False

    q = state if kind != "new" else Question()
    notes: list[str] = []
    query = COMPARISON if requested == "ind_lugares" else _query_kind(norm, intent_query, mentions, q, kind,
                                                                        years_range)
    if query == SERIES and year and not years_range and not _SERIES_WORDS.search(norm):
        # "cobertura neta de Sabaneta en 2017", "¿y en 2019?": one year named is a value, not a series
        query = VALUE

    # indicator and level ------------------------------------------------------------------------
    if (ind is None or not ind.key) and state.pending_indicator and kind != "new":
        chosen = _choose_indicator(state.pending_indicator, norm)  # "la bruta" answering "¿neta o bruta?"
        if chosen:
            ind = IndicatorMatch(chosen, (chosen,), 100.0)
            indicator_named = True
    if (ind is None or not ind.key) and state.indicator and kind != "new":
        sibling = _sibling_indicator(state.indicator, norm)  # "y la bruta?" after the neta
        if sibling:
            ind = IndicatorMatch(sibling, (sibling,), 100.0)
            indicator_named = True
    if ind and ind.key:
        q = replace(q, indicator=ind.key, pending_indicator=None)
    elif ind and ind.candidates:  # "cobertura": neta or bruta is asked
        q = replace(q, indicator=None, pending_indicator=effective)
    elif kind == "new":
        q = replace(q, indicator=None, pending_indicator=None)
    elif requested == "ind_indicador" and effective.strip() and not (place_named or year_named or level):
        q = replace(q, pending_indicator=effective)  # "no reconocí ese indicador" and the options
    if level:
        q = replace(q, level=level)
    elif kind == "new" or (indicator_named and kind in {"follow_up", "correction"}):
        q = replace(q, level=None)  # "y la repitencia?": the new indicator, total unless a level is named

    # years ----------------------------------------------------------------------------------------
    if years_range:
        q = replace(q, years=years_range, year=None)
    elif year:
        q = replace(q, year=year, years=None if query != SERIES else q.years)
    elif kind == "new":
        q = replace(q, year=None, years=None)

    # ranking --------------------------------------------------------------------------------------
    if query == RANKING and (intent == "ranking_indicador" or kind == "new" or not q.ranking or _RANKING_WORDS.search(norm)):
        q = replace(q, ranking=ranking_slot(parse_ranking(effective)))

    # places ---------------------------------------------------------------------------------------
    if query == COMPARISON:
        q = _comparison_places(q, mentions, state, kind, resolver)
    elif mentions and query == RANKING:
        # a ranking is inside a department: "en Caldas, el municipio con…" is the department, not Caldas (Boyacá)
        res = _main_mention(mentions).resolution
        depts = [c for c in ((res.place,) if res.ok else res.candidates) if c is not None and c.kind == DEPARTAMENTO]
        q = replace(q, place=depts[0].key if len(depts) == 1 else None, pending_place=None)
    elif mentions:
        q = _single_place(q, _main_mention(mentions), state, kind, resolver, notes)
        if kind != "new" and state.query in {COMPARISON, RANKING} and intent_query is None:
            query = VALUE  # "¿y en Boyacá?" after a comparison or a ranking: that place alone
    elif kind in {"follow_up", "correction"} and _WHOLE_DEPARTMENT.search(norm) and q.place:
        place = resolver.get(q.place)
        dept = _department_of(resolver, place) if place else None
        if dept is not None:
            q = replace(q, place=dept, pending_place=None)
            notes.append("whole_department")
    elif kind == "new":
        q = replace(q, place=None, pending_place=None)

    if query == RANKING and re.search(r"\b(departamentos|pais|nacional)\b", norm):
        q = replace(q, place=None, pending_place=None)  # a ranking of departments is never inside one
    q = replace(q, query=query, notes=tuple(notes))
    return Reading(q, kind, indicator_named, place_named, year_named)


_INDICATOR_WORDS = re.compile(r"\b(indicador(es)?|dato|datos|estadisticas?|cifras?|tasas?|porcentajes?|"
                              r"cuant[oa]s (estudiantes|ninos|alumnos|matriculados))\b")


def is_inquiry(text: str, reading: Reading) -> bool:
    """A message the NLU took for an indicator question but that names no indicator, no indicator word and
    not both a place and a year ("¿cuánto nos asignaron por SGP…?", "requisitos para certificar el
    municipio"): an inquiry for a MEN area, not a question to ask "¿qué indicador?" about."""
    if reading.indicator_named:
        return False
    norm = normalize(text)
    if _INDICATOR_WORDS.search(norm) or (reading.place_named and _YEAR.search(norm)):
        return False
    return len(norm.split()) >= 6


# --------------------------------------------------------------------------- helpers
def _years_range(norm: str) -> tuple[int, int] | None:
    m = _RANGE.search(norm)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return (min(a, b), max(a, b))
    m = _SINCE.search(norm)
    if m:
        return (int(m.group(1)), 2100)
    return None


def _year(norm: str, state: Question, today: date | None) -> int | None:
    """A year named, or relative to the one the conversation holds ("y el año anterior?")."""
    m = _YEAR.search(norm)
    if m:
        return int(m.group(1))
    if state.year and _SAME_YEAR.search(norm):
        return state.year  # "ese mismo año"
    if state.year and _PREVIOUS_YEAR.search(norm):
        return state.year - 1
    if state.year and _NEXT_YEAR.search(norm):
        return state.year + 1
    return parse_year(norm, today=today).year


def _query_kind(norm: str, intent_query: str | None, mentions: list[Mention], q: Question, kind: str,
                years_range) -> str:
    if years_range and (intent_query in {None, VALUE, SERIES}):
        return SERIES
    compares = bool(_COMPARE_WORDS.search(norm)) and bool(mentions or q.place) and intent_query != RANKING
    joined = len(mentions) >= 2 and all(_joins(m.gap) for m in mentions[1:])
    if joined or (len(mentions) >= 2 and (compares or intent_query == COMPARISON)) or (compares and kind != "new"):
        return COMPARISON
    if intent_query and kind != "new" and q.query:
        # a short answer or a follow-up keeps the kind of question unless its words change it
        if _SERIES_WORDS.search(norm):
            return SERIES
        if intent_query == RANKING and _RANKING_WORDS.search(norm):
            return RANKING  # "¿y los 5 departamentos con más deserción?"
        return q.query
    if intent_query:
        if intent_query == COMPARISON and len(mentions) < 2 and kind == "new" and not _COMPARE_WORDS.search(norm):
            return VALUE if mentions else COMPARISON
        if intent_query == RANKING and mentions and not _RANKING_WORDS.search(norm):
            return VALUE
        return intent_query
    if _SERIES_WORDS.search(norm) and kind == "new":
        return SERIES
    if _RANKING_WORDS.search(norm) and not mentions and kind == "new":
        return RANKING
    return q.query if kind != "new" and q.query else VALUE


_JOINING = {"y", "e", ",", "vs", "versus", "con", "contra", "frente", "a", "de", "del", "en", "o", "el", "la",
            "entre", "respecto", "comparado", "comparada", "and"}


def _joins(gap: tuple[str, ...]) -> bool:
    """Two places written as a list ("Pasto y Ipiales", "Cali, Medellín", "Bolívar vs Antioquia")."""
    return bool(gap) and len(gap) <= 4 and all(w in _JOINING for w in gap) and any(
        w in {"y", "e", ",", "vs", "versus", "con", "contra", "frente", "o", "and"} for w in gap)


def _distinct_mentions(mentions: list[Mention]) -> list[Mention]:
    """A place named twice ("…una IE de Tumaco… la deserción de Tumaco") counts once (the last)."""
    out: list[Mention] = []
    for m in mentions:
        key = m.resolution.place.key if m.resolution.ok else None
        if key is not None and any(o.resolution.ok and o.resolution.place.key == key for o in out):
            out = [o for o in out if not (o.resolution.ok and o.resolution.place.key == key)]
        out.append(m)
    return out


def _sibling_indicator(current: str, answer_norm: str) -> str | None:
    """"y la bruta?" after the cobertura neta: the other indicator of the same family, named by its word."""
    for candidates in AMBIGUOUS_INDICATOR_WORDS.values():
        if current in candidates:
            words = {key: set(key.split("_")) for key in candidates}
            common = set.intersection(*words.values())
            hits = [k for k, ws in words.items() if k != current and (ws - common) & set(answer_norm.split())]
            return hits[0] if len(hits) == 1 else None
    return None


def _choose_indicator(pending: str, answer_norm: str) -> str | None:
    """The candidate of an ambiguous indicator that the answer names by its own word ("neta", "bruta")."""
    candidates = parse_indicator(pending).candidates
    words = {key: set(key.split("_")) for key in candidates}
    hits = [key for key, ws in words.items()
            if any(w in answer_norm.split() for w in ws - set.intersection(*words.values()))] if words else []
    return hits[0] if len(hits) == 1 else None


def _main_mention(mentions: list[Mention]) -> Mention:
    """The place a one-place question is about: "soy de la secretaría de Nariño y necesito la deserción de
    Pasto" is about Pasto (a secretaría named to introduce oneself is not the question)."""
    if len(mentions) == 1:
        return mentions[0]
    asked = [m for m in mentions if m.kind != ETC] or mentions
    return asked[-1]


def _entity_mentions(resolver: PlaceResolver, values: Iterable[str]) -> list[Mention]:
    out = []
    for value in values:
        value = str(value)
        found = resolver.mentions(value)
        if found:
            out.extend(found)
        else:
            res = resolver.resolve(value)
            if res.status != "empty":
                out.append(Mention(value, 0, 0, res))
    return out


def _department_of(resolver: PlaceResolver, place) -> str | None:
    if place is None:
        return None
    if place.kind == DEPARTAMENTO:
        return place.key
    for p in resolver.all_places():
        if p.kind == DEPARTAMENTO and p.name == place.department_name:
            return p.key
    return None


def _choose_pending(resolver: PlaceResolver, pending: str, mention: Mention) -> Resolution | None:
    """ "el del Meta" / "Meta" answering "¿cuál Granada?": the candidate in that department."""
    previous = resolver.resolve(pending)
    if previous.status != "ambiguous":
        return None
    named = mention.resolution
    places = [named.place] if named.ok else list(named.candidates)
    for p in places:
        if p is None:
            continue
        if p.key in {c.key for c in previous.candidates}:
            return Resolution("ok", p)
        if p.kind == DEPARTAMENTO:
            inside = [c for c in previous.candidates if c.department_name == p.name and c.kind != DEPARTAMENTO]
            if len(inside) == 1:
                return Resolution("ok", inside[0])
    return None


def _single_place(q: Question, mention: Mention, state: Question, kind: str, resolver: PlaceResolver,
                  notes: list[str]) -> Question:
    res = mention.resolution
    if kind in {"answer", "follow_up", "correction"} and state.pending_place:
        chosen = _choose_pending(resolver, state.pending_place, mention)
        if chosen is not None:
            notes.append("pending_chosen")
            return replace(q, place=chosen.place.key, pending_place=None)
    after_departments = state.query == RANKING and (state.ranking or "").split("|")[2:3] == ["departamentos"]
    if res.status == "ambiguous" and kind in {"follow_up", "correction"} and mention.kind is None and (
            state.place or after_departments):
        previous = resolver.get(state.place) if state.place else None
        if after_departments or (previous is not None and previous.kind == DEPARTAMENTO):
            same = [c for c in res.candidates if c.kind == DEPARTAMENTO]
            if len(same) == 1:  # after a department, "¿y Boyacá?" is the department
                return replace(q, place=same[0].key, pending_place=None)
    if res.status == "ambiguous" and state.place and state.place in {c.key for c in res.candidates} and (
            mention.kind is None or resolver.get(state.place).kind == mention.kind):
        return replace(q, place=state.place, pending_place=None)  # the same name again: the same place
    if res.ok:
        return replace(q, place=res.place.key, pending_place=None)
    return replace(q, place=None, pending_place=mention.text)


def _comparison_places(q: Question, mentions: list[Mention], state: Question, kind: str,
                       resolver: PlaceResolver) -> Question:
    if not mentions and kind != "new":
        keys = list(state.places or state.partial_places)
        return replace(q, places=tuple(keys) if len(keys) >= 2 else (), partial_places=() if len(keys) >= 2 else
                       tuple(keys))
    resolved = [m.resolution for m in mentions]
    kinds = {r.place.kind for r in resolved if r.ok}
    explicit = {m.kind for m in mentions if m.kind}
    prefer = next(iter(kinds | explicit)) if len(kinds | explicit) == 1 else None
    keys: list[str] = []
    pending = None
    for m, res in zip(mentions, resolved, strict=True):
        if res.status == "ambiguous" and prefer:
            same = [c for c in res.candidates if c.kind == prefer]
            if len(same) == 1:  # the other place says the level: "Bolívar vs Antioquia"
                res = Resolution("ok", same[0])
        if res.ok:
            keys.append(res.place.key)
        elif pending is None:
            pending = m.text
    if kind != "new":
        base = list(state.places or state.partial_places or ([state.place] if state.place else []))
        if len(keys) == 1 and pending is None:
            keys = [k for k in base if k != keys[0]][:1] + keys  # "compárelo con Medellín"
    keys = list(dict.fromkeys(keys))[:5]
    ready = len(keys) >= 2 and pending is None
    return replace(q, places=tuple(keys) if ready else (), partial_places=() if ready else tuple(keys),
                   pending_place=pending, place=q.place if not ready else None)


__all__ = [
    "COMPARISON", "FOLLOW_UP_INTENTS", "MUNICIPIO", "QUERY_BY_INTENT", "Question", "RANKING", "Reading", "SERIES",
    "VALUE", "correction_text", "is_inquiry", "ranking_from_slot", "ranking_slot", "read_question",
]

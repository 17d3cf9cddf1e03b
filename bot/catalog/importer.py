"""Importer of the catalog and events exports (CSV, JSON or YAML).

* Every row is validated first; all errors are reported together as (row, field, reason).
* Nothing is written unless every row is valid, and the writes happen in one transaction.
* Rows carry a stable key (``clave``); a re-import updates the row with the same key instead of
  adding a duplicate. Without ``clave`` the key is derived from the title (``slug`` of it), so
  keep titles stable or, better, give keys.

Row numbers: for CSV the line of the file (the header is line 1, so the first data row is 2);
for JSON/YAML the position of the record in the list (1 = first).

Catalog fields (column names are accent/case-insensitive; aliases in ``CATALOG_ALIASES``):
``clave``, ``titulo`` (required), ``resumen``, ``tipo`` (required: a code or label of
``CONTENT_TYPES``), ``temas`` (MEN area codes, separated by ``;`` ``,`` or ``|``), ``publico``,
``url`` (http/https), ``fecha_publicacion`` (AAAA-MM-DD or DD/MM/AAAA), ``etiquetas``, ``fuente``,
``muestra`` (sí/no). Event fields: see ``data/catalog/eventos_inicial.yml``.
JSON/YAML files hold either a list of records or a mapping with one list (``contenidos:`` /
``eventos:``) plus file-level keys such as ``muestra: true`` and ``nota``.

The MEN resources file (``recursos:`` list, ``data/catalog/recursos-men.yml``, see its
``SOURCES.md``) is read with its own fields: ``id``, ``titulo``, ``tipo``, ``temas`` (topic slugs of
``data/catalog/temas.yml``, each also giving its MEN area), ``descripcion``, ``url`` (required, kept
exactly as written), ``fuente_consultada`` (date stated by the page, or null) and ``evidencia``.
Its entries are never samples. Every entry of either format records the territories its title or
description names (found by the place resolver of bot/places.py) unless it gives ``territorios`` itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.models import CONTENT_TYPES, CatalogItem, CatalogItemTheme
from bot.db import as_utc, utcnow
from bot.encuentros.models import EVENT_MODES, EVENT_TYPES, CatalogEvent
from bot.text import strip_accents

BOGOTA = ZoneInfo("America/Bogota")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
TRUE_WORDS = {"1", "true", "si", "yes", "x", "verdadero"}
FALSE_WORDS = {"0", "false", "no", "", "falso"}
LIST_SPLIT_RE = re.compile(r"[;|,]")


# --------------------------------------------------------------------------- errors and results
@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"fila {self.row}, campo '{self.field}': {self.reason}"


class ImportValidationError(Exception):
    """The file has invalid rows; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(es) de validación; no se importó nada")


@dataclass
class ImportResult:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    dry_run: bool = False
    keys: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading files
@dataclass
class RawFile:
    records: list[tuple[int, dict[str, Any]]]  # (row number, record)
    meta: dict[str, Any]


def read_file(path: Path | str, fmt: str | None = None) -> RawFile:
    """Records of a CSV/JSON/YAML file with their row numbers, plus file-level metadata."""
    file = Path(path)
    fmt = (fmt or file.suffix.lstrip(".")).lower()
    text = file.read_text(encoding="utf-8-sig")
    if fmt == "csv":
        return _read_csv(text)
    if fmt in {"json", "yml", "yaml"}:
        try:
            data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ImportValidationError(
                [RowError(0, "(archivo)", f"no se pudo leer como {fmt.upper()}: {exc}")]
            ) from exc
        return _from_structure(data)
    raise ImportValidationError([RowError(0, "(archivo)", f"formato no soportado '{fmt}' (use csv, json o yaml)")])


def _read_csv(text: str) -> RawFile:
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    records = []
    for record in reader:
        if not any((v or "").strip() for k, v in record.items() if k is not None):
            continue  # blank line
        extra = record.pop(None, None)
        if extra:
            record["(columnas de más)"] = extra
        records.append((reader.line_num, record))
    return RawFile(records=records, meta={})


def _from_structure(data: Any) -> RawFile:
    meta: dict[str, Any] = {}
    if isinstance(data, dict):
        list_keys = [k for k, v in data.items() if isinstance(v, list)]
        if len(list_keys) != 1:
            raise ImportValidationError(
                [RowError(0, "(archivo)", "se esperaba una lista de registros (p. ej. 'contenidos:' o 'eventos:')")]
            )
        meta = {k: v for k, v in data.items() if k != list_keys[0]}
        meta["_lista"] = list_keys[0]
        data = data[list_keys[0]]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise ImportValidationError([RowError(0, "(archivo)", "se esperaba una lista de registros")])
    records = []
    for n, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise ImportValidationError([RowError(n, "(registro)", "cada registro debe ser un objeto con campos")])
        records.append((n, record))
    return RawFile(records=records, meta=meta)


# --------------------------------------------------------------------------- field parsing
class FieldError(ValueError):
    pass


def _norm_name(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", strip_accents(str(name)).strip().lower())


def _text(value: Any, max_len: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise FieldError("es obligatorio")
    if len(text) > max_len:
        raise FieldError(f"tiene {len(text)} caracteres (máximo {max_len})")
    return text


def _choice(value: Any, choices: dict[str, str]) -> str:
    raw = _text(value, 100, required=True)
    wanted = _norm_name(raw)
    for code, label in choices.items():
        if wanted in {code, _norm_name(label)}:
            return code
    raise FieldError(f"valor '{raw}' no válido (valores posibles: {', '.join(choices)})")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        items = [p.strip() for p in LIST_SPLIT_RE.split(str(value))]
    return [i for i in items if i]


def _url(value: Any) -> str:
    text = _text(value, 1000)
    if not text:
        return ""
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in text:
        raise FieldError(f"'{text}' no es una URL http(s) válida")
    return text


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldError(f"fecha '{text}' no válida (use AAAA-MM-DD)")


def _datetime(value: Any, required: bool = False) -> datetime | None:
    """An aware UTC datetime; values without offset are Colombian time (America/Bogota)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError("es obligatorio")
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise FieldError(f"'{value}' no tiene hora (use AAAA-MM-DD HH:MM)")
    else:
        text = str(value).strip().replace("Z", "+00:00")
        if ":" not in text:
            raise FieldError(f"'{text}' no tiene hora (use AAAA-MM-DD HH:MM, hora de Colombia)")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.strptime(text, "%d/%m/%Y %H:%M")
            except ValueError:
                raise FieldError(f"fecha y hora '{text}' no válida (use AAAA-MM-DD HH:MM, hora de Colombia)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BOGOTA)
    return parsed.astimezone(timezone.utc)


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = strip_accents(str(value)).strip().lower()
    if text == "":
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FieldError(f"'{value}' no es sí/no")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")
    return slug[:120] or "sin-titulo"


def _key(value: Any, title: str) -> str:
    text = _text(value, 120)
    if not text:
        return slugify(title)
    text = text.lower()
    if not KEY_RE.match(text):
        raise FieldError(f"clave '{text}' no válida (solo letras minúsculas sin tilde, números, '.', '_' y '-')")
    return text


# --------------------------------------------------------------------------- schemas
@dataclass(frozen=True)
class Schema:
    kind: str
    aliases: dict[str, str]  # normalised column name -> field
    parse: Callable[[dict[str, Any], dict[str, Any], frozenset[str]], dict[str, Any]]


def _collect(record: dict[str, Any], aliases: dict[str, str], row: int, errors: list[RowError]) -> dict[str, Any]:
    """Record with canonical field names; unknown columns are errors."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        canonical = aliases.get(_norm_name(name))
        if canonical is None:
            errors.append(
                RowError(row, str(name), f"columna desconocida (válidas: {', '.join(sorted(set(aliases.values())))})")
            )
            continue
        out[canonical] = value
    return out


class _RowParser:
    """Runs the field parsers of one row, recording each failure as a RowError."""

    def __init__(self, row: int, errors: list[RowError]):
        self.row, self.errors = row, errors

    def __call__(self, name: str, fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except FieldError as exc:
            self.errors.append(RowError(self.row, name, str(exc)))
            return default


def _themes(value: Any, valid: frozenset[str]) -> list[str]:
    codes = [c.upper() for c in _list(value)]
    unknown = [c for c in codes if valid and c not in valid]
    if unknown:
        raise FieldError(f"código(s) de área desconocido(s): {', '.join(unknown)} (ver men-areas.yml)")
    return sorted(set(codes))


CATALOG_ALIASES = {
    "clave": "clave", "id": "clave", "key": "clave", "codigo": "clave",
    "titulo": "titulo", "title": "titulo", "nombre": "titulo",
    "resumen": "resumen", "descripcion": "resumen", "summary": "resumen",
    "tipo": "tipo", "type": "tipo",
    "temas": "temas", "tema": "temas", "areas": "temas", "themes": "temas",
    "publico": "publico", "audiencia": "publico", "dirigido_a": "publico", "audience": "publico",
    "url": "url", "enlace": "url", "link": "url",
    "fecha_publicacion": "fecha_publicacion", "fecha": "fecha_publicacion", "published_on": "fecha_publicacion",
    "etiquetas": "etiquetas", "palabras_clave": "etiquetas", "tags": "etiquetas",
    "fuente": "fuente", "source": "fuente",
    "muestra": "muestra", "es_muestra": "muestra", "sample": "muestra",
    "evidencia": "evidencia", "territorios": "territorios", "territorio": "territorios",
}  # fmt: skip

# The MEN resources file: exactly the fields of its SOURCES.md, plus optional territories.
MEN_RESOURCE_ALIASES = {
    "id": "clave", "titulo": "titulo", "tipo": "tipo", "temas": "temas", "descripcion": "resumen",
    "url": "url", "fuente_consultada": "fecha_publicacion", "evidencia": "evidencia",
    "territorios": "territorios", "territorio": "territorios",
}  # fmt: skip
MEN_RESOURCE_LIST = "recursos"
MEN_RESOURCE_TYPES = ("programa", "herramienta", "guia", "norma", "micrositio", "datos", "noticia", "curso")

EVENT_ALIASES = {
    "clave": "clave", "id": "clave", "key": "clave", "codigo": "clave",
    "titulo": "titulo", "title": "titulo", "nombre": "titulo",
    "resumen": "resumen", "descripcion": "resumen",
    "tipo": "tipo", "type": "tipo",
    "modalidad": "modalidad", "modo": "modalidad", "mode": "modalidad",
    "inicio": "inicio", "fecha_inicio": "inicio", "fecha": "inicio", "starts_at": "inicio",
    "fin": "fin", "fecha_fin": "fin", "ends_at": "fin",
    "lugar": "lugar", "sede": "lugar", "place": "lugar",
    "publico": "publico", "audiencia": "publico", "dirigido_a": "publico",
    "enlace_inscripcion": "enlace_inscripcion", "inscripcion": "enlace_inscripcion", "registration_url": "enlace_inscripcion",
    "enlace_grabacion": "enlace_grabacion", "grabacion": "enlace_grabacion", "recording_url": "enlace_grabacion",
    "temas": "temas", "tema": "temas", "areas": "temas",
    "muestra": "muestra", "es_muestra": "muestra", "sample": "muestra",
}  # fmt: skip


def _parse_catalog(rec: dict[str, Any], ctx: dict[str, Any], valid: frozenset[str]) -> dict[str, Any]:
    p = ctx["parser"]
    title = p("titulo", lambda: _text(rec.get("titulo"), 300, required=True), "")
    return {
        "key": p("clave", lambda: _key(rec.get("clave"), title)),
        "title": title,
        "summary": p("resumen", lambda: _text(rec.get("resumen"), 2000), ""),
        "type": p("tipo", lambda: _choice(rec.get("tipo"), CONTENT_TYPES)),
        "themes": p("temas", lambda: _themes(rec.get("temas"), valid), []),
        "audience": p("publico", lambda: _text(rec.get("publico"), 300), ""),
        "url": p("url", lambda: _url(rec.get("url")), ""),
        "published_on": p("fecha_publicacion", lambda: _date(rec.get("fecha_publicacion"))),
        "tags": p("etiquetas", lambda: _list(rec.get("etiquetas")), []),
        "source": p("fuente", lambda: _text(rec.get("fuente"), 500), ""),
        "is_sample": p("muestra", lambda: _bool(rec.get("muestra"), ctx["sample"]), False),
        "evidence": p("evidencia", lambda: _text(rec.get("evidencia"), 1000), ""),
        "topics": [],
        "territories": p("territorios", lambda: _territories(rec, title), []),
    }


def _territories(rec: dict[str, Any], title: str) -> list[str]:
    """Given ``territorios``, or else those that the title or description name."""
    from bot.catalog.topics import territories_in

    given = _list(rec.get("territorios"))
    if given:
        return given
    return territories_in(f"{title}. {rec.get('resumen') or ''}")


def _topics(value: Any) -> list[str]:
    from bot.catalog.topics import load_topics

    known = load_topics()
    slugs = [_norm_name(v) for v in _list(value)]
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise FieldError(f"tema(s) desconocido(s): {', '.join(unknown)} (valores posibles: {', '.join(known)})")
    if not slugs:
        raise FieldError("es obligatorio (al menos un tema)")
    return list(dict.fromkeys(slugs))


def _men_type(value: Any) -> str:
    raw = _text(value, 40, required=True)
    if _norm_name(raw) not in MEN_RESOURCE_TYPES:
        raise FieldError(f"valor '{raw}' no válido (valores posibles: {', '.join(MEN_RESOURCE_TYPES)})")
    return _norm_name(raw)


def _required_url(value: Any) -> str:
    if value is None or not str(value).strip():
        raise FieldError("es obligatorio")
    if str(value) != str(value).strip():
        raise FieldError("tiene espacios al principio o al final")
    return _url(value)


def _parse_men_resource(rec: dict[str, Any], ctx: dict[str, Any], valid: frozenset[str]) -> dict[str, Any]:
    """One entry of the MEN resources file; ``url`` is stored exactly as written."""
    from bot.catalog.topics import load_topics

    p = ctx["parser"]
    title = p("titulo", lambda: _text(rec.get("titulo"), 300, required=True), "")
    topics = p("temas", lambda: _topics(rec.get("temas")), [])
    areas = {load_topics()[t].area for t in topics} - {""}
    return {
        "key": p("clave", lambda: _key(rec.get("clave"), title)),
        "title": title,
        "summary": p("resumen", lambda: _text(rec.get("resumen"), 2000), ""),
        "type": p("tipo", lambda: _men_type(rec.get("tipo"))),
        "themes": sorted(a for a in areas if not valid or a in valid),
        "audience": "",
        "url": p("url", lambda: _required_url(rec.get("url")), ""),
        "published_on": p("fecha_publicacion", lambda: _date(rec.get("fecha_publicacion"))),
        "tags": [],
        "source": ctx.get("file_name", ""),
        "is_sample": False,
        "evidence": p("evidencia", lambda: _text(rec.get("evidencia"), 1000), ""),
        "topics": topics,
        "territories": p("territorios", lambda: _territories(rec, title), []),
    }


def _parse_event(rec: dict[str, Any], ctx: dict[str, Any], valid: frozenset[str]) -> dict[str, Any]:
    p = ctx["parser"]
    title = p("titulo", lambda: _text(rec.get("titulo"), 300, required=True), "")
    starts = p("inicio", lambda: _datetime(rec.get("inicio"), required=True))
    ends = p("fin", lambda: _datetime(rec.get("fin")))
    if starts and ends and ends <= starts:
        ctx["errors"].append(RowError(ctx["row"], "fin", "debe ser posterior al inicio"))
    return {
        "key": p("clave", lambda: _key(rec.get("clave"), title)),
        "title": title,
        "summary": p("resumen", lambda: _text(rec.get("resumen"), 2000), ""),
        "type": p("tipo", lambda: _choice(rec.get("tipo"), EVENT_TYPES)),
        "mode": p("modalidad", lambda: _choice(rec.get("modalidad"), EVENT_MODES)),
        "starts_at": starts,
        "ends_at": ends,
        "place": p("lugar", lambda: _text(rec.get("lugar"), 300), ""),
        "audience": p("publico", lambda: _text(rec.get("publico"), 300), ""),
        "registration_url": p("enlace_inscripcion", lambda: _url(rec.get("enlace_inscripcion")), ""),
        "recording_url": p("enlace_grabacion", lambda: _url(rec.get("enlace_grabacion")), ""),
        "themes": p("temas", lambda: _themes(rec.get("temas"), valid), []),
        "is_sample": p("muestra", lambda: _bool(rec.get("muestra"), ctx["sample"]), False),
    }


CATALOG_SCHEMA = Schema("catalogo", CATALOG_ALIASES, _parse_catalog)
MEN_RESOURCE_SCHEMA = Schema("catalogo", MEN_RESOURCE_ALIASES, _parse_men_resource)
EVENT_SCHEMA = Schema("eventos", EVENT_ALIASES, _parse_event)


def validate(
    raw: RawFile, schema: Schema, *, valid_themes: Iterable[str] = (), sample: bool | None = None
) -> list[dict[str, Any]]:
    """Validated rows ready to store, or :class:`ImportValidationError` with every problem found."""
    errors: list[RowError] = []
    file_sample = sample if sample is not None else bool(raw.meta.get("muestra", False))
    valid = frozenset(valid_themes)
    if schema is CATALOG_SCHEMA and raw.meta.get("_lista") == MEN_RESOURCE_LIST:
        schema = MEN_RESOURCE_SCHEMA
    file_name = str(raw.meta.get("_archivo") or "")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, record in raw.records:
        before = len(errors)
        rec = _collect(record, schema.aliases, row, errors)
        ctx = {
            "parser": _RowParser(row, errors),
            "errors": errors,
            "row": row,
            "sample": file_sample,
            "file_name": file_name,
        }
        parsed = schema.parse(rec, ctx, valid)
        key = parsed.get("key")
        if key and key in seen:
            errors.append(RowError(row, "clave", f"clave '{key}' repetida (ya está en la fila {seen[key]})"))
        elif key:
            seen[key] = row
        if len(errors) == before:
            rows.append(parsed)
    if errors:
        raise ImportValidationError(errors)
    return rows


# --------------------------------------------------------------------------- writing
def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value)
    return value


def _apply(obj: Any, values: dict[str, Any], skip: set[str]) -> bool:
    """Set attributes; True when something changed."""
    changed = False
    for name, value in values.items():
        if name in skip:
            continue
        if _comparable(getattr(obj, name)) != _comparable(value):
            setattr(obj, name, value)
            changed = True
    if not obj.active:
        obj.active = True
        changed = True
    return changed


def _store_items(session: Session, rows: list[dict[str, Any]], result: ImportResult, retire_missing: bool) -> None:
    existing = {i.key: i for i in session.execute(select(CatalogItem)).scalars()}
    for values in rows:
        item = existing.get(values["key"])
        if item is None:
            item = CatalogItem(**{k: v for k, v in values.items() if k != "themes"})
            item.themes = [CatalogItemTheme(area_code=c) for c in values["themes"]]
            session.add(item)
            result.created += 1
            continue
        changed = _apply(item, values, skip={"themes", "key"})
        if _sync_themes(session, item, values["themes"]):
            item.updated_at = utcnow()
            changed = True
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    if retire_missing:
        result.retired = _retire(existing.values(), {r["key"] for r in rows})


def _sync_themes(session: Session, item: CatalogItem, codes: list[str]) -> bool:
    """Make the item's themes equal to ``codes`` (deletes flushed first: (item, code) is unique)."""
    wanted = set(codes)
    stale = [t for t in item.themes if t.area_code not in wanted]
    missing = sorted(wanted - set(item.theme_codes))
    for theme in stale:
        item.themes.remove(theme)
    if stale:
        session.flush()
    for code in missing:
        item.themes.append(CatalogItemTheme(area_code=code))
    return bool(stale or missing)


def _store_events(session: Session, rows: list[dict[str, Any]], result: ImportResult, retire_missing: bool) -> None:
    existing = {e.key: e for e in session.execute(select(CatalogEvent)).scalars()}
    for values in rows:
        event = existing.get(values["key"])
        if event is None:
            session.add(CatalogEvent(**values))
            result.created += 1
        elif _apply(event, values, skip={"key"}):
            result.updated += 1
        else:
            result.unchanged += 1
    if retire_missing:
        result.retired = _retire(existing.values(), {r["key"] for r in rows})


def _retire(objects: Iterable[Any], keep: set[str]) -> int:
    retired = 0
    for obj in objects:
        if obj.key not in keep and obj.active:
            obj.active = False
            retired += 1
    return retired


def import_rows(
    session: Session,
    rows: list[dict[str, Any]],
    kind: str,
    *,
    retire_missing: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Upsert validated rows by key in the caller's transaction (flushed, not committed)."""
    result = ImportResult(kind=kind, total=len(rows), dry_run=dry_run, keys=[r["key"] for r in rows])
    store = _store_items if kind == CATALOG_SCHEMA.kind else _store_events
    store(session, rows, result, retire_missing)
    session.flush()
    if dry_run:
        session.rollback()
    return result


def import_file(
    session: Session,
    path: Path | str,
    kind: str,
    *,
    fmt: str | None = None,
    valid_themes: Iterable[str] = (),
    sample: bool | None = None,
    retire_missing: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Validate the whole file, then upsert it; raises :class:`ImportValidationError` before any write."""
    schema = CATALOG_SCHEMA if kind == CATALOG_SCHEMA.kind else EVENT_SCHEMA
    raw = read_file(path, fmt)
    raw.meta.setdefault("_archivo", Path(path).name)
    rows = validate(raw, schema, valid_themes=valid_themes, sample=sample)
    result = import_rows(session, rows, schema.kind, retire_missing=retire_missing, dry_run=dry_run)
    if schema.kind == CATALOG_SCHEMA.kind and not dry_run and any(r["url"] and not r["is_sample"] for r in rows):
        result.retired += retire_placeholders(session)
    return result


def retire_placeholders(session: Session) -> int:
    """Deactivate the sample entries without a link once the catalog holds real entries with one.

    A placeholder is never shown next to the MEN's real resources.
    """
    items = list(session.execute(select(CatalogItem).where(CatalogItem.active.is_(True))).scalars())
    if not any(i.url and not i.is_sample for i in items):
        return 0
    retired = 0
    for item in items:
        if item.is_sample and not item.url:
            item.active = False
            retired += 1
    session.flush()
    return retired

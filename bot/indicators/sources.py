"""Reading the MEN/DANE files of ``data/indicators`` and normalising their format quirks.

Quirks handled here (see ``data/indicators/SOURCES.md``):
- years and codes with a thousands comma (``"2,021"``, ``"3,829"``);
- codes with and without the leading zero (``05001`` / ``5001``);
- rates with a ``%`` sign (``"93.85%"``) in the 2025 department export;
- ``TAMAÑO_PROMEDIO_DE_GRUPO`` with a decimal comma (``"27,281"``);
- ``POBLACIÓN_5_16`` with thousands commas (``"1,174,274"``) in the 2021 rows;
- DIVIPOLA: semicolons, UTF-8 BOM, CRLF and trailing note lines, periods instead of commas
  in two official names (``BOGOTÁ. D.C.``).
The proportions of the NACIONAL rows are a *value* problem, detected in :mod:`quality`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.indicators.definitions import INDICATORS, column_map

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "indicators"


@dataclass(frozen=True)
class SourceFile:
    name: str
    dataset_id: str
    kind: str  # "departamento" | "municipio"
    export: str  # date of the portal export
    preference: int  # lower = preferred when two exports have a usable value


DEPARTMENT_FILES = (
    SourceFile("men_departamento_2011_2024.csv", "ji8i-4anb", "departamento", "2025-11", 0),
    SourceFile("men_departamento_2011_2022_v2023-10.csv", "ji8i-4anb", "departamento", "2023-10", 1),
)
MUNICIPAL_FILE = SourceFile("men_municipio_2011_2022.csv", "nudc-7mev", "municipio", "2023-09", 0)
DIVIPOLA_FILE = "divipola_2020.csv"
REGION_FILE = "municipios_region.csv"
ALL_FILES = tuple(f.name for f in DEPARTMENT_FILES) + (MUNICIPAL_FILE.name, DIVIPOLA_FILE, REGION_FILE)

NATIONAL_KEY = "nac:0"


def department_key(code: int) -> str:
    return f"dep:{code:02d}"


def municipality_key(code: int) -> str:
    return f"mun:{code:05d}"


def etc_key(code: int) -> str:
    return f"etc:{code}"


@dataclass
class Record:
    """One row of a MEN indicator file, normalised."""

    source: SourceFile
    line: int
    year: int
    entity_key: str
    name: str
    department_code: int
    etc_code: int | None
    etc_name: str | None
    values: dict[str, float | None]
    raw: dict[str, str] = field(repr=False, default_factory=dict)
    flags: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (reason, detail)


_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def _clean(text: str | None) -> str:
    return (text or "").strip().strip('"').strip()


def parse_code(text: str, stats: Counter | None = None) -> int:
    """``"3,829"`` -> 3829, ``"05001"`` -> 5001, ``"2,021"`` -> 2021."""
    s = _clean(text)
    if "," in s or "." in s:
        if stats is not None:
            stats["numero_entero_con_separador"] += 1
        s = s.replace(",", "").replace(".", "")
    if len(s) > 1 and s.startswith("0") and stats is not None:
        stats["codigo_con_cero_inicial"] += 1
    return int(s)


def parse_count(text: str, stats: Counter | None = None) -> float | None:
    """Whole numbers that may carry thousands separators: ``"1,174,274"`` -> 1174274."""
    s = _clean(text)
    if not s:
        return None
    if _THOUSANDS.match(s):
        if stats is not None:
            stats["miles_con_separador"] += 1
        s = s.replace(",", "").replace(".", "")
    return float(s)


def parse_decimal(text: str, stats: Counter | None = None) -> float | None:
    """Rates and averages: ``"93.85%"`` -> 93.85, ``"27,281"`` -> 27.281, ``""`` -> None."""
    s = _clean(text)
    if not s:
        return None
    if s.endswith("%"):
        if stats is not None:
            stats["porcentaje_con_signo"] += 1
        s = s[:-1].strip()
    if "," in s:
        if stats is not None:
            stats["decimal_con_coma"] += 1
        s = s.replace(".", "").replace(",", ".")
    return float(s)


def parse_value(column: str, text: str, stats: Counter | None = None) -> float | None:
    ind_key, _level = column_map()[column]
    if INDICATORS[ind_key].decimals == 0:
        return parse_count(text, stats)
    return parse_decimal(text, stats)


def read_text(path: Path, stats: Counter | None = None) -> str:
    raw = path.read_bytes()
    if stats is not None:
        if raw.startswith(b"\xef\xbb\xbf"):
            stats["bom"] += 1
        if b"\r\n" in raw:
            stats["crlf"] += 1
    return raw.decode("utf-8-sig")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sources_fingerprint(data_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ALL_FILES:
        h.update(name.encode())
        h.update(file_sha256(data_dir / name).encode())
    return h.hexdigest()


def _dict_rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_indicator_file(data_dir: Path, source: SourceFile, stats: Counter) -> list[Record]:
    """All rows of a MEN indicator file as :class:`Record` objects (values not yet checked)."""
    rows = _dict_rows(read_text(data_dir / source.name, stats))
    columns = [c for c in column_map() if rows and c in rows[0]]
    records = []
    for i, row in enumerate(rows, start=2):
        values = {c: parse_value(c, row[c], stats) for c in columns}
        year = parse_code(row["AÑO"], stats)
        dept_code = parse_code(row["CÓDIGO_DEPARTAMENTO"], stats)
        if source.kind == "departamento":
            key, name, etc_code, etc_name = department_key(dept_code), _clean(row["DEPARTAMENTO"]), None, None
        else:
            muni = parse_code(row["CÓDIGO_MUNICIPIO"], stats)
            key = NATIONAL_KEY if muni == 0 else municipality_key(muni)
            name = _clean(row["MUNICIPIO"])
            etc_code = parse_code(row["CÓDIGO_ETC"], stats)
            etc_name = _clean(row["ETC"])
        records.append(Record(source, i, year, key, name, dept_code, etc_code, etc_name, values, row))
    return records


@dataclass(frozen=True)
class DivipolaRow:
    department_code: int
    municipality_code: int
    department_name: str
    municipality_name: str
    kind: str  # Municipio / Isla / Área no municipalizada


def read_divipola(data_dir: Path, stats: Counter) -> list[DivipolaRow]:
    """DIVIPOLA without its note lines (rows whose codes are not numbers)."""
    text = read_text(data_dir / DIVIPOLA_FILE, stats)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    next(reader)  # header
    out = []
    for row in reader:
        if len(row) < 5 or not row[0].strip().isdigit() or not row[1].strip().isdigit():
            if any(cell.strip() for cell in row):
                stats["divipola_lineas_de_nota"] += 1
            continue
        out.append(DivipolaRow(int(row[0]), int(row[1]), row[2].strip(), row[3].strip(), row[4].strip()))
    return out


@dataclass(frozen=True)
class RegionRow:
    region: str
    department_code: int
    department_name: str
    municipality_code: int
    municipality_name: str


def read_regions(data_dir: Path, stats: Counter) -> list[RegionRow]:
    rows = _dict_rows(read_text(data_dir / REGION_FILE, stats))
    return [
        RegionRow(
            r["REGION"].strip(),
            parse_code(r["CÓDIGO DANE DEL DEPARTAMENTO"]),
            r["DEPARTAMENTO"].strip(),
            parse_code(r["CÓDIGO DANE DEL MUNICIPIO"]),
            r["MUNICIPIO"].strip(),
        )
        for r in rows
    ]


def official_divipola_name(name: str) -> str:
    """DIVIPOLA writes a period where the official name has a comma (``BOGOTÁ. D.C.``)."""
    return name.replace(". D.C.", ", D.C.").replace("ANDRÉS. PROVIDENCIA", "ANDRÉS, PROVIDENCIA")

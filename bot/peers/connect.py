"""Offer to connect: the description of a case asking the Escuela de Secretarías to put two teams in touch.

The case itself is opened by the tickets flow (``action_crear_caso`` with reason ``conexion_pares``),
which sends it to area ``VPBM-ESC`` (cooperación entre pares, men-areas.yml) without a routing guess.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.formatting import format_number
from bot.indicators.definitions import format_value
from bot.peers.finder import Criteria, Peer, PeerResult
from bot.settings import PROJECT_ROOT

TEMPLATES_FILE = PROJECT_ROOT / "data" / "catalog" / "plantillas.yml"


def _criteria_text(c: Criteria) -> str:
    parts = [
        f"población de 5 a 16 años en {c.base_year} entre {format_number(c.population_min, 0)} y "
        f"{format_number(c.population_max, 0)}",
        f"valor en {c.base_year} entre {format_number(c.baseline_min)} y {format_number(c.baseline_max)}",
        f"región: {c.region}" if c.region else "cualquier región",
    ]
    return "; ".join(parts)


def _peer_text(p: Peer, indicator: str) -> str:
    return f"{p.etc.name} ({p.etc.department_name}) {format_value(indicator, p.base_value)} → {format_value(indicator, p.end_value)}"


def _templates(template_file: Path = TEMPLATES_FILE) -> dict[str, str]:
    return yaml.safe_load(template_file.read_text(encoding="utf-8"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def connection_description(result: PeerResult, message: str = "", template_file: Path = TEMPLATES_FILE) -> str:
    """The case description, from the template of ``data/catalog/plantillas.yml`` and the data."""
    if result.user is None or result.criteria is None or not result.peers:
        raise ValueError("no hay pares que conectar")
    names = [p.etc.name for p in result.peers]
    return _one_line(
        _templates(template_file)["conexion_pares"].format(
            etc=result.user.name,
            pares=", ".join(names[:-1]) + (" y " if len(names) > 1 else "") + names[-1],
            indicador=result.indicator_name,
            nivel=result.level,
            desde=result.criteria.base_year,
            hasta=result.criteria.end_year,
            detalle="; ".join(_peer_text(p, result.indicator) for p in result.peers),
            criterios=_criteria_text(result.criteria),
            fuente=result.source,
            mensaje=message.strip(),
        )
    )


def escuela_description(result: PeerResult, message: str = "", template_file: Path = TEMPLATES_FILE) -> str:
    """The case description when there are no peers to name (departmental ETC, none improved, no data)."""
    if result.user is None:
        raise ValueError("sin secretaría")
    templates = _templates(template_file)
    crit = result.criteria
    motivo = templates.get(f"motivo_{result.status}", "").format(
        desde=crit.base_year if crit else "",
        hasta=crit.end_year if crit else "",
        candidatas=result.candidates,
    )
    return _one_line(
        templates["conexion_escuela"].format(
            etc=result.user.name,
            indicador=result.indicator_name,
            nivel=result.level,
            motivo=motivo,
            mensaje=message.strip(),
        )
    )

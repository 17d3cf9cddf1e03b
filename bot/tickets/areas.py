"""MEN areas that receive escalated inquiries, loaded from ``data/spec/men-areas.yml``.

The file is a copy (byte for byte) of the shared spec; its ``code`` values are a contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

AREAS_FILE = PROJECT_ROOT / "data" / "spec" / "men-areas.yml"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    parent: str
    topics: str
    default: bool = False


@dataclass(frozen=True)
class AreaCatalog:
    areas: tuple[Area, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.areas)

    @property
    def default(self) -> Area:
        return next(a for a in self.areas if a.default)

    def get(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.code == code), None)

    def require(self, code: str) -> Area:
        area = self.get(code)
        if area is None:
            raise KeyError(f"unknown MEN area code: {code!r}")
        return area


def parse_areas(raw: dict) -> AreaCatalog:
    """Validate the YAML structure: unique codes, exactly one default area."""
    items = raw.get("areas") if isinstance(raw, dict) else None
    if not items:
        raise ValueError("men-areas.yml has no 'areas' list")
    areas = tuple(
        Area(
            code=str(i["code"]).strip(),
            name=str(i["name"]).strip(),
            parent=str(i.get("parent", "")).strip(),
            topics=" ".join(str(i.get("topics", "")).split()),
            default=bool(i.get("default", False)),
        )
        for i in items
    )
    codes = [a.code for a in areas]
    if len(set(codes)) != len(codes):
        raise ValueError("men-areas.yml has duplicated area codes")
    if sum(a.default for a in areas) != 1:
        raise ValueError("men-areas.yml must mark exactly one area with default: true")
    return AreaCatalog(areas=areas)


class AreasOnDemand:
    """For the services that read the MEN areas: ``areas`` is the catalog their constructor got
    (``self._areas``), or the contract file's, read on first use (:func:`load_areas`)."""

    _areas: AreaCatalog | None = None

    @property
    def areas(self) -> AreaCatalog:
        if self._areas is None:
            self._areas = load_areas()
        return self._areas


@lru_cache(maxsize=4)
def load_areas(path: Path = AREAS_FILE) -> AreaCatalog:
    """The area catalog (cached per path)."""
    with open(path, encoding="utf-8") as fh:
        return parse_areas(yaml.safe_load(fh))

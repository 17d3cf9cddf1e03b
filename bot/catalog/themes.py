"""Themes of the catalog = the MEN area codes of ``data/spec/men-areas.yml`` (a contract).

The file is read by :mod:`bot.tickets.areas` (the single loader of the contract); this module
only gives the catalog what it needs: the codes and their names.
"""

from __future__ import annotations

from pathlib import Path


def area_names(path: Path | str | None = None) -> dict[str, str]:
    """Area name by code, in file order."""
    from bot.tickets.areas import AREAS_FILE, load_areas

    catalog = load_areas(Path(path) if path else AREAS_FILE)
    return {a.code: a.name for a in catalog.areas}

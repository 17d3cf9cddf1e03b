from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from bot.tickets.areas import AREAS_FILE, load_areas, parse_areas

SHARED_SPEC = PROJECT_ROOT.parent / "shared" / "spec" / "men-areas.yml"


def test_project_copy_is_byte_identical_to_the_shared_spec():
    if not SHARED_SPEC.exists():
        pytest.skip("shared/ is not next to the repository")
    assert Path(AREAS_FILE).read_bytes() == SHARED_SPEC.read_bytes()


def test_catalog_has_fifteen_areas_and_one_default():
    areas = load_areas()
    assert len(areas.codes) == 15
    assert areas.default.code == "SG-SRC"
    assert areas.require("UAPA-PAE").name.startswith("Unidad de Alimentación Escolar")
    assert areas.get("NOPE") is None
    with pytest.raises(KeyError):
        areas.require("NOPE")


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"areas": [{"code": "A", "name": "a"}, {"code": "A", "name": "b", "default": True}]},
        {"areas": [{"code": "A", "name": "a"}, {"code": "B", "name": "b"}]},
    ],
)
def test_invalid_area_files_are_refused(raw):
    with pytest.raises(ValueError):
        parse_areas(raw)

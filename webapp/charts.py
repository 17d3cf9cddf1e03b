"""``GET /charts/{name}.png``: the indicator charts written to ``settings.charts_dir``.

Only plain file names are served (letters, digits, ``-``, ``_``, ``.``; no path separators,
no leading dot), and the resolved file must lie inside the charts directory, so a request can
never read anything else (no path traversal, no symlink escape).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

router = APIRouter(tags=["charts"])

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def chart_path(charts_dir: Path, name: str) -> Path | None:
    """The file for chart ``name`` (without ``.png``), or ``None`` if unsafe or absent."""
    if not SAFE_NAME.fullmatch(name) or ".." in name:
        return None
    root = charts_dir.resolve()
    path = (root / f"{name}.png").resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


@router.get("/charts/{name}.png", response_class=FileResponse)
async def get_chart(name: str, request: Request) -> FileResponse:
    path = chart_path(request.app.state.settings.charts_dir, name)
    if path is None:
        raise HTTPException(status_code=404, detail="Not found")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})

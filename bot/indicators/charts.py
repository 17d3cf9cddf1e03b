"""PNG charts of indicator series (matplotlib, Agg backend, no pyplot state).

Each chart is written once to ``charts_dir`` under a name derived from its content
(``ind-<sha256[:20]>.png``) and reused afterwards; the web app serves it at ``/charts/<file>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.formatting import format_number

CHART_VERSION = "1"
_COLORS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000")


@dataclass(frozen=True)
class Line:
    label: str
    points: tuple[tuple[int, float], ...]  # (year, value), reliable values only


def chart_name(spec: dict) -> str:
    payload = json.dumps({"v": CHART_VERSION, **spec}, sort_keys=True, ensure_ascii=False).encode()
    return f"ind-{hashlib.sha256(payload).hexdigest()[:20]}.png"


def render_lines(
    charts_dir: Path,
    *,
    title: str,
    unit_label: str,
    lines: Sequence[Line],
    caption: str,
    decimals: int = 2,
) -> str:
    """Write (once) a line chart and return its file name."""
    spec = {
        "kind": "lines", "title": title, "unit": unit_label, "caption": caption, "decimals": decimals,
        "lines": [[ln.label, [list(p) for p in ln.points]] for ln in lines],
    }
    name = chart_name(spec)
    path = Path(charts_dir) / name
    if path.exists():
        return name
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(7.2, 4.2), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    for i, ln in enumerate(lines):
        if not ln.points:
            continue
        xs = [p[0] for p in ln.points]
        ys = [p[1] for p in ln.points]
        ax.plot(xs, ys, marker="o", linewidth=2, color=_COLORS[i % len(_COLORS)], label=ln.label)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(unit_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, decimals if abs(v) < 1000 else 0)))
    ax.grid(True, alpha=0.3)
    if len(lines) > 1:
        ax.legend(fontsize=8, loc="best")
    fig.text(0.01, 0.01, caption, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    _atomic_save(fig, path)
    return name


def _atomic_save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

"""Render Rasa's credentials.yml from the environment: ``python scripts/render_credentials.py [PATH]``.

Thin wrapper of ``python -m channels.credentials --out PATH`` (default ``var/credentials.yml``),
used by ``scripts/run.py``. Exit code 2 when a channel is configured only in part.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from channels.credentials import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(["--out", args[0] if args else "var/credentials.yml"]))

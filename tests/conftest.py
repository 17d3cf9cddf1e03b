"""Shared pytest configuration: the project root on sys.path, telemetry off, the end-to-end stack."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

# Session fixtures of the real processes (tests/stack.py), registered here once so that the
# integration and browser tests of one pytest run share them.
from tests.stack import (  # noqa: E402, F401
    action_server,
    base_env,
    embedded_port,
    model_path,
    processes,
    stack,
    web_app,
)

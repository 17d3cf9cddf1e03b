"""Real processes for end-to-end tests: the shared stack of tests/stack.py (fixtures registered in
tests/conftest.py, so tests/integration and tests/browser share one action server and one Rasa).

The helpers stay importable from here (``from tests.integration.conftest import start_rasa``).
"""

from __future__ import annotations

from tests.stack import BIN, ROOT, Processes, free_port, launch_rasa, start_rasa, wait_until

__all__ = ["BIN", "ROOT", "Processes", "free_port", "launch_rasa", "start_rasa", "wait_until"]

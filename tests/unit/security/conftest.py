"""Fixtures of the security tests: the agents tests' migrated database, accounts and clock, and a
web app with generous rate limits (fuzzing sends thousands of requests from one address)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tests.unit.agents.conftest import (  # noqa: F401  (fixtures re-used here)
    PASSWORD,
    Clock,
    clock,
    hasher,
    make_ticket,
    team,
)

# Examples per fuzz target; the four targets add up to 10,000 (FUZZ_SCALE=0.1 for a quick local run).
FUZZ_SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz_examples(n: int) -> int:
    return max(10, int(n * FUZZ_SCALE))


@pytest.fixture
def open_limits():
    """Settings overrides that keep the rate limits out of the way of a fuzzer."""
    return {"public_rate_limit": 10**9, "login_rate_limit": 10**9, "login_free_failures": 10**9,
            "web_session_secret": "secreto-de-sesiones", "privacy_job_minutes": 0}


def with_overrides(settings, **overrides):
    return replace(settings, **overrides)

"""Fixtures of the security tests (the migrated database, accounts and clock of tests/db_fixtures.py) and a
web app with generous rate limits (fuzzing sends thousands of requests from one address)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tests.db_fixtures import PASSWORD, Clock, make_ticket  # noqa: F401  (the database, clock and team fixtures come from there)

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

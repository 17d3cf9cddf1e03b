"""Periodic background work of the web app: one helper for every "every N seconds" job (sending
notices, reading the tracker store for the review inbox, the privacy job)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from fastapi import FastAPI

logger = logging.getLogger(__name__)


def run_every(app: FastAPI, seconds: Callable[[], float], work: Callable[[], object], failure: str, *,
              first_delay: Callable[[], float] | None = None) -> None:
    """Run the blocking ``work`` in a thread every ``seconds()`` while the app runs (0 or less: never).

    The period is read at start-up; ``first_delay`` (default: the period) lets the app start first.
    A failure is logged with ``failure`` and the schedule goes on.
    """
    state: dict[str, asyncio.Task] = {}

    async def loop(period: float) -> None:
        from starlette.concurrency import run_in_threadpool

        await asyncio.sleep(first_delay() if first_delay else period)
        while True:
            try:
                await run_in_threadpool(work)
            except Exception:  # a database or network hiccup must not stop the schedule
                logger.exception(failure)
            await asyncio.sleep(period)

    async def start() -> None:
        period = seconds()
        if period > 0:
            state["task"] = asyncio.create_task(loop(period))

    async def stop() -> None:
        task = state.pop("task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.add_event_handler("startup", start)
    app.add_event_handler("shutdown", stop)

"""When the action server is down: a clear Spanish message, never silence; a case is not lost.

Rasa 3.6 logs a failed custom-action call and drops its events: the user gets no answer. Installed
by the lock stores of :mod:`rasa_addons.lock_store` (the only place Rasa loads project code at
start-up from ``endpoints.yml``), this module wraps ``RemoteAction.run``:

- the call has a bounded time (``ACTION_SERVER_TIMEOUT`` seconds, 30 by default, instead of 5 min);
- on a connection error, timeout or 5xx the user gets ``utter_servicio_no_disponible`` (once per
  turn), from the domain, on the same output channel;
- for the actions of :data:`RETRIED_ACTIONS` (``action_crear_caso``, which creates the case) the
  user gets ``utter_caso_en_espera`` instead and the call is kept as pending: in Redis (shared by
  the replicas, ``<prefix>:acciones_pendientes``) with the production lock store, in memory with
  :class:`~rasa_addons.lock_store.LocalLockStore`. Every ``ACTION_RETRY_SECONDS`` (5) each replica
  checks the action server's ``/health``; when it answers, the replica claims the due pending
  calls (atomically) and runs the action again on the conversation, under its lock, with the
  conversation's last channel as output: the case is created and its code sent to the user.
  ``action_crear_caso`` is idempotent (the key is the conversation and the request id of the
  consent step), so a retry racing the user's own "Enviar" never creates a second case.

Nothing personal is logged: only the action's name and the error's type.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import time
from typing import Any

logger = logging.getLogger(__name__)

UNAVAILABLE_RESPONSE = "utter_servicio_no_disponible"
PENDING_RESPONSE = "utter_caso_en_espera"
# action -> the slot that must still be True when it is retried (else the user moved on: dropped)
RETRIED_ACTIONS = {"action_crear_caso": "caso_confirmado"}
# form validation action -> {slot: values} it may let through unvalidated while the action server is
# down: only the final "yes, send it" (caso_confirmado = True, what validate_caso_form accepts); the
# case is then kept as pending instead of being asked forever, and the ticket service validates every
# field again when the case is created.
PASS_THROUGH_WHEN_DOWN: dict[str, dict[str, tuple]] = {"validate_caso_form": {"caso_confirmado": (True,)}}
LEASE_SECONDS = 120

_retry_state: contextvars.ContextVar[dict[str, bool] | None] = contextvars.ContextVar("retry_state", default=None)
_state: dict[str, Any] = {"installed": False, "pending": None, "task": None}


def action_timeout() -> float:
    return float(os.environ.get("ACTION_SERVER_TIMEOUT") or 30)


def retry_seconds() -> float:
    return float(os.environ.get("ACTION_RETRY_SECONDS") or 5)


# --- pending calls ---------------------------------------------------------------------------

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member) end
return due
"""


class RedisPending:
    """Pending action calls in a sorted set (score: when to try next); claims are atomic (Lua)."""

    def __init__(self, client: Any, key: str) -> None:
        self.red = client
        self.key = key
        self._claim = client.register_script(_CLAIM)

    def add(self, sender_id: str, action: str) -> None:
        self.red.zadd(self.key, {_member(sender_id, action): time.time()}, nx=True)

    def claim_due(self, limit: int = 20) -> list[str]:
        now = time.time()
        return [m.decode() if isinstance(m, bytes) else m for m in self._claim(keys=[self.key], args=[now, now + LEASE_SECONDS, limit])]

    def done(self, member: str) -> None:
        self.red.zrem(self.key, member)

    def later(self, member: str, seconds: float) -> None:
        self.red.zadd(self.key, {member: time.time() + seconds}, xx=True)

    def members(self) -> list[str]:
        return [m.decode() if isinstance(m, bytes) else m for m in self.red.zrange(self.key, 0, -1)]


class MemoryPending:
    def __init__(self) -> None:
        self.due: dict[str, float] = {}

    def add(self, sender_id: str, action: str) -> None:
        self.due.setdefault(_member(sender_id, action), time.time())

    def claim_due(self, limit: int = 20) -> list[str]:
        now = time.time()
        claimed = [m for m, at in sorted(self.due.items(), key=lambda kv: kv[1]) if at <= now][:limit]
        for m in claimed:
            self.due[m] = now + LEASE_SECONDS
        return claimed

    def done(self, member: str) -> None:
        self.due.pop(member, None)

    def later(self, member: str, seconds: float) -> None:
        if member in self.due:
            self.due[member] = time.time() + seconds

    def members(self) -> list[str]:
        return list(self.due)


def _member(sender_id: str, action: str) -> str:
    return json.dumps({"sender_id": sender_id, "action": action}, sort_keys=True, ensure_ascii=False)


# --- the wrapped RemoteAction.run ----------------------------------------------------------------


def _said_this_turn(tracker: Any, response: str) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == response:
            return True
    return False


def _slot_candidates(tracker: Any) -> dict[str, Any]:
    """The slots set since the user's last message (what a form validation action is asked to check)."""
    from rasa.shared.core.events import SlotSet, UserUttered

    found: dict[str, Any] = {}
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.key != "requested_slot" and event.key not in found:
            found[event.key] = event.value
    return found


def _validation_when_down(action: str, tracker: Any) -> tuple[list, bool]:
    """SlotSet events for a form validation action that could not run.

    Rasa takes a candidate the validation action does not mention as valid, so every candidate is
    answered: kept only when :data:`PASS_THROUGH_WHEN_DOWN` allows its value, else reset to None (the
    form asks again later). Returns the events and whether every candidate was kept.
    """
    from rasa.shared.core.events import SlotSet

    allowed = PASS_THROUGH_WHEN_DOWN.get(action, {})
    events, all_kept = [], True
    for key, value in reversed(list(_slot_candidates(tracker).items())):
        if key in allowed and any(value is v for v in allowed[key]):
            events.append(SlotSet(key, value))
        else:
            events.append(SlotSet(key, None))
            all_kept = False
    return events, all_kept


def install(*, redis_client: Any | None, key_prefix: str) -> None:
    """Wrap ``RemoteAction.run`` (once per process) and set where pending calls are kept."""
    _state["pending"] = RedisPending(redis_client, f"{key_prefix}:acciones_pendientes") if redis_client else MemoryPending()
    if not _state["installed"]:
        from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance

        original = RemoteAction.run

        async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list:
            try:
                return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), action_timeout())
            except ActionExecutionRejection:
                raise
            except Exception as err:  # connection refused, timeout, 5xx: all "the action server failed"
                retry = _retry_state.get()
                if retry is not None:  # a background retry: the caller reschedules, the user was told already
                    retry["failed"] = True
                    raise
                logger.error("action server failed running %s (%s)", self.name(), type(err).__name__)
                events: list = []
                if self.name().startswith("validate_"):
                    events, all_kept = _validation_when_down(self.name(), tracker)
                    if events and all_kept:
                        return events
                response = UNAVAILABLE_RESPONSE
                if self.name() in RETRIED_ACTIONS and _state["pending"] is not None:
                    _state["pending"].add(tracker.sender_id, self.name())
                    response = PENDING_RESPONSE
                    _ensure_retry_loop()
                if _said_this_turn(tracker, response):
                    return events
                message = await nlg.generate(response, tracker, output_channel.name())
                if not message:  # a model trained without the response: Rasa's own behaviour
                    raise
                message["utter_action"] = response
                return [*events, create_bot_utterance(message)]

        RemoteAction.run = run  # type: ignore[method-assign]
        _state["installed"] = True
        logger.info("resilience installed: action timeout %ss, retried actions %s", action_timeout(), sorted(RETRIED_ACTIONS))
    _ensure_retry_loop()


# --- the retry loop ------------------------------------------------------------------------------


def _ensure_retry_loop() -> None:
    task = _state.get("task")
    if task is not None and not task.done():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # not inside Rasa's server (e.g. `rasa shell` start-up): started at the first failure
    _state["task"] = loop.create_task(_retry_loop())


def _find_agent() -> tuple[Any, Any] | tuple[None, None]:
    from sanic import Sanic

    for app in list(Sanic._app_registry.values()):
        agent = getattr(app.ctx, "agent", None)
        if agent is not None and agent.is_ready():
            return app, agent
    return None, None


async def _action_server_healthy(agent: Any) -> bool:
    import aiohttp

    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        return False
    base = endpoint.url.rsplit("/", 1)[0] if endpoint.url.rstrip("/").endswith("webhook") else endpoint.url
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session, session.get(
            f"{base.rstrip('/')}/health"
        ) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001
        return False


def _output_channel(app: Any, tracker: Any) -> Any:
    from rasa.core.channels.channel import CollectingOutputChannel

    wanted = tracker.get_latest_input_channel() if tracker is not None else None
    for channel in getattr(app.ctx, "input_channels", None) or []:
        if channel.name() == wanted:
            output = channel.get_output_channel()
            if output is not None:
                return output
    return CollectingOutputChannel()


async def retry_pending_once() -> int:
    """One round: run the due pending calls if the action server is up. Returns how many succeeded."""
    pending = _state["pending"]
    app, agent = _find_agent()
    if pending is None or agent is None or not await _action_server_healthy(agent):
        return 0
    done = 0
    for member in pending.claim_due():
        item = json.loads(member)
        state = {"failed": False}
        token = _retry_state.set(state)
        try:
            tracker = await agent.tracker_store.retrieve(item["sender_id"])
            required = RETRIED_ACTIONS.get(item["action"])
            if tracker is None or (required and tracker.get_slot(required) is not True):
                pending.done(member)  # nothing left to submit (cancelled, or already sent by the user)
                continue
            await agent.execute_action(item["sender_id"], item["action"], _output_channel(app, tracker), None, None)
        except Exception as err:  # noqa: BLE001
            logger.error("retry of %s failed (%s)", item["action"], type(err).__name__)
            state["failed"] = True
        finally:
            _retry_state.reset(token)
        if state["failed"]:
            pending.later(member, max(retry_seconds(), 5))
        else:
            pending.done(member)
            done += 1
            logger.info("pending %s done", item["action"])
    return done


async def _retry_loop() -> None:
    while True:
        await asyncio.sleep(retry_seconds())
        try:
            await retry_pending_once()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - keep the loop alive (Redis restarting, etc.)
            logger.error("pending action retry round failed (%s)", type(err).__name__)

"""Abuse limits: per-key rate limiter, login back-off per (account, IP) that cannot lock an agent out,
request size limit and per-IP limit of the web app (bot/ratelimit.py, webapp/security.py)."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from bot.ratelimit import LoginThrottle, RateLimiter
from bot.settings import load_settings
from tests.db_fixtures import PASSWORD
from webapp.agents.services import AgentServices
from webapp.app import create_app


class Ticking:
    def __init__(self) -> None:
        self.now = 1200.0  # a window boundary (multiple of 60)

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_counts_per_key_and_slides() -> None:
    clock = Ticking()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.hit("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b")  # another key is not affected
    assert 1 <= limiter.retry_after("a") <= 60
    clock.now += 60  # next window: the previous one still weighs fully at its start
    assert not limiter.hit("a")
    clock.now += 30  # half of the previous window left: 1.5 + 1 <= 3
    assert limiter.hit("a")
    clock.now += 200
    assert [limiter.hit("a") for _ in range(3)] == [True, True, True]


def test_rate_limiter_memory_is_bounded() -> None:
    clock = Ticking()
    limiter = RateLimiter(1, 60, clock=clock, max_keys=100)
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter._keys) <= 100


def test_login_throttle_backs_off_per_account_and_ip_and_forgets_on_success() -> None:
    clock = Ticking()
    throttle = LoginThrottle(free_failures=3, base_seconds=30, max_seconds=300, clock=clock)
    for _ in range(2):
        throttle.failure("ana@x.co", "1.1.1.1")
    assert throttle.wait_seconds("ana@x.co", "1.1.1.1") == 0
    throttle.failure("ana@x.co", "1.1.1.1")
    assert throttle.wait_seconds("ana@x.co", "1.1.1.1") == 30
    assert throttle.wait_seconds("ANA@x.co ", "1.1.1.1") == 30  # same account however typed
    assert throttle.wait_seconds("ana@x.co", "2.2.2.2") == 0  # the agent from elsewhere is not locked out
    clock.now += 31
    throttle.failure("ana@x.co", "1.1.1.1")
    assert throttle.wait_seconds("ana@x.co", "1.1.1.1") == 60  # doubles
    for _ in range(10):
        clock.now += 400
        throttle.failure("ana@x.co", "1.1.1.1")
    assert throttle.wait_seconds("ana@x.co", "1.1.1.1") == 300  # capped
    throttle.success("ana@x.co", "1.1.1.1")
    assert throttle.wait_seconds("ana@x.co", "1.1.1.1") == 0


def from_ip(app, ip: str) -> TestClient:
    """A client whose requests come from ``ip`` (as uvicorn sets it from the socket or a trusted proxy)."""

    async def with_client(scope, receive, send):
        if scope["type"] == "http":
            scope = dict(scope, client=(ip, 5000))
        await app(scope, receive, send)

    return TestClient(with_client)


def _app(tmp_path, db_url, hasher, clock, **overrides):
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url,
                                      "RASA_URL": "http://127.0.0.1:9"}), privacy_job_minutes=0,
                       agent_delivery_retry_seconds=0, **overrides)
    app = create_app(settings)
    app.state.agents = AgentServices.build(settings, hasher=hasher, clock=clock)
    return app


def test_login_of_an_attacker_does_not_lock_the_agent_out(tmp_path, db_url, team, hasher, clock) -> None:
    app = _app(tmp_path, db_url, hasher, clock, login_free_failures=3, login_rate_limit=1000)
    attacker = from_ip(app, "203.0.113.9")
    agent = from_ip(app, "198.51.100.7")
    email = team.emails["ana"]
    codes = [attacker.post("/api/agentes/sesion", json={"email": email, "clave": "adivinanza-000"}).status_code
             for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    refused = attacker.post("/api/agentes/sesion", json={"email": email, "clave": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1  # even the right password waits
    assert refused.json()["detail"]["motivo"] == "demasiados_intentos"
    ok = agent.post("/api/agentes/sesion", json={"email": email, "clave": PASSWORD})
    assert ok.status_code == 200  # the real agent, from her own address, logs in


def test_login_attempts_per_ip_are_limited(tmp_path, db_url, team, hasher, clock) -> None:
    app = _app(tmp_path, db_url, hasher, clock, login_rate_limit=4, login_free_failures=1000)
    client = from_ip(app, "203.0.113.10")
    codes = [client.post("/api/agentes/sesion", json={"email": f"u{i}@x.co", "clave": "x" * 12}).status_code
             for i in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]


def test_public_requests_per_ip_are_limited(tmp_path, db_url, hasher, clock) -> None:
    app = _app(tmp_path, db_url, hasher, clock, public_rate_limit=5)
    one = from_ip(app, "203.0.113.11")
    other = from_ip(app, "203.0.113.12")
    codes = [one.post("/chat/sesion").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429, 429]
    assert one.get("/health").status_code == 200  # not counted
    assert other.post("/chat/sesion").status_code == 200
    limited = one.get("/")
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_request_size_is_limited(tmp_path, db_url, hasher, clock) -> None:
    app = _app(tmp_path, db_url, hasher, clock, max_request_bytes=1024)
    client = TestClient(app)
    big = {"email": "a@x.co", "clave": "x" * 2000}
    response = client.post("/api/agentes/sesion", json=big)
    assert response.status_code == 413 and response.json()["detail"]["motivo"] == "solicitud_demasiado_grande"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b"x" * 200

    assert client.post("/api/agentes/sesion", content=chunks(),
                       headers={"Content-Type": "application/json"}).status_code == 413
    assert client.post("/api/agentes/sesion", json={"email": "a@x.co", "clave": "x" * 12}).status_code == 401


def test_chat_session_endpoint_issues_signed_ids(tmp_path, db_url, hasher, clock) -> None:
    from bot.identity import valid_web_session

    app = _app(tmp_path, db_url, hasher, clock, web_session_secret="s3")
    client = TestClient(app)
    first, second = (client.post("/chat/sesion").json()["sesion"] for _ in range(2))
    assert first != second and valid_web_session("s3", first) and valid_web_session("s3", second)
    assert TestClient(_app(tmp_path, db_url, hasher, clock)).post("/chat/sesion").json() == {"sesion": None}

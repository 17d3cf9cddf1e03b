"""The datos.gov.co client against a fake Socrata server on 127.0.0.1, and the service's fallback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from bot.indicators.service import IndicatorService
from bot.indicators.socrata import SocrataClient, SocrataError, soda_field_names

ETC_ROWS = [
    {"cod_etc": "3758", "nombre_etc": "Antioquia (ETC)", "ano": "2021", "deserci_n": "4.1", "cobertura_neta": "88.5",
     "cobertura_bruta": "101.2", "tasa_matriculaci_n_5_16": "89.0", "aprobaci_n": "90.1"},
    {"cod_etc": "3758", "nombre_etc": "Antioquia (ETC)", "ano": "2022", "deserci_n": "3.95", "cobertura_neta": "87.9",
     "cobertura_bruta": "100.4", "tasa_matriculaci_n_5_16": "88.2", "aprobaci_n": "89.7"},
]


class FakeSocrata:
    """Answers queued (status, body) pairs, then the last one forever; records every request."""

    def __init__(self):
        self.responses: list[tuple[int, object]] = [(200, ETC_ROWS)]
        self.requests: list[dict] = []
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                url = urlparse(self.path)
                fake.requests.append({"path": url.path, "query": parse_qs(url.query),
                                      "token": self.headers.get("X-App-Token")})
                if fake.delay:
                    threading.Event().wait(fake.delay)
                status, body = fake.responses.pop(0) if len(fake.responses) > 1 else fake.responses[0]
                payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    with FakeSocrata() as server:
        yield server


def _client(url: str, **kw) -> SocrataClient:
    sleeps: list[float] = []
    kw.setdefault("retries", 2)
    client = SocrataClient(base_url=url, timeout=kw.pop("timeout", 2.0), sleep=sleeps.append, **kw)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def test_field_names_follow_the_soda_spelling():
    assert soda_field_names("DESERCIÓN_SECUNDARIA") == ("deserci_n_secundaria", "desercion_secundaria")
    assert soda_field_names("TASA_MATRICULACIÓN_5_16")[0] == "tasa_matriculaci_n_5_16"


def test_etc_rows_parsed_with_token_and_cached(fake):
    client = _client(fake.url, app_token="abc123", cache_seconds=60)
    rows = client.etc_rows("3758")
    assert rows[2022]["DESERCIÓN"] == 3.95 and rows[2021]["COBERTURA_NETA"] == 88.5
    assert fake.requests[0]["path"] == "/resource/sras-4t5p.json"
    assert fake.requests[0]["query"]["cod_etc"] == ["3758"] and fake.requests[0]["token"] == "abc123"
    client.etc_rows("3758")
    assert len(fake.requests) == 1  # second call served from the cache


def test_cache_expires(fake):
    now = [100.0]
    client = _client(fake.url, cache_seconds=10, clock=lambda: now[0])
    client.etc_rows("3758")
    now[0] += 11
    client.etc_rows("3758")
    assert len(fake.requests) == 2


def test_retries_with_backoff_then_succeeds(fake):
    fake.responses = [(503, {"error": "busy"}), (500, {"error": "x"}), (200, ETC_ROWS)]
    client = _client(fake.url, retries=2, backoff=0.5)
    assert 2022 in client.etc_rows("3758")
    assert len(fake.requests) == 3 and client.sleeps == [0.5, 1.0]


def test_gives_up_after_the_retries(fake):
    fake.responses = [(503, {"error": "busy"})]
    client = _client(fake.url, retries=1)
    with pytest.raises(SocrataError):
        client.etc_rows("3758")
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("status", "body"), [(404, {"error": "no"}), (200, "not json"), (200, {"rows": []})])
def test_bad_answers_raise(fake, status, body):
    fake.responses = [(status, body)]
    with pytest.raises(SocrataError):
        _client(fake.url, retries=0).etc_rows("3758")


def test_timeout_raises(fake):
    fake.delay = 0.5
    with pytest.raises(SocrataError):
        _client(fake.url, retries=0, timeout=0.1).etc_rows("3758")


def test_connection_refused_raises():
    with FakeSocrata() as closed:
        url = closed.url
    with pytest.raises(SocrataError):
        _client(url, retries=0, timeout=0.5).etc_rows("3758")


def _live_service(loaded_db, charts_dir, url, **kw) -> IndicatorService:
    return IndicatorService(loaded_db, charts_dir=charts_dir, live_enabled=True, socrata=_client(url, **kw))


def test_service_answers_a_departmental_etc_live(loaded_db, charts_dir, fake):
    service = _live_service(loaded_db, charts_dir, fake.url)
    ans = service.value(service.resolve_place("ETC Antioquia").place, "desercion", "total")
    assert ans.status == "ok" and ans.live_used and not ans.live_failed
    assert ans.figure.live and ans.figure.dataset_id == "sras-4t5p" and ans.figure.formatted == "3,95 %"
    assert ans.figure.source == "MEN, datos.gov.co, conjunto sras-4t5p"
    assert ans.change_formatted == "-0,15 puntos porcentuales"
    assert ans.etc.department_name == "Antioquia"


def test_service_falls_back_to_offline_data_and_says_so(loaded_db, charts_dir):
    with FakeSocrata() as closed:
        url = closed.url
    service = _live_service(loaded_db, charts_dir, url, retries=0, timeout=0.5)
    ans = service.value(service.resolve_place("ETC Antioquia").place, "desercion", "total", 2020)
    assert ans.status == "departmental_etc" and ans.live_failed and ans.figure is None
    assert ans.department_figure.year == 2020


def test_live_proportions_are_converted_and_impossible_values_flagged(loaded_db, charts_dir, fake):
    fake.responses = [(200, [{"cod_etc": "3758", "ano": "2022", "deserci_n": "0.0395", "cobertura_neta": "0.879",
                              "cobertura_bruta": "1.004", "tasa_matriculaci_n_5_16": "0.882",
                              "aprobaci_n": "0.897"},
                             {"cod_etc": "3758", "ano": "2023", "deserci_n": "130", "cobertura_neta": "87",
                              "cobertura_bruta": "100", "tasa_matriculaci_n_5_16": "88", "aprobaci_n": "89"}])]
    service = _live_service(loaded_db, charts_dir, fake.url)
    place = service.resolve_place("ETC Antioquia").place
    ans = service.value(place, "desercion", "total", 2022)
    assert ans.figure.formatted == "3,95 %"
    ans = service.value(place, "desercion", "total", 2023)
    assert ans.status == "unreliable" and ans.figure.reason == "fuera_de_rango" and ans.live_used


def test_live_is_off_by_default(loaded_db, charts_dir, monkeypatch):
    from bot.settings import load_settings

    assert load_settings({}).datos_enabled is False

"""A small ``requests`` client for the datos.gov.co Socrata (SODA) API.

Off by default (``DATOS_GOV_ENABLED``). Base URL and app token are configurable; every call has a
timeout, failed calls are retried with exponential backoff (tenacity), and answers are cached for
``DATOS_GOV_CACHE_SECONDS``. Any failure raises :class:`SocrataError`; callers fall back to the
offline data and say so.

Datasets: ``ji8i-4anb`` (por departamento), ``nudc-7mev`` (por municipio), ``sras-4t5p`` (por ETC,
fields ``cod_etc``, ``nombre_etc``, ``ano``). SODA field names are the column names lower-cased
with accents and spaces turned into ``_`` (``deserci_n``, ``tasa_matriculaci_n_5_16``); the
client accepts that spelling and the accent-free one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.indicators.definitions import column_map
from bot.indicators.sources import parse_value
from bot.text import strip_accents

ETC_DATASET = "sras-4t5p"
YEAR_FIELDS = ("ano", "a_o", "anio", "año")
RETRY_STATUS = {429, 500, 502, 503, 504}


class SocrataError(RuntimeError):
    """The live service could not answer (network, HTTP status, bad payload, disabled)."""


class _Retryable(SocrataError):
    """A failure worth another try: network error, 429 or 5xx."""


def soda_field_names(column: str) -> tuple[str, ...]:
    """``DESERCIÓN_SECUNDARIA`` -> (``deserci_n_secundaria``, ``desercion_secundaria``)."""
    low = column.lower()
    mangled = "".join(ch if (ch.isascii() and (ch.isalnum() or ch == "_")) else "_" for ch in low)
    plain = strip_accents(low).replace(" ", "_")
    return tuple(dict.fromkeys((mangled, plain)))


@dataclass
class SocrataClient:
    base_url: str
    app_token: str = ""
    timeout: float = 5.0
    retries: int = 2
    cache_seconds: int = 3600
    backoff: float = 0.5
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._cache: dict[tuple, tuple[float, list[dict]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> SocrataClient:
        return cls(
            base_url=settings.datos_base_url,
            app_token=settings.datos_app_token,
            timeout=settings.datos_timeout,
            retries=settings.datos_retries,
            cache_seconds=settings.datos_cache_seconds,
        )

    def fetch(self, dataset_id: str, params: dict[str, str]) -> list[dict]:
        """Rows of ``/resource/<dataset>.json`` matching ``params`` (cached)."""
        key = (dataset_id, tuple(sorted(params.items())))
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        rows = self._get(dataset_id, params)
        with self._lock:
            self._cache[key] = (now + self.cache_seconds, rows)
        return rows

    def _get(self, dataset_id: str, params: dict[str, str]) -> list[dict]:
        url = f"{self.base_url.rstrip('/')}/resource/{dataset_id}.json"
        headers = {"Accept": "application/json"}
        if self.app_token:
            headers["X-App-Token"] = self.app_token
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff),
            retry=retry_if_exception_type(_Retryable),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._get_once, url, params, headers)

    def _get_once(self, url: str, params: dict[str, str], headers: dict[str, str]) -> list[dict]:
        try:
            resp = (self.session or requests).get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _Retryable(str(exc)) from exc
        if resp.status_code in RETRY_STATUS:
            raise _Retryable(f"HTTP {resp.status_code}")
        if not 200 <= resp.status_code < 300:
            raise SocrataError(f"HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError as exc:
            raise SocrataError("respuesta no es JSON") from exc
        if not isinstance(data, list):
            raise SocrataError("respuesta inesperada")
        return data

    def etc_rows(self, etc_code: str) -> dict[int, dict[str, float | None]]:
        """Figures of one ETC from ``sras-4t5p``: year -> {MEN column: value}."""
        rows = self.fetch(ETC_DATASET, {"cod_etc": str(etc_code), "$limit": "100"})
        out: dict[int, dict[str, float | None]] = {}
        for row in rows:
            year_text = next((row[f] for f in YEAR_FIELDS if f in row), None)
            if year_text is None:
                raise SocrataError("fila sin año")
            try:
                year = int(str(year_text).replace(",", "").split(".")[0])
                out[year] = {col: _field(row, col) for col in column_map()}
            except (TypeError, ValueError) as exc:
                raise SocrataError("valor no numérico") from exc
        return out


def _field(row: dict, column: str) -> float | None:
    for name in soda_field_names(column):
        if name in row and row[name] not in (None, ""):
            return parse_value(column, str(row[name]))
    return None

"""All configuration, read from the environment in one typed place.

Every variable is documented in ``.env.example``. Nothing is read at import time:
call :func:`get_settings` (cached) or :func:`load_settings` (fresh, for tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "si", "sí", "on"}


def _int(value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    return int(value)


def _float(value: str | None, default: float) -> float:
    if value is None or value.strip() == "":
        return default
    return float(value)


def _path(value: str | None, default: Path) -> Path:
    if value is None or value.strip() == "":
        return default
    p = Path(value)
    return p if p.is_absolute() else PROJECT_ROOT / p


@dataclass(frozen=True)
class Settings:
    # Storage
    var_dir: Path
    database_url: str
    # Services of the running system
    rasa_url: str
    web_host: str
    web_port: int
    public_base_url: str
    # Live open data (datos.gov.co, Socrata); off by default
    datos_enabled: bool
    datos_base_url: str
    datos_app_token: str
    datos_timeout: float
    datos_retries: int
    datos_cache_seconds: int
    # Tickets
    privacy_policy_url: str
    ticket_retention_days: int
    routing_min_confidence: float
    # Agents
    agent_token_hours: int
    extra: dict = field(default_factory=dict)
    # Tickets: version label of the privacy policy the user consents to (stored with the consent)
    privacy_policy_version: str = ""
    # Web chat (channels): the Rasa socket.io endpoint as the browser must reach it
    rasa_public_url: str = "http://localhost:5005"
    rasa_socket_path: str = "/socket.io"
    # Agents: Rasa HTTP API calls (trigger_intent) and delivery retries
    rasa_token: str = ""
    rasa_timeout: float = 10.0
    agent_delivery_retry_seconds: int = 30
    metrics_token: str = ""
    # Review inbox and dashboard (issue 15): Rasa's tracker store (SQLAlchemy URL) read incrementally
    tracker_store_url: str = ""
    review_confidence_threshold: float = 0.5
    review_ingest_seconds: int = 60

    @property
    def charts_dir(self) -> Path:
        return self.var_dir / "charts"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (defaults to ``os.environ``)."""
    e = os.environ if env is None else env
    var_dir = _path(e.get("APP_VAR_DIR"), PROJECT_ROOT / "var")
    default_db = f"sqlite:///{var_dir / 'app.db'}"
    web_host = e.get("WEB_HOST", "127.0.0.1") or "127.0.0.1"
    web_port = _int(e.get("WEB_PORT"), 8000)
    return Settings(
        var_dir=var_dir,
        database_url=e.get("DATABASE_URL") or default_db,
        rasa_url=(e.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
        web_host=web_host,
        web_port=web_port,
        public_base_url=(e.get("PUBLIC_BASE_URL") or f"http://localhost:{web_port}").rstrip("/"),
        datos_enabled=_bool(e.get("DATOS_GOV_ENABLED"), False),
        datos_base_url=(e.get("DATOS_GOV_BASE_URL") or "https://www.datos.gov.co").rstrip("/"),
        datos_app_token=e.get("DATOS_GOV_APP_TOKEN", ""),
        datos_timeout=_float(e.get("DATOS_GOV_TIMEOUT"), 5.0),
        datos_retries=_int(e.get("DATOS_GOV_RETRIES"), 2),
        datos_cache_seconds=_int(e.get("DATOS_GOV_CACHE_SECONDS"), 3600),
        privacy_policy_url=e.get("PRIVACY_POLICY_URL", ""),
        ticket_retention_days=_int(e.get("TICKET_RETENTION_DAYS"), 365),
        routing_min_confidence=_float(e.get("ROUTING_MIN_CONFIDENCE"), 0.35),
        agent_token_hours=_int(e.get("AGENT_TOKEN_HOURS"), 12),
        privacy_policy_version=e.get("PRIVACY_POLICY_VERSION", ""),
        rasa_public_url=(e.get("RASA_PUBLIC_URL") or e.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
        rasa_socket_path=e.get("RASA_SOCKET_PATH") or "/socket.io",
        rasa_token=e.get("RASA_TOKEN", ""),
        rasa_timeout=_float(e.get("RASA_TIMEOUT"), 10.0),
        agent_delivery_retry_seconds=_int(e.get("AGENT_DELIVERY_RETRY_SECONDS"), 30),
        metrics_token=e.get("METRICS_TOKEN", ""),
        tracker_store_url=tracker_store_url(e),
        review_confidence_threshold=_float(e.get("REVIEW_CONFIDENCE_THRESHOLD"), 0.5),
        review_ingest_seconds=_int(e.get("REVIEW_INGEST_SECONDS"), 60),
    )


def tracker_store_url(e) -> str:
    """``TRACKER_STORE_URL``; else, with the production endpoints (``RASA_ENDPOINTS`` other than
    ``endpoints.yml``), the PostgreSQL tracker store of ``TRACKER_DB_*``; else the embedded SQLite
    file of ``endpoints.yml`` (``var/rasa_tracker.db`` of the project, where Rasa writes it)."""
    if e.get("TRACKER_STORE_URL"):
        return e["TRACKER_STORE_URL"]
    production = (e.get("RASA_ENDPOINTS") or "endpoints.yml").strip() not in ("endpoints.yml", "./endpoints.yml")
    if production and e.get("TRACKER_DB_HOST") and e.get("TRACKER_DB_NAME"):
        from urllib.parse import quote

        user = quote(e.get("TRACKER_DB_USER", ""), safe="")
        password = quote(e.get("TRACKER_DB_PASSWORD", ""), safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        port = e.get("TRACKER_DB_PORT") or "5432"
        return f"postgresql+psycopg2://{auth}{e['TRACKER_DB_HOST']}:{port}/{e['TRACKER_DB_NAME']}"
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

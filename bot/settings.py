"""All configuration, read from the environment in one typed place.

Every variable is documented in ``.env.example``. Nothing is read at import time: the composition
root (:func:`bot.services.get_services`) reads them once through :func:`get_settings`; tests build
their own with :func:`load_settings`. Code outside ``bot.services`` asks ``get_services().settings``.
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
    # Security (docs/security.md): web sessions, rate and size limits
    web_session_secret: str = ""
    public_rate_limit: int = 120  # requests per minute per IP on the web app
    login_rate_limit: int = 10  # login attempts per minute per IP
    login_free_failures: int = 5  # failed logins per (account, IP) before the back-off starts
    max_request_bytes: int = 65536
    # Privacy (Ley 1581): resolved tickets close after N days; the job runs every N minutes (0: off)
    ticket_autoclose_days: int = 15
    privacy_job_minutes: int = 60
    tracker_store_url: str = ""
    # Delivery of notices (bot/delivery): attempts, back-off, fallbacks (e-mail, WhatsApp template)
    delivery: dict = field(default_factory=dict)
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
        routing_min_confidence=_float(e.get("ROUTING_MIN_CONFIDENCE"), 0.2),  # tuned on tests/eval/validation
        agent_token_hours=_int(e.get("AGENT_TOKEN_HOURS"), 12),
        privacy_policy_version=e.get("PRIVACY_POLICY_VERSION", ""),
        rasa_public_url=(e.get("RASA_PUBLIC_URL") or e.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
        rasa_socket_path=e.get("RASA_SOCKET_PATH") or "/socket.io",
        rasa_token=e.get("RASA_TOKEN", ""),
        rasa_timeout=_float(e.get("RASA_TIMEOUT"), 10.0),
        agent_delivery_retry_seconds=_int(e.get("AGENT_DELIVERY_RETRY_SECONDS"), 30),
        metrics_token=e.get("METRICS_TOKEN", ""),
        web_session_secret=e.get("WEB_SESSION_SECRET", ""),
        public_rate_limit=_int(e.get("PUBLIC_RATE_LIMIT"), 120),
        login_rate_limit=_int(e.get("LOGIN_RATE_LIMIT"), 10),
        login_free_failures=_int(e.get("LOGIN_FREE_FAILURES"), 5),
        max_request_bytes=_int(e.get("MAX_REQUEST_BYTES"), 65536),
        ticket_autoclose_days=_int(e.get("TICKET_AUTOCLOSE_DAYS"), 15),
        privacy_job_minutes=_int(e.get("PRIVACY_JOB_MINUTES"), 60),
        tracker_store_url=tracker_store_url(e, var_dir),
        delivery=delivery_settings(e),
        review_confidence_threshold=_float(e.get("REVIEW_CONFIDENCE_THRESHOLD"), 0.5),
        review_ingest_seconds=_int(e.get("REVIEW_INGEST_SECONDS"), 60),
    )


def tracker_store_url(e, var_dir: Path) -> str:
    """SQLAlchemy URL of Rasa's tracker store, for the privacy job and ``python -m bot datos``.

    ``TRACKER_STORE_URL`` if set; with the production endpoints, PostgreSQL from ``TRACKER_DB_*``;
    else the embedded SQLite file of ``endpoints.yml`` (``rasa_tracker.db`` in ``APP_VAR_DIR``, i.e. ``var/``).
    """
    if e.get("TRACKER_STORE_URL"):
        return e["TRACKER_STORE_URL"]
    if "production" in (e.get("RASA_ENDPOINTS") or ""):
        from urllib.parse import quote

        user = quote(e.get("TRACKER_DB_USER") or "postgres", safe="")
        password = quote(e.get("TRACKER_DB_PASSWORD") or "", safe="")
        auth = f"{user}:{password}" if password else user
        host, port = e.get("TRACKER_DB_HOST") or "localhost", e.get("TRACKER_DB_PORT") or "5432"
        return f"postgresql+psycopg2://{auth}@{host}:{port}/{e.get('TRACKER_DB_NAME') or 'rasa'}"
    return f"sqlite:///{var_dir / 'rasa_tracker.db'}"


def delivery_settings(e) -> dict:
    """The ``DELIVERY_*``, ``SMTP_*`` and ``WHATSAPP_TEMPLATE_*`` variables (see ``bot.delivery.config``)."""
    return {
        "max_attempts": _int(e.get("DELIVERY_MAX_ATTEMPTS"), 6),
        "backoff_seconds": _float(e.get("DELIVERY_BACKOFF_SECONDS"), 15.0),
        "backoff_max_seconds": _float(e.get("DELIVERY_BACKOFF_MAX_SECONDS"), 600.0),
        "ack_seconds": _int(e.get("DELIVERY_WEBCHAT_ACK_SECONDS"), 60),
        "worker_interval_seconds": _float(e.get("DELIVERY_WORKER_INTERVAL_SECONDS"), 5.0),
        "lease_seconds": _float(e.get("DELIVERY_LEASE_SECONDS"), 60.0),
        "smtp_host": e.get("SMTP_HOST", ""),
        "smtp_port": _int(e.get("SMTP_PORT"), 587),
        "smtp_user": e.get("SMTP_USER", ""),
        "smtp_password": e.get("SMTP_PASSWORD", ""),
        "smtp_starttls": _bool(e.get("SMTP_STARTTLS"), True),
        "smtp_ssl": _bool(e.get("SMTP_SSL"), False),
        "smtp_from": e.get("SMTP_FROM", ""),
        "smtp_timeout": _float(e.get("SMTP_TIMEOUT"), 10.0),
        "whatsapp_access_token": e.get("WHATSAPP_ACCESS_TOKEN", ""),
        "whatsapp_phone_number_id": e.get("WHATSAPP_PHONE_NUMBER_ID", ""),
        "whatsapp_api_base_url": e.get("WHATSAPP_API_BASE_URL") or "https://graph.facebook.com",
        "whatsapp_api_version": e.get("WHATSAPP_API_VERSION") or "v23.0",
        "whatsapp_window_hours": _float(e.get("WHATSAPP_WINDOW_HOURS"), 24.0),
        "whatsapp_template_reply": e.get("WHATSAPP_TEMPLATE_RESPUESTA", ""),
        "whatsapp_template_event": e.get("WHATSAPP_TEMPLATE_ENCUENTRO", ""),
        "whatsapp_template_language": e.get("WHATSAPP_TEMPLATE_IDIOMA") or "es",
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

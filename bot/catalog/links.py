"""Link checker of the catalog: ``python -m bot catalogo verificar-enlaces``.

For every URL: a ``HEAD`` request, then a ``GET`` when the server refuses or fails ``HEAD`` (many
sites answer 403/405 to it); redirects are followed and reported with their chain; each request has
a timeout, and connection failures are retried once (urllib3's ``Retry``). The report lists broken
and moved links for the catalog curators (Markdown and CSV under ``var/``). The checker only runs
when asked: never at start-up, never from ``preparar``.

Outcomes: ``ok`` (2xx, same URL), ``movido`` (2xx after redirects: the catalog could point to the
final URL; check it is the same resource), ``roto`` (4xx/5xx or too many redirects),
``sin_respuesta`` (timeout) and ``error`` (DNS, TLS, connection refused…).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "AsistenteEscuelaSecretarias-VerificadorEnlaces/1.0 (catalogo del MEN)"
DEFAULT_TIMEOUT = 15.0
DEFAULT_WORKERS = 4
MAX_REDIRECTS = 10
# HEAD answers after which the same URL is tried with GET.
RETRY_WITH_GET = frozenset({400, 401, 403, 404, 405, 406, 429, 500, 501, 502, 503})

OK, MOVED, BROKEN, TIMEOUT, ERROR = "ok", "movido", "roto", "sin_respuesta", "error"
LABELS = {
    OK: "funciona",
    MOVED: "movido (redirige)",
    BROKEN: "roto",
    TIMEOUT: "sin respuesta (tiempo agotado)",
    ERROR: "error de conexión",
}


@dataclass(frozen=True)
class Link:
    key: str
    title: str
    url: str


@dataclass
class LinkResult:
    link: Link
    outcome: str
    status: int | None = None
    final_url: str = ""
    method: str = "HEAD"
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, Location) of each hop
    detail: str = ""

    @property
    def needs_attention(self) -> bool:
        return self.outcome != OK


def make_session(retries: int = 1) -> requests.Session:
    """A session with the checker's User-Agent and a retry of connection failures only."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = MAX_REDIRECTS
    # read=False: a read timeout is raised as such (requests.ReadTimeout), not retried or wrapped
    retry = Retry(total=retries, connect=retries, read=False, status=0, redirect=None, backoff_factor=0.3)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _request(session: requests.Session, method: str, url: str, timeout: float) -> requests.Response:
    response = session.request(method, url, timeout=timeout, allow_redirects=True, stream=(method == "GET"))
    response.close()  # the body is not needed
    return response


def _from_response(link: Link, response: requests.Response, method: str) -> LinkResult:
    hops = [(r.status_code, r.headers.get("Location", "")) for r in response.history]
    status = response.status_code
    if status >= 400:
        outcome = BROKEN
    elif hops and response.url != link.url:
        outcome = MOVED
    else:
        outcome = OK
    return LinkResult(link, outcome, status, response.url, method, hops)


def check_link(link: Link, *, session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT) -> LinkResult:
    """HEAD, then GET when HEAD is refused or fails; never raises."""
    session = session or make_session()
    head: LinkResult | None = None
    try:
        head = _from_response(link, _request(session, "HEAD", link.url, timeout), "HEAD")
        if head.status not in RETRY_WITH_GET:
            return head
    except requests.RequestException:
        head = None
    try:
        return _from_response(link, _request(session, "GET", link.url, timeout), "GET")
    except requests.Timeout as exc:
        return LinkResult(link, TIMEOUT, method="GET", detail=_short(exc))
    except requests.TooManyRedirects as exc:
        return LinkResult(link, BROKEN, method="GET", detail=_short(exc))
    except requests.RequestException as exc:
        if head is not None:
            return head
        return LinkResult(link, ERROR, method="GET", detail=_short(exc))


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def check_links(
    links: Sequence[Link], *, timeout: float = DEFAULT_TIMEOUT, workers: int = DEFAULT_WORKERS, retries: int = 1
) -> list[LinkResult]:
    """Every link checked (a few at a time, one session per worker thread), in the input order."""
    if not links:
        return []
    sessions: dict[int, requests.Session] = {}

    def one(link: Link) -> LinkResult:
        import threading

        ident = threading.get_ident()
        if ident not in sessions:
            sessions[ident] = make_session(retries)
        return check_link(link, session=sessions[ident], timeout=timeout)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, links))
    for s in sessions.values():
        s.close()
    return results


# --------------------------------------------------------------------------- sources of links
def links_from_catalog(database_url: str | None = None) -> list[Link]:
    """The URLs of the active catalog entries."""
    from bot.catalog.search import load_entries
    from bot.db import session_scope

    with session_scope(database_url) as session:
        return [Link(e.key, e.title, e.url) for e in load_entries(session) if e.url]


def links_from_file(path: Path | str) -> list[Link]:
    """The URLs of a catalog file (either format), validated as the importer does, without a database."""
    from bot.catalog.importer import CATALOG_SCHEMA, read_file, validate

    raw = read_file(path)
    return [Link(r["key"], r["title"], r["url"]) for r in validate(raw, CATALOG_SCHEMA) if r["url"]]


# --------------------------------------------------------------------------- report
def _hops_text(result: LinkResult) -> str:
    return " → ".join(f"{status} {location}" for status, location in result.redirects)


def write_report(
    results: Iterable[LinkResult], directory: Path | str, *, now: datetime | None = None
) -> tuple[Path, Path]:
    """``enlaces-catalogo.md`` (what needs attention, then a summary) and ``enlaces-catalogo.csv`` (all)."""
    results = list(results)
    now = now or datetime.now(timezone.utc)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    md_path, csv_path = out / "enlaces-catalogo.md", out / "enlaces-catalogo.csv"

    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["clave", "titulo", "url", "resultado", "estado_http", "metodo", "url_final", "redirecciones", "detalle"]
        )
        for r in results:
            writer.writerow(
                [
                    r.link.key,
                    r.link.title,
                    r.link.url,
                    r.outcome,
                    r.status or "",
                    r.method,
                    r.final_url,
                    _hops_text(r),
                    r.detail,
                ]
            )

    counts = {k: sum(1 for r in results if r.outcome == k) for k in LABELS}
    lines = [
        "# Verificación de enlaces del catálogo",
        "",
        f"Fecha: {now.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC. Enlaces revisados: {len(results)}.",
        "",
        "| resultado | enlaces |",
        "|---|---|",
        *[f"| {LABELS[k]} | {counts[k]} |" for k in LABELS],
        "",
    ]
    attention = [r for r in results if r.needs_attention]
    if attention:
        lines += [
            "## Enlaces rotos o movidos",
            "",
            "Revise cada uno antes de cambiar el catálogo: una redirección puede llevar a la página de inicio",
            "y no al mismo documento.",
            "",
            "| clave | resultado | HTTP | URL del catálogo | URL final / detalle |",
            "|---|---|---|---|---|",
        ]
        for r in attention:
            final = r.final_url if r.outcome == MOVED else (r.detail or r.final_url)
            hops = f" ({_hops_text(r)})" if r.redirects else ""
            lines.append(
                f"| {r.link.key} | {LABELS[r.outcome]} | {r.status or '—'} | {_cell(r.link.url)} | {_cell(final)}{_cell(hops)} |"
            )
    else:
        lines.append("Todos los enlaces funcionan.")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md_path, csv_path


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

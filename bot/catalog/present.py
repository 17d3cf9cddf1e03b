"""How a catalog entry is shown: which response of domain.yml and with which values.

Every sentence is in ``domain.yml`` (catalog section); this module only chooses among them:

* the kind: ``noticia`` (presented as news of its date, never as a current fact), ``norma``
  (with «verifique su vigencia») or any other resource;
* the date: «publicada/expedida el 25 de enero de 2020», or «sin fecha en la página»;
* the channel: a labelled safe link in the web chat (``socketio``: the chat page turns
  ``[texto](url)`` into a link that opens in a new tab with ``rel="noopener noreferrer"``), the
  plain URL elsewhere (WhatsApp, Telegram, REST), where the apps make it clickable themselves.
The URL is passed exactly as stored: never rewritten, shortened or re-encoded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from bot.catalog.search import CatalogEntry
from bot.formatting import format_date

WEB_CHANNELS = frozenset({"socketio"})  # Rasa's name of the web chat channel (channels/webchat.py)


def is_web(channel: str | None) -> bool:
    return (channel or "") in WEB_CHANNELS


def site_of(url: str) -> str:
    """The host people recognise: ``https://www.mineducacion.gov.co:443/x`` → ``mineducacion.gov.co``."""
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _kind(entry: CatalogEntry) -> str:
    return entry.type if entry.type in {"noticia", "norma"} else "recurso"


def item_response(entry: CatalogEntry, channel: str | None) -> str:
    """Name of the domain response that shows ``entry`` on ``channel``."""
    if not entry.url:
        return "utter_catalogo_item"
    name = f"utter_catalogo_{_kind(entry)}"
    if entry.published_on is None:
        name += "_sin_fecha"
    # A URL with ")" or spaces would break the [texto](url) form: the plain URL is shown instead.
    if is_web(channel) and ")" not in entry.url and " " not in entry.url:
        name += "_web"
    return name


def item_values(entry: CatalogEntry, n: int) -> dict[str, Any]:
    """Variables of the item responses."""
    return {
        "n": n,
        "titulo": entry.title,
        "tipo": entry.type_label,
        "resumen": entry.summary,
        "url": entry.url,
        "sitio": site_of(entry.url) if entry.url else "",
        "fecha": format_date(entry.published_on, weekday=False) if entry.published_on else "",
    }


def utter_item(dispatcher: Any, entry: CatalogEntry, n: int, channel: str | None) -> None:
    """Send one entry through a Rasa dispatcher (anything with ``utter_message(response=..., **kw)``)."""
    dispatcher.utter_message(response=item_response(entry, channel), **item_values(entry, n))

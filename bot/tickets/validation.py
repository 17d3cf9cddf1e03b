"""Checks of the data a requester types. Each returns a :class:`Check` with the cleaned value or a
reason code; the action turns the reason into a domain response (``utter_<campo>_invalido_<motivo>``).

User text is kept verbatim as plain text (emoji, HTML, SQL-looking text included); only control
characters other than newline and tab are dropped (PostgreSQL cannot store NUL in text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.tickets.models import MAX_DESCRIPTION_CHARS

MIN_DESCRIPTION_CHARS = 10
MAX_NAME_CHARS = 120
MAX_CARGO_CHARS = 120
MAX_EMAIL_CHARS = 254

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD_TYPOS = {"con": "com", "cmo": "com", "comm": "com", "vom": "com", "xom": "com", "cpm": "com", "ocm": "com"}
_DOMAIN_TYPOS = {
    "gmial.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmail.co": "gmail.com",
    "gmai.com": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "outlok.com": "outlook.com",
    "yahoo.co": "yahoo.com",
}


@dataclass(frozen=True)
class Check:
    ok: bool
    value: str | None = None
    reason: str | None = None
    details: dict = field(default_factory=dict)


def _fail(reason: str, **details) -> Check:
    return Check(ok=False, reason=reason, details=details)


def clean_text(text: str | None) -> str:
    """Drop control characters except newline/tab and trim; everything else stays verbatim."""
    if not text:
        return ""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return "".join(kept).strip()


def check_email(raw: str | None) -> Check:
    email = clean_text(raw)
    if not email:
        return _fail("vacio")
    if any(ch.isspace() for ch in email):
        return _fail("espacios")
    if email.count("@") != 1:
        return _fail("arroba")
    if len(email) > MAX_EMAIL_CHARS:
        return _fail("largo", maximo=MAX_EMAIL_CHARS)
    local, domain = email.split("@")
    domain = domain.lower().rstrip(".")
    if not local or len(local) > 64 or not _EMAIL_LOCAL.match(local):
        return _fail("usuario")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(lbl) for lbl in labels) or labels[-1].isdigit():
        return _fail("dominio")
    suggestion = _DOMAIN_TYPOS.get(domain)
    if suggestion is None and labels[-1] in _TLD_TYPOS:
        suggestion = ".".join([*labels[:-1], _TLD_TYPOS[labels[-1]]])
    if suggestion:
        return _fail("dominio_dudoso", sugerencia=f"{local}@{suggestion}")
    return Check(ok=True, value=f"{local}@{domain}")


def check_phone(raw: str | None) -> Check:
    """Colombian numbers: mobile 3XX XXX XXXX or landline 60X XXX XXXX (10 digits), +57 optional."""
    text = clean_text(raw)
    if not text:
        return _fail("vacio")
    if re.search(r"[^\d\s()+.-]", text):
        return _fail("formato")
    digits = re.sub(r"\D", "", text)
    if len(digits) == 12 and digits.startswith("57"):
        digits = digits[2:]
    if len(digits) != 10 or not (digits.startswith("3") or digits.startswith("60")):
        return _fail("formato")
    return Check(ok=True, value=f"+57{digits}")


def check_name(raw: str | None) -> Check:
    name = " ".join(clean_text(raw).split())
    if not name:
        return _fail("vacio")
    if "@" in name:
        return _fail("parece_correo")
    if any(ch.isdigit() for ch in name):
        return _fail("con_numeros")
    if sum(ch.isalpha() for ch in name) < 2:
        return _fail("corto")
    if len(name) > MAX_NAME_CHARS:
        return _fail("largo", maximo=MAX_NAME_CHARS)
    return Check(ok=True, value=name)


def check_cargo(raw: str | None) -> Check:
    cargo = " ".join(clean_text(raw).split())
    if sum(ch.isalpha() for ch in cargo) < 2:
        return _fail("vacio")
    if len(cargo) > MAX_CARGO_CHARS:
        return _fail("largo", maximo=MAX_CARGO_CHARS)
    return Check(ok=True, value=cargo)


def check_description(raw: str | None) -> Check:
    """Up to 5,000 characters (Unicode code points) after trimming; longer is refused, not cut."""
    text = clean_text(raw)
    if not text:
        return _fail("vacio")
    if len(text) > MAX_DESCRIPTION_CHARS:
        return _fail("largo", maximo=MAX_DESCRIPTION_CHARS, longitud=len(text))
    if len(text) < MIN_DESCRIPTION_CHARS:
        return _fail("corto", minimo=MIN_DESCRIPTION_CHARS)
    return Check(ok=True, value=text)

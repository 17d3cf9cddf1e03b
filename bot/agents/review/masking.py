"""Personal data out of the texts the curators read: e-mails, phone numbers, ID numbers (cédulas)
and whatever a user typed while a personal-data form was asking for it.

Masking happens at ingestion: the app database never stores the raw text of a reviewed message.
Years (4 digits) and DANE codes (5 digits) stay; any run of 6 or more digits is a number that
identifies a person (cédula, phone) and is masked.
"""

from __future__ import annotations

import re

EMAIL = "[correo]"
PHONE = "[teléfono]"
DOCUMENT = "[documento]"
FORM_ANSWER = "[dato del formulario]"
MASKS = (EMAIL, PHONE, DOCUMENT, FORM_ANSWER)

_EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# digits possibly separated by spaces, dots or dashes, optionally with a leading +
_NUMBER_RE = re.compile(r"(?<![\w])\+?\d(?:[\d.\- ]*\d)?(?![\w])")
_PHONE_HINT_RE = re.compile(r"^(?:\+?57)?(?:3\d{9}|60\d{8})$")

# Slots of the forms that collect personal data: the user's answer to them is masked whole.
PERSONAL_SLOTS = frozenset({
    "caso_nombre", "caso_cargo", "caso_email", "caso_telefono", "caso_descripcion", "caso_consulta_email",
    "caso_info_texto",
})
PERSONAL_FORMS = frozenset({"caso_form", "consulta_caso_form", "respuesta_caso_form"})


def _number(match: re.Match) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 6:
        return raw
    trailing = raw[len(raw.rstrip(" .-")):]
    if raw.startswith("+") or _PHONE_HINT_RE.match(digits):
        return PHONE + trailing
    return DOCUMENT + trailing


def mask_text(text: str | None, known_values: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with e-mails, phones, ID numbers and the ``known_values`` (e.g. a name the user gave
    in a form, echoed by the assistant) replaced by placeholders."""
    masked = text or ""
    for value in sorted({v for v in known_values if v and len(v.strip()) >= 3}, key=len, reverse=True):
        masked = re.sub(re.escape(value.strip()), FORM_ANSWER, masked, flags=re.IGNORECASE)
    masked = _EMAIL_RE.sub(EMAIL, masked)
    return _NUMBER_RE.sub(_number, masked)


def has_mask(text: str) -> bool:
    return any(m in text for m in MASKS)

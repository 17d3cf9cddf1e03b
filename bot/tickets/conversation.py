"""Helpers that read a conversation (Rasa tracker events as plain dicts) without importing rasa:
why the user is escalating, what they already wrote (the pre-filled description), the transcript,
and which field a correction refers to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone

from bot.text import fold
from bot.tickets.service import TranscriptTurn
from bot.tickets.validation import MIN_DESCRIPTION_CHARS, clean_text

OFFER_ACTION = "action_ofrecer_caso"
FALLBACK_ACTIONS = frozenset({"action_two_stage_fallback", "action_default_fallback", "utter_default"})
# Intents whose text says nothing about the inquiry itself.
SMALL_TALK = frozenset(
    {"saludar", "despedir", "agradecer", "afirmar", "negar", "es_bot", "capacidades", "reiniciar", "cancelar"}
)
# Intents of the escalation itself: their text is about the inquiry only when it is long.
META_INTENTS = frozenset({"contactar_humano", "no_me_sirvio", "consultar_caso", "corregir_dato"})
META_MIN_WORDS = 8
REASONS = frozenset(
    {
        "contactar_humano",
        "no_me_sirvio",
        "fallback",
        "dato_no_disponible",
        "requiere_gestion",
        "consulta_no_resuelta",
        "conexion_pares",
    }
)
# Reasons another feature may set in the slot ``caso_motivo`` before FollowupAction("action_ofrecer_caso").
EXTERNAL_REASONS = frozenset({"dato_no_disponible", "consulta_no_resuelta", "conexion_pares", "requiere_gestion"})
# Field of the form -> words people use for it (folded, no accents).
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "email": ("correo", "email", "e mail", "mail", "gmail", "arroba"),
    "telefono": ("telefono", "celular", "numero", "whatsapp", "movil"),
    "nombre": ("nombre", "apellido", "me llamo"),
    "cargo": ("cargo", "puesto", "rol"),
    "etc": ("etc", "secretaria", "entidad", "municipio", "departamento"),
    "descripcion": ("descripcion", "mensaje", "consulta", "texto", "caso", "detalle"),
}
FIELDS = tuple(FIELD_WORDS)


def escalation_reason(*, intent: str | None, recent_actions: Sequence[str], preset: str | None = None) -> str:
    """Why a case is offered: a reason set by another feature wins, then a recent failed fallback,
    then the intent that triggered the offer."""
    if preset in EXTERNAL_REASONS:
        return preset
    if any(a in FALLBACK_ACTIONS for a in recent_actions):
        return "fallback"
    if intent == "no_me_sirvio":
        return "no_me_sirvio"
    if intent == "solicitar_gestion_men":
        return "requiere_gestion"
    return "contactar_humano"


def _user_messages(events: Iterable[Mapping]) -> list[tuple[str, str | None]]:
    out = []
    for e in events:
        if e.get("event") == "user":
            intent = ((e.get("parse_data") or {}).get("intent") or {}).get("name")
            out.append((e.get("text") or "", intent))
    return out


def suggest_description(events: Sequence[Mapping], *, max_messages: int = 3, max_chars: int = 5000) -> str | None:
    """What the user already wrote about the inquiry: the last substantive messages (not buttons,
    not greetings or yes/no), oldest first. ``None`` when there is nothing useful."""
    picked: list[str] = []
    for text, intent in reversed(_user_messages(events)):
        clean = clean_text(text)
        if not clean or clean.startswith("/") or intent in SMALL_TALK:
            continue
        if len(clean) < MIN_DESCRIPTION_CHARS * 2 or len(clean.split()) < 4:
            continue
        if intent in META_INTENTS and len(clean.split()) < META_MIN_WORDS:
            continue
        if clean not in picked:
            picked.append(clean)
        if len(picked) == max_messages:
            break
    if not picked:
        return None
    return "\n".join(reversed(picked))[:max_chars]


def _when(timestamp) -> datetime | None:
    if isinstance(timestamp, int | float):
        return datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return None


def events_before_offer(events: Sequence[Mapping]) -> list[Mapping]:
    """The events up to the last offer of a case (the form that follows holds personal data)."""
    last = None
    for i, e in enumerate(events):
        if e.get("event") == "action" and e.get("name") == OFFER_ACTION:
            last = i
    return list(events if last is None else events[:last])


def transcript_turns(events: Sequence[Mapping]) -> list[TranscriptTurn]:
    """User and assistant messages in order (button payloads kept as typed: "/contactar_humano")."""
    turns: list[TranscriptTurn] = []
    for e in events:
        kind = e.get("event")
        if kind not in ("user", "bot"):
            continue
        text = e.get("text")
        if not text:
            continue
        role = "usuario" if kind == "user" else "asistente"
        turns.append(TranscriptTurn(role=role, text=str(text), at=_when(e.get("timestamp"))))
    return turns


def detect_field(text: str | None) -> str | None:
    """Which form field a correction is about ("me equivoque en el correo" -> "email")."""
    folded = f" {fold(text or '')} "
    for name, words in FIELD_WORDS.items():
        if any(f" {w} " in folded for w in words):
            return name
    return None


def normalise_field(value: str | None) -> str | None:
    """Entity values and button payloads to a field name (``campo_caso``)."""
    if not value:
        return None
    folded = fold(value)
    if folded in FIELD_WORDS:
        return folded
    return detect_field(folded)

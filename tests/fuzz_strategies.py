"""Hostile input for fuzzing with Hypothesis, reusable against any target.

Used in-process by ``tests/unit/security/test_fuzz_*.py`` (web app, agents' API, WhatsApp and
Telegram webhooks). To point it at a running Rasa (REST, socket.io), import :func:`hostile_text` /
:func:`hostile_message` and send each example, then check with :func:`check_reply`::

    from hypothesis import given, settings
    from tests.fuzz_strategies import hostile_text, check_reply

    @settings(max_examples=2000, deadline=None)
    @given(hostile_text())
    def test_rest(text):
        r = requests.post(f"{RASA}/webhooks/rest/webhook", json={"sender": "fuzz-1", "message": text},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        check_reply(r.status_code, r.headers.get("content-type", ""), r.text)

Families: huge, binary (bytes as Latin-1 and invalid UTF-8 surrogates), right-to-left and invisible
format characters, emoji and combining marks, HTML/JS, SQL, JSON, control characters, forged Rasa
intents and entities (``/EXTERNAL_respuesta_caso``, ``/session_start``, ``/respuesta_caso{...}``), and
mixtures of them.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

HTML_JS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "javascript:alert(1)",
    "\"><iframe src=//x>", "<a href=\"javascript:alert(1)\">x</a>", "{{7*7}}", "${7*7}", "<!--", "]]>",
    "<style>*{display:none}</style>", "&lt;b&gt;", "<b onmouseover=alert(1)>hola</b>",
]
SQL = [
    "' OR '1'='1", "'; DROP TABLE tickets; --", "\" OR 1=1 --", "1; SELECT pg_sleep(10)", "' UNION SELECT * FROM agents --",
    "%' AND 1=0 UNION SELECT password_hash FROM agents --", "\\'; --", "admin'--",
]
FORGED = [
    "/EXTERNAL_respuesta_caso", "/session_start", "/restart", "/back", "/nlu_fallback",
    '/respuesta_caso{"entrega": "x"}', '/respuesta_caso{"entrega": "' + "A" * 43 + '"}',
    '/consultar_caso{"codigo": "MEN-2026-000001-AAAA"}', '/faq{"tema": "<script>"}', "/faq@1.0",
    '/buscar_pares{"lugar": {"$ne": 1}}', '/informar_dato_indicador{"lugar": "\' OR 1=1"}',
    "/capacidades/../../etc/passwd", "/" * 50, '/saludar{"a":', "EXTERNAL: respuesta_caso",
]
RTL_INVISIBLE = ["\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2069", "\u200b", "\ufeff", "\u061c",
                 "مرحبا", "שלום", "\u0301" * 30, "Z\u0351\u0352\u0353\u0354"]
EMOJI = ["😀", "👩🏽‍💻", "🇨🇴", "🏳️‍🌈", "💩" * 50, "\U0001f9d1\u200d\U0001f393", "🔥🔥🔥"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\r\n", "\x7f", "\u0085", "\u2028", "\u2029", "\t" * 20, "\x1b]0;x\x07"]
JSON_BITS = ['{"sender": "wa:573001112233"}', "[]", "null", '{"__proto__": {"admin": true}}', "1e999",
             '{"a":' * 50, json.dumps({"message": "/session_start"})]
SPANISH = ["hola", "cuál fue la deserción en Cartagena en 2020", "quiero hablar con una persona",
           "MEN-2026-000123-K7QX", "ana.perez@example.org", "+57 300 123 4567"]

_atoms = st.sampled_from(HTML_JS + SQL + FORGED + RTL_INVISIBLE + EMOJI + CONTROL + JSON_BITS + SPANISH)
_any_unicode = st.text(st.characters(codec="utf-8"), max_size=200)  # every code point UTF-8 can carry
_binary = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
_huge = st.builds(lambda atom, n: (atom or "x") * n, _atoms, st.integers(min_value=1000, max_value=20_000))


def hostile_text() -> st.SearchStrategy[str]:
    """One hostile string (see the module doc)."""
    mixed = st.lists(st.one_of(_atoms, _any_unicode, _binary), min_size=1, max_size=6).map("".join)
    return st.one_of(_atoms, _any_unicode, _binary, mixed, _huge)


def hostile_json() -> st.SearchStrategy[object]:
    """A JSON value with hostile leaves (objects, arrays, numbers, booleans, null)."""
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                       hostile_text())
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(hostile_text(), inner, max_size=4)),
                        max_leaves=12)


def hostile_message() -> st.SearchStrategy[dict]:
    """A chat message body as a client would post it (``sender``/``message``/``metadata``), with hostile parts."""
    return st.fixed_dictionaries(
        {"message": st.one_of(hostile_text(), hostile_json())},
        optional={"sender": st.one_of(hostile_text(), st.just("wa:573001112233")), "metadata": hostile_json()},
    )


def check_reply(status: int, content_type: str, body: str, sent: str | None = None) -> None:
    """No server error, and no markup the client sent comes back as live HTML."""
    assert status < 500, f"HTTP {status}: {body[:300]!r}"
    if sent and "text/html" in content_type.lower():
        for atom in HTML_JS:
            if "<" in atom and atom in sent:
                assert atom not in body, f"reflected {atom!r} in an HTML page"

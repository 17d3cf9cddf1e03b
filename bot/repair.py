"""Conversation repair, in plain Python: what to do when the user does not answer what was asked.

The equivalent, on Rasa 3.6 open source, of Rasa Pro's conversation-repair patterns:

- **digression / cancellation / human handoff**: a request for something else inside a form
  (a person, a case, another question, «cancelar») lets the form go and is served in the same turn
  (:func:`digression_target`);
- **interruption and return**: small talk is answered and the form goes on (left to the rules);
- **cannot handle / repeat**: the same question is never asked a third time; then the user gets the
  ways forward (:data:`MAX_ASKS`);
- **out of scope**: a message in another language gets a short answer in that language
  (:func:`other_language`); keyboard noise gets what the assistant can do and the way to a person.

The Rasa side is ``actions/repair.py``.
"""

from __future__ import annotations

import re

from bot.text import normalize

# The same question is asked at most twice; the third time the user gets the ways forward.
MAX_ASKS = 2

# What a request for something else leads to, when it arrives inside a form (intent -> action).
LEAVE_FORM: dict[str, str] = {
    "contactar_humano": "action_ofrecer_caso",
    "solicitar_gestion_men": "action_ofrecer_caso",
    "no_me_sirvio": "action_ofrecer_caso",
    "cancelar": "action_cancelar_formulario",
    "reiniciar": "action_restart",
    "negar": "action_cancelar_formulario",
    "out_of_scope": "action_fuera_de_alcance",
    "capacidades": "utter_capacidades",
    "faq": "action_responder_faq",
    "buscar_contenido": "action_buscar_contenido",
    "proximo_encuentro": "action_proximo_encuentro",
    "suscribir_eventos": "action_suscribir_eventos",
    "consultar_caso": "action_consultar_caso",
    "despedir": "utter_despedida",
}
# Forms whose own flow already handles some of these (the case form has its own «cancelar»).
OWN_HANDLING: dict[str, frozenset[str]] = {
    "caso_form": frozenset({"cancelar", "negar", "contactar_humano", "solicitar_gestion_men", "no_me_sirvio",
                            "corregir_dato", "reiniciar"}),
    "pares_form": frozenset(),
    "indicador_form": frozenset(),
}
# Answered by a rule, then the form goes on (interruption and return).
# «sí» is not one: it answers nothing the form asked, so it counts as a question asked again.
INTERRUPTIONS = frozenset({"saludar", "agradecer", "es_bot"})


# Requests that leave the form even when the message also names a place or a year.
STRONG = frozenset({"contactar_humano", "solicitar_gestion_men", "cancelar", "reiniciar", "consultar_caso",
                    "no_me_sirvio"})


# A request for a case or a person, recognised by its words whatever the NLU says ("quiero abrir un caso",
# "comuníqueme con alguien del ministerio"): inside a form it leaves the form like ``contactar_humano``.
_ASKS_FOR_PERSON = re.compile(
    r"\b(abrir|abra|abrame|crear|cree|radicar|radique|poner|levantar|iniciar|dejar)(le|me|nos)? (un |una |el |la |mi )?"
    r"(caso|solicitud|ticket|requerimiento|consulta al (men|ministerio))\b"
    r"|\b(hablar|comunicar(me|nos)?|contactar|contacto)( con| a| al)? (alguien|una persona|un funcionario|"
    r"una funcionaria|un asesor|una asesora|un humano|el men|al men|men|el ministerio|al ministerio|ministerio)\b"
    r"|\b(contactar|conectar(me|nos)?) (con |a |al )?(el )?(men|ministerio)\b")


def asks_for_person(text: str) -> bool:
    return bool(_ASKS_FOR_PERSON.search(normalize(text or "")))


def digression_intent(intent: str | None, text: str) -> str | None:
    """The intent a form should act on: a request for a case or a person wins by its words."""
    if intent not in {"contactar_humano", "solicitar_gestion_men"} and asks_for_person(text):
        return "contactar_humano"
    return intent


def digression_target(form: str, intent: str | None, *, answers_form: bool = False) -> str | None:
    """The action that serves ``intent`` when it arrives inside ``form``; None keeps the form.

    ``answers_form``: the message also fills what the form asked; then only a strong request (a person,
    a case, «cancelar») leaves the form — «no, en Pasto» or a place the NLU misread stays an answer.
    """
    if not intent or intent in OWN_HANDLING.get(form, frozenset()):
        return None
    if answers_form and intent not in STRONG:
        return None
    return LEAVE_FORM.get(intent)


# --------------------------------------------------------------------------- other languages
_LANG_WORDS = {
    "en": {"the", "is", "are", "what", "how", "can", "you", "please", "hello", "hi", "where", "when", "my", "i",
           "do", "does", "school", "education", "thanks", "thank", "help", "need", "want", "would", "could",
           "whats", "rate", "dropout", "last", "year", "years", "tell", "me", "give", "data", "number", "students",
           "teachers", "city", "department", "which", "who", "why", "your", "our", "we", "they", "an", "it", "be",
           "of", "and", "to", "in", "for", "with", "about", "speak", "english", "this", "there"},
    "pt": {"voce", "voces", "obrigado", "obrigada", "nao", "sim", "ola", "bom", "dia", "onde", "como", "posso",
           "preciso", "quero", "escola", "educacao", "fala", "falar", "portugues", "uma", "um", "do", "da", "em",
           "para", "com", "que", "e", "sobre", "gostaria", "saber", "ajuda", "minha", "meu", "isso", "tem",
           "oi", "tudo", "bem", "trabalho", "numa", "num", "na", "no", "nos", "fronteira", "brasil", "atendem",
           "informacoes", "informacao", "vcs", "esta", "estou", "sou", "secretaria", "o", "os", "as", "ao", "pelo", "pela", "muito", "tambem", "aqui", "ja", "ainda", "entao"},
    "fr": {"bonjour", "merci", "je", "vous", "est", "une", "un", "le", "la", "les", "des", "du", "et", "pour",
           "avec", "ecole", "education", "parlez", "francais", "besoin", "voudrais", "savoir", "comment", "ou",
           "sur", "mon", "ma", "aide", "suis", "c", "qu", "quel", "quelle", "quoi", "l", "qui", "pas", "ne", "ce",
           "cette", "capitale", "ville", "est-ce", "s'il", "plait", "pouvez", "parle"},
}
# Words that only Spanish uses among these languages: any of them and the message is Spanish.
_SPANISH_ONLY = {"el", "los", "las", "usted", "ustedes", "necesito", "quiero", "por", "favor", "gracias", "hola",
                 "buenos", "buenas", "cual", "cuales", "donde", "cuando", "educacion", "indicador",
                 "desercion", "cobertura", "del", "ministerio", "escuela", "tasa", "municipio", "departamento",
                 "y", "pero", "porque", "tengo", "tenemos", "hablar", "puede", "pueden",
                 "es", "son", "lo", "le", "mi", "su", "caso", "dato", "datos", "ano", "en", "con"}


def other_language(text: str) -> str | None:
    """``"en"``, ``"pt"`` or ``"fr"`` when the message is clearly in that language; None for Spanish."""
    words = re.findall(r"[a-z]+", normalize(text))
    if len(words) < 2:
        return None
    spanish = sum(w in _SPANISH_ONLY for w in words)
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _LANG_WORDS.items()}
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    if best >= 2 and best >= 0.5 * len(words) and best > 2 * spanish:
        return lang
    return None


# --------------------------------------------------------------------------- answers that need the Ministry
ESCALATION_INTENTS = frozenset({"solicitar_gestion_men", "contactar_humano"})
# An FAQ answer also offers a case when the NLU gives an escalation intent at least this probability.
# A design value, not yet tuned: tune it on tests/eval/validation (never on the frozen sets).
MINISTRY_MIN_CONFIDENCE = 0.2


# "¿cómo lo solicitamos?", "queremos que la Escuela haga…", "¿a quién le pedimos…?": a procedure or a
# request to the Ministry, which an FAQ paragraph does not settle.
_PROCEDURE = re.compile(
    r"\b(como|donde|a quien|ante quien|por donde)( se| le| les| lo| la| los| las| nos)* "
    r"(solicit\w*|pid\w*|ped\w*|tramit\w*|radic\w*|gestion\w*|postul\w*|inscrib\w*|accede\w*|accedemos|"
    r"reclam\w*|apel\w*|hacemos para|hago para)\b"
    r"|\b(queremos|quisieramos|necesitamos|solicitamos|pedimos) que (el ministerio|el men|la escuela|ustedes|nos)\b"
    r"|\b(se puede|es posible|puede el ministerio|podria el ministerio)\b.*\b(ministerio|men|escuela)\b")


def asks_procedure(text: str) -> bool:
    return bool(_PROCEDURE.search(normalize(text or "")))


def needs_ministry(parse_data: dict, threshold: float = MINISTRY_MIN_CONFIDENCE) -> bool:
    """The message also reads as an inquiry for a MEN area (procedures, money, staff, a decision…): by the
    NLU's ranking, or by its words (a procedure or a request to the Ministry, a request for a person)."""
    ranking = parse_data.get("intent_ranking") or []
    text = parse_data.get("text") or ""
    return any(item.get("name") in ESCALATION_INTENTS and (item.get("confidence") or 0) >= threshold
               for item in ranking[:3]) or asks_procedure(text) or asks_for_person(text)

"""End-to-end evaluation: talks to the whole assistant over Rasa's REST channel like a user would.

Usage:
  python scripts/eval_conversations.py [--model models/model-XXXX.tar.gz] [--set frozen|validation]
        [--part all|conversations|routing] [--limit N] [--concurrency 4] [--show-failures] [--url URL]

Without ``--url`` it starts its own stack on free 127.0.0.1 ports: a temporary APP_VAR_DIR prepared
with ``python -m bot preparar`` (SQLite), the action server (``rasa run actions``) and
``rasa run --enable-api`` with the model (default: the newest in models/), and stops them at the end.
With ``--url`` it uses an assistant that is already running (RASA_TOKEN is sent if set).

Two parts:
  a) conversations (tests/eval/<set>/conversations.yml): each conversation is sent turn by turn with a
     fresh sender id and the replies are checked against the turn's ``expect`` (value, year, place,
     indicator, no_value, question, case_offer, area, faq, language, defective), plus one global check
     (no bot question repeated 3 or more times). For ``area`` the driver then opens the case as a user
     would (accepts the offer, gives consent, answers the form reading ``requested_slot`` from the
     tracker) and reads the area from the confirmation message.
  b) end-to-end routing (tests/eval/<set>/routing.yml): each inquiry is the first message of a fresh
     conversation; the driver follows the case flow; figures: share that reaches a case, share routed
     to the right area.

On the frozen set only aggregate figures are printed; ``--show-failures`` (validation only) lists
every failed check with the bot's replies.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_support import (  # noqa: E402
    ROOT,
    default_area,
    is_frozen,
    load_areas,
    newest_model,
    normalize,
    normalize_words,
    pct,
    refuse_details_on_frozen,
    resolve_set,
    states_a_figure,
    states_value,
)

BIN = Path(sys.executable).parent
CODE_RE = re.compile(r"MEN-\d{4}-\d{6}-[0-9A-Z]{4}")
DISCLAIMER_RE = re.compile(r"no (?:es|son) confiables?")
MAX_CASE_STEPS = 24
# Buttons a user who wants a case picks ("Pedir una gestión o decisión del MEN", "Contactar al MEN").
ESCALATION_PAYLOADS = ("/solicitar_gestion_men", "/contactar_humano")
# What the user writes when no offer is shown (the last one is what the assistant itself suggests).
ASK_TO_OPEN = ("quiero abrir un caso", "sí", "contactar al MEN")
# What a secretaría employee answers to each question of the case form (later entries: a retry with
# another wording if the first one is refused).
FORM_ANSWERS: dict[str, list[str]] = {
    "caso_nombre": ["María Fernanda Rodríguez Gómez", "Maria Rodriguez"],
    "caso_cargo": ["Profesional universitaria del área de calidad educativa", "Profesional de cobertura"],
    "caso_etc": ["Boyacá", "Secretaría de Educación de Boyacá", "Antioquia"],
    "caso_email": ["maria.rodriguez@sedboyaca.gov.co", "mrodriguez@boyaca.gov.co"],
    "caso_telefono": ["3104567890", "/negar"],
    "caso_confirmado": ["/afirmar", "enviar", "sí, envíelo"],
}


# --- the assistant's own texts (domain.yml) ---------------------------------------------------------
@dataclass
class DomainTexts:
    offer: set[str]
    faq: dict[str, set[str]]
    language: dict[str, set[str]]

    @classmethod
    def load(cls, path: Path = ROOT / "domain.yml") -> DomainTexts:
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}

        def texts(name: str) -> set[str]:
            return {_squash(v["text"]) for v in responses.get(name) or [] if v.get("text")}

        faq = {k.split("/", 1)[1]: texts(k) for k in responses if k.startswith("utter_faq/")}
        language = {k.rsplit("_", 1)[1]: texts(k) for k in responses if k.startswith("utter_otro_idioma_")}
        return cls(offer=texts("utter_ofrecer_caso"), faq=faq, language=language)


def _squash(text: str) -> str:
    return " ".join(str(text).split())


# --- talking to Rasa --------------------------------------------------------------------------------
class Chat:
    """One conversation (a fresh sender id) over the REST channel; keeps every bot message."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.timeout = timeout
        self.sender = f"eval-{uuid.uuid4().hex[:16]}"
        self.bot_messages: list[dict] = []
        self.log: list[tuple[str, str]] = []  # ("usuario"|"bot", text)

    def say(self, text: str) -> list[dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            params=self.params,
            timeout=self.timeout,
        )
        response.raise_for_status()
        replies = response.json() or []
        self.log.append(("usuario", text))
        for message in replies:
            self.bot_messages.append(message)
            shown = message.get("text") or ("[imagen]" if message.get("image") else json.dumps(message, ensure_ascii=False))
            buttons = [b.get("title", "") for b in message.get("buttons") or []]
            self.log.append(("bot", shown + (f"  {buttons}" if buttons else "")))
        return replies

    def tracker(self) -> dict:
        response = requests.get(
            f"{self.url}/conversations/{self.sender}/tracker", params=self.params, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()


def _texts(replies: list[dict]) -> list[str]:
    return [m["text"] for m in replies if m.get("text")]


def _buttons(replies: list[dict]) -> list[dict]:
    return [b for m in replies for b in (m.get("buttons") or m.get("quick_replies") or [])]


# --- the case flow, as a user follows it ---------------------------------------------------------------
@dataclass
class CaseResult:
    reached: bool
    area: str | None = None
    reason: str = ""


class AreaReader:
    def __init__(self) -> None:
        self.names = sorted(((normalize_words(a["name"]), str(a["code"])) for a in load_areas()), key=lambda x: -len(x[0]))

    def area_in(self, text: str) -> str | None:
        words = f" {normalize_words(text)} "
        return next((code for name, code in self.names if f" {name} " in words), None)


def is_case_offer(replies: list[dict], domain: DomainTexts) -> bool:
    if any(_squash(t) in domain.offer for t in _texts(replies)):
        return True
    return any(b.get("payload") == "/afirmar" and "caso" in normalize(b.get("title", "")) for b in _buttons(replies))


def is_consent_question(replies: list[dict]) -> bool:
    return any("autoriza el tratamiento" in normalize(t) for t in _texts(replies))


def follow_case(chat: Chat, replies: list[dict], description: str, domain: DomainTexts, areas: AreaReader) -> CaseResult:
    """From the current point of ``chat``, open a case as a user would and read the area it went to."""
    asked_to_open = 0
    attempts: Counter[str] = Counter()
    for _ in range(MAX_CASE_STEPS):
        for text in _texts(replies):
            if CODE_RE.search(text):
                area = areas.area_in(text)
                if area:
                    return CaseResult(True, area)
        tracker = chat.tracker()
        loop = (tracker.get("active_loop") or {}).get("name")
        requested = (tracker.get("slots") or {}).get("requested_slot")
        if loop == "caso_form" and requested:
            attempt = attempts[requested]
            attempts[requested] += 1
            if attempt >= 3:
                return CaseResult(False, reason=f"formulario atascado en {requested}")
            answer = form_answer(requested, attempt, replies, description)
        elif is_case_offer(replies, domain) or is_consent_question(replies):
            answer = "/afirmar"  # the "Sí, abrir caso" / "Sí, autorizo" button
        elif escalation := next((b["payload"] for b in _buttons(replies) if b.get("payload") in ESCALATION_PAYLOADS), None):
            answer = escalation  # "¿Quiso decir…?" or "Contactar al MEN": the user picks the MEN
        elif asked_to_open < len(ASK_TO_OPEN):
            answer = ASK_TO_OPEN[asked_to_open]
            asked_to_open += 1
        else:
            return CaseResult(False, reason="no ofreció abrir un caso")
        replies = chat.say(answer)
    return CaseResult(False, reason="demasiados pasos")


def form_answer(slot: str, attempt: int, replies: list[dict], description: str) -> str:
    buttons = _buttons(replies)
    if slot == "caso_descripcion":
        suggested = any("lo usamos como descripcion" in normalize(t) for t in _texts(replies))
        if suggested and attempt == 0:
            return "/afirmar"  # "Sí, usar ese texto"
        return description if attempt < 2 else f"{description} Necesitamos la orientación del Ministerio."
    if slot == "caso_etc" and buttons and attempt > 0:
        return str(buttons[0].get("payload") or buttons[0].get("title"))  # "¿A cuál de estas secretarías…?"
    options = FORM_ANSWERS.get(slot)
    if not options:
        return "sí"
    return options[min(attempt, len(options) - 1)]


# --- checks -----------------------------------------------------------------------------------------
@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Outcome:
    id: str
    checks: list[Check] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def indicator_words(column: str) -> list[str]:
    """``COBERTURA_BRUTA_MEDIA`` -> [cobertura, bruta, media]; ``TASA_MATRICULACIÓN_5_16`` -> [matriculacion]."""
    words = [w for w in normalize_words(column.replace("_", " ")).split() if not w.isdigit()]
    return [w for w in words if w not in {"tasa", "de", "a"}] or words


def check_turn(expect: dict, replies: list[dict], domain: DomainTexts) -> list[Check]:
    texts = _texts(replies)
    joined = "\n".join(texts)
    plain = normalize_words(joined)
    checks = []
    if "value" in expect:
        checks.append(Check("value", states_value(joined, float(expect["value"])), f"valor {expect['value']}"))
    if "year" in expect:
        checks.append(Check("year", bool(re.search(rf"\b{int(expect['year'])}\b", joined)), f"año {expect['year']}"))
    if "place" in expect:
        checks.append(Check("place", f" {normalize_words(expect['place'])} " in f" {plain} ", f"lugar {expect['place']}"))
    if "indicator" in expect:
        words = indicator_words(str(expect["indicator"]))
        checks.append(Check("indicator", all(f" {w} " in f" {plain} " for w in words), f"indicador {expect['indicator']}"))
    if expect.get("no_value"):
        checks.append(Check("no_value", not states_a_figure(joined), "sin cifras"))
    if expect.get("question"):
        checks.append(Check("question", "?" in joined, "una pregunta"))
    if expect.get("case_offer"):
        checks.append(Check("case_offer", is_case_offer(replies, domain), "oferta de abrir un caso"))
    if "faq" in expect:
        wanted = domain.faq.get(str(expect["faq"]), set())
        checks.append(Check("faq", any(_squash(t) in wanted for t in texts), f"respuesta utter_faq/{expect['faq']}"))
    if "language" in expect:
        wanted = domain.language.get(str(expect["language"]), set())
        checks.append(Check("language", any(_squash(t) in wanted for t in texts), f"utter_otro_idioma_{expect['language']}"))
    if expect.get("defective"):
        said = any("confiable" in normalize(t) for t in texts)
        stated = any(states_a_figure(t) and not DISCLAIMER_RE.search(normalize(t)) for t in texts)
        checks.append(Check("defective", said and not stated, "dice que la cifra no es confiable y no la da"))
    return checks


def repeated_questions(chat: Chat) -> list[str]:
    counts = Counter(_squash(m["text"]) for m in chat.bot_messages if m.get("text") and "?" in m["text"])
    return [text for text, n in counts.items() if n >= 3]


def run_conversation(conv: dict, url: str, token: str | None, timeout: float, domain: DomainTexts, areas: AreaReader) -> Outcome:
    outcome = Outcome(id=str(conv.get("id")))
    chat = Chat(url, token, timeout)
    user_turns: list[str] = []
    try:
        for number, turn in enumerate(conv.get("turns") or [], start=1):
            text = str(turn["user"])
            user_turns.append(text)
            replies = chat.say(text)
            expect = turn.get("expect") or {}
            for check in check_turn(expect, replies, domain):
                check.detail = f"turno {number}: {check.detail}"
                outcome.checks.append(check)
            if "area" in expect:
                description = max(user_turns, key=len)
                case = follow_case(chat, replies, description, domain, areas)
                if not case.reached:
                    outcome.checks.append(Check("area (sin caso)", False, f"turno {number}: área {expect['area']}; {case.reason}"))
                else:
                    outcome.checks.append(
                        Check("area" if case.area == expect["area"] else "area (otra área)", case.area == expect["area"],
                              f"turno {number}: área {expect['area']}, obtenida {case.area}")
                    )
        repeated = repeated_questions(chat)
        outcome.checks.append(Check("repeat", not repeated, "pregunta repetida 3+ veces: " + " | ".join(repeated)[:200]))
    except requests.RequestException as err:
        outcome.checks.append(Check("error", False, f"error HTTP: {err}"))
    outcome.log = chat.log
    return outcome


@dataclass
class RoutingOutcome:
    text: str
    expected: str
    case: CaseResult
    log: list[tuple[str, str]]


def run_inquiry(item: dict, url: str, token: str | None, timeout: float, domain: DomainTexts, areas: AreaReader) -> RoutingOutcome:
    chat = Chat(url, token, timeout)
    try:
        replies = chat.say(str(item["text"]))
        case = follow_case(chat, replies, str(item["text"]), domain, areas)
    except requests.RequestException as err:
        case = CaseResult(False, reason=f"error HTTP: {err}")
    return RoutingOutcome(str(item["text"]), str(item["area"]), case, chat.log)


# --- the stack ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """Action server + ``rasa run --enable-api`` with a temporary APP_VAR_DIR (SQLite), on free ports."""

    def __init__(self, model: str) -> None:
        self.model = str(Path(model).resolve())
        self.tmp = Path(tempfile.mkdtemp(prefix="eval-conversaciones-"))
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONPATH": str(ROOT),
            "APP_VAR_DIR": str(self.tmp / "var"),
            "DATOS_GOV_ENABLED": "false",
        }
        for name in ("DATABASE_URL", "RASA_ENDPOINTS", "RASA_CREDENTIALS"):
            self.env.pop(name, None)
        self.url = ""

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (lives as long as the process)
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def _wait(self, url: str, proc: subprocess.Popen, name: str, seconds: float = 900) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} terminó con código {proc.returncode}:\n{self.tail(name)}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=3).ok:
                    return
            time.sleep(1)
        raise RuntimeError(f"{name} no respondió en {seconds:.0f} s:\n{self.tail(name)}")

    def tail(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> str:
        (self.tmp / "var").mkdir()
        actions_port, rasa_port = free_port(), free_port()
        endpoints = self.tmp / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.tmp / "tracker.db"}"\n',
            encoding="utf-8",
        )
        credentials = self.tmp / "credentials.yml"
        credentials.write_text("rest:\n", encoding="utf-8")
        print(f"· Arrancando Rasa ({Path(self.model).name}) y el servidor de acciones en {self.tmp} ...", flush=True)
        rasa = self._start(
            [str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "--port", str(rasa_port),
             "--model", self.model, "--endpoints", str(endpoints), "--credentials", str(credentials)],
            "rasa",
        )  # fmt: skip
        with open(self.tmp / "preparar.log", "wb") as log:
            subprocess.run([str(BIN / "python"), "-m", "bot", "preparar", "--sin-progreso"], cwd=ROOT, env=self.env,
                           stdout=log, stderr=subprocess.STDOUT, check=True)
        actions = self._start([str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                              "acciones")
        self._wait(f"http://127.0.0.1:{actions_port}/health", actions, "acciones")
        self._wait(f"http://127.0.0.1:{rasa_port}/status", rasa, "rasa")
        self.url = f"http://127.0.0.1:{rasa_port}"
        return self.url

    def stop(self, keep: bool = False) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if keep:
            print(f"· Registros en {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- reports -----------------------------------------------------------------------------------------
def prefix_of(conv_id: str) -> str:
    return conv_id.rsplit("-", 1)[0] if "-" in conv_id else conv_id


def run_parallel(fn, items: list, concurrency: int, label: str) -> list:
    done = 0
    lock = threading.Lock()

    def wrapped(item):
        nonlocal done
        result = fn(item)
        with lock:
            done += 1
            if done % 10 == 0 or done == len(items):
                print(f"  … {label}: {done}/{len(items)}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(wrapped, items))


def print_log(log: list[tuple[str, str]], indent: str = "      ") -> None:
    for who, text in log:
        print(f"{indent}{'>' if who == 'usuario' else '<'} {text[:300]}".replace("\n", " / "))


def report_conversations(path: Path, outcomes: list[Outcome], elapsed: float, show_failures: bool) -> None:
    n = len(outcomes)
    passed = sum(o.passed for o in outcomes)
    print(f"Conversaciones: {_shown(path)} — {n} conversaciones{' (congelado: solo cifras agregadas)' if is_frozen(path) else ''}")
    print(f"  pasan todas sus verificaciones: {passed}/{n} = {pct(passed, n)}   ({elapsed:.0f} s)")
    by_prefix: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_prefix.setdefault(prefix_of(outcome.id), []).append(outcome)
    print("  por tipo (prefijo del id):")
    for prefix, group in sorted(by_prefix.items()):
        ok = sum(o.passed for o in group)
        print(f"    {prefix:<8} {ok:>3}/{len(group):<3} {pct(ok, len(group))}")
    evaluated: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for outcome in outcomes:
        for check in outcome.checks:
            base = check.name.split(" ")[0]
            evaluated[base] += 1
            if not check.ok:
                failed[check.name] += 1
    print("  verificaciones que más fallan (fallos / verificaciones de ese tipo):")
    for name, count in failed.most_common():
        print(f"    {name:<18} {count:>3}/{evaluated[name.split(' ')[0]]}")
    if not failed:
        print("    ninguna")
    if show_failures:
        print("  conversaciones que fallan:")
        for outcome in outcomes:
            if outcome.passed:
                continue
            print(f"    {outcome.id}:")
            for check in outcome.checks:
                if not check.ok:
                    print(f"      ✗ {check.name}: {check.detail}")
            print_log(outcome.log, "        ")


def report_routing(path: Path, outcomes: list[RoutingOutcome], elapsed: float, show_failures: bool) -> None:
    n = len(outcomes)
    reached = sum(o.case.reached for o in outcomes)
    right = sum(o.case.reached and o.case.area == o.expected for o in outcomes)
    fallback = default_area()
    to_default = sum(o.case.area == fallback for o in outcomes)
    print(f"Enrutamiento de punta a punta: {_shown(path)} — {n} consultas"
          f"{' (congelado: solo cifras agregadas)' if is_frozen(path) else ''}")
    print(f"  llegan a un caso:            {reached}/{n} = {pct(reached, n)}")
    print(f"  área correcta (top-1):       {right}/{n} = {pct(right, n)}   (entre los casos abiertos: {pct(right, reached)})")
    print(f"  casos al área por defecto ({fallback}): {to_default}/{n} = {pct(to_default, n)}")
    print(f"  tiempo: {elapsed:.0f} s ({elapsed / n if n else 0:.1f} s por consulta)")
    reasons = Counter(o.case.reason for o in outcomes if not o.case.reached)
    if reasons:
        print("  sin caso, por motivo: " + "; ".join(f"{r} ({c})" for r, c in reasons.most_common()))
    if show_failures:
        print("  consultas mal enrutadas o sin caso (esperada -> obtenida):")
        for o in outcomes:
            if o.case.reached and o.case.area == o.expected:
                continue
            print(f"    {o.expected} -> {o.case.area or 'sin caso: ' + o.case.reason}: {o.text[:200]}")
            print_log(o.log[-4:], "        ")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="modelo entrenado (por defecto, el más reciente de models/)")
    parser.add_argument("--set", default="frozen", help="frozen (por defecto) o validation")
    parser.add_argument("--part", choices=("all", "conversations", "routing"), default="all",
                        help="conversaciones, enrutamiento de punta a punta o ambos (por defecto)")
    parser.add_argument("--limit", type=int, default=None, help="solo los primeros N de cada conjunto")
    parser.add_argument("--concurrency", type=int, default=4, help="conversaciones simultáneas (por defecto 4)")
    parser.add_argument("--show-failures", action="store_true", help="detalla los fallos (solo con --set validation)")
    parser.add_argument("--url", help="usar un asistente que ya está corriendo (p. ej. http://localhost:5005)")
    parser.add_argument("--timeout", type=float, default=180.0, help="segundos de espera por mensaje")
    parser.add_argument("--keep-logs", action="store_true", help="no borrar la carpeta temporal con los registros")
    args = parser.parse_args(argv)
    if args.set not in ("frozen", "validation"):
        parser.error("--set debe ser frozen o validation")
    conv_path, routing_path = resolve_set(args.set, "conversations"), resolve_set(args.set, "routing")
    if args.show_failures:
        refuse_details_on_frozen(conv_path, "--show-failures")

    conversations = (yaml.safe_load(conv_path.read_text(encoding="utf-8")) or {}).get("conversations") or []
    inquiries = (yaml.safe_load(routing_path.read_text(encoding="utf-8")) or {}).get("inquiries") or []
    if args.limit is not None:
        conversations, inquiries = conversations[: args.limit], inquiries[: args.limit]
    if args.part == "routing":
        conversations = []
    if args.part == "conversations":
        inquiries = []

    domain = DomainTexts.load()
    areas = AreaReader()
    stack = None
    token = os.environ.get("RASA_TOKEN") or None
    if args.url:
        url = args.url
        print(f"· Usando el asistente en {url}")
    else:
        stack = Stack(args.model or newest_model())
        token = None  # our own `rasa run` has no auth token
    failed_start = False
    try:
        if stack is not None:
            try:
                url = stack.start()
            except (RuntimeError, subprocess.CalledProcessError) as err:
                failed_start = True
                print(f"✗ No arrancó el asistente: {err}", file=sys.stderr)
                return 2
        if conversations:
            started = time.monotonic()
            outcomes = run_parallel(
                lambda c: run_conversation(c, url, token, args.timeout, domain, areas),
                conversations, args.concurrency, "conversaciones",
            )  # fmt: skip
            report_conversations(conv_path, outcomes, time.monotonic() - started, args.show_failures)
        if inquiries:
            started = time.monotonic()
            routed = run_parallel(
                lambda i: run_inquiry(i, url, token, args.timeout, domain, areas), inquiries, args.concurrency, "consultas"
            )
            report_routing(routing_path, routed, time.monotonic() - started, args.show_failures)
    finally:
        if stack is not None:
            stack.stop(keep=args.keep_logs or failed_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())

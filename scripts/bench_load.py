"""Closed-loop load on Rasa's REST channel: this assistant against a stock `rasa init` bot, same run.

    python scripts/bench_load.py [--users 1,8,32] [--turns 40,20,10] [--max-seconds 150]
                                 [--only asistente|stock] [--json results/bench_load.json]

* The assistant starts as `make run` starts it (``scripts/run.py``: ``preparar``, action server, Rasa,
  web app) in its production-like configuration: ``config/endpoints.production.yml`` (PostgreSQL
  tracker store, Redis lock store) and the application database on PostgreSQL
  (``DATABASE_URL``). Databases of its own: ``bench_load_app`` (kept, so a second run measures a
  start where nothing changed) and ``bench_load_tracker`` (recreated at every run).
* The stock bot is ``rasa init --no-prompt`` in a temporary folder (Rasa's default config, in-memory
  tracker store); its training time is the time of ``rasa init`` (which trains).
* Load: N users, each a closed loop (send, wait for the answer, send the next) over a realistic
  Spanish mix (FAQ, indicator look-ups with and without chart, catalog search, chitchat, first turns
  of a case), the same messages for both bots. Bounded in turns per user and in seconds per level.
  Everything listens on 127.0.0.1 only.
* Printed: msg/s, p50/p95/p99, errors, empty replies, peak RSS of every process, cold start to first
  answer, training time, and the ratios assistant/stock. ``--json`` keeps the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
APP_DB = "bench_load_app"
TRACKER_DB = "bench_load_tracker"
REDIS_DB = "11"

# (kind, turns). A user runs these in turn, keeping its conversation (the tracker grows as in real
# use), except after a case: the form stays open, so the next script starts a new conversation.
MIX: list[tuple[str, list[str]]] = [
    ("faq", ["hola, buenos días", "¿qué es la Escuela de Secretarías?", "cuales son las tres consignas de la escuela"]),
    ("indicador", ["cual fue la desercion en cartagena en 2020?", "y en 2019?"]),
    ("grafica", ["muestreme la evolucion de la desercion en cartagena"]),
    ("charla", ["buenas tardes", "muchas gracias!!"]),
    ("indicador", ["me regala la cobertura bruta en el valle porfa", "comparame la desercion entre bucaramanga y cucuta"]),
    ("catalogo", ["nesecito material sobre abandono escolar", "tienen alguna guia sobre referentes curriculares?"]),
    ("faq", ["q son las lineas dinamizadoras", "cuando es el proximo encuentro de secretarios?"]),
    ("grafica", ["como ha venido cambiando la cobertura neta en ibague"]),
    ("caso", ["nesecito q me comuniquen con alguien del ministerio", "si"]),
    ("charla", ["ok dale", "perfecto muchas gracias"]),
]
PARSE_TEXTS = [t for _kind, turns in MIX for t in turns]


# ------------------------------------------------------------------------------------------ utils
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
    mem = next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(int(mem) / 1024 / 1024, 1),
            "python": platform.python_version(), "kernel": platform.release(),
            "loadavg_at_start": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M")}


class RssSampler(threading.Thread):
    """Peak RSS of every process under ``root_pid`` (its whole tree), sampled from /proc."""

    def __init__(self, root_pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self.peak_total = 0
        self._halt = threading.Event()

    @staticmethod
    def process_children() -> dict[int, list[int]]:
        kids: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
        return kids

    @staticmethod
    def _rss_kib(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def proc_name(pid: int) -> str:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return "?"
        words = [a.decode(errors="replace") for a in args if a]
        text = " ".join(Path(w).name if i < 2 else w for i, w in enumerate(words))
        for needle, label in (("run actions", "servidor de acciones"), ("rasa run", "rasa"), ("-m webapp", "web"),
                              ("run.py", "run.py"), ("preparar", "preparar"), ("rasa init", "rasa init")):
            if needle in text:
                return label
        return text[:40]

    def sample(self) -> None:
        kids = self.process_children()
        pids, todo = [], [self.root_pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(kids.get(pid, []))
        total = 0
        for pid in pids:
            rss = self._rss_kib(pid)
            total += rss
            if rss > self.peaks.get(pid, ("", 0))[1]:
                self.peaks[pid] = (self.proc_name(pid), rss)
        self.peak_total = max(self.peak_total, total)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> dict:
        self._halt.set()
        by_name: dict[str, int] = {}
        for name, rss in self.peaks.values():
            by_name[name] = max(by_name.get(name, 0), rss)
        return {"procesos_mib": {k: round(v / 1024) for k, v in sorted(by_name.items())},
                "total_mib": round(self.peak_total / 1024)}


class Client:
    """One user's keep-alive HTTP connection to Rasa's REST channel."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, payload: dict) -> tuple[int, object]:
        body = json.dumps(payload).encode()
        for attempt in (0, 1):  # one reconnect if the server closed the idle keep-alive connection
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", path, body, {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, (json.loads(data) if data[:1] in (b"[", b"{") else data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def say(self, sender: str, text: str) -> tuple[int, object]:
        return self.post("/webhooks/rest/webhook", {"sender": sender, "message": text})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


# ------------------------------------------------------------------------------------------- load
@dataclass
class Turn:
    kind: str
    seconds: float
    ok: bool
    empty: bool


@dataclass
class LoadResult:
    users: int
    turns: int
    seconds: float
    msg_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    empty: int
    p50_by_kind_ms: dict[str, float] = field(default_factory=dict)


def run_load(port: int, label: str, users: int, turns_per_user: int, max_seconds: float) -> LoadResult:
    turns: list[Turn] = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def user(i: int) -> None:
        client = Client(port)
        sender = f"bench-{label}-{users}-{i}-{uuid.uuid4().hex[:8]}"
        done, script = 0, i % len(MIX)
        try:
            while done < turns_per_user and time.monotonic() < deadline:
                kind, texts = MIX[script]
                for text in texts:
                    if done >= turns_per_user or time.monotonic() >= deadline:
                        break
                    t0 = time.perf_counter()
                    try:
                        status, body = client.say(sender, text)
                        ok, empty = status == 200, status == 200 and not body
                    except Exception:
                        ok, empty = False, False
                        client.close()
                        client = Client(port)
                    with lock:
                        turns.append(Turn(kind, time.perf_counter() - t0, ok, empty))
                    done += 1
                if kind == "caso":
                    sender = f"bench-{label}-{users}-{i}-{uuid.uuid4().hex[:8]}"
                script = (script + 1) % len(MIX)
        finally:
            client.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    lat = [t.seconds * 1000 for t in turns if t.ok]
    kinds = sorted({t.kind for t in turns})
    return LoadResult(
        users=users, turns=len(turns), seconds=round(elapsed, 1), msg_s=round(len(turns) / elapsed, 2),
        p50_ms=round(percentile(lat, 50)), p95_ms=round(percentile(lat, 95)), p99_ms=round(percentile(lat, 99)),
        errors=sum(1 for t in turns if not t.ok), empty=sum(1 for t in turns if t.empty),
        p50_by_kind_ms={k: round(percentile([t.seconds * 1000 for t in turns if t.kind == k and t.ok], 50))
                        for k in kinds},
    )


def warm_up(port: int, label: str) -> None:
    """Every script once, not counted (first-call costs of TensorFlow graphs, caches, connections)."""
    client = Client(port)
    for _kind, texts in MIX:
        sender = f"warm-{label}-{uuid.uuid4().hex[:8]}"
        for text in texts:
            client.say(sender, text)
    client.close()


def parse_latency(port: int, n: int = 30) -> float:
    client = Client(port)
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        client.post("/model/parse", {"text": PARSE_TEXTS[i % len(PARSE_TEXTS)]})
        lat.append((time.perf_counter() - t0) * 1000)
    client.close()
    return round(statistics.median(lat), 1)


def wait_first_answer(port: int, proc: subprocess.Popen, t0: float, timeout: float = 900) -> float:
    """Seconds from ``t0`` to the first non-empty answer to "hola" on the REST channel.

    Polls ``/status`` first (no conversation lock), then asks with a new conversation at every try:
    a request accepted while the model was still loading must not hold the lock of the next one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"el proceso terminó con {proc.returncode} antes de responder")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/status")
            ready = conn.getresponse().status in (200, 401, 403)  # up (with --auth-token: 401)
            conn.close()
            if ready:
                client = Client(port, timeout=60)
                status, body = client.say(f"arranque-{uuid.uuid4().hex[:8]}", "hola")
                client.close()
                if status == 200 and body:
                    return round(time.monotonic() - t0, 1)
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"sin respuesta en {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop a bot and every process under it: SIGINT first (run.py stops its children), then the
    process group of each one still alive (run.py starts each child in a session of its own; a
    SIGINT ignored by a background shell, or a SIGKILL of run.py, would leave them running)."""
    kids = RssSampler.process_children()
    tree, todo = [], [proc.pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(kids.get(pid, []))
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=20)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid in tree if _running(pid)]
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                group = os.getpgid(pid)
                if group != os.getpgrp():  # never this benchmark's own group
                    os.killpg(group, sig)
        deadline = time.monotonic() + 15
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [pid for pid in alive if _running(pid)]


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# -------------------------------------------------------------------------------------- the bots
@dataclass
class Bot:
    name: str
    port: int
    proc: subprocess.Popen
    sampler: RssSampler
    cold_start_s: float
    training_s: float | None
    training_note: str = ""


def _pg_databases() -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", connect_timeout=5, **PG)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {TRACKER_DB} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {TRACKER_DB}")
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (APP_DB,))
        if cur.fetchone() is None:
            cur.execute(f"CREATE DATABASE {APP_DB}")
    conn.close()


EMBEDDED_STORES = {
    # the embedded default of endpoints.yml
    "embebido": "  type: rasa_addons.tracker_store.SQLiteTrackerStore\n  db: {db}\n",
    # the baseline: Rasa's own SQL store on the same SQLite file
    "embebido-rasa-sql": "  type: SQL\n  dialect: sqlite\n  db: {db}\n",
}


def start_assistant(tmp: Path, endpoints: str = "config/endpoints.production.yml", extra_env: dict | None = None,
                    model: str | None = None) -> Bot:
    env_bin = {**os.environ, "BIN": str(BIN)}
    if model is None:
        model = subprocess.run(["scripts/ensure_model.sh"], cwd=ROOT, env=env_bin, check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
    cache = Path(os.environ.get("MODEL_CACHE", Path.home() / ".cache/asistente-escuela/models"))
    recorded = cache / (Path(model).name.removesuffix(".tar.gz") + ".train-seconds")
    training = float(recorded.read_text()) if recorded.exists() else None
    _pg_databases()
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    if endpoints in EMBEDDED_STORES:  # endpoints.yml's configuration on the free ports of this run
        path = tmp / "endpoints.yml"
        path.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\ntracker_store:\n'
                        + EMBEDDED_STORES[endpoints].format(db=tmp / "rasa_tracker.db"), encoding="utf-8")
        endpoints = str(path)
    credentials = tmp / "credentials.yml"
    credentials.write_text("rest:\nsocketio:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
                           "  session_persistence: true\n", encoding="utf-8")
    env = {
        **os.environ,
        "APP_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{APP_DB}",
        "RASA_ENDPOINTS": endpoints,
        "RASA_CREDENTIALS": str(credentials),
        "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port), "WEB_PORT": str(web_port),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": TRACKER_DB,
        "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": REDIS_DB, "TICKET_LOCK_LIFETIME": "300",
        "DATOS_GOV_ENABLED": "false", "RASA_TELEMETRY_ENABLED": "false",
        **(extra_env or {}),
    }
    log = (tmp / "asistente.log").open("wb")
    t0 = time.monotonic()
    proc = subprocess.Popen([str(BIN / "python"), "scripts/run.py", "--model", model], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    try:
        cold = wait_first_answer(rasa_port, proc, t0)
    except Exception:
        stop(proc)
        print((tmp / "asistente.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    return Bot("asistente", rasa_port, proc, sampler, cold, training,
               "medido al entrenar (scripts/ensure_model.sh)" if training else "modelo de la caché: sin cifra")


def start_stock(tmp: Path, keep_dir: str | None = None) -> Bot:
    """``rasa init --no-prompt`` (trains) in a temporary folder, or once in ``keep_dir`` and reused."""
    project = Path(keep_dir) if keep_dir else tmp / "stock"
    env = {k: v for k, v in os.environ.items() if k != "RASA_CACHE_DIRECTORY"}
    env["RASA_TELEMETRY_ENABLED"] = "false"
    timing = project / "init-seconds.txt"
    if not timing.exists():
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        t0 = time.monotonic()
        subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=tmp, env=env,
                       check=True, stdout=(tmp / "stock-init.log").open("wb"), stderr=subprocess.STDOUT)
        timing.write_text(f"{time.monotonic() - t0:.1f}")
    training = float(timing.read_text())
    port = free_port()
    log = (tmp / "stock.log").open("wb")
    t0 = time.monotonic()
    proc = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "--port", str(port)],
                            cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    cold = wait_first_answer(port, proc, t0)
    return Bot("stock", port, proc, sampler, cold, training, "rasa init --no-prompt (incluye entrenar)")


# ------------------------------------------------------------------------------------- profile
# Inclusive share of the samples whose stack passes through each part (parts can overlap).
PROFILE_PARTS = [
    ("TEDPolicy", ("ted_policy.py",)),
    ("UnexpecTEDIntentPolicy", ("unexpected_intent_policy.py",)),
    ("featurizar el historial (tracker featurizers)", ("tracker_featurizers.py",)),
    ("RulePolicy", ("rule_policy.py",)),
    ("MemoizationPolicy", ("memoization.py",)),
    ("DIETClassifier", ("diet_classifier.py",)),
    ("ResponseSelector", ("response_selector.py",)),
    ("spaCy", ("spacy/", "thinc/")),
    ("CountVectorsFeaturizer", ("count_vectors_featurizer.py",)),
    ("tracker store (retrieve + save)", ("tracker_store.py",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("llamadas HTTP al servidor de acciones", ("rasa/utils/endpoints.py", "aiohttp/")),
    ("lock store", ("lock_store.py",)),
    ("Sanic / HTTP", ("sanic/",)),
    ("TensorFlow", ("tensorflow/", "keras/")),
    ("JSON", ("json/",)),
    ("acciones del proyecto (actions/)", (f"{ROOT}/actions/",)),
    ("bot/ (indicadores, lugares, casos...)", (f"{ROOT}/bot/",)),
    ("matplotlib (gráficas)", ("matplotlib/",)),
    ("rasa_sdk", ("rasa_sdk/",)),
]


# the event loop waiting for work (uvloop is C: the Python leaf is Sanic's serve)
IDLE_LEAVES = ("serve (sanic/server/runners.py",)


def profile_breakdown(raw_file: Path, top: int = 12) -> dict:
    """Parts and hottest functions of a py-spy ``--format raw`` file (collapsed stacks), in % of busy samples."""
    total, idle, parts, selfs = 0, 0, dict.fromkeys((n for n, _ in PROFILE_PARTS), 0), {}
    for line in raw_file.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        if stack.rsplit(";", 1)[-1].startswith(IDLE_LEAVES):
            idle += n
            continue
        total += n
        for name, needles in PROFILE_PARTS:
            if any(needle in stack for needle in needles):
                parts[name] += n
        leaf = stack.rsplit(";", 1)[-1]
        selfs[leaf] = selfs.get(leaf, 0) + n
    pct = lambda n: round(100 * n / total, 1) if total else 0.0  # noqa: E731
    return {"muestras_ocupado": total, "muestras_en_espera": idle,
            "partes_pct": {k: pct(v) for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v},
            "funciones_propias_pct": {k: pct(v) for k, v in sorted(selfs.items(), key=lambda kv: -kv[1])[:top]}}


def run_profile(bot: Bot, out: Path, users: int, turns: int, max_seconds: float) -> dict:
    """py-spy on Rasa and on the action server while ``users`` × ``turns`` run."""
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    kids = RssSampler.process_children()
    pids, todo = {}, [bot.proc.pid]
    while todo:
        pid = todo.pop()
        name = RssSampler.proc_name(pid)
        if name in ("rasa", "servidor de acciones"):
            pids[name] = pid
        todo.extend(kids.get(pid, []))
    out.mkdir(parents=True, exist_ok=True)
    spies = {name: subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "50", "--format", "raw",
                                     "--nonblocking", "--output", str(out / f"{name.replace(' ', '_')}.txt")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, pid in pids.items()}
    time.sleep(2)
    res = run_load(bot.port, f"{bot.name}-perfil", users, turns, max_seconds)
    for proc in spies.values():
        proc.send_signal(signal.SIGINT)
    for proc in spies.values():
        proc.wait(timeout=60)
    result = {"carga": asdict(res)}
    for name in spies:
        raw = out / f"{name.replace(' ', '_')}.txt"
        if raw.exists():
            result[name] = profile_breakdown(raw)
    return result


# ------------------------------------------------------------------------------------------ main
def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="1,8,32")
    ap.add_argument("--turns", default="40,20,10", help="turns per user at each level")
    ap.add_argument("--max-seconds", type=float, default=150, help="time bound of each level")
    ap.add_argument("--only", choices=("asistente", "stock"))
    ap.add_argument("--json", default=str(ROOT / "results" / "bench_load.json"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    ap.add_argument("--endpoints", default="config/endpoints.production.yml",
                    help="Rasa endpoints of the assistant; 'embebido' = endpoints.yml (SQLite tracker store of "
                    "rasa_addons), 'embebido-rasa-sql' = the same with Rasa's own SQL store (the baseline)")
    ap.add_argument("--stock-dir", help="train the stock bot once in this folder and reuse it in later runs")
    ap.add_argument("--model", help="model of the assistant (default: scripts/ensure_model.sh)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra environment of the assistant (e.g. TF_INTRA_OP_PARALLELISM_THREADS=1)")
    ap.add_argument("--profile", metavar="DIR", help="instead of the comparison: py-spy on the assistant's Rasa "
                    "and action server under --users × --turns (default 8 × 20); raw stacks in DIR")
    args = ap.parse_args()
    levels = list(zip((int(u) for u in args.users.split(",")), (int(t) for t in args.turns.split(",")), strict=True))

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    extra_env = dict(item.split("=", 1) for item in args.env)
    if args.profile:
        users, turns = (levels[0] if args.users != "1,8,32" else (8, 20))
        bot = start_assistant(tmp, args.endpoints, extra_env, args.model)
        try:
            warm_up(bot.port, bot.name)
            result = run_profile(bot, Path(args.profile), users, turns, args.max_seconds)
        finally:
            stop(bot.proc)
        result["maquina"] = machine()
        print(json.dumps(result, indent=2, ensure_ascii=False))
        Path(args.profile, "perfil.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        return 0
    report: dict = {"maquina": machine(), "niveles": levels, "bots": {}, "endpoints": args.endpoints, "env": extra_env}
    bots: list[Bot] = []
    try:
        if args.only != "stock":
            print(f"· Arrancando el asistente (scripts/run.py, {args.endpoints})...", flush=True)
            bots.append(start_assistant(tmp, args.endpoints, extra_env, args.model))
        if args.only != "asistente":
            print("· Entrenando y arrancando el bot de `rasa init`...", flush=True)
            bots.append(start_stock(tmp, args.stock_dir))
        for bot in bots:
            warm_up(bot.port, bot.name)
            report["bots"][bot.name] = {"arranque_s": bot.cold_start_s, "entrenamiento_s": bot.training_s,
                                        "entrenamiento_nota": bot.training_note,
                                        "parse_p50_ms": parse_latency(bot.port), "carga": []}
        for users, turns in levels:
            for bot in bots:
                res = run_load(bot.port, bot.name, users, turns, args.max_seconds)
                report["bots"][bot.name]["carga"].append(asdict(res))
                print(f"  {bot.name:9} {users:>2} usuarios: {res.msg_s:6.2f} msg/s  p50 {res.p50_ms:5.0f} ms  "
                      f"p95 {res.p95_ms:5.0f} ms  p99 {res.p99_ms:5.0f} ms  errores {res.errors}  "
                      f"vacías {res.empty}  ({res.turns} turnos, {res.seconds} s)", flush=True)
        for bot in bots:
            report["bots"][bot.name]["rss"] = bot.sampler.stop()
    finally:
        for bot in bots:
            stop(bot.proc)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"Registros en {tmp}")

    print_report(report)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nCifras en {args.json}")
    return 0


def print_report(report: dict) -> None:
    m = report["maquina"]
    print(f"\nMáquina: {m['cpu']}, {m['cores']} núcleos, {m['mem_gib']} GiB, Python {m['python']}, "
          f"carga al empezar {m['loadavg_at_start']:.1f} ({m['date']})")
    bots = report["bots"]
    names = list(bots)
    print("\n| medida | " + " | ".join(names) + (" | asistente/stock |" if len(names) == 2 else " |"))
    print("|---|" + "---|" * (len(names) + (1 if len(names) == 2 else 0)))

    def row(label: str, values: list, ratio_text: str = "") -> None:
        print(f"| {label} | " + " | ".join(str(v) for v in values) + (f" | {ratio_text} |" if len(names) == 2 else " |"))

    for i, (users, _turns) in enumerate(report["niveles"]):
        loads = [bots[n]["carga"][i] for n in names]

        def r(key: str, loads: list[dict] = loads) -> str:
            return ratio(loads[0][key], loads[1][key]) if len(loads) == 2 else ""

        row(f"{users} usuario(s): msg/s", [x["msg_s"] for x in loads], r("msg_s"))
        row(f"{users} usuario(s): p50 / p95 / p99 ms", [f"{x['p50_ms']} / {x['p95_ms']} / {x['p99_ms']}" for x in loads],
            r("p95_ms") + " (p95)" if len(loads) == 2 else "")
        row(f"{users} usuario(s): errores / vacías", [f"{x['errors']} / {x['empty']}" for x in loads])
    first = [bots[n]["carga"][0]["p50_by_kind_ms"] for n in names]
    row(f"{report['niveles'][0][0]} usuario: p50 por tipo (ms)",
        [", ".join(f"{k} {v}" for k, v in f.items()) for f in first])
    parse = [bots[n]["parse_p50_ms"] for n in names]
    row("`/model/parse` p50 ms", parse, ratio(parse[0], parse[1]) if len(names) == 2 else "")
    cold = [bots[n]["arranque_s"] for n in names]
    row("arranque hasta la primera respuesta (s)", cold, ratio(cold[0], cold[1]) if len(names) == 2 else "")
    train = [bots[n]["entrenamiento_s"] for n in names]
    row("entrenamiento (s)", [f"{t if t is not None else '–'} ({bots[n]['entrenamiento_nota']})"
                              for t, n in zip(train, names, strict=True)],
        ratio(train[0], train[1]) if len(names) == 2 and all(train) else "")
    rss = [bots[n]["rss"] for n in names]
    row("RSS pico total (MiB)", [x["total_mib"] for x in rss],
        ratio(rss[0]["total_mib"], rss[1]["total_mib"]) if len(names) == 2 else "")
    row("RSS pico por proceso (MiB)", [", ".join(f"{k} {v}" for k, v in x["procesos_mib"].items()) for x in rss])


if __name__ == "__main__":
    sys.exit(main())

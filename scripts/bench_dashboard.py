"""Service dashboard and agents' queue under load, on PostgreSQL.

Generates, in a database of its own (dropped and recreated):
- Rasa's tracker store ``events`` table with ``--messages`` user messages (Rasa 3.6's JSON) over
  ``--days`` days, in conversations of 6 messages on 3 channels; about 8 % go to the fallback and are
  followed by «¿Quiso decir…?», written as variants of 300 inquiries;
- ``--tickets`` cases over the same days (areas, statuses, ETCs, e-mails, descriptions, ratings).

Then measures: full ingestion of the tracker store (then an incremental round), the dashboard
figures (``Dashboard.collect``, what ``GET /api/agentes/tablero`` returns) for 30 and 365 days and
with filters, and the agents' queue (``AgentDesk.queue``, what ``GET /api/agentes/casos`` returns)
with search and sorting, by offset and by cursor, and the first page of an agent of one area.
Prints a Markdown table for ``docs/benchmarks.md``.

Usage: python scripts/bench_dashboard.py [--messages 1000000] [--tickets 100000] [--days 365]
                                         [--admin-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]
                                         [--database review_bench] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

DB = "review_bench"
CHANNELS = ("socketio", "whatsapp", "telegram")
INTENTS = ("consultar_indicador", "faq", "buscar_contenido", "saludar", "agradecer", "consultar_caso",
           "comparar_indicador", "proximo_encuentro", "contactar_humano")
PLACES = ("Cali", "Pasto", "Medellín", "Cauca", "Boyacá", "Cartagena", "Montería", "Risaralda", "Nariño", "Tunja")
_VERBS = ("como hago", "donde consulto", "quien aprueba", "cuando sale", "por que no aparece", "que pasa con")
_THINGS = ("el traslado", "la nomina", "el certificado", "la matricula", "el simat", "el pae", "la evaluacion",
           "el concurso", "la homologacion", "el presupuesto")
_PLACES = ("de los docentes", "del rector", "de la sede rural", "de la secretaria", "del colegio", "de primaria")
TOPICS = [f"{v} {t} {p}" for v in _VERBS for t in _THINGS for p in _PLACES]  # 360 inquiries
STATUSES = ("nuevo", "asignado", "en_curso", "esperando_respuesta", "resuelto", "cerrado")


def _variant(rng: random.Random, base: str) -> str:
    choice = rng.random()
    if choice < 0.3:
        return base.upper()
    if choice < 0.5:
        return base + "?"
    if choice < 0.6:
        return "¿" + base.replace("como", "cómo") + "?"
    return base


def generate_tracker(url: str, messages: int, days: int, start: datetime, rng: random.Random) -> int:
    from bot.agents.review.ingest import RASA_EVENTS

    engine = create_engine(url, future=True)
    RASA_EVENTS.metadata.create_all(engine)
    span = days * 86400
    rows: list[dict] = []
    written = 0
    conversation = 0
    per_conversation = 6
    # conversations start in time order (Rasa appends events as they happen)
    starts = sorted(start.timestamp() + rng.random() * span for _ in range(messages // per_conversation + 1))
    with engine.begin() as conn:
        for i in range(messages):
            if i % per_conversation == 0:
                ts = starts[conversation]
                conversation += 1
                channel = rng.choice(CHANNELS)
            ts += 20
            sender = f"bench-{conversation}"
            if rng.random() < 0.08:
                text_, intent, conf, entities = _variant(rng, rng.choice(TOPICS)), "nlu_fallback", 0.2, []
            else:
                intent = rng.choice(INTENTS)
                conf = 0.6 + rng.random() * 0.4
                place = rng.choice(PLACES)
                text_ = f"desercion en {place} en 2022" if intent.endswith("indicador") else "mensaje entendido"
                entities = [{"entity": "lugar", "value": place, "start": 13, "end": 13 + len(place)}] \
                    if intent.endswith("indicador") else []
            parse = {"text": text_, "intent": {"name": intent, "confidence": conf}, "entities": entities}
            rows.append({"sender_id": sender, "type_name": "user", "timestamp": ts, "intent_name": intent,
                         "action_name": None, "data": json.dumps({"event": "user", "timestamp": ts, "text": text_,
                                                                  "parse_data": parse, "input_channel": channel})})
            if intent == "nlu_fallback":
                name = "action_default_ask_affirmation"
                rows.append({"sender_id": sender, "type_name": "action", "timestamp": ts + 1, "intent_name": None,
                             "action_name": name, "data": json.dumps({"event": "action", "name": name})})
                rows.append({"sender_id": sender, "type_name": "bot", "timestamp": ts + 1, "intent_name": None,
                             "action_name": None, "data": json.dumps({"event": "bot", "text": "¿Quiso decir…?"})})
            if len(rows) >= 20000:
                conn.execute(RASA_EVENTS.insert(), rows)
                written += len(rows)
                rows = []
        if rows:
            conn.execute(RASA_EVENTS.insert(), rows)
            written += len(rows)
    engine.dispose()
    return written


def generate_tickets(url: str, n: int, days: int, start: datetime, rng: random.Random) -> None:
    from bot.agents.models import TicketRating
    from bot.tickets.areas import load_areas
    from bot.tickets.codes import format_code, new_suffix
    from bot.tickets.models import Ticket

    areas = load_areas().codes
    engine = create_engine(url, future=True)
    rows, ratings = [], []
    with engine.begin() as conn:
        for i in range(1, n + 1):
            created = start + timedelta(seconds=rng.random() * days * 86400)
            status = rng.choice(STATUSES)
            rows.append({
                "id": i, "code": format_code(year=created.year, number=i, suffix=new_suffix()), "code_year": created.year,
                "code_number": i, "idempotency_key": f"bench-{i}", "status": status, "area_code": rng.choice(areas),
                "priority": rng.choice(("alta", "media", "baja")), "due_at": created + timedelta(days=14),
                "sla_business_days": 10, "needs_triage": False, "routing_confidence": 0.8, "routing_method": "modelo",
                "requester_name": f"Persona {i}", "requester_cargo": "Profesional",
                "requester_email": f"persona{i}@sed{i % 96}.gov.co", "requester_phone": None,
                "etc_code": f"{i % 96:05d}", "etc_name": f"Secretaría {i % 96}", "consent_given_at": created,
                "channel": rng.choice(CHANNELS), "conversation_id": f"bench-t{i}",
                "description": f"Consulta {i} sobre {rng.choice(TOPICS)} y la planta docente de la secretaria",
                "created_at": created, "updated_at": created,
            })
            if status in ("resuelto", "cerrado") and rng.random() < 0.5:
                ratings.append({"ticket_id": i, "score": rng.randint(1, 5), "created_at": created, "updated_at": created})
            if len(rows) >= 5000:
                conn.execute(Ticket.__table__.insert(), rows)
                rows = []
        if rows:
            conn.execute(Ticket.__table__.insert(), rows)
        for s in range(0, len(ratings), 5000):
            conn.execute(TicketRating.__table__.insert(), ratings[s:s + 5000])
    # steady state of a database in use: autovacuum has set the visibility map (index-only scans)
    # and the statistics; without this, a fresh bulk load measures the first minutes only
    admin = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    admin.dispose()
    engine.dispose()


def timed(fn, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default=DB, help=f"benchmark database, dropped and recreated (default {DB})")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on the data of a previous run (no generation, no full ingestion)")
    args = parser.parse_args(argv)

    from bot.agents.desk import AgentDesk, QueueFilters
    from bot.agents.permissions import Principal, Role
    from bot.agents.review.dashboard import Dashboard, DashboardFilters
    from bot.agents.review.ingest import TrackerIngestor
    from bot.migrate import upgrade

    if not args.database.isidentifier():
        parser.error("--database: letters, digits and _ only")
    url = args.admin_url.rsplit("/", 1)[0] + f"/{args.database}"
    if not args.reuse:
        admin = create_engine(args.admin_url, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {args.database}"))
            conn.execute(text(f"CREATE DATABASE {args.database}"))
        admin.dispose()
    upgrade(url)
    rng = random.Random(15)
    end = datetime(2026, 12, 1, tzinfo=timezone.utc)
    start = end - timedelta(days=args.days)
    results: list[tuple[str, str]] = []

    clock = lambda: end  # noqa: E731
    ingestor = TrackerIngestor(database_url=url, tracker_url=url, clock=clock, batch_size=10000)
    if not args.reuse:
        t0 = time.perf_counter()
        events = generate_tracker(url, args.messages, args.days, start, rng)
        generate_tickets(url, args.tickets, args.days, start, rng)
        print(f"Datos generados en {time.perf_counter() - t0:.0f} s: {events} eventos, {args.tickets} casos.", flush=True)
        t0 = time.perf_counter()
        report = ingestor.run()
        full = time.perf_counter() - t0
        results.append((f"ingesta completa del tracker store ({report.events:,} eventos, {report.messages:,} mensajes)",
                        f"{full:.0f} s ({report.events / full:,.0f} eventos/s)"))
    generate_tracker(url, 1000, 1, end - timedelta(days=1), rng)
    t0 = time.perf_counter()
    report = ingestor.run()
    results.append((f"ingesta incremental ({report.events:,} eventos nuevos)", f"{(time.perf_counter() - t0) * 1000:.0f} ms"))
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        counters = conn.execute(text("SELECT count(*) FROM dashboard_counts")).scalar()
        groups = conn.execute(text("SELECT count(*) FROM review_groups")).scalar()
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"Contadores: {counters} filas; grupos de revisión: {groups}.", flush=True)

    coord = Principal(id=1, email="c@x.co", name="C", role=Role.COORDINADOR, areas=frozenset())
    dashboard = Dashboard(database_url=url, clock=clock)
    today = end.date()
    cases = {
        "tablero, 30 días": DashboardFilters(since=today - timedelta(days=29), until=today),
        "tablero, 365 días": DashboardFilters(since=today - timedelta(days=364), until=today),
        "tablero, 365 días, canal + área + ETC": DashboardFilters(
            since=today - timedelta(days=364), until=today, channel="whatsapp", area="DFGT-SRH", etc="00005"),
    }
    for label, f in cases.items():
        ms, data = timed(lambda f=f: dashboard.collect(coord, f))
        results.append((f"{label} ({data['totales']['mensajes']:,} mensajes)", f"{ms:.0f} ms"))

    desk = AgentDesk(database_url=url, clock=clock)
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        some_code = conn.execute(text("SELECT code FROM tickets WHERE id = 4242")).scalar()
    engine.dispose()
    queue_cases = {
        "cola: primera página (abiertos, por urgencia)": QueueFilters(),
        "cola: página 200 (desde 10 000)": QueueFilters(offset=10_000),
        "cola: código completo": QueueFilters(code=some_code, statuses=STATUSES),
        "cola: parte del código (004242)": QueueFilters(code="004242", statuses=STATUSES),
        "cola: correo del solicitante": QueueFilters(email="persona4242@sed18.gov.co", statuses=STATUSES),
        "cola: parte del correo": QueueFilters(email="persona4242", statuses=STATUSES),
        "cola: ETC (nombre)": QueueFilters(etc="Secretaría 17", statuses=STATUSES),
        "cola: texto libre («homologacion del rector»)": QueueFilters(text="homologacion del rector", statuses=STATUSES),
        "cola: ordenada por código desc": QueueFilters(sort="codigo", descending=True),
        "cola: ordenada por vencimiento, todos los estados": QueueFilters(sort="vence", statuses=STATUSES),
    }
    # the same page reached as the console does, following the `siguiente` cursor of each page (untimed)
    after = None
    for _ in range(200):
        after = desk.queue(coord, QueueFilters(after=after)).next
    queue_cases["cola: página 200 por cursor `despues` (los mismos casos)"] = QueueFilters(after=after)
    queue_cases["cola: página 200 por cursor, sin total (`contar=false`: un cambio de página en la consola)"] = \
        QueueFilters(after=after, count=False)
    for label, f in queue_cases.items():
        ms, page = timed(lambda f=f: desk.queue(coord, f))
        results.append((f"{label} — {page.total:,} casos" if page.total is not None else label, f"{ms:.0f} ms"))
    agent = Principal(id=2, email="a@x.co", name="A", role=Role.AGENTE, areas=frozenset({"DFGT-SRH"}))
    ms, page = timed(lambda: desk.queue(agent, QueueFilters()))
    results.append((f"cola de un agente de un área (DFGT-SRH), primera página — {page.total:,} casos", f"{ms:.0f} ms"))

    print(f"\n{date.today().isoformat()} — {args.messages:,} mensajes, {args.tickets:,} casos, PostgreSQL 15 local\n")
    print("| medición | mediana (5 ejecuciones) |\n|---|---|")
    for label, value in results:
        print(f"| {label} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

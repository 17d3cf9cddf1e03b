"""Benchmark of the indicators feature: full load time and look-up latency (p50/p95).

    python scripts/bench_indicators.py [--url sqlite:////tmp/bench.db] [--n 300]

Targets: load of all files under 20 s; p95 of the look-up action under 30 ms.
The look-up is measured end to end as the Rasa action runs it (parse the text, resolve the place,
query the value); when rasa_sdk and ``actions.indicators`` are importable the action itself is timed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.indicators.definitions import INDICATORS, parse_indicator, parse_level  # noqa: E402
from bot.indicators.loader import load  # noqa: E402
from bot.indicators.parsing import parse_year  # noqa: E402
from bot.indicators.service import IndicatorService  # noqa: E402

PLACES = ["Cartagena", "medelin", "Bogota", "cauca", "Valle", "Tumaco", "armenia quindio", "Boyaca (departamento)",
          "pasto", "ETC Antioquia", "barranquiya", "Leticia", "san andres", "Cucuta", "colombia"]
QUESTIONS = ["desercion", "cobertura neta en media", "tasa de matriculacion", "repitencia en secundaria",
             "aprobacion primaria", "perdieron el año", "poblacion en edad escolar", "cobertura bruta transicion"]
YEARS = ["", " en 2019", " en 2015", " el año pasado", " en 2022"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def lookup(service: IndicatorService, text: str, place_text: str):
    ind = parse_indicator(text).key or "desercion"
    level = parse_level(text) or "total"
    if not INDICATORS[ind].has_level(level):
        level = "total"
    year = parse_year(text).year
    res = service.resolve_place(place_text)
    if res.ok:
        return service.value(res.place, ind, level, year)
    return res


def bench_action(service: IndicatorService, n: int, rng: random.Random) -> list[float] | None:
    """Time the Rasa actions of one question: action_preparar_indicador + action_responder_indicador."""
    try:
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        from actions.indicators import ActionPrepararIndicador, ActionResponderIndicador
    except ImportError:  # rasa_sdk missing
        return None
    prepare, answer = ActionPrepararIndicador(service), ActionResponderIndicador(service)
    times = []
    for _ in range(n):
        place, q, y = rng.choice(PLACES), rng.choice(QUESTIONS), rng.choice(YEARS)
        message = {"text": f"{q} en {place}{y}", "intent": {"name": "consultar_indicador", "confidence": 1.0},
                   "entities": [{"entity": "lugar", "value": place}]}
        t = time.perf_counter()
        tracker = Tracker("bench", {}, message, [], False, None, {}, "action_listen")
        events = prepare.run(CollectingDispatcher(), tracker, {})
        slots = {e["name"]: e["value"] for e in events if isinstance(e, dict) and e.get("event") == "slot"}
        answer.run(CollectingDispatcher(), Tracker("bench", slots, message, [], False, None, {}, "action_listen"), {})
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"

    report = load(url, force=True)
    print(f"carga completa: {report.seconds:.2f} s ({report.values} valores, {report.unreliable} no confiables) "
          f"[objetivo < 20 s] {'OK' if report.seconds < 20 else 'FALLA'}")

    service = IndicatorService(url, charts_dir=Path(tmp.name) / "charts", live_enabled=False)
    rng = random.Random(42)
    lookup(service, "desercion", "Cali")  # build the place index once (as the first request of a process does)
    times = []
    for _ in range(args.n):
        place, q, y = rng.choice(PLACES), rng.choice(QUESTIONS), rng.choice(YEARS)
        t = time.perf_counter()
        lookup(service, q + y, place)
        times.append((time.perf_counter() - t) * 1000)
    p50, p95 = statistics.median(times), percentile(times, 95)
    print(f"consulta (servicio): p50 {p50:.2f} ms, p95 {p95:.2f} ms, n={len(times)} [objetivo p95 < 30 ms] "
          f"{'OK' if p95 < 30 else 'FALLA'}")

    action_times = bench_action(service, args.n, rng)
    if action_times:
        a50, a95 = statistics.median(action_times), percentile(action_times, 95)
        print(f"consulta (acción Rasa): p50 {a50:.2f} ms, p95 {a95:.2f} ms, n={len(action_times)} "
              f"[objetivo p95 < 30 ms] {'OK' if a95 < 30 else 'FALLA'}")

    other = []
    for _ in range(50):
        t = time.perf_counter()
        service.ranking(rng.choice(["desercion", "repitencia", "cobertura_neta"]), scope=rng.choice(["departamentos", "etc"]))
        service.compare(["mun:76001", "mun:05001", "dep:11"], rng.choice(["desercion", "aprobacion"]), chart=False)
        other.append((time.perf_counter() - t) * 1000)
    print(f"ranking + comparación: p50 {statistics.median(other):.2f} ms, p95 {percentile(other, 95):.2f} ms")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

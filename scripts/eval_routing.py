"""Top-1 accuracy of the routing classifier (bot/tickets/routing) on an evaluation set of inquiries.

Usage: python scripts/eval_routing.py [--set frozen|validation|PATH] [--min-confidence X] [--show-failures]
                                      [--fail-under 0.8]

Sets (``inquiries: [{text, area}]``): ``frozen`` = tests/eval/frozen/routing.yml (default; aggregate
figures only), ``validation`` = tests/eval/validation/routing.yml (``--show-failures`` lists the
misrouted inquiries), or a path such as tests/routing_holdout.yml.

Prints the accuracy of the best area (before the confidence threshold) and of the routed area (after
it: low-confidence inquiries go to the default area for triage), the share sent to the default area
and to triage, and the recall per area.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_support import ROOT, default_area, is_frozen, pct, refuse_details_on_frozen, resolve_set  # noqa: E402

sys.path.insert(0, str(ROOT))

from bot.tickets.routing import build_router  # noqa: E402
from bot.tickets.routing.data import load_holdout  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", "--holdout", dest="set", default="frozen",
                        help="frozen (por defecto), validation o la ruta de un archivo {inquiries: [{text, area}]}")
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument("--show-failures", "--verbose", dest="show_failures", action="store_true",
                        help="lista las consultas mal enrutadas (no con el conjunto congelado)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="sale con 1 si la exactitud del área asignada es menor (0-1)")
    args = parser.parse_args(argv)
    path = resolve_set(args.set, "routing")
    if not path.exists():
        sys.exit(f"No existe el conjunto {path}")
    if args.show_failures:
        refuse_details_on_frozen(path, "--show-failures")

    if args.min_confidence is None:
        from bot.settings import get_settings

        args.min_confidence = get_settings().routing_min_confidence
    started = time.perf_counter()
    router = build_router(min_confidence=args.min_confidence)
    trained = time.perf_counter() - started
    items = load_holdout(path)
    fallback_area = default_area()

    best_ok = routed_ok = triage = to_default = 0
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    misses: list[str] = []
    started = time.perf_counter()
    for item in items:
        decision = router.route(item.text)
        totals[item.area] += 1
        best_ok += decision.predicted_area == item.area
        routed_ok += decision.area_code == item.area
        hits[item.area] += decision.area_code == item.area
        triage += decision.needs_triage
        to_default += decision.area_code == fallback_area
        if decision.area_code != item.area:
            misses.append(
                f"  {item.area:<10} -> {decision.area_code:<10} (mejor {decision.predicted_area}, "
                f"conf {decision.confidence:.2f}) {item.text[:110]}"
            )
    elapsed = time.perf_counter() - started
    n = len(items)
    if not n:
        sys.exit(f"El conjunto {path} no tiene consultas")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Enrutamiento: {shown} — {n} consultas, {len(totals)} áreas; umbral {args.min_confidence:.2f}"
          f"{' (congelado: solo cifras agregadas)' if is_frozen(path) else ''}")
    print(f"  entrenamiento {trained:.1f} s; clasificación {1000 * elapsed / n:.1f} ms por consulta")
    print(f"  top-1 (mejor área, antes del umbral): {best_ok}/{n} = {pct(best_ok, n)}")
    print(f"  área asignada (con umbral):           {routed_ok}/{n} = {pct(routed_ok, n)}")
    print(f"  enviadas al área por defecto ({fallback_area}): {to_default}/{n} = {pct(to_default, n)}"
          f"   de ellas por baja confianza (triaje): {triage}/{n} = {pct(triage, n)}")
    print("  exhaustividad por área (área asignada):")
    for area in sorted(totals):
        print(f"    {area:<10} {hits[area]:>3}/{totals[area]:<3} {pct(hits[area], totals[area])}")
    if args.show_failures and misses:
        print("  consultas mal enrutadas (esperada -> asignada):")
        print("\n".join(misses))
    return 0 if routed_ok / n >= args.fail_under else 1


if __name__ == "__main__":
    sys.exit(main())

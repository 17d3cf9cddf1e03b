"""Top-1 routing accuracy on the held-out set (tests/routing_holdout.yml).

Usage: python scripts/eval_routing.py [--holdout PATH] [--min-confidence X] [--verbose]

Prints two figures: the accuracy of the best area (before the confidence threshold) and the
accuracy of the routed area (after it: low-confidence inquiries go to the default area for triage),
then the errors per area.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.tickets.routing import build_router  # noqa: E402
from bot.tickets.routing.data import HOLDOUT_FILE, load_holdout  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=Path, default=HOLDOUT_FILE)
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument("--verbose", action="store_true", help="list every misrouted inquiry")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 if routed accuracy is lower (0-1)")
    args = parser.parse_args(argv)

    if args.min_confidence is None:
        from bot.settings import get_settings

        args.min_confidence = get_settings().routing_min_confidence
    started = time.perf_counter()
    router = build_router(min_confidence=args.min_confidence)
    trained = time.perf_counter() - started
    items = load_holdout(args.holdout)

    best_ok = routed_ok = triage = 0
    errors: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    misses: list[str] = []
    for item in items:
        decision = router.route(item.text)
        totals[item.area] += 1
        best_ok += decision.predicted_area == item.area
        routed_ok += decision.area_code == item.area
        triage += decision.needs_triage
        if decision.area_code != item.area:
            errors[item.area] += 1
            misses.append(
                f"  {item.area:<10} -> {decision.area_code:<10} (mejor {decision.predicted_area}, "
                f"conf {decision.confidence:.2f}) {item.text[:90]}"
            )
    n = len(items)
    print(f"Conjunto: {args.holdout} ({n} consultas, {len(totals)} áreas); umbral {args.min_confidence:.2f}")
    print(f"Entrenamiento: {trained:.1f} s")
    print(f"Top-1 (mejor área):        {best_ok}/{n} = {100 * best_ok / n:.1f} %")
    print(f"Área asignada (con umbral): {routed_ok}/{n} = {100 * routed_ok / n:.1f} %")
    print(f"Enviadas a triage:          {triage}/{n} = {100 * triage / n:.1f} %")
    print("Errores por área (área asignada):")
    for area in sorted(totals):
        print(f"  {area:<10} {errors[area]}/{totals[area]}")
    if args.verbose and misses:
        print("Consultas mal enrutadas:")
        print("\n".join(misses))
    return 0 if routed_ok / n >= args.fail_under else 1


if __name__ == "__main__":
    sys.exit(main())

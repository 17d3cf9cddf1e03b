"""Command of the peers.

    python -m bot pares "Soacha" [--indicador desercion] [--nivel total] [--desde 2017 --hasta 2021]
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    peers = subparsers.add_parser("pares", help="Secretarías parecidas que mejoraron un indicador")
    peers.add_argument("etc", help="nombre de la secretaría / ETC")
    peers.add_argument("--indicador", default="desercion")
    peers.add_argument("--nivel", default="total")
    peers.add_argument("--desde", type=int, help="año base")
    peers.add_argument("--hasta", type=int, help="año final")
    peers.set_defaults(func=_cmd_peers)


def _cmd_peers(args: argparse.Namespace) -> int:
    from bot.formatting import format_number
    from bot.peers.finder import PeerFinder
    from bot.services import get_services

    finder = PeerFinder(database_url=get_services().settings.database_url)
    etc = finder.resolve(args.etc)
    result = finder.find(etc, indicator=args.indicador, level=args.nivel, base_year=args.desde, end_year=args.hasta)
    print(f"Estado: {result.status}")
    if etc:
        print(f"ETC: {etc.name} ({etc.kind}, {etc.department_name}, {etc.region or 'sin región'})")
    crit = result.criteria
    if crit:
        if result.requested_period:
            a, b = result.requested_period
            print(
                f"Entre {a} y {b} ninguna de las {result.requested_candidates} parecidas mejoró; se muestra otro periodo."
            )
        print(f"Periodo: {crit.base_year}–{crit.end_year}; {result.indicator_name} ({result.level})")
        print(
            f"Su ETC: {format_number(result.user_base)} → {format_number(result.user_end)} "
            f"(mejora {format_number(result.user_improvement)})"
        )
        print(
            f"Criterios: población 5–16 en {crit.base_year} entre {format_number(crit.population_min, 0)} y "
            f"{format_number(crit.population_max, 0)}; valor inicial entre {format_number(crit.baseline_min)} y "
            f"{format_number(crit.baseline_max)}; región: {crit.region or 'cualquiera'}; relajados: {crit.relaxed or '-'}"
        )
        print(f"Parecidas con datos: {result.candidates}; mejoraron: {result.improved}")
    for p in result.peers:
        print(
            f"  - {p.etc.name} ({p.etc.department_name}): {format_number(p.base_value)} → "
            f"{format_number(p.end_value)} (mejora {format_number(p.improvement)} puntos)"
        )
    print(f"Fuente: {result.source}")
    return 0

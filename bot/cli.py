"""Project command line: ``python -m bot <command>``.

Each feature package contributes its commands through a ``cli`` module exposing
``register(subparsers)``; each registered sub-command sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import sys

from bot import prepare, privacy_cli
from bot.agents import cli as agents_cli
from bot.agents.review import cli as review_cli
from bot.catalog import cli as catalog_cli
from bot.delivery import worker as delivery_worker
from bot.encuentros import cli as encuentros_cli
from bot.indicators import cli as indicators_cli
from bot.peers import cli as peers_cli
from bot.tickets import cli as tickets_cli

FEATURE_CLIS = (
    prepare, indicators_cli, tickets_cli, agents_cli, catalog_cli, encuentros_cli, peers_cli, privacy_cli,
    delivery_worker, review_cli,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Asistente de la Escuela de Secretarías")
    subparsers = parser.add_subparsers(dest="command", metavar="COMANDO")
    for module in FEATURE_CLIS:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

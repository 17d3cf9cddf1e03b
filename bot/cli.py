"""Project command line: ``python -m bot <command>``.

Each feature package contributes its commands through a ``cli`` module exposing
``register(subparsers)``; each registered sub-command sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

FEATURE_CLI_MODULES = (
    "bot.prepare",
    "bot.indicators.cli",
    "bot.tickets.cli",
    "bot.agents.cli",
    "bot.catalog.cli",
    "bot.agents.review.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Asistente de la Escuela de Secretarías")
    subparsers = parser.add_subparsers(dest="command", metavar="COMANDO")
    for name in FEATURE_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature not built yet
            if exc.name and name.startswith(exc.name):
                continue
            raise
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

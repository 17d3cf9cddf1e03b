"""Database migrations (Alembic), programmatically: ``upgrade(url)`` = ``alembic upgrade heads``.

Every feature keeps its Alembic revisions on its own branch, so the target is ``heads``.
``python -m bot.migrate`` migrates the database of the settings (``DATABASE_URL``).
"""

from __future__ import annotations

import sys

from bot.settings import PROJECT_ROOT

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url  # not set_main_option: '%' in passwords would break interpolation
    config.attributes["skip_logging"] = True
    return config


def upgrade(url: str | None = None, target: str = "heads") -> None:
    """Bring the database at ``url`` (default: settings.database_url) to ``target``."""
    from alembic import command

    if url is None:
        from bot.services import get_services

        url = get_services().settings.database_url
    if url.startswith("sqlite"):
        from bot.db import get_engine

        get_engine(url)  # creates the parent folder of the SQLite file
    command.upgrade(alembic_config(url), target)


def main(argv: list[str] | None = None) -> int:
    upgrade()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

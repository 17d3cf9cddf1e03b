"""``python -m webapp [--host H] [--port P]``: serve the web app with uvicorn."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from bot.services import get_services
from webapp.app import create_app


def main(argv: list[str] | None = None) -> int:
    settings = get_services().settings
    parser = argparse.ArgumentParser(prog="python -m webapp", description="Servidor web del asistente")
    parser.add_argument("--host", default=settings.web_host, help="dirección (WEB_HOST)")
    parser.add_argument("--port", type=int, default=settings.web_port, help="puerto (WEB_PORT)")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=True,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

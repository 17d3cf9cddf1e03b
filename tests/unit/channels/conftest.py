"""Fixtures of the channel tests: no internet, a fake Graph/Telegram API, Rasa channels on a real Sanic server.

Every server listens on 127.0.0.1; any attempt to resolve or reach another host fails the test.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channel_support import FakeApi, RasaChannelServer


def _is_loopback(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse DNS look-ups and connections to anything but the loopback interface."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise OSError(f"test tried to resolve {host!r}: no internet in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise OSError(f"test tried to connect to {address!r}: no internet in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
async def rasa_server() -> AsyncIterator[Callable[..., Any]]:
    """``await rasa_server([channel], agent)`` -> base URL of a Sanic app with Rasa's channel routes."""
    servers: list[RasaChannelServer] = []

    async def start(channels: list[Any], agent: Any) -> str:
        server = RasaChannelServer(channels, agent)
        servers.append(server)
        return await server.start()

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    from bot.migrate import upgrade

    path = tmp_path_factory.mktemp("channels-template") / "app.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(autouse=True)
def app_database(tmp_path, migrated_template, monkeypatch: pytest.MonkeyPatch) -> str:
    """The channels store incoming messages and delivery states in the app database: a fresh migrated
    SQLite file per test; no action server health check (``ACTION_SERVER_HEALTH_URL=off``)."""
    import shutil

    from bot.settings import get_settings

    path = tmp_path / "app.db"
    shutil.copy(migrated_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ACTION_SERVER_HEALTH_URL", "off")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()

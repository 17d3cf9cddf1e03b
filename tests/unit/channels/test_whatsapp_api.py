"""WhatsApp Cloud API helpers: signature, parsing, WhatsApp limits, Graph client retries, dedupe."""

from __future__ import annotations

import json

import pytest

from channels.dedupe import MemoryDeduper, RedisDeduper
from channels.whatsapp_api import (
    GraphClient,
    GraphConfig,
    ReplyIds,
    WhatsAppSendError,
    buttons_payloads,
    parse_webhook,
    sign,
    split_text,
    text_payloads,
    verify_signature,
)

SECRET = "app-secret-for-tests"


def notification(*messages: dict, phone_number_id: str = "PNID") -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": phone_number_id},
        "messages": list(messages),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"entry": []}'
    header = sign(SECRET, body)
    assert verify_signature(SECRET, body, header)
    assert not verify_signature(SECRET, body + b" ", header)
    assert not verify_signature("other-secret", body, header)
    assert not verify_signature(SECRET, body, None)
    assert not verify_signature(SECRET, body, header.replace("sha256=", "sha1="))
    assert not verify_signature("", body, sign("", body))


def test_parse_text_buttons_lists_and_unsupported() -> None:
    ids = ReplyIds()
    long_payload = '/consultar_indicador{"indicador": "' + "x" * 300 + '"}'
    hashed = ids.id_for(long_payload, 200)
    payload = notification(
        {"from": "573001112233", "id": "wamid.1", "type": "text", "text": {"body": "hola"}},
        {
            "from": "573001112233",
            "id": "wamid.2",
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "/afirmar", "title": "Sí"}},
        },
        {
            "from": "573001112233",
            "id": "wamid.3",
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": hashed, "title": "Cobertura"}},
        },
        {"from": "573001112233", "id": "wamid.4", "type": "button", "button": {"payload": "/negar", "text": "No"}},
        {"from": "573001112233", "id": "wamid.5", "type": "audio", "audio": {"id": "media"}},
        {"id": "wamid.6", "type": "text", "text": {"body": "sin remitente"}},
    )
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [{"id": "wamid.OUT", "status": "read"}]
    parsed = parse_webhook(payload, "PNID", ids)
    assert [(m.message_id, m.kind, m.text) for m in parsed] == [
        ("wamid.1", "text", "hola"),
        ("wamid.2", "button_reply", "/afirmar"),
        ("wamid.3", "list_reply", long_payload),
        ("wamid.4", "button", "/negar"),
        ("wamid.5", "unsupported", None),
    ]
    assert all(m.sender == "573001112233" for m in parsed)


def test_messages_for_another_number_and_junk_are_ignored() -> None:
    ids = ReplyIds()
    other = notification({"from": "57", "id": "w", "type": "text", "text": {"body": "hola"}}, phone_number_id="OTHER")
    assert parse_webhook(other, "PNID", ids) == []
    assert parse_webhook({"entry": "nope"}, "PNID", ids) == []
    assert parse_webhook(["not", "a", "dict"], "PNID", ids) == []


def test_forgotten_long_reply_id_falls_back_to_the_title() -> None:
    ids = ReplyIds(ttl_seconds=0)
    hashed = ids.id_for("/x" + "y" * 300, 200)
    assert hashed.startswith("wa:") and len(hashed) <= 200
    assert ids.payload_for(hashed, "Cobertura neta") == "Cobertura neta"
    assert ids.payload_for("/saludar", "Hola") == "/saludar"


def test_split_text_respects_the_limit_and_word_boundaries() -> None:
    words = " ".join(f"palabra{i}" for i in range(2000))
    parts = split_text(words, 4096)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == words
    assert split_text("a" * 5000, 4096) == ["a" * 4096, "a" * 904]
    assert split_text("corto") == ["corto"]
    payloads = text_payloads("57", "uno\n\n" + "b " * 3000)
    assert [len(p["text"]["body"]) <= 4096 for p in payloads] == [True, True]


def _buttons(n: int, title: str = "Opción") -> list[dict]:
    return [{"title": f"{title} {i}", "payload": f'/opcion{{"n": {i}}}'} for i in range(n)]


def test_three_short_buttons_are_reply_buttons() -> None:
    [payload] = buttons_payloads("57", "¿Qué desea?", _buttons(3), ReplyIds())
    interactive = payload["interactive"]
    assert payload["to"] == "57" and interactive["type"] == "button"
    assert interactive["body"] == {"text": "¿Qué desea?"}
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": '/opcion{"n": 0}', "title": "Opción 0"},
        {"id": '/opcion{"n": 1}', "title": "Opción 1"},
        {"id": '/opcion{"n": 2}', "title": "Opción 2"},
    ]


def test_four_buttons_or_long_titles_become_a_list() -> None:
    [four] = buttons_payloads("57", "Elija", _buttons(4), ReplyIds(), list_button_label="Ver opciones")
    assert four["interactive"]["type"] == "list"
    assert four["interactive"]["action"]["button"] == "Ver opciones"
    assert len(four["interactive"]["action"]["sections"][0]["rows"]) == 4

    long_title = "Tasa de cobertura neta en educación media"
    [listed] = buttons_payloads("57", "Elija", [{"title": long_title, "payload": "/a"}], ReplyIds())
    [row] = listed["interactive"]["action"]["sections"][0]["rows"]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == long_title


def test_more_than_ten_options_are_spread_over_lists_within_limits() -> None:
    payloads = buttons_payloads("57", "Elija", _buttons(23, title="Departamento número"), ReplyIds())
    rows = [p["interactive"]["action"]["sections"][0]["rows"] for p in payloads]
    assert [len(r) for r in rows] == [10, 10, 3]
    assert all(len(row["title"]) <= 24 and len(row["id"]) <= 200 for r in rows for row in r)
    assert payloads[0]["interactive"]["body"]["text"] == "Elija"


def test_long_body_goes_first_as_text_then_the_buttons() -> None:
    text = ("Frase larga del asistente. " * 60).strip()
    payloads = buttons_payloads("57", text, _buttons(2), ReplyIds())
    assert [p["type"] for p in payloads[:-1]] == ["text"] * (len(payloads) - 1)
    assert payloads[-1]["type"] == "interactive"
    assert len(payloads[-1]["interactive"]["body"]["text"]) <= 1024
    sent = " ".join([p["text"]["body"] for p in payloads[:-1]] + [payloads[-1]["interactive"]["body"]["text"]])
    assert sent == text


def test_duplicate_titles_use_a_list_so_replies_stay_distinct() -> None:
    [payload] = buttons_payloads(
        "57", "Elija", [{"title": "Ver", "payload": "/a"}, {"title": "Ver", "payload": "/b"}], ReplyIds()
    )
    assert payload["interactive"]["type"] == "list"


# ---------------------------------------------------------------- Graph client


def _client(fake_api, **kwargs) -> tuple[GraphClient, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    config = GraphConfig(
        access_token="TOKEN", phone_number_id="PNID", base_url=fake_api.url, api_version="v99.0", **kwargs
    )
    return GraphClient(config, sleep=sleep), slept


async def test_graph_client_posts_with_token_to_the_configured_url(fake_api) -> None:
    client, _ = _client(fake_api)
    result = await client.send({"messaging_product": "whatsapp", "to": "57", "type": "text", "text": {"body": "hola"}})
    await client.close()
    assert result == {"messages": [{"id": "wamid.OUT"}]}
    [request] = fake_api.requests
    assert request.path == "/v99.0/PNID/messages"
    assert request.headers["Authorization"] == "Bearer TOKEN"
    assert request.json()["text"] == {"body": "hola"}


async def test_graph_client_retries_429_and_5xx_with_backoff(fake_api) -> None:
    fake_api.responses.extend(
        [
            (429, {"error": {"code": 130429}}, {"Retry-After": "2"}),
            (503, {}, {}),
            (200, {"messages": [{"id": "ok"}]}, {}),
        ]
    )
    client, slept = _client(fake_api, backoff=0.1, max_retries=3)
    assert await client.send({"type": "text"}) == {"messages": [{"id": "ok"}]}
    await client.close()
    assert len(fake_api.requests) == 3
    assert slept[0] == 2.0  # Retry-After honoured
    assert 0.2 <= slept[1] <= 0.3  # exponential: 0.1 * 2**1 + jitter


async def test_graph_client_gives_up_after_max_retries(fake_api) -> None:
    fake_api.default = (500, {"error": {"code": 1}}, {})
    client, slept = _client(fake_api, backoff=0.01, max_retries=2)
    with pytest.raises(WhatsAppSendError):
        await client.send({"type": "text"})
    await client.close()
    assert len(fake_api.requests) == 3 and len(slept) == 2


async def test_graph_client_does_not_retry_a_client_error(fake_api, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.default = (400, {"error": {"code": 131030, "message": "Recipient not in allowed list"}}, {})
    client, slept = _client(fake_api)
    with pytest.raises(WhatsAppSendError) as info:
        await client.send({"type": "text"})
    await client.close()
    assert info.value.status == 400 and info.value.code == 131030
    assert len(fake_api.requests) == 1 and slept == []
    assert "TOKEN" not in caplog.text


async def test_graph_client_retries_when_the_server_is_down() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    config = GraphConfig(
        access_token="T", phone_number_id="P", base_url="http://127.0.0.1:9", max_retries=1, backoff=0.01
    )
    client = GraphClient(config, sleep=sleep)
    with pytest.raises(WhatsAppSendError):
        await client.send({"type": "text"})
    await client.close()
    assert len(slept) == 1


# ---------------------------------------------------------------- dedupe


async def test_memory_dedupe_remembers_for_the_ttl_and_stays_bounded() -> None:
    now = [1000.0]
    dedupe = MemoryDeduper(ttl_seconds=60, max_entries=3, clock=lambda: now[0])
    assert await dedupe.first_time("a")
    assert not await dedupe.first_time("a")
    now[0] += 61
    assert await dedupe.first_time("a")  # expired: a new delivery
    for key in "bcde":
        assert await dedupe.first_time(key)
    assert len(dedupe) == 3
    assert await dedupe.first_time("a")  # dropped when the memory was full


@pytest.mark.redis
async def test_redis_dedupe_is_shared_between_replicas() -> None:
    redis = pytest.importorskip("redis.asyncio")
    probe = redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception:
        pytest.skip("Redis not running on 127.0.0.1:6379")
    prefix = f"test:whatsapp:{json.dumps(id(probe))}:"
    replica_a = RedisDeduper("redis://127.0.0.1:6379/15", ttl_seconds=30, prefix=prefix)
    replica_b = RedisDeduper("redis://127.0.0.1:6379/15", ttl_seconds=30, prefix=prefix)
    try:
        assert await replica_a.first_time("wamid.X")
        assert not await replica_b.first_time("wamid.X")
        assert 0 < await probe.ttl(prefix + "wamid.X") <= 30
    finally:
        await probe.delete(prefix + "wamid.X")
        await probe.close()
        await replica_a.close()
        await replica_b.close()


async def test_redis_dedupe_falls_back_to_memory_when_redis_is_down() -> None:
    dedupe = RedisDeduper("redis://127.0.0.1:9/0", ttl_seconds=30)
    assert await dedupe.first_time("wamid.Y")
    assert not await dedupe.first_time("wamid.Y")
    await dedupe.close()


def test_the_channel_tests_cannot_reach_the_internet() -> None:
    import socket

    with pytest.raises(OSError, match="no internet"):
        socket.getaddrinfo("graph.facebook.com", 443)
    with pytest.raises(OSError, match="no internet"):
        socket.create_connection(("149.154.167.220", 443), timeout=1)

"""Personal data never reach the logs: the masking filter and SQLAlchemy without bound values."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.logsafe import MaskingFilter, install, mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("mensaje de wa:573001112233 recibido", "mensaje de wa:*** recibido"),
        ("sender tg:987654321", "sender tg:***"),
        ("sesión web:AbC_123-xyz.SIGNATURE", "sesión web:***"),
        ("correo marta.perez@example.org", "correo ***@example.org"),
        ("tel +57 300 123 4567 o 3001234567", "tel ***67 o ***67"),
        ("caso MEN-2026-000123-K7QX del 2026-03-02 10:00", "caso MEN-2026-000123-K7QX del 2026-03-02 10:00"),
        ("cobertura 91,3 % en 2022 (id 42)", "cobertura 91,3 % en 2022 (id 42)"),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert mask(raw) == masked


def test_filter_masks_message_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("prueba.logsafe")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="prueba.logsafe"):
        logger.info("Mensaje de %s (%s)", "wa:573001112233", "ana@example.org")
        try:
            raise ValueError("correo inválido: ana@example.org")
        except ValueError:
            logger.exception("Fallo con %s", "tg:42424242")
    text = caplog.text
    assert "573001112233" not in text and "ana@example.org" not in text and "42424242" not in text
    assert "wa:***" in text and "***@example.org" in text and "ValueError" in text


def test_arguments_keep_their_shape_for_formatters_that_read_them() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:43404", "GET", "/?correo=ana@example.org", "1.1", 200), None)
    MaskingFilter().filter(record)
    assert len(record.args) == 5 and record.args[4] == 200  # uvicorn's access formatter unpacks five
    assert record.getMessage() == '127.0.0.1:43404 - "GET /?correo=***@example.org HTTP/1.1" 200'
    odd = logging.LogRecord("x", logging.INFO, __file__, 1, "chat %d", (987654321,), None)
    MaskingFilter().filter(odd)
    assert "987654321" not in odd.getMessage()


def test_install_masks_records_of_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install()
    install()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message from %s", "wa:573009998877")
        logging.getLogger("uvicorn.error").warning("login de beto@mineducacion.gov.co")
    assert "573009998877" not in caplog.text and "beto@" not in caplog.text


def test_sqlalchemy_errors_do_not_carry_bound_values(tmp_path) -> None:
    from bot.db import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (email TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (:e)"), {"e": "marta.perez@example.org"})
    with pytest.raises(Exception) as exc, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:e)"), {"e": "marta.perez@example.org"})
    assert "marta.perez@example.org" not in str(exc.value)
    assert "hidden due to hide_parameters" in str(exc.value)


def test_engines_of_other_libraries_hide_bound_values_once_installed(tmp_path) -> None:
    from sqlalchemy import create_engine

    install()
    engine = create_engine(f"sqlite:///{tmp_path / 'rasa.db'}", future=True)  # as Rasa's tracker store does
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (data TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO events VALUES (:d)"), {"d": "mi correo es ana@example.org"})
    with pytest.raises(Exception) as exc, engine.begin() as conn:
        conn.execute(text("INSERT INTO events VALUES (:d)"), {"d": "mi correo es ana@example.org"})
    assert "ana@example.org" not in str(exc.value)

"""Personal data never reach the logs: e-mails, phone numbers and sender ids are masked.

:func:`mask` replaces, in any text, e-mail addresses (``***@dominio``), phone-like digit runs
(7 or more digits, with ``+``, spaces or dashes: ``***4567``) and channel sender ids
(``wa:``/``tg:``/``web:``/``rest:`` followed by the id: ``wa:***``).

:class:`MaskingFilter` applies it to every record (message and arguments) it sees; :func:`install`
puts it on the root logger's handlers and, through the log-record factory, on every record created
in the process (so records of libraries' loggers with their own handlers are masked too). It is
installed by the web app, the Rasa channels and the action server (see ``config/logging.yml``), and
also makes every SQLAlchemy engine of the process hide bound values (Rasa's tracker store included).
"""

from __future__ import annotations

import logging
import re
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_SENDER = re.compile(r"\b(wa|tg|web|rest):[^\s'\",;)\]}]+")
_PHONE = re.compile(r"(?<![\w.\-/:])\+?\d(?:[ \-]?\d){6,}(?![\w.]|-\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?")


def mask(text: str) -> str:
    """``text`` with e-mails, phone numbers and sender ids masked."""
    if not text:
        return text
    text = _SENDER.sub(lambda m: f"{m.group(1)}:***", text)
    text = _EMAIL.sub(lambda m: f"***@{m.group(1)}", text)
    return _PHONE.sub(_phone, text)


def _phone(match: re.Match) -> str:
    found = match.group(0)
    if _DATE.fullmatch(found):
        return found
    return "***" + re.sub(r"\D", "", found)[-2:]


def _mask_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**6 else mask(str(value))
    return mask(str(value))


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record in place; keeps ``msg``/``args`` apart (formatters such as uvicorn's read ``args``)."""
    if getattr(record, "_pd_masked", False):
        return record
    try:
        args = record.args
        if isinstance(args, tuple):
            args = tuple(_mask_arg(a) for a in args)
        elif isinstance(args, dict):
            args = {k: _mask_arg(v) for k, v in args.items()}
        msg = mask(record.msg) if isinstance(record.msg, str) else mask(str(record.msg))
        if args:
            msg % args  # noqa: B018  (the masked arguments must still fit the format)
        record.msg, record.args = msg, args
    except Exception:  # a masked argument no longer fits (e.g. %d): mask the whole message instead
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = mask(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.exc_text:
        record.exc_info = None
    record._pd_masked = True
    return record


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in the record (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_installed = False


def install() -> None:
    """Mask every log record of this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())
    _hide_sql_parameters_everywhere()


def _hide_sql_parameters_everywhere() -> None:
    """Engines made by libraries (Rasa's SQL tracker store) never show bound values either."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def hide(connection, *_args) -> None:
        connection.engine.hide_parameters = True

    if not event.contains(Engine, "engine_connect", hide):
        event.listen(Engine, "engine_connect", hide)


def installed_filter() -> MaskingFilter:
    """Filter factory for ``logging.config.dictConfig`` (``config/logging.yml``): installs the masking
    for the whole process (Rasa and the action server load that file with ``--logging-config-file``)."""
    install()
    return MaskingFilter()

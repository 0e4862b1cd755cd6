"""Structured logs: one JSON object per line on stderr (or plain text for a person at a terminal).

SHIPSHAPE_LOG_FORMAT  json | text | auto (the default: text when stderr is a terminal, JSON otherwise,
                      so systemd's journal, a container runtime or a log shipper get JSON lines)
SHIPSHAPE_LOG_LEVEL   debug | info (default) | warning | error
SHIPSHAPE_ACCESS_LOG  1 (default) | 0: one `shipshape.access` line per request

Every line carries `ts` (UTC, ISO 8601 with milliseconds), `level`, `logger`, `msg`, and the event's
own fields, passed as `extra={"fields": {...}}` (see `event`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import Any

FORMAT_ENV = "SHIPSHAPE_LOG_FORMAT"
LEVEL_ENV = "SHIPSHAPE_LOG_LEVEL"
ACCESS_ENV = "SHIPSHAPE_ACCESS_LOG"
_FORMATS = ("json", "text", "auto")
_LEVELS = ("debug", "info", "warning", "error")
# Marks the handler this module installs, so configuring twice (the CLI, then the app factory in the
# same process) replaces it instead of doubling every line.
_MARK = "_shipshape_handler"


class JsonFormatter(logging.Formatter):
    """`{"ts": …, "level": …, "logger": …, "msg": …, <fields>…}` on one line; a traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`12:00:01.234 WARNING shipshape.sync  op rejected  device_id=… seq=…` for a person reading along."""

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        line = f"{when} {record.levelname:<7} {record.name}  {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields:
            line += "  " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class LogSettingError(ValueError):
    """A SHIPSHAPE_LOG_* variable holds a value this module does not know."""


def log_format() -> str:
    chosen = os.environ.get(FORMAT_ENV, "auto").strip().lower() or "auto"
    if chosen not in _FORMATS:
        raise LogSettingError(f"{FORMAT_ENV}={chosen!r}: use json, text or auto")
    if chosen == "auto":
        return "text" if sys.stderr.isatty() else "json"
    return chosen


def log_level() -> int:
    chosen = os.environ.get(LEVEL_ENV, "info").strip().lower() or "info"
    if chosen not in _LEVELS:
        raise LogSettingError(f"{LEVEL_ENV}={chosen!r}: use debug, info, warning or error")
    return getattr(logging, chosen.upper())


def access_log_enabled() -> bool:
    return os.environ.get(ACCESS_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def check_settings() -> None:
    """Raise LogSettingError for a bad SHIPSHAPE_LOG_* value (`serve` stops on it before starting)."""
    log_format()
    log_level()


def configure_logging() -> None:
    """Send every logger's records to stderr in the chosen format (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format() == "json" else TextFormatter())
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(log_level())
    # uvicorn's own loggers: its errors and start-up warnings through the same handler, no second
    # access log (ours has the route template and the duration).
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(max(log_level(), logging.WARNING))
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every outgoing request (the stock feed's webhooks) at INFO: only its warnings.
    logging.getLogger("httpx").setLevel(max(log_level(), logging.WARNING))


def event(logger: logging.Logger, level: int, msg: str, **fields: Any) -> None:
    """Log `msg` with structured fields (they become top-level keys of the JSON line)."""
    if logger.isEnabledFor(level):
        logger.log(level, msg, extra={"fields": fields})

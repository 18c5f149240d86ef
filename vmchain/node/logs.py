"""The node's logs: plain text (default) or one JSON object a line, with structured fields.

`configure(level, fmt)` installs one stderr handler on the root logger. Code that has a block
height, a tx id or a timing passes them as fields, `log.info("sealed block %d", h,
extra=fields(height=h, txs=3))`; the text format appends them as `key=value`, the JSON format as
keys of the line:

    {"ts": "2026-11-26T23:01:02.345Z", "level": "INFO", "logger": "vmchain.node.runtime",
     "msg": "sealed block 12", "height": 12, "txs": 3, "gas_used": 63000, "seal_ms": 1.8}

Private keys and passphrases are never handed to a logger anywhere in the node (tests/ops/
test_logs.py greps a real node's stderr for them); there is no redaction pass to rely on.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

FIELDS_ATTR = "vmchain_fields"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def fields(**values: Any) -> dict[str, Any]:
    """The `extra=` argument carrying structured fields (height, tx_id, txs, ...)."""
    return {FIELDS_ATTR: values}


def _fields_of(record: logging.LogRecord) -> Mapping[str, Any]:
    found = getattr(record, FIELDS_ATTR, None)
    return found if isinstance(found, Mapping) else {}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{key}={value}" for key, value in _fields_of(record).items())
        if not extra:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} {extra}{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ms), level, logger, msg, the fields, error."""

    def format(self, record: logging.LogRecord) -> str:
        whole, ms = divmod(int(record.created * 1000), 1000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        line: dict[str, Any] = {
            "ts": f"{stamp}.{ms:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _fields_of(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


FORMATTERS: dict[str, type[logging.Formatter]] = {"text": TextFormatter, "json": JsonFormatter}
HANDLER_NAME = "vmchain"


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record is emitted (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every log record at `level` or above to `stream` (default: stderr) in format `fmt`.

    Installs one named handler on the root logger, replacing the one a previous call installed
    and leaving other handlers alone."""
    if fmt not in FORMATTERS:
        raise ValueError(f"log format {fmt!r} unknown; expected one of {', '.join(FORMATS)}")
    handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(FORMATTERS[fmt]())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)

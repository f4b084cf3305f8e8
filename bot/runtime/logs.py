"""Logging setup for every entry point: readable text on a terminal, or JSON lines.

``json`` writes one object per line (time, level, logger, message and the structured
fields a request or job line carries), for a log pipeline. Either way a filter masks
anything shaped like a Slack token, and the request and job lines never include message
text: they name what happened (command, action id, latency, outcome), not what was said.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Literal

from rich.console import Console
from rich.logging import RichHandler

LogFormat = Literal["text", "json"]
STRUCTURED_FIELDS = (
    "method",
    "path",
    "status",
    "latency_ms",
    "kind",
    "target",
    "slack_request_id",
    "team",
    "retry",
    "job",
    "outcome",
)
TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """Mask Slack tokens in any message, whoever logs it (a library's error, say)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN.search(message):
            record.msg = TOKEN.sub(r"\1-***", message)
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in STRUCTURED_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(level: str = "INFO", log_format: LogFormat = "text") -> None:
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[handler], force=True)
    else:
        handler = RichHandler(console=Console(stderr=True), show_path=False)
        logging.basicConfig(
            level=level, format="%(name)s: %(message)s", handlers=[handler], force=True
        )
    handler.addFilter(RedactTokens())
    quieter = max(logging.getLevelName(level), logging.WARNING)
    for noisy in ("alembic", "slack_bolt", "apscheduler"):
        logging.getLogger(noisy).setLevel(quieter)
